"""Tables of the core. Plain SQLModel declarations; behaviour lives in domain/ and services/.

Timestamps are timezone-aware UTC (SQLModel stores them as UTC on both engines).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    Numeric,
    UniqueConstraint,
    false,
    text,
)
from sqlmodel import Field, SQLModel

from contract.fulfilment import OPEN

# SQLite only auto-numbers INTEGER PRIMARY KEY columns.
BigId = BigInteger().with_variant(Integer, "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A stored time, which comes back without its zone (always UTC), as the moment it is."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# Fulfilments still open (contract.fulfilment.OPEN) as SQL: the predicate of a partial
# index, which a query uses only when it says the same.
OPEN_FULFILMENT = text(f"status IN ({', '.join(repr(status.value) for status in sorted(OPEN))})")


def money_column() -> Column:
    return Column(Numeric(12, 2), nullable=False)


class Location(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    type: str = Field(max_length=16)  # warehouse | store
    lat: float
    lon: float
    country: str = Field(default="FR", max_length=2)
    ship_from_store: bool = False
    click_collect: bool = False
    returns: bool = False
    daily_capacity: int = 100
    # {"mon": ["09:00", "19:00"], ...}; a missing day is closed.
    opening_hours: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # A store must accept an assigned fulfilment within this many minutes.
    accept_within_minutes: int = 60
    paused: bool = False
    # {"line1", "postcode", "city"}: the sender on parcel labels.
    address: dict | None = Field(default=None, sa_column=Column(JSON))
    updated_at: datetime = Field(default_factory=utcnow)


class Product(SQLModel, table=True):
    sku: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    price: Decimal = Field(sa_column=money_column())
    weight_kg: float = 0.0
    image_url: str | None = Field(default=None, max_length=500)
    tags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class Barcode(SQLModel, table=True):
    """EAN-13, UPC or internal codes; a product may carry several."""

    code: str = Field(primary_key=True, max_length=64)
    sku: str = Field(foreign_key="product.sku", index=True, max_length=64)


class Stock(SQLModel, table=True):
    """Materialised sum of the movement ledger for one SKU at one location."""

    __table_args__ = (
        CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
        CheckConstraint("safety >= 0", name="stock_safety_not_negative"),
        Index("ix_stock_sku", "sku"),
    )
    location: str = Field(primary_key=True, foreign_key="location.code", max_length=32)
    sku: str = Field(primary_key=True, foreign_key="product.sku", max_length=64)
    on_hand: int = 0
    reserved: int = 0
    # Units kept back from promising (display stock, shrink); a setting, not a movement.
    safety: int = 0
    # When the shelf was last counted: a count made before it that reaches the core
    # later (a tablet that was offline) is superseded, not applied.
    counted_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


# The most units one location may hold of one SKU: counts and movements stop
# there, far below what the integer columns overflow at.
MAX_UNITS = 10_000_000


class StockMovement(SQLModel, table=True):
    """Append-only ledger: every change of on hand or reserved, with why and who."""

    __tablename__ = "stock_movement"
    # A late count adds up the moves of its (location, sku) recorded after it was counted.
    __table_args__ = (Index("ix_stock_movement_location_sku_at", "location", "sku", "at"),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    location: str = Field(max_length=32)
    sku: str = Field(max_length=64)
    kind: str = Field(max_length=16)  # receipt, adjustment, count, reserve, release, ship, collect, arrival, return
    on_hand_delta: int = 0
    reserved_delta: int = 0
    reference: str | None = Field(default=None, max_length=64)
    actor: str | None = Field(default=None, max_length=100)
    at: datetime = Field(default_factory=utcnow)


class StockAlert(SQLModel, table=True):
    """A low-stock threshold for one SKU at one location, set by its manager or head office."""

    __tablename__ = "stock_alert"
    location: str = Field(primary_key=True, foreign_key="location.code", max_length=32)
    sku: str = Field(primary_key=True, foreign_key="product.sku", max_length=64)
    # Alert when available to promise is at or below this many units.
    threshold: int
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow)


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel", "external_ref", name="uq_order_channel_external_ref"),
        UniqueConstraint("idempotency_client", "idempotency_key", name="uq_order_idempotency"),
    )
    id: str = Field(primary_key=True, max_length=36)
    channel: str = Field(max_length=16)
    external_ref: str = Field(max_length=100)
    status: str = Field(max_length=24, index=True)
    customer: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    customer_tier: str | None = Field(default=None, max_length=32)
    delivery_method: str = Field(max_length=16)
    pickup_store: str | None = Field(default=None, max_length=32)
    address: dict | None = Field(default=None, sa_column=Column(JSON))
    country: str | None = Field(default=None, max_length=2)
    dest_lat: float | None = None
    dest_lon: float | None = None
    total_value: Decimal = Field(sa_column=money_column())  # the goods', as routing rules and returns see it
    # What the customer paid for delivery (the promise's price of the option chosen), beside the goods.
    delivery_price: Decimal = Field(default=Decimal("0"), sa_column=Column(Numeric(12, 2), nullable=False,
                                                                         server_default="0"))
    tags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Who placed it: an integration or an associate (endless aisle).
    created_by: str | None = Field(default=None, max_length=100)
    idempotency_client: str | None = Field(default=None, max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_hash: str | None = Field(default=None, max_length=64)
    # What routing decided and why (candidates weighed), for people to read.
    routing: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The routing profile version that made the latest decision.
    routing_version: int | None = None
    # Lines no location could serve wait for customer service (see the profile's fallback).
    parked: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=36)
    line_no: int = Field(primary_key=True)
    sku: str = Field(max_length=64)
    qty: int
    unit_price: Decimal = Field(sa_column=money_column())
    # Lines with the same value leave in one parcel (a kit, a set).
    ship_together: str | None = Field(default=None, max_length=32)


class Fulfilment(SQLModel, table=True):
    __table_args__ = (
        Index("ix_fulfilment_location_status", "location", "status"),
        # A location's listing, a page at a time in its own order (GET /fulfilments).
        Index("ix_fulfilment_location_created", "location", "created_at", "id"),
        # A period's fulfilments (exports).
        Index("ix_fulfilment_created_at", "created_at"),
        # How many fulfilments each location has open, for routing (migration 0014); with
        # the status, it answers alone, which SQLite's planner needs to prefer it.
        Index("ix_fulfilment_open", "location", "status", postgresql_where=OPEN_FULFILMENT,
              sqlite_where=OPEN_FULFILMENT),
        # One arrival per parcel, however many devices scan it in.
        Index("ux_fulfilment_arrived_from", "arrived_from", unique=True),
    )
    id: str = Field(primary_key=True, max_length=36)
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    location: str = Field(foreign_key="location.code", max_length=32)
    status: str = Field(max_length=24)
    # home: parcel to the customer; click_collect: the customer collects here;
    # ship_to_store: parcel to the pickup store named in ship_to.
    delivery_method: str = Field(max_length=16)
    ship_to: str | None = Field(default=None, max_length=32)
    accept_by: datetime | None = None
    carrier: str | None = Field(default=None, max_length=50)
    tracking_number: str | None = Field(default=None, max_length=64)
    parcels: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Click & collect: the staging shelf it waits on, since when, and how many
    # reminders the customer has had (the counter scheduler reads these).
    shelf: str | None = Field(default=None, max_length=32)
    ready_at: datetime | None = Field(default=None, index=True)
    reminders_sent: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    # A parcel shipped to the pickup store becomes, on arrival, a fulfilment of
    # that store waiting for the customer; this names the parcel's fulfilment.
    arrived_from: str | None = Field(default=None, max_length=36)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class LocationDay(SQLModel, table=True):
    """What each location was given (fulfilments routed to it) and gave back (rejected
    or let expire) each day, UTC, so that routing reads how busy the network is
    from a week of these rows, not from the fulfilments (services/location_load.py)."""

    __tablename__ = "location_day"
    day: date = Field(primary_key=True)
    location: str = Field(primary_key=True, foreign_key="location.code", max_length=32)
    given: int = 0
    gave_back: int = 0


class FulfilmentLine(SQLModel, table=True):
    __tablename__ = "fulfilment_line"
    fulfilment_id: str = Field(primary_key=True, foreign_key="fulfilment.id", max_length=36)
    sku: str = Field(primary_key=True, max_length=64)
    qty: int
    picked: int = 0


class Event(SQLModel, table=True):
    """What happened to an order or one of its fulfilments: who, when, where, why."""

    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    order_id: str = Field(index=True, max_length=36)
    fulfilment_id: str | None = Field(default=None, index=True, max_length=36)
    kind: str = Field(max_length=32)  # e.g. order.created, fulfilment.accept
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    actor: str | None = Field(default=None, max_length=100)
    actor_role: str | None = Field(default=None, max_length=16)
    location: str | None = Field(default=None, max_length=32)
    reason: str | None = Field(default=None, max_length=500)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(default_factory=utcnow, index=True)


class Change(SQLModel, table=True):
    """The change feed: what a store must hear about.

    `seq` numbers changes in commit order; it is set when the change is
    sequenced (see services/changes.py), and readers only read sequenced rows.
    """

    __table_args__ = (
        Index("ix_change_scope_seq", "scope", "seq"),
        Index("ix_change_seq", "seq", unique=True),
        # What is still to be numbered (migration 0013 says why).
        Index("ix_change_unsequenced", "id", postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL")),
    )
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    scope: str = Field(max_length=32)  # a location code, or "*" for the whole network
    entity: str = Field(max_length=24)  # fulfilment, order, stock, product, location, staff
    entity_id: str = Field(max_length=120)
    op: str = Field(default="upsert", max_length=8)  # upsert | delete
    at: datetime = Field(default_factory=utcnow, index=True)  # housekeeping forgets by age


class RoutingProfile(SQLModel, table=True):
    """Every version of the routing profile; the highest is the one in force."""

    __tablename__ = "routing_profile"
    version: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    name: str = Field(max_length=100)
    body: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=100)


class Staff(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("store", "code", name="uq_staff_store_code"),)
    id: int | None = Field(default=None, primary_key=True)
    store: str = Field(foreign_key="location.code", max_length=32)
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)  # associate | manager
    pin_hash: str = Field(max_length=200)
    failed_attempts: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None
    active: bool = True
    # When they were deactivated: what a tablet did in their name before still reaches the core.
    deactivated_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_key"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=16)  # admin | channel
    # Keys are long random strings, so a plain SHA-256 is the right hash here.
    key_hash: str = Field(unique=True, max_length=64)
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class StaffToken(SQLModel, table=True):
    __tablename__ = "staff_token"
    token_hash: str = Field(primary_key=True, max_length=64)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    store: str = Field(max_length=32)
    role: str = Field(max_length=16)  # as signed in with, for the record: the rights follow Staff.role
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class Device(SQLModel, table=True):
    """A store app install (tablet, counter PC, store server) enrolled for one store.

    Its long-lived token lets it sync while associates come and go; each of
    their actions still names the associate, checked against the store's staff.
    """

    id: str = Field(primary_key=True, max_length=36)  # chosen by the device
    store: str = Field(foreign_key="location.code", max_length=32)
    name: str = Field(max_length=100)
    token_hash: str = Field(unique=True, max_length=64)
    enrolled_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime | None = None
    revoked_at: datetime | None = None


class SyncMutation(SQLModel, table=True):
    """What became of each mutation a device pushed, so a retry gets the same answer."""

    __tablename__ = "sync_mutation"
    device_id: str = Field(primary_key=True, max_length=36)
    mutation_id: str = Field(primary_key=True, max_length=36)
    type: str = Field(max_length=24)
    status: str = Field(max_length=16)  # applied | rejected
    result: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What was asked (type, staff, fulfilment, args), so that a retry can be told
    # from another action under the same id; None before migration 0015.
    request_hash: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)  # housekeeping forgets by age


class FulfilmentActionKey(SQLModel, table=True):
    """The Idempotency-Key of each store action taken over HTTP, so a retried pick or
    rejection is answered without being counted twice."""

    __tablename__ = "fulfilment_action_key"
    client: str = Field(primary_key=True, max_length=100)  # the actor's label: keys are per caller
    key: str = Field(primary_key=True, max_length=200)
    fulfilment_id: str = Field(max_length=36)
    action: str = Field(max_length=16)
    request_hash: str = Field(max_length=64)  # the fulfilment, action and body asked
    at: datetime = Field(default_factory=utcnow, index=True)  # housekeeping forgets by age


class FeedRetention(SQLModel, table=True):
    """How far the change feed has been pruned: a cursor below this must re-snapshot."""

    __tablename__ = "feed_retention"
    id: int = Field(default=1, primary_key=True)
    pruned_through: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))


class PickupKey(SQLModel, table=True):
    """Each store's secret for pickup codes (contract/pickup.py); its devices get it through sync."""

    __tablename__ = "pickup_key"
    store: str = Field(primary_key=True, foreign_key="location.code", max_length=32)
    secret: str = Field(max_length=64)  # hex
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """The customer notification outbox: written with the change that causes it,
    sent afterwards by the notifier loop, retried with backoff."""

    __table_args__ = (Index("ix_notification_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    # What it is about, once: "ready:<fulfilment>", "refund:<return>"... a second enqueue is a no-op.
    key: str = Field(unique=True, max_length=120)
    kind: str = Field(max_length=24)  # ready, reminder, collected, shipped, refund
    order_id: str = Field(index=True, max_length=36)
    recipient: str | None = Field(default=None, max_length=200)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=4000)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)  # pending | sent | failed | withdrawn
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class OrderReturn(SQLModel, table=True):
    """Goods brought back to a store: what, why, in what condition, and the refund."""

    __tablename__ = "order_return"
    __table_args__ = (UniqueConstraint("idempotency_client", "idempotency_key", name="uq_return_idempotency"),)
    id: str = Field(primary_key=True, max_length=36)  # chosen by the client (the counter) or the core
    order_id: str = Field(foreign_key="orders.id", index=True, max_length=36)
    store: str = Field(foreign_key="location.code", max_length=32)
    reason: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=500)
    # [{"sku", "qty", "condition": resellable|damaged, "unit_price", "refund"}]
    lines: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refund: Decimal = Field(sa_column=money_column())
    created_by: str = Field(max_length=100)
    idempotency_client: str | None = Field(default=None, max_length=100)
    idempotency_key: str | None = Field(default=None, max_length=200)
    request_hash: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class ClientLockout(SQLModel, table=True):
    """Failed sign-ins and unknown credentials per caller address, counted in the
    database so that every worker sees the same count (services/auth.ClientThrottle)."""

    __tablename__ = "client_lockout"
    client: str = Field(primary_key=True, max_length=64)
    failures: int = 0  # since window_start
    window_start: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Security-relevant actions, kept apart from order events: sign-ins (good
    and bad), refusals, lockouts, key and routing changes, revocations. Rows are
    only ever added; the IT team reads them through GET /api/v1/audit."""

    __tablename__ = "audit"
    id: int | None = Field(default=None, sa_column=Column(BigId, primary_key=True, autoincrement=True))
    at: datetime = Field(default_factory=utcnow, index=True)
    action: str = Field(index=True, max_length=40)  # e.g. sign_in.failed, key.created
    actor: str | None = Field(default=None, max_length=100)  # who acted (label), when known
    role: str | None = Field(default=None, max_length=16)
    store: str | None = Field(default=None, max_length=32)
    target: str | None = Field(default=None, max_length=200)  # what it was done to
    client: str | None = Field(default=None, max_length=64)  # the caller's address
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class StockMovementKey(SQLModel, table=True):
    """The Idempotency-Key of each batch of stock movements, so that a WMS or an ERP
    that sends a receipt again after a timeout is answered without receiving it twice."""

    __tablename__ = "stock_movement_key"
    client: str = Field(primary_key=True, max_length=100)  # the actor's label: keys are per caller
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)  # the movements asked
    answer: dict = Field(sa_column=Column(JSON, nullable=False))  # what the first call was answered
    at: datetime = Field(default_factory=utcnow, index=True)  # housekeeping forgets by age


class ParcelLabel(SQLModel, table=True):
    """Which fulfilment each tracking number was given to. A number names one parcel (the
    carrier tracks it, the pickup store finds what arrives by it), and finding it must not
    read every parcel ever packed: the parcels themselves are JSON on their fulfilment."""

    __tablename__ = "parcel_label"
    tracking_number: str = Field(primary_key=True, max_length=64)
    fulfilment_id: str = Field(index=True, max_length=36)
