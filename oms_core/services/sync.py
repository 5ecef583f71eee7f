"""The store app's side door: the change feed a store pulls, and the
mutations a device pushes.

Pull: with no cursor the store gets a full snapshot (its location, its stock,
its recent and open fulfilments, the products in them) in pages, then the
changes numbered after the moment the snapshot began. A change page carries
the current state of each changed entity, or a tombstone when the store may
no longer see it.

Push: each mutation is applied in its own transaction together with the
record of its outcome, keyed by (device, mutation id); a retry gets the
recorded outcome back and nothing runs twice.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import Engine, bindparam, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contract.errors import Conflict, DomainError, Forbidden, InvalidInput
from contract.fulfilment import OPEN, Action

from ..core.db import session_scope
from ..domain.actors import Actor
from ..models import (
    Barcode,
    Change,
    Event,
    FeedRetention,
    Fulfilment,
    Location,
    Order,
    PickupKey,
    Product,
    Stock,
    SyncMutation,
    as_utc,
    utcnow,
)
from ..schemas import (
    AcceptIn,
    CollectIn,
    CountIn,
    FulfilmentOut,
    LocationOut,
    MutationIn,
    PackIn,
    PickIn,
    ReadyIn,
    ReceiveIn,
    RejectIn,
    ShipIn,
)
from . import audit, auth, counter, events, fulfilments, orders, routing_profiles
from . import stock as stock_service
from .db_util import delete_in_batches, request_hash

# Done fulfilments stay on the tablet this long ("done today", reprints).
RECENT = timedelta(days=7)
_SNAPSHOT_PHASES = ("location", "stock", "fulfilment")
_BODIES = {
    Action.ACCEPT: AcceptIn,
    Action.REJECT: RejectIn,
    Action.PICK: PickIn,
    Action.PACK: PackIn,
    Action.SHIP: ShipIn,
    Action.READY: ReadyIn,
    Action.COLLECT: CollectIn,
}
_FULFILMENT_ACTIONS = {action.value for action in _BODIES}


# --- pull -------------------------------------------------------------------

# A pull is the call stores make most. Its statements are built once, with parameters,
# and on tables rather than models: building them and working out their cache key on
# every pull cost about a fifth of it, and the ORM's result handling is not needed here.
_change, _stock, _product, _barcode = Change.__table__.c, Stock.__table__.c, Product.__table__.c, Barcode.__table__.c
_order, _location = Order.__table__.c, Location.__table__.c
_FEED_BOUNDS = select(
    func.coalesce(select(FeedRetention.__table__.c.pruned_through).scalar_subquery(), 0).label("pruned"),
    func.coalesce(select(func.max(_change.seq)).scalar_subquery(), 0).label("newest"),
)
_bounds = _FEED_BOUNDS.subquery("bounds")
_after = (
    select(_change.seq, _change.entity, _change.entity_id)
    .where(
        _change.seq > bindparam("since"),
        or_(
            _change.scope == bindparam("store"),
            # Product changes concern a store that holds the product.
            (_change.scope == "*") & (_change.entity == "product")
            & _change.entity_id.in_(select(_stock.sku).where(_stock.location == bindparam("store"))),
        ),
    )
    .order_by(_change.seq)
    .limit(bindparam("limit"))
    .subquery("after")
)
# The bounds, joined to each change after `since` (one row, with no change, when there is none).
_CHANGES_AFTER = (
    select(_bounds.c.pruned, _bounds.c.newest, _after.c.seq, _after.c.entity, _after.c.entity_id)
    .select_from(_bounds.outerjoin(_after, true()))
    .order_by(_after.c.seq)
)
_STOCK = select(_stock.sku, _stock.on_hand, _stock.reserved, _stock.safety, stock_service.ATP.label("atp")).where(
    _stock.location == bindparam("store"), _stock.sku.in_(bindparam("skus", expanding=True))
)
_PRODUCTS = (
    select(_product.sku, _product.name, _product.price, _product.weight_kg, _product.image_url, _product.tags,
           _barcode.code)
    .select_from(Product.__table__.outerjoin(Barcode.__table__, _barcode.sku == _product.sku))
    .where(_product.sku.in_(bindparam("skus", expanding=True)))
    .order_by(_product.sku, _barcode.code)
)
_ORDER_SUMMARIES = select(
    _order.id, _order.channel, _order.external_ref, _order.status, _order.customer, _order.delivery_method,
    _order.pickup_store, _order.address, _order.total_value, _order.created_at,
).where(_order.id.in_(bindparam("ids", expanding=True)))
_STORE_ADDRESSES = select(_location.code, _location.name, _location.address, _location.country).where(
    _location.code.in_(bindparam("codes", expanding=True))
)


def pull(session: Session, store: str, since: str | None, limit: int, currency: str) -> dict:
    # With the core's clock: a tablet dates its counts by it (counted_at), offline too;
    # the network's currency, which its prices and refunds are in; and the network's time
    # zone (the routing profile's), in which the core counts its days: the tablet's "today"
    # and periods are the same days, whatever zone the machine running the app is set to.
    timezone = routing_profiles.network_zone(session).key
    return {**_page(session, store, since, limit), "now": utcnow(), "currency": currency, "timezone": timezone}


def _page(session: Session, store: str, since: str | None, limit: int) -> dict:
    if not since:
        return _snapshot(session, store, _latest_seq(session), "location", "", limit, first=True)
    kind, number, phase, after = _read_cursor(since)
    if kind == "seq":
        return _changes(session, store, number, limit)
    return _snapshot(session, store, number, phase, after, limit, first=False)


_LARGEST_SEQ = 2**63 - 1  # the change sequence is a 64-bit integer


def _read_cursor(since: str) -> tuple[str, int, str, str]:
    """(kind, number, snapshot phase, key after) of a cursor the feed gave out. Only reading
    it is guarded: a fault further on is the core's, not the cursor's."""
    kind, _, rest = since.partition(":")
    try:
        if kind == "seq" and 0 <= int(rest) <= _LARGEST_SEQ:
            return kind, int(rest), "", ""
        if kind == "snap":
            watermark, phase, after = rest.split(":", 2)
            if phase in _SNAPSHOT_PHASES and 0 <= int(watermark) <= _LARGEST_SEQ:
                return kind, int(watermark), phase, after
    except ValueError:
        pass
    raise InvalidInput("invalid_cursor", "this cursor was not given by the feed; start again without one")


def _latest_seq(session: Session) -> int:
    """Where the feed stands now (never below what was pruned, even if nothing is left)."""
    return max(_feed_bounds(session))


def _feed_bounds(session: Session) -> tuple[int, int]:
    """What was pruned and the newest change, in one round trip."""
    return tuple(session.execute(_FEED_BOUNDS).one())


def _snapshot(session: Session, store: str, watermark: int, phase: str, after: str, limit: int, first: bool) -> dict:
    """One page of the store's current state, phase by phase, in key order."""
    wanted: dict[str, list[str]] = {}
    taken = 0
    while True:
        room = limit - taken
        keys = _snapshot_keys(session, store, phase, after, room) if room > 0 else []
        wanted[phase] = keys
        taken += len(keys)
        if room <= 0 or len(keys) == room:  # page full: this phase may go on
            after = keys[-1] if keys else after
            return {
                "items": _items(session, store, wanted),
                "cursor": f"snap:{watermark}:{phase}:{after}",
                "more": True,
                "snapshot": "start" if first else "continue",
            }
        following = _SNAPSHOT_PHASES.index(phase) + 1
        if following == len(_SNAPSHOT_PHASES):
            # What changed since the snapshot began comes next, from the feed.
            return {"items": _items(session, store, wanted), "cursor": f"seq:{watermark}", "more": True,
                    "snapshot": "start_end" if first else "end"}
        phase, after = _SNAPSHOT_PHASES[following], ""


