"""Stock: the movement ledger and its materialised rows.

Every change is one conditional UPDATE of the stock row (the database checks
the condition and changes the row atomically, on SQLite and PostgreSQL alike)
plus one ledger row. Absolute counts read the row under a row lock first.
Rows are always touched in (location, sku) order so that two transactions
never wait on each other in a cycle.
"""

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Engine, Update, bindparam, case, func, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contract.counts import FUTURE_TOLERANCE, MAX_AGE, SUPERSEDED, TOO_OLD
from contract.errors import Conflict, InvalidInput
from ..core.db import session_scope
from ..models import MAX_UNITS, Location, Product, Stock, StockMovement, StockMovementKey, utcnow
from . import changes, events
from .db_util import insert_missing, request_hash, require_known

stock = Stock.__table__
_raw_atp = stock.c.on_hand - stock.c.reserved - stock.c.safety
# Available to promise: on hand - reserved - safety, never below zero.
ATP = case((_raw_atp > 0, _raw_atp), else_=0)


class StockShortage(Conflict):
    """A reservation or decrement found less stock than it needs."""


@dataclass(frozen=True)
class Move:
    location: str
    sku: str
    on_hand_delta: int = 0
    reserved_delta: int = 0
    kind: str = "adjustment"
    reference: str | None = None


@dataclass(frozen=True)
class Count:
    location: str
    sku: str
    on_hand: int
    safety: int | None = None  # safety stock set with the count, when given
    counted_at: datetime | None = None  # when the shelf was counted (None: now)


@dataclass(frozen=True)
class Counted:
    """What a batch of counts did: the on hand each applied count set, and the counts not
    applied because their shelf was counted again later (with when: that count stands)."""
    set_to: dict[tuple[str, str], int]
    superseded: dict[tuple[str, str], datetime]

    def superseded_error(self) -> Conflict:
        """The refusal of a lone count that was superseded (the store app's count mutation)."""
        ((location, sku), later), = self.superseded.items()
        return Conflict(SUPERSEDED, f"{sku} at {location} was counted again later ({later:%Y-%m-%d %H:%M:%S} UTC): "
                        "that count stands, this one is not applied", sku=sku, counted_at=later.isoformat())


def require_known_pairs(session: Session, locations: Iterable[str], skus: Iterable[str]) -> None:
    require_known(session, Location.code, locations, "unknown_location", "location")
    require_known(session, Product.sku, skus, "unknown_sku", "SKU")


def apply(session: Session, moves: Sequence[Move], actor: str | None) -> None:
    """Apply deltas atomically; refuse (StockShortage) rather than go negative or oversell."""
    if not moves:
        return
    now = utcnow()
    done = events.done_time(actor)
    if done < now:
        moves = _counted_since(session, moves, done)
        if not moves:
            return
    # Only receipts can meet a row that does not exist yet; any other move
    # needs stock that is there (and fails as a shortage when it is not).
    # In (location, sku) order, as every row is touched: two batches never wait on each other.
    insert_missing(
        session,
        stock,
        [{"location": location, "sku": sku, "updated_at": now}
         for location, sku in sorted({(m.location, m.sku) for m in moves if m.on_hand_delta > 0})],
        ["location", "sku"],
    )
    for m in sorted(moves, key=lambda m: (m.location, m.sku)):
        statement = _conditional_update(_sign(m.on_hand_delta), _sign(m.reserved_delta))
        result = session.execute(
            statement, {"b_location": m.location, "b_sku": m.sku, "b_on_hand": m.on_hand_delta,
                        "b_reserved": m.reserved_delta, "b_now": now}
        )
        if result.rowcount != 1 and m.on_hand_delta > 0:
            raise Conflict(
                "too_much_stock", f"{m.location} would hold more than {MAX_UNITS:,} units of {m.sku}",
                location=m.location, sku=m.sku,
            )
        if result.rowcount != 1:
            raise StockShortage(
                "insufficient_stock",
                f"not enough stock of {m.sku} at {m.location} for this {m.kind}",
                location=m.location,
                sku=m.sku,
            )
    _ledger(session, moves, actor, done)


