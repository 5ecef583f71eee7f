"""The store's local cache: one SQLite file per store app install.

Everything the screens show comes from here, so the app works the same
online and offline. Writes are short transactions under one lock; the sync
engine applies each feed page together with its cursor, so a crash never
leaves a page half applied or applied without its cursor.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, delete, event, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import optimistic
from .schema import (
    availability,
    barcode,
    cancelled_on_shelf,
    fulfilment,
    location,
    manifest,
    manifest_parcel,
    meta,
    outbox,
    product,
    staff,
    stock,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_CONFIRMED_KEPT = 10_000  # confirmed action ids remembered, to know a late second tap
_SNAPSHOT_TABLES = {"fulfilment": fulfilment, "product": product, "stock": stock, "location": location}
_KEYS = {"fulfilment": fulfilment.c.id, "product": product.c.sku, "stock": stock.c.sku, "location": location.c.code}


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class LocalCache:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{self.path}", connect_args={"check_same_thread": False})

        @event.listens_for(self.engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.close()

        self._lock = threading.RLock()
        self._listeners: list[Callable[[set[str]], None]] = []
        # Actions the core confirmed and the outbox let go of, newest last: a second tap of the
        # same action that comes after the sync is still the same action (a double tap spans
        # seconds, so memory is enough, and a bounded one).
        self._confirmed: dict[str, None] = {}
        self._migrate()

    def _migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # --- change notification --------------------------------------------

    def subscribe(self, listener: Callable[[set[str]], None]) -> Callable[[], None]:
        """`listener(kinds)` runs after each local change (kinds: fulfilment, stock, outbox, ...)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, kinds: set[str]) -> None:
        for listener in list(self._listeners):
            listener(kinds)

    def _write(self, *kinds: str) -> "_WriteTx":
        return _WriteTx(self, set(kinds))

    # --- meta --------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one_or_none()
        return default if value is None else value

    def set_meta(self, **values: str | None) -> None:
        with self._write("meta") as conn:
            _set_meta(conn, values)

    def device_id(self) -> str:
        """This install's id, made on first use and kept."""
        existing = self.get_meta("device_id")
        if existing:
            return existing
        device_id = str(uuid.uuid4())
        self.set_meta(device_id=device_id)
        return device_id

    # --- feed --------------------------------------------------------------

    def apply_page(self, page: dict, core_clock_offset: float | None) -> set[str]:
        """Apply one feed page and its cursor in one transaction; returns what changed.
        The cursor, the time of the sync, how far the core's clock is ahead of this device's
        (seconds, as the engine measured it), the network's currency and its time zone are kept:
        listeners hear only of what the page brought, so an empty page (an idle tablet's poll)
        disturbs no one."""
        kinds = {item["entity"] for item in page["items"]}
        if page.get("snapshot") in ("end", "start_end"):
            kinds |= set(_SNAPSHOT_TABLES)
        with self._write(*kinds) as conn:
            shelf_cancellations = self._shelf_cancellations(conn, page["items"])  # read before they apply
            if page.get("snapshot") in ("start", "start_end"):
                for table in _SNAPSHOT_TABLES.values():
                    conn.execute(update(table).values(stale=1))
            _apply_items(conn, page["items"])
            if shelf_cancellations:
                conn.execute(sqlite_insert(cancelled_on_shelf).on_conflict_do_nothing(), [
                    {"fulfilment_id": fid, "noticed_at": now_iso()} for fid in shelf_cancellations])
            if page.get("snapshot") in ("end", "start_end"):
                for table in _SNAPSHOT_TABLES.values():
                    conn.execute(delete(table).where(table.c.stale == 1))
            _set_meta(conn, {"cursor": page["cursor"], "last_sync_at": now_iso(),
                             **({} if core_clock_offset is None else {"core_clock_offset": str(core_clock_offset)}),
                             **({"currency": page["currency"]} if page.get("currency") else {}),
                             **({"timezone": page["timezone"]} if page.get("timezone") else {})})
            self._forget_confirmed(conn)
        return kinds

    def _shelf_cancellations(self, conn: Connection, items: list[dict]) -> list[str]:
        """The fulfilments these items cancel that associates saw waiting on the shelf, with no
        action of theirs on them pending or refused: a refusal already says what to do."""
        cancelled = [item["id"] for item in items if item["entity"] == "fulfilment" and item["op"] != "delete"
                     and item["data"]["status"] == "cancelled"]
        if not cancelled:
            return []
        seen = conn.execute(select(fulfilment.c.data).where(fulfilment.c.id.in_(cancelled))).scalars().all()
        intents = self._intents(conn, cancelled)
        refusing = set(conn.execute(select(outbox.c.fulfilment_id).where(
            outbox.c.fulfilment_id.in_(cancelled),
            (outbox.c.state == "pending") | ((outbox.c.state == "rejected") & (outbox.c.seen == 0)),
        )).scalars())
        return [row["id"] for row in seen if row["id"] not in refusing
                and optimistic.effective(row, intents.get(row["id"], []))["status"] == "ready_for_pickup"]

    def _forget_confirmed(self, conn: Connection) -> None:
        """Applied intents whose effect the cache now holds need not be replayed any more."""
        rows = conn.execute(
            select(outbox.c.seq, outbox.c.id, outbox.c.fulfilment_id, outbox.c.result_version)
            .where(outbox.c.state == "applied")
        ).all()
        versions = dict(
            conn.execute(
                select(fulfilment.c.id, fulfilment.c.version).where(fulfilment.c.id.in_({r.fulfilment_id for r in rows}))
            ).all()
        ) if rows else {}
        done = [r for r in rows if r.result_version is None or versions.get(r.fulfilment_id, 0) >= r.result_version]
        if done:
            conn.execute(delete(outbox).where(outbox.c.seq.in_([r.seq for r in done])))
            self._confirmed.update(dict.fromkeys(r.id for r in done))
            for old in list(islice(self._confirmed, max(0, len(self._confirmed) - _CONFIRMED_KEPT))):
                del self._confirmed[old]

    # --- outbox ------------------------------------------------------------

    def enqueue(self, kind: str, staff_code: str, fulfilment_id: str | None, args: dict,
                mutation_id: str | None = None) -> str:
        """Record an associate's action; it shows at once and syncs when it can. With the
        caller's `mutation_id` (made when the action began), recording it again records
        nothing more: a second tap is the same action."""
        mutation_id = mutation_id or str(uuid.uuid4())
        with self._write("outbox", "fulfilment") as conn:
            if mutation_id in self._confirmed:  # under the lock the sync's _forget_confirmed takes
                return mutation_id
            conn.execute(
                sqlite_insert(outbox).values(
                    id=mutation_id, type=kind, staff=staff_code, fulfilment_id=fulfilment_id, args=args,
                    created_at=now_iso(), state="pending", seen=0,
                ).on_conflict_do_nothing(index_elements=["id"])
            )
        return mutation_id

    def pending(self, limit: int = 100) -> list[dict]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox).where(outbox.c.state == "pending").order_by(outbox.c.seq).limit(limit)
            ).mappings()
            return [dict(r) for r in rows]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(outbox.c.seq).where(outbox.c.state == "pending")).all())

    def record_results(self, results: Iterable[dict]) -> None:
        """What the core said of pushed intents (applied, or rejected with why)."""
        with self._write("outbox", "fulfilment") as conn:
            for result in results:
                outcome = result["outcome"]
                done = result.get("result") or {}
                values = {"state": outcome, "result_version": done.get("version"), "error": result.get("error")}
                if done.get("fulfilment"):
                    # The fulfilment the core changed: a parcel another tablet scanned in
                    # first is the arrival that tablet named, not the one this one did.
                    values["fulfilment_id"] = done["fulfilment"]
                conn.execute(update(outbox).where(outbox.c.id == result["id"], outbox.c.state == "pending")
                             .values(**values))
            self._forget_confirmed(conn)

    def recorded(self, mutation_id: str) -> bool:
        """Was this action recorded already (waiting in the outbox, or confirmed since)?"""
        return mutation_id in self._confirmed or bool(self.outbox_entries([mutation_id]))

    def outbox_entries(self, mutation_ids: Iterable[str]) -> dict[str, dict]:
        """These intents as the outbox holds them (state, error). An applied intent leaves
        the outbox once the cache holds its effect: one not found was applied."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.id.in_(list(mutation_ids)))).mappings()
            return {row["id"]: dict(row) for row in rows}

    def kept_intents(self, kind: str) -> list[dict]:
        """Intents of this kind the outbox keeps, oldest first: not confirmed yet, or refused
        and not yet seen by anyone."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox).where(outbox.c.type == kind, (outbox.c.state == "pending")
                                     | ((outbox.c.state == "rejected") & (outbox.c.seen == 0)))
                .order_by(outbox.c.seq)
            ).mappings()
            return [dict(r) for r in rows]

    def rejections(self) -> list[dict]:
        """Actions the core refused that nobody has acknowledged yet, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox).where(outbox.c.state == "rejected", outbox.c.seen == 0).order_by(outbox.c.seq.desc())
            ).mappings()
            return [dict(r) for r in rows]

    def acknowledge(self, mutation_id: str) -> None:
        with self._write("outbox") as conn:
            conn.execute(update(outbox).where(outbox.c.id == mutation_id).values(seen=1))

    # --- parcels cancelled on the shelf ----------------------------------------

    def cancelled_on_shelf(self) -> list[dict]:
        """Parcels the core cancelled while they waited on the shelf, with no action of ours to
        refuse, that nobody has taken off yet: their fulfilments, newest first."""
        with self.engine.connect() as conn:
            ids = conn.execute(select(cancelled_on_shelf.c.fulfilment_id)
                               .order_by(cancelled_on_shelf.c.noticed_at.desc())).scalars().all()
        return self.fulfilments_of(ids)

    def taken_off_shelf(self, fulfilment_id: str) -> None:
        """An associate took a cancelled parcel off the shelf and put its items back in stock."""
        with self._write("cancelled_on_shelf") as conn:
            conn.execute(delete(cancelled_on_shelf).where(cancelled_on_shelf.c.fulfilment_id == fulfilment_id))

    # --- reads for the screens --------------------------------------------

    def fulfilments(self, statuses: Iterable[str] | None = None, location: str | None = None) -> list[dict]:
        """Fulfilments as associates see them (their own pending actions included), oldest first;
        with `location`, only those prepared there (the cache also holds the parcels other
        locations ship to this store for collection)."""
        query = select(fulfilment.c.data).order_by(fulfilment.c.created_at, fulfilment.c.id)
        wanted = set(statuses) if statuses is not None else None
        if wanted is not None:
            # The core's status, or an action of ours in flight that may have moved it:
            # a day's shipped orders are not read to show what is left to pick.
            in_flight = select(outbox.c.fulfilment_id).where(outbox.c.state.in_(("pending", "applied")))
            query = query.where(fulfilment.c.status.in_(wanted) | fulfilment.c.id.in_(in_flight))
        with self.engine.connect() as conn:
            rows = conn.execute(query).scalars().all()
            rows = [*rows, *self._arrivals(conn)]
            intents = self._intents(conn, [row["id"] for row in rows])
        views = [optimistic.effective(row, intents.get(row["id"], [])) for row in rows]
        return [v for v in views
                if (wanted is None or v["status"] in wanted) and (location is None or v["location"] == location)]

    def fulfilment(self, fulfilment_id: str) -> dict | None:
        return next(iter(self.fulfilments_of([fulfilment_id])), None)

    def fulfilments_of(self, fulfilment_ids: Sequence[str]) -> list[dict]:
        """These fulfilments as associates see them, read together, in the order given
        (those unknown here are left out)."""
        wanted = set(fulfilment_ids)
        with self.engine.connect() as conn:
            rows = conn.execute(select(fulfilment.c.data).where(fulfilment.c.id.in_(wanted))).scalars().all()
            if len(rows) < len(wanted):  # perhaps parcels scanned in here that the core has not confirmed yet
                found = {row["id"] for row in rows}
                rows = [*rows, *(view for view in self._arrivals(conn) if view["id"] in wanted - found)]
            intents = self._intents(conn, [row["id"] for row in rows])
        views = {row["id"]: optimistic.effective(row, intents.get(row["id"], [])) for row in rows}
        return [views[f] for f in fulfilment_ids if f in views]

    def fulfilment_ids(self, status: str, location: str | None) -> set[str]:
        """Fulfilments prepared at `location` that the core says are in `status` (cheap: no views built)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(fulfilment.c.id).where(
                fulfilment.c.status == status, fulfilment.c.data["location"].as_string() == location)).scalars())

    def server_fulfilment(self, fulfilment_id: str) -> dict | None:
        """What the core last said, without local intents."""
        with self.engine.connect() as conn:
            return conn.execute(select(fulfilment.c.data).where(fulfilment.c.id == fulfilment_id)).scalar_one_or_none()

    @staticmethod
    def _arrivals(conn: Connection) -> list[dict]:
        """Parcels scanned in here that the core has not confirmed yet, as the
        fulfilments they become (each named by the device when it was scanned)."""
        scans = conn.execute(
            select(outbox.c.fulfilment_id, outbox.c.args, outbox.c.created_at)
            .where(outbox.c.type == optimistic.RECEIVE, outbox.c.state.in_(("pending", "applied")))
            .order_by(outbox.c.seq)
        ).all()
        if not scans:
            return []
        known = set(conn.execute(select(fulfilment.c.id).where(fulfilment.c.id.in_([s.fulfilment_id for s in scans])))
                    .scalars())
        parcels = {
            number: data
            for data in conn.execute(select(fulfilment.c.data).where(fulfilment.c.status == "shipped")).scalars()
            if data.get("delivery_method") == "ship_to_store"
            for number in {data.get("tracking_number"), *(p.get("tracking_number") for p in data.get("parcels", []))}
            if number
        }
        return [
            optimistic.arrival(parcels[scan.args["tracking_number"]], scan.fulfilment_id, scan.args["tracking_number"],
                               scan.args.get("shelf"), scan.created_at)
            for scan in scans
            if scan.fulfilment_id not in known and scan.args.get("tracking_number") in parcels
        ]

    @staticmethod
    def _intents(conn: Connection, fulfilment_ids: list[str]) -> dict[str, list[dict]]:
        if not fulfilment_ids:
            return {}
        rows = conn.execute(
            select(outbox.c.fulfilment_id, outbox.c.type, outbox.c.args, outbox.c.state, outbox.c.result_version)
            .where(outbox.c.fulfilment_id.in_(fulfilment_ids), outbox.c.state.in_(("pending", "applied")))
            .order_by(outbox.c.seq)
        ).mappings()
        versions = dict(
            conn.execute(select(fulfilment.c.id, fulfilment.c.version).where(fulfilment.c.id.in_(fulfilment_ids))).all()
        )
        intents: dict[str, list[dict]] = {}
        for row in rows:
            # An applied intent is replayed only until the cache holds the core's result.
            if row["state"] == "applied" and versions.get(row["fulfilment_id"], 0) >= (row["result_version"] or 0):
                continue
            intents.setdefault(row["fulfilment_id"], []).append(dict(row))
        return intents

    def product(self, sku: str) -> dict | None:
        with self.engine.connect() as conn:
            return conn.execute(select(product.c.data).where(product.c.sku == sku)).scalar_one_or_none()

    def products(self, skus: Iterable[str]) -> dict[str, dict]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(product.c.sku, product.c.data).where(product.c.sku.in_(list(skus)))).all())

    def sku_for_code(self, code: str) -> str | None:
        """The SKU a scanned or typed code stands for (a barcode, or the SKU itself)."""
        with self.engine.connect() as conn:
            sku = conn.execute(select(barcode.c.sku).where(barcode.c.code == code)).scalar_one_or_none()
            if sku is None:
                sku = conn.execute(select(product.c.sku).where(product.c.sku == code)).scalar_one_or_none()
        return sku

    def stock_level(self, sku: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(stock).where(stock.c.sku == sku)).mappings().first()
        return dict(row) if row else None

    def stock_count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(stock.c.sku)).all())

    def location(self) -> dict | None:
        with self.engine.connect() as conn:
            return conn.execute(select(location.c.data)).scalars().first()

    # --- network availability (fetched on demand) ---------------------------

    def remember_availability(self, sku: str, data: dict) -> None:
        with self._write("availability") as conn:
            stmt = sqlite_insert(availability).values(sku=sku, data=data, fetched_at=time.time())
            conn.execute(stmt.on_conflict_do_update(index_elements=["sku"], set_={"data": data, "fetched_at": time.time()}))

    def cached_availability(self, sku: str) -> tuple[dict, float] | None:
        """The last answer and its age in seconds."""
        with self.engine.connect() as conn:
            row = conn.execute(select(availability.c.data, availability.c.fetched_at).where(availability.c.sku == sku)).first()
        return (row.data, time.time() - row.fetched_at) if row else None

    # --- offline sign-in -------------------------------------------------------

    def remember_staff(self, store: str, code: str, name: str, role: str, pin: str) -> None:
        """After an online sign-in: keep a slow, salted hash of the PIN (never the PIN)."""
        with self._write("staff") as conn:
            values = {"name": name, "role": role, "verifier": _verifier(pin)}
            stmt = sqlite_insert(staff).values(store=store, code=code, **values)
            conn.execute(stmt.on_conflict_do_update(index_elements=["store", "code"], set_=values))

    def verify_staff(self, store: str, code: str, pin: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(staff).where(staff.c.store == store, staff.c.code == code)).mappings().first()
        if row is None or not _check(pin, row["verifier"]):
            return None
        return {"store": row["store"], "code": row["code"], "name": row["name"], "role": row["role"]}

    def staff_names(self) -> dict[str, str]:
        """The names of the staff who signed in on this device, by code (a device serves one store)."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(staff.c.code, staff.c.name)).all())

    def forget_staff(self, store: str, code: str, pin: str) -> None:
        """The core refused this PIN: if it is the one kept here, it no longer signs in offline
        (a typo leaves the kept one alone)."""
        if self.verify_staff(store, code, pin) is not None:
            with self._write("staff") as conn:
                conn.execute(delete(staff).where(staff.c.store == store, staff.c.code == code))


class _WriteTx:
    """One write transaction under the cache's lock; listeners hear of it after commit."""

    def __init__(self, cache: LocalCache, kinds: set[str]) -> None:
        self.cache = cache
        self.kinds = kinds

    def __enter__(self) -> Connection:
        self.cache._lock.acquire()
        self._conn = self.cache.engine.connect()
        self._tx = self._conn.begin()
        return self._conn

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        try:
            if exc_type is None:
                self._tx.commit()
            else:
                self._tx.rollback()
        finally:
            self._conn.close()
            self.cache._lock.release()
        if exc_type is None and self.kinds:
            self.cache._changed(self.kinds)


