"""The one settings object of the core: environment variables prefixed BACKROOM_."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from contract.money import DEFAULT_CURRENCY


class Settings(BaseSettings):
    # An empty variable (as in the environment file example) means "not set".
    model_config = SettingsConfigDict(env_prefix="BACKROOM_", extra="ignore", env_ignore_empty=True)

    # SQLite file by default (embedded); PostgreSQL in production, e.g.
    # postgresql+psycopg://user@host/backroom
    database_url: str = "sqlite:///var/backroom.db"
    # Connections per worker process (PostgreSQL, or a SQLite file), kept open;
    # on PostgreSQL split in half between two pools: one writes, one only reads.
    # Connections over the pool's size are opened for a request and closed after
    # it: under steady load that made PostgreSQL start 6-7 sessions a second.
    db_pool_size: int = 20
    db_pool_overflow: int = 0
    # Seconds a request waits for a free connection before it is answered 503.
    db_pool_timeout: float = 30
    # Threads per worker process running the routes that touch the database
    # (FastAPI's thread pool; its default is 40).
    worker_threads: int = 40
    log_level: str = "INFO"
    # "json": one JSON object a line, for log collectors; "text" for a terminal.
    log_format: str = "json"
    # Staff sessions: a signed-in tablet keeps its token for a shift or two.
    token_ttl_hours: int = 12
    # A worker remembers who a token or key belongs to for this long; a revoked
    # token stops working in other worker processes within this delay.
    auth_cache_seconds: float = 10.0
    # Brute-force protection for PINs: after this many failures in a row the
    # staff account is locked for lockout_minutes (doubling on each lockout).
    pin_max_attempts: int = 5
    pin_lockout_minutes: int = 5
    # Brute-force protection per caller address (counted in the database, shared by every worker):
    # this many failed sign-ins or unknown tokens/keys within
    # client_lockout_seconds lock the address out of signing in for as long.
    client_max_failures: int = 20
    client_lockout_seconds: int = 300
    # Requests larger than this are refused with 413 before they are parsed.
    max_body_bytes: int = 2 * 1024 * 1024
    # Bulk calls (products, locations, stock counts) take at most this many items.
    max_bulk_items: int = 5000
    # Order lines per order.
    max_order_lines: int = 200
    # CORS is closed unless origins are listed (comma separated), e.g.
    # https://backoffice.example.com; the store app does not need it.
    cors_origins: str = ""
    # `backroom core`: seconds a stopping worker gives requests in flight to
    # finish before it exits (open event streams end at once: api/live.py).
    shutdown_grace_seconds: int = 20
    # `backroom core` behind a reverse proxy: the proxy addresses whose
    # X-Forwarded-For is trusted, so lockouts and the audit see the real caller.
    forwarded_allow_ips: str = "127.0.0.1"
    # How often each worker looks for fulfilments not accepted in time (expires
    # and re-routes them); 0 turns the scheduler off.
    expiry_interval_seconds: float = 30.0
    # Click & collect orders waiting on the shelf: the customer is reminded
    # this many hours after the order was ready (one reminder per delay), and
    # after pickup_hold_hours what is still there is cancelled and goes back
    # to stock. The counter scheduler looks every counter_interval_seconds (0: off).
    pickup_reminder_hours: list[float] = [48.0]
    pickup_hold_hours: float = 120.0
    counter_interval_seconds: float = 60.0
    # The counter sends a customer their pickup code again at most once in this
    # many minutes per order (a double tap, an impatient customer: one e-mail).
    pickup_code_resend_minutes: float = 2.0
    # Customer notifications: sent by a loop every notify_interval_seconds (0:
    # off), retried with growing waits up to notify_max_attempts. Without an
    # SMTP host they are written to notifications_log (the demo shows them).
    notify_interval_seconds: float = 5.0
    notify_max_attempts: int = 8
    # Housekeeping, every housekeeping_interval_seconds (0: off), so that what grows with
    # every order does not grow for ever: the change feed keeps feed_keep_days of changes
    # (a tablet offline for longer takes a new snapshot), and the answers kept for retries
    # (a tablet's pushes, Idempotency-Keys) are kept retry_answers_keep_days.
    housekeeping_interval_seconds: float = 3600.0
    feed_keep_days: float = Field(default=14, gt=0)
    retry_answers_keep_days: float = Field(default=30, gt=0)
    notifications_log: str = "var/notifications.log"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    smtp_sender: str = "Backroom <no-reply@backroom.local>"
    # The network's currency (ISO 4217, one with cents): prices, order totals and refunds
    # are plain numbers in it. Set it once: amounts already recorded do not say theirs.
    currency: str = Field(default=DEFAULT_CURRENCY, pattern=r"^[A-Z]{3}$")

    @field_validator("currency", mode="before")
    @classmethod
    def _currency_code(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value  # "gbp" is GBP

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = make_url(self.database_url).database  # None for "sqlite://"; no "?query" part
        return None if path in (None, "", ":memory:") else Path(path)


@lru_cache
def get_settings() -> Settings:
    return Settings()