def _snapshot_keys(session: Session, store: str, phase: str, after: str, limit: int) -> list[str]:
    if phase == "location":
        return [store] if not after else []
    if phase == "stock":
        query = select(Stock.sku).where(Stock.location == store, Stock.sku > after).order_by(Stock.sku)
    else:
        query = (
            select(Fulfilment.id)
            .where(
                _visible_to(store),
                Fulfilment.id > after,
                or_(Fulfilment.status.in_([s.value for s in OPEN]), Fulfilment.updated_at >= utcnow() - RECENT),
            )
            .order_by(Fulfilment.id)
        )
    return list(session.execute(query.limit(limit)).scalars())


def _changes(session: Session, store: str, since: int, limit: int) -> dict:
    # Where the feed stands comes in the same statement (so the same snapshot) as the changes:
    # a cursor given out earlier is never past the newest change then.
    found = session.execute(_CHANGES_AFTER, {"since": since, "store": store, "limit": limit}).all()
    pruned, newest = found[0].pruned, found[0].newest
    if since < pruned:
        raise Conflict("cursor_expired", "this cursor is older than the feed's history; take a new snapshot")
    rows = [row for row in found if row.seq is not None]  # none: the one row of bounds, no change joined
    if not rows and since > max(pruned, newest):
        # A cursor the feed has not reached: the core's database was restored from an
        # older backup. Following it would skip every change up to it, unseen.
        raise Conflict("cursor_expired", "this cursor is ahead of the feed (was the core's database restored?); "
                                         "take a new snapshot")
    wanted: dict[str, list[str]] = {}
    for row in rows:
        entity, entity_id = row.entity, row.entity_id
        ids = wanted.setdefault(entity, [])
        if entity_id not in ids:
            ids.append(entity_id)
    return {"items": _items(session, store, wanted), "cursor": f"seq:{rows[-1].seq if rows else since}",
            "more": len(rows) == limit, "snapshot": None}