def _counted_since(session: Session, moves: Sequence[Move], done: datetime) -> list[Move]:
    """Moves of an action done offline, pushed after a count of the same shelf: the count saw
    the shelf as the action left it, so its on-hand change is in the count already (a parcel
    gone before the shelf was counted is not taken off again); what it reserves still changes."""
    keys = sorted({(m.location, m.sku) for m in moves if m.on_hand_delta})
    if not keys:
        return list(moves)
    # Locked (in key order, as every row is touched), so that a count being applied is waited for.
    counted = {(row.location, row.sku) for row in session.execute(
        select(stock.c.location, stock.c.sku, stock.c.counted_at).where(tuple_(stock.c.location, stock.c.sku).in_(keys))
        .order_by(stock.c.location, stock.c.sku).with_for_update()) if row.counted_at and row.counted_at > done}
    kept = [replace(m, on_hand_delta=0) if (m.location, m.sku) in counted else m for m in moves]
    return [m for m in kept if m.on_hand_delta or m.reserved_delta]


def apply_batch(engine: Engine, moves: Sequence[Move], actor: str, key: str | None) -> tuple[dict, bool]:
    """Apply a batch of movements sent over HTTP; returns (the answer, applied). A batch sent
    again under the same Idempotency-Key is answered as the first time and moves nothing."""
    digest = request_hash([asdict(m) for m in moves])
    try:
        with session_scope(engine) as session:
            answer = _replayed(session, actor, key, digest)
            if answer is not None:
                return answer, False
            require_known_pairs(session, {m.location for m in moves}, {m.sku for m in moves})
            answer = {"applied": len(moves)}
            if key is not None:
                # The key before the moves: on PostgreSQL a retry racing this one waits
                # here until this batch is in, then fails on the key instead of moving stock.
                session.add(StockMovementKey(client=actor, key=key, request_hash=digest, answer=answer))
                session.flush()
            apply(session, moves, actor)
            return answer, True
    except IntegrityError:
        # The same batch arrived twice at once: the first one stands.
        with session_scope(engine) as session:
            answer = _replayed(session, actor, key, digest)
        if answer is None:
            raise
        return answer, False


def _replayed(session: Session, client: str, key: str | None, digest: str) -> dict | None:
    """The answer to the batch this Idempotency-Key already applied, if the movements are the same."""
    if key is None:
        return None
    sent = session.get(StockMovementKey, (client, key))
    if sent is None:
        return None
    if sent.request_hash != digest:
        raise InvalidInput("idempotency_key_reused", "this Idempotency-Key was used for other movements")
    return sent.answer


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


@lru_cache(maxsize=None)
def _conditional_update(on_hand_sign: int, reserved_sign: int) -> Update:
    """The UPDATE for one kind of move, built once (orders run it all day)."""
    on_hand, reserved = bindparam("b_on_hand"), bindparam("b_reserved")
    where = [stock.c.location == bindparam("b_location"), stock.c.sku == bindparam("b_sku")]
    if on_hand_sign > 0:
        where.append(stock.c.on_hand + on_hand <= MAX_UNITS)
    if on_hand_sign < 0:
        where.append(stock.c.on_hand + on_hand >= 0)
        if reserved_sign == 0:
            # Removing units (damage, shrink) may not eat into what is
            # promised to orders: reject the fulfilment or count instead.
            where.append(stock.c.on_hand + on_hand >= stock.c.reserved)
    if reserved_sign > 0 and on_hand_sign <= 0:
        # Reserving from the shelf: only what is available to promise. A move that brings the
        # units it reserves (a customer's parcel arriving at the pickup store) takes nothing
        # from anyone, whatever the store keeps back.
        where.append(_raw_atp + on_hand >= reserved)
    if reserved_sign < 0:
        where.append(stock.c.reserved + reserved >= 0)
    return (
        update(stock)
        .where(*where)
        .values(on_hand=stock.c.on_hand + on_hand, reserved=stock.c.reserved + reserved, updated_at=bindparam("b_now"))
    )