def _set_meta(conn: Connection, values: dict[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            conn.execute(delete(meta).where(meta.c.key == key))
        else:
            stmt = sqlite_insert(meta).values(key=key, value=value)
            conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def _apply_items(conn: Connection, items: list[dict]) -> None:
    """Upsert and delete a page's entities, a few bulk statements per kind.

    A first sync writes 100,000 rows, so the upserts go to SQLite as plain
    executemany with tuples (SQLAlchemy's per-row parameter handling would
    double the time)."""
    latest: dict[tuple[str, str], dict] = {}
    for item in items:  # the last word on an entity in a page wins
        latest[(item["entity"], item["id"])] = item
    by_kind: dict[str, tuple[list[str], list[tuple]]] = {entity: ([], []) for entity in _SNAPSHOT_TABLES}
    forgotten_staff = [key for (entity, key), item in latest.items() if entity == "staff"]
    if forgotten_staff:  # deactivated, or a new PIN: no offline sign-in here until an online one
        conn.execute(delete(staff).where(staff.c.code.in_(forgotten_staff)))
    for (entity, key), item in latest.items():
        if entity not in by_kind:
            continue  # staff, above; or a kind a newer core sends, which this app does not keep
        gone, rows = by_kind[entity]
        if item["op"] == "delete":
            gone.append(key)
        else:
            rows.append(_ROW[entity](key, item["data"]))
    for entity, (gone, rows) in by_kind.items():
        table = _SNAPSHOT_TABLES[entity]
        if gone:
            conn.execute(delete(table).where(_KEYS[entity].in_(gone)))
        if entity == "product" and (gone or rows):
            conn.execute(delete(barcode).where(barcode.c.sku.in_(gone + [row[0] for row in rows])))
            codes = {code: row[0] for row in rows for code in json.loads(row[2]).get("barcodes", [])}
            if codes:
                conn.exec_driver_sql(_UPSERT_BARCODE, list(codes.items()))
        if rows:
            conn.exec_driver_sql(_UPSERT[entity], rows)


def _upsert_sql(table, key: str, columns: list[str]) -> str:  # noqa: ANN001
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != key)
    return (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}")


_UPSERT = {
    "fulfilment": _upsert_sql(fulfilment, "id", ["id", "status", "created_at", "updated_at", "version", "data", "stale"]),
    "product": _upsert_sql(product, "sku", ["sku", "name", "data", "stale"]),
    "stock": _upsert_sql(stock, "sku", ["sku", "on_hand", "reserved", "safety", "atp", "stale"]),
    "location": _upsert_sql(location, "code", ["code", "data", "stale"]),
}
_UPSERT_BARCODE = _upsert_sql(barcode, "code", ["code", "sku"])
_ROW = {
    "fulfilment": lambda key, d: (key, d["status"], d["created_at"], d["updated_at"], d["version"], json.dumps(d), 0),
    "product": lambda key, d: (key, d["name"], json.dumps(d), 0),
    "stock": lambda key, d: (key, d["on_hand"], d["reserved"], d["safety"], d["atp"], 0),
    "location": lambda key, d: (key, json.dumps(d), 0),
}


# PIN verifiers: scrypt with a per-staff salt, the same cost as the core's.
_N, _R, _P = 2**14, 8, 1


def _verifier(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _check(pin: str, stored: str) -> bool:
    try:
        _, salt, digest = stored.split("$")
    except ValueError:
        return False
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=_N, r=_R, p=_P, dklen=32)
    return hmac.compare_digest(candidate.hex(), digest)


class Manifests:
    """Today's carrier manifests on this device: open one per carrier, scan parcels in, close."""

    def __init__(self, cache: LocalCache) -> None:
        self.cache = cache

    def open_for(self, carrier: str, today: date) -> dict:
        """The carrier's open manifest, opened now if there is none (numbered by the store's `today`)."""
        with self.cache._write("manifest") as conn:
            row = conn.execute(
                select(manifest).where(manifest.c.carrier == carrier, manifest.c.closed_at.is_(None))
            ).mappings().first()
            if row is None:
                values = {"id": f"M{today:%Y%m%d}-{carrier.upper()[:4]}-{secrets.token_hex(2).upper()}",
                          "carrier": carrier, "opened_at": now_iso()}
                conn.execute(insert(manifest).values(**values))
                row = values | {"closed_at": None, "closed_by": None}
            return dict(row)

    def open(self) -> list[dict]:
        with self.cache.engine.connect() as conn:
            rows = conn.execute(select(manifest).where(manifest.c.closed_at.is_(None)).order_by(manifest.c.carrier))
            return [dict(r) for r in rows.mappings()]

    def add(self, manifest_id: str, tracking_number: str, fulfilment_id: str, staff_code: str) -> bool:
        """False when the parcel was already scanned in (a double scan is harmless)."""
        with self.cache._write("manifest") as conn:
            seen = conn.execute(select(manifest_parcel.c.manifest_id)
                                .where(manifest_parcel.c.tracking_number == tracking_number)).first()
            if seen is not None:
                return False
            conn.execute(insert(manifest_parcel).values(
                tracking_number=tracking_number, manifest_id=manifest_id, fulfilment_id=fulfilment_id,
                scanned_at=now_iso(), scanned_by=staff_code))
            return True

    def remove(self, manifest_id: str, tracking_number: str) -> bool:
        """Take a parcel off an open manifest; False when it is not on it (or the manifest is closed)."""
        still_open = select(manifest.c.id).where(manifest.c.id == manifest_id, manifest.c.closed_at.is_(None))
        with self.cache._write("manifest") as conn:
            taken = conn.execute(delete(manifest_parcel).where(manifest_parcel.c.manifest_id.in_(still_open),
                                                               manifest_parcel.c.tracking_number == tracking_number))
            return taken.rowcount > 0

    def parcels(self, manifest_id: str) -> list[dict]:
        with self.cache.engine.connect() as conn:
            rows = conn.execute(select(manifest_parcel).where(manifest_parcel.c.manifest_id == manifest_id)
                                .order_by(manifest_parcel.c.scanned_at))
            return [dict(r) for r in rows.mappings()]

    def scanned(self) -> set[str]:
        """Tracking numbers already on a manifest (open or closed)."""
        with self.cache.engine.connect() as conn:
            return set(conn.execute(select(manifest_parcel.c.tracking_number)).scalars())

    def close(self, manifest_id: str, staff_code: str) -> None:
        with self.cache._write("manifest") as conn:
            conn.execute(update(manifest).where(manifest.c.id == manifest_id)
                         .values(closed_at=now_iso(), closed_by=staff_code))