def _visible_to(store: str):  # noqa: ANN202
    """A store sees what it prepares and what is shipped to it for collection."""
    return or_(Fulfilment.location == store, Fulfilment.ship_to == store)


def _items(session: Session, store: str, wanted: dict[str, list[str]]) -> list[dict]:
    """The wanted entities' items, then, once each, the products they name (the tablet
    shows a fulfilment's and a stock level's product; a page often names one twice)."""
    items: list[dict] = []
    named: set[str] = set()
    for entity, ids in wanted.items():
        found, skus = _entities(session, store, entity, ids)
        items += found
        named |= skus
    named -= set(wanted.get("product", ()))
    return items + _entities(session, store, "product", sorted(named))[0]


def _entities(session: Session, store: str, entity: str, ids: list[str]) -> tuple[list[dict], set[str]]:
    """Current state of each entity, a tombstone where it is gone or not the store's;
    and the SKUs of the products they name."""
    if not ids:
        return [], set()
    found: dict[str, dict] = {}
    named: set[str] = set()
    if entity == "fulfilment":
        views = orders.fulfilment_views(session, Fulfilment.id.in_(ids), _visible_to(store))
        summaries = _order_summaries(session, {v["order_id"] for v in views})
        stores = _store_addresses(session, {v["ship_to"] for v in views if v["ship_to"]})
        # The same shape as GET /fulfilments/{id}, plus what the tablet shows of the
        # order and where its parcels go (for the label).
        found = {
            v["id"]: {
                **FulfilmentOut.model_validate(v).model_dump(mode="json"),
                "order": summaries[v["order_id"]],
                "destination": _destination(v, summaries[v["order_id"]], stores),
            }
            for v in views
        }
        named = {line["sku"] for v in views for line in v["lines"]}
    elif entity == "stock":
        found = {row["sku"]: dict(row) for row in session.execute(_STOCK, {"store": store, "skus": ids}).mappings()}
        named = set(found)
    elif entity == "product":
        found = _products(session, ids)
    elif entity == "staff":
        pass  # always a tombstone (auth._forgotten_by_store_apps): the tablet forgets their offline sign-in
    elif entity == "location":
        location = session.get(Location, store)
        if location is not None and store in ids:
            found = {store: {**LocationOut.model_validate(location, from_attributes=True).model_dump(mode="json"),
                             # The counter checks pickup codes with it, offline (contract/pickup.py).
                             "pickup_secret": _pickup_secret(session, store)}}
    items = [
        {"entity": entity, "id": key, "op": "upsert", "data": found[key]}
        if key in found
        else {"entity": entity, "id": key, "op": "delete", "data": None}
        for key in ids
    ]
    return items, named