def count(session: Session, counts: Sequence[Count], actor: str | None, reference: str | None = None) -> Counted:
    """Absolute counts, each as of when it was counted (contract/counts.py): on hand is what
    was counted plus the moves recorded since; the ledger gets the difference. A count older
    than its shelf's last one is skipped, not an error: the later count stands, and one shelf
    counted again must not hold back a whole batch of others."""
    now = utcnow()
    for c in counts:
        if c.counted_at is not None and c.counted_at > now + FUTURE_TOLERANCE:
            raise InvalidInput("counted_in_the_future", f"the count of {c.sku} at {c.location} says it was counted "
                               f"at {c.counted_at:%Y-%m-%d %H:%M:%S} UTC, later than the core's clock "
                               f"({now:%H:%M:%S} UTC): check the device's date and time", sku=c.sku)
        if c.counted_at is not None and c.counted_at < now - MAX_AGE:
            raise InvalidInput(TOO_OLD, f"the count of {c.sku} at {c.location} is dated "
                               f"{c.counted_at:%Y-%m-%d %H:%M} UTC, more than {MAX_AGE.days} days ago: it no longer "
                               "says what is on the shelf (or the device's clock is wrong): count it again", sku=c.sku)
    insert_missing(
        session,
        stock,
        [{"location": location, "sku": sku, "updated_at": now}
         for location, sku in sorted({(c.location, c.sku) for c in counts})],
        ["location", "sku"],
    )
    moves: list[Move] = []
    done = Counted({}, {})
    for c in sorted(counts, key=lambda c: (c.location, c.sku)):
        key = [stock.c.location == c.location, stock.c.sku == c.sku]
        current, last_counted = session.execute(
            select(stock.c.on_hand, stock.c.counted_at).where(*key).with_for_update()).one()
        counted_at = min(c.counted_at or now, now)
        if last_counted is not None and last_counted > counted_at:
            done.superseded[c.location, c.sku] = last_counted
            if c.safety is not None:  # a setting, not a count: it holds whenever the shelf was counted
                session.execute(update(stock).where(*key).values(safety=c.safety, updated_at=now))
                changes.record(session, c.location, "stock", c.sku)
            continue
        # What was on the shelf then, moved as the ledger says it moved since (within 0..MAX_UNITS);
        # a count made now (a bulk load, an older app) has nothing to look up.
        moved = _moved_since(session, c.location, c.sku, counted_at) if counted_at < now else 0
        on_hand = min(max(c.on_hand + moved, 0), MAX_UNITS)
        values: dict = {"on_hand": on_hand, "counted_at": counted_at, "updated_at": now}
        if c.safety is not None:
            values["safety"] = c.safety
        session.execute(update(stock).where(*key).values(**values))
        done.set_to[c.location, c.sku] = on_hand
        if on_hand != current:
            moves.append(Move(c.location, c.sku, on_hand - current, 0, "count", reference))
        elif c.safety is not None:
            changes.record(session, c.location, "stock", c.sku)
    _ledger(session, moves, actor, now)
    return done


_movement = StockMovement.__table__.c
# The on-hand moves of one (location, sku) after a moment (ix_stock_movement_location_sku_at).
# Other counts' corrections are left out: they say what an earlier count found, which this
# later one replaces.
_MOVED_SINCE = select(func.coalesce(func.sum(_movement.on_hand_delta), 0)).where(
    _movement.location == bindparam("location"), _movement.sku == bindparam("sku"),
    _movement.at > bindparam("since", type_=_movement.at.type), _movement.kind != "count",
)


def _moved_since(session: Session, location: str, sku: str, since: datetime) -> int:
    return session.execute(_MOVED_SINCE, {"location": location, "sku": sku, "since": since}).scalar_one()


def _ledger(session: Session, moves: Sequence[Move], actor: str | None, now) -> None:  # noqa: ANN001
    if not moves:
        return
    session.execute(
        insert(StockMovement.__table__),
        [
            {
                "location": m.location,
                "sku": m.sku,
                "kind": m.kind,
                "on_hand_delta": m.on_hand_delta,
                "reserved_delta": m.reserved_delta,
                "reference": m.reference,
                "actor": actor,
                "at": now,
            }
            for m in moves
        ],
    )
    for m in moves:
        changes.record(session, m.location, "stock", m.sku)


def availability(session: Session, skus: Sequence[str], locations: Sequence[str] | None = None) -> list[dict]:
    query = (
        select(stock.c.location, stock.c.sku, stock.c.on_hand, stock.c.reserved, stock.c.safety, ATP.label("atp"))
        .where(stock.c.sku.in_(list(skus)))
        .order_by(stock.c.sku, stock.c.location)
    )
    if locations:
        query = query.where(stock.c.location.in_(list(locations)))
    result = session.execute(query)
    # Keys read once: a row's mapping builds its key view again for every row
    # (a quarter of the call for 3 SKUs across 500 locations).
    keys = list(result.keys())
    return [dict(zip(keys, row)) for row in result]