def _pickup_secret(session: Session, store: str) -> str | None:
    return session.execute(select(PickupKey.secret).where(PickupKey.store == store)).scalar_one_or_none()


def _products(session: Session, skus: Iterable[str]) -> dict[str, dict]:
    """The products and their barcodes, in one query (a row per barcode)."""
    products: dict[str, dict] = {}
    rows = session.execute(_PRODUCTS, {"skus": list(skus)})
    for sku, name, price, weight_kg, image_url, tags, code in rows:
        product = products.get(sku)
        if product is None:
            product = products[sku] = {"sku": sku, "name": name, "price": float(price), "weight_kg": weight_kg,
                                       "image_url": image_url, "tags": tags, "barcodes": []}
        if code is not None:
            product["barcodes"].append(code)
    return products


def _order_summaries(session: Session, order_ids: set[str]) -> dict[str, dict]:
    if not order_ids:
        return {}
    return {
        row["id"]: {**row, "total_value": float(row["total_value"]), "created_at": row["created_at"].isoformat()}
        for row in session.execute(_ORDER_SUMMARIES, {"ids": list(order_ids)}).mappings()
    }


def _store_addresses(session: Session, codes: set[str]) -> dict[str, dict]:
    if not codes:
        return {}
    rows = session.execute(_STORE_ADDRESSES, {"codes": list(codes)})
    return {row.code: {"name": row.name, "country": row.country, **(row.address or {})} for row in rows}


def _destination(view: dict, order: dict, stores: dict[str, dict]) -> dict | None:
    """Where the parcels go: the customer's address, or the pickup store they are shipped to."""
    if view["delivery_method"] == "ship_to_store":
        store = stores.get(view["ship_to"], {})
        return {"name": store.get("name", view["ship_to"]), "line1": store.get("line1", ""),
                "postcode": store.get("postcode", ""), "city": store.get("city", ""),
                "country": store.get("country", ""), "store": view["ship_to"]}
    address = order.get("address")
    if view["delivery_method"] != "home" or not address:
        return None  # collected here: nothing travels
    return {"name": order["customer"].get("name", ""), "line1": address["line1"], "line2": address.get("line2"),
            "postcode": address["postcode"], "city": address["city"], "country": address["country"]}


def prune(engine: Engine, before: datetime, batch: int) -> int:
    """Forget changes made before `before`, `batch` at a time; a device behind them must take
    a new snapshot. Returns how many were forgotten. The newest change always stays: on SQLite
    a change's number is its row id, and an emptied table would number the next one 1 again,
    under what devices have already read."""
    with session_scope(engine) as session:
        old = select(func.max(Change.seq)).where(Change.at < before, Change.seq.is_not(None))
        newest = select(func.max(Change.seq))
        through = min(session.execute(old).scalar_one() or 0, (session.execute(newest).scalar_one() or 0) - 1)
        if through < 1:
            return 0
        # Committed before the first change goes: a device behind `through` is sent for a
        # snapshot, instead of reading on from what is left of a half-pruned feed as if it
        # were whole. Only ever raised: a worker that looked earlier must not lower it.
        if session.get(FeedRetention, 1) is None:
            session.add(FeedRetention(id=1, pruned_through=through))
        else:
            session.execute(update(FeedRetention).where(FeedRetention.id == 1, FeedRetention.pruned_through < through)
                            .values(pruned_through=through))
    changes = Change.__table__
    return delete_in_batches(engine, changes, changes.c.seq <= through, changes.c.seq, batch)


# --- push -------------------------------------------------------------------


def push(engine: Engine, device: Actor, mutations: list[MutationIn]) -> list[dict]:
    device_id = device.name.removeprefix("device:")
    return [_push_one(engine, device, device_id, m) for m in mutations]


def _push_one(engine: Engine, device: Actor, device_id: str, mutation: MutationIn) -> dict:
    digest = _request_hash(mutation)
    try:
        with session_scope(engine) as session:
            seen = _recorded(session, device_id, mutation.id, digest)
            if seen is not None:
                return seen
            try:
                with session.begin_nested():  # the action alone rolls back if refused
                    # Dated as done (on the core's clock at the latest): a leaver's last shift counts.
                    done = min(as_utc(mutation.at), utcnow()) if mutation.at is not None else None
                    actor = auth.staff_actor(session, device.store or "", mutation.staff, done)
                    with events.done_at(actor, _done_at(session, mutation)):
                        result, outcome, error = _apply(session, actor, mutation), "applied", None
            except DomainError as exc:
                result, outcome, error = {}, "rejected", {"code": exc.code, "message": exc.message, "details": exc.details}
                if isinstance(exc, Forbidden):  # audited as a refused HTTP call is, once with the outcome kept
                    audit.record(session, "access.refused", actor=device, target=f"sync {mutation.type}",
                                 code=exc.code, staff=mutation.staff, mutation=mutation.id,
                                 fulfilment=mutation.fulfilment)
            session.add(
                SyncMutation(device_id=device_id, mutation_id=mutation.id, type=mutation.type, status=outcome,
                             result={"result": result, "error": error}, request_hash=digest)
            )
        return {"id": mutation.id, "status": outcome, "outcome": outcome, "error": error, "result": result}
    except IntegrityError:
        # The same mutation arrived twice at once (a retry racing the first try).
        with session_scope(engine) as session:
            seen = _recorded(session, device_id, mutation.id, digest)
        if seen is None:
            raise
        return seen


def _done_at(session: Session, mutation: MutationIn) -> datetime | None:
    """When an action on a fulfilment that reaches the core late (done offline) was done: as
    the device dates it on the core's clock, never later than now, nor earlier than what the
    fulfilment's timeline already holds (a tablet's clock can be wrong). None: now."""
    if mutation.at is None or mutation.type not in _FULFILMENT_ACTIONS or not mutation.fulfilment:
        return None
    at = min(as_utc(mutation.at), utcnow())
    latest = session.execute(select(func.max(Event.at)).where(Event.fulfilment_id == mutation.fulfilment)).scalar()
    return max(at, latest) if latest is not None else at


def _request_hash(mutation: MutationIn) -> str:
    # `at` is left out: it says when, not what.
    return request_hash(mutation.model_dump(mode="json", include={"type", "staff", "fulfilment", "args"}))


def _recorded(session: Session, device_id: str, mutation_id: str, digest: str) -> dict | None:
    record = session.get(SyncMutation, (device_id, mutation_id))
    if record is None:
        return None
    if record.request_hash not in (None, digest):
        error = {"code": "mutation_id_reused", "details": {},
                 "message": "this mutation id was used before for another action; give each action its own id"}
        return {"id": mutation_id, "status": "rejected", "outcome": "rejected", "error": error, "result": {}}
    return {"id": mutation_id, "status": "duplicate", "outcome": record.status, **record.result}


def _apply(session: Session, actor: Actor, mutation: MutationIn) -> dict:
    try:
        if mutation.type == "count":
            if mutation.args.get("location", actor.store) != actor.store:
                raise Forbidden("other_store", f"this device counts stock at {actor.store} only")
            count = CountIn.model_validate({**mutation.args, "location": actor.store})
            stock_service.require_known_pairs(session, [count.location], [count.sku])
            counted = stock_service.count(session, [stock_service.Count(
                count.location, count.sku, count.on_hand, count.safety, count.counted_at)], actor.label)
            if counted.superseded:
                raise counted.superseded_error()
            # What was counted, and the on hand it gave with what moved since it was counted.
            return {"sku": count.sku, "counted": count.on_hand, "on_hand": counted.set_to[count.location, count.sku]}
        if not mutation.fulfilment:
            raise InvalidInput("fulfilment_required", f"a {mutation.type} names its fulfilment")
        if mutation.type == "receive":
            # A parcel scanned in: the fulfilment named is the arrival, with the
            # device's own id, so that its cache shows it at once.
            receive = ReceiveIn.model_validate({**mutation.args, "arrival_id": mutation.fulfilment})
            view = counter.receive(session, receive, actor)
        else:
            action = Action(mutation.type)
            body = _BODIES[action].model_validate(mutation.args)
            view = fulfilments.act(session, mutation.fulfilment, action, actor, body)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput("invalid_request", f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    return {"fulfilment": view["id"], "status": view["status"], "version": view["version"]}
