"""Placing, reading and cancelling orders."""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contract.errors import Conflict, InvalidInput, NotFound
from contract.fulfilment import OPEN, Action, FulfilmentStatus
from contract.ship_together import set_names, sets_of

from ..core.db import session_scope
from ..domain.actors import Actor, Role
from ..domain.ids import uuid7
from ..domain.orders import OrderStatus, counted, demand_by_sku, order_status, unfulfilled_by_sku
from ..domain.routing import Position, RoutingRequest, near_postcode
from ..models import Fulfilment, FulfilmentLine, Order, OrderLine, utcnow
from ..schemas import OrderIn
from . import allocation, events, parcel_labels
from .db_util import request_hash


_PROMISE_WITHIN = timedelta(days=365)
_NO_RULE_SET = "no rule set can serve these lines; the routing profile parks them for customer service"


def place(engine: Engine, payload: OrderIn, actor: Actor, idempotency_key: str | None) -> tuple[dict, bool]:
    """Place the order; returns (the order as `get` shows it, created).
    A replay returns the first order."""
    digest = request_hash(payload.model_dump(mode="json"))

    def place_or_replay(session: Session) -> tuple[dict, bool]:
        existing = _replayed(session, actor, idempotency_key, digest)
        if existing is not None:
            return get(session, existing), False
        return _place(session, payload, actor, idempotency_key, digest), True

    try:
        return allocation.retrying(engine, place_or_replay)
    except IntegrityError:
        # The unique constraints caught a second order with the same key or
        # reference (a concurrent retry, or a reference reused).
        with session_scope(engine) as session:
            existing = _replayed(session, actor, idempotency_key, digest)
            if existing is not None:
                return get(session, existing), False
            _refuse_duplicate_reference(session, payload, actor)
        raise


def _replayed(session: Session, actor: Actor, key: str | None, digest: str) -> str | None:
    """The order this Idempotency-Key already placed, if the body is the same."""
    if key is None:
        return None
    row = session.execute(
        select(Order.id, Order.request_hash)
        .where(Order.idempotency_client == actor.label, Order.idempotency_key == key)
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise InvalidInput(
            "idempotency_key_reused", "this Idempotency-Key was used for a different order body", order_id=row.id
        )
    return row.id


def _refuse_duplicate_reference(session: Session, payload: OrderIn, actor: Actor) -> None:
    other = session.execute(
        select(Order.id, Order.created_by).where(Order.channel == payload.channel,
                                                 Order.external_ref == payload.external_ref)
    ).first()
    if other is not None:
        # Its id only to whoever may read it: another integration's order is not disclosed.
        mine = actor.role == Role.ADMIN or other.created_by == actor.label
        raise Conflict("duplicate_external_ref", f"{payload.channel} order {payload.external_ref} already exists",
                       **({"order_id": other.id} if mine else {}))


def _place(session: Session, payload: OrderIn, actor: Actor, key: str | None, digest: str) -> dict:
    # Unknown SKUs are refused where routing reads their stock (allocation.load_network).
    delivery = payload.delivery
    if delivery.method == "click_collect":
        store = allocation.sites_cache.get(session).get(delivery.store or "")
        if store is None or store.type != "store" or not store.click_collect:
            raise InvalidInput(
                "invalid_pickup_store", f"{delivery.store} is not a click & collect store", store=delivery.store
            )
    if actor.is_staff and payload.channel != "store":
        raise InvalidInput("invalid_channel", "orders placed in a store use channel 'store'")
    _check_promise(payload.promised_by, events.done_time(actor.label))
    address = delivery.address.model_dump(mode="json") if delivery.address else None
    position = position_of(session, address)
    now = utcnow()
    order = {
        "id": uuid7(),
        "channel": payload.channel,
        "external_ref": payload.external_ref,
        "customer": payload.customer.model_dump(mode="json", exclude_none=True),
        "customer_tier": payload.customer.tier,
        "delivery_method": delivery.method,
        "pickup_store": delivery.store if delivery.method == "click_collect" else None,
        "address": address,
        "country": address["country"] if address else None,
        "dest_lat": position.lat if position else None,
        "dest_lon": position.lon if position else None,
        "total_value": sum((line.unit_price * line.qty for line in payload.lines), Decimal("0")),
        "delivery_price": delivery.price,
        "tags": payload.tags,
        "created_by": actor.label,
        "idempotency_client": actor.label if key else None,
        "idempotency_key": key,
        "request_hash": digest,
        "created_at": now,
        "updated_at": now,
    }
    lines = [
        {"order_id": order["id"], "line_no": i, "sku": line.sku, "qty": line.qty, "unit_price": line.unit_price,
         "ship_together": line.ship_together}
        for i, line in enumerate(payload.lines, start=1)
    ]
    demand = demand_by_sku((line.sku, line.qty) for line in payload.lines)
    routing = allocation.route(session, routing_request(order, lines, demand))
    plan = routing.plan
    assigned = [(FulfilmentStatus.ASSIGNED, a.lines) for a in plan.allocations]
    order.update(
        status=order_status(False, demand, assigned, parked=plan.parked).value,
        routing={"decisions": [plan.trace]},
        routing_version=routing.profile_version,
        parked=plan.parked,
    )
    session.execute(insert(Order.__table__), [order])
    session.execute(insert(OrderLine.__table__), lines)
    # An endless-aisle order names the associate who placed it and their store.
    created = {"channel": payload.channel}
    if actor.is_staff:
        created |= {"associate": actor.name, "store": actor.store}
    if position is not None and position.near:
        created["position"] = {"approximated_from_postcode": position.postcode, "near": list(position.near)}
    if payload.promised_by is not None:
        created["promised_by"] = payload.promised_by.isoformat()
    # The order's own events go in one insert with those of its fulfilments.
    timeline = [events.event(order["id"], "order.created", actor, details=created)]
    if plan.parked:
        timeline.append(_parked(order["id"], actor, plan.unfulfilled, _NO_RULE_SET))
    fulfilments = allocation.assign(session, order["id"], routing, actor, timeline=timeline)
    _with_sets(fulfilments, {order["id"]: sets_of((line["sku"], line["ship_together"]) for line in lines)})
    return order_view(order, lines, fulfilments)


def _check_promise(promised_by: datetime | None, placed_at: datetime) -> None:
    """A checkout's promise falls within a year of the order: a date further (year 1, year 9999)
    would count in the promise-kept KPI for ever (a checkout's bug). A promise already past is
    kept: an order retried after an outage, or imported late, was promised so, and is paid for
    (the KPI counts it missed)."""
    if promised_by is not None and not placed_at - _PROMISE_WITHIN <= promised_by <= placed_at + _PROMISE_WITHIN:
        raise InvalidInput("invalid_promise", "promised_by: the promise must fall within a year of the order "
                           f"({placed_at:%Y-%m-%d %H:%M} UTC)", promised_by=promised_by.isoformat())


def position_of(session: Session, address: dict | None) -> Position | None:
    """Where a home delivery goes (an order's address, or a promise's destination): its coordinates,
    or where its postcode places it in the network (`near` names the locations that placed it); None
    when neither is known."""
    if address is None:
        return None
    if address.get("lat") is not None and address.get("lon") is not None:
        return Position(address["lat"], address["lon"], near=(), postcode=address.get("postcode") or "")
    if not address.get("postcode"):
        return None
    return near_postcode(address["country"], address["postcode"], allocation.sites_cache.get(session).values())


def routing_request(order: Mapping, lines: Sequence[Mapping], demand: Mapping[str, int],
                    excluded: frozenset[str] = frozenset()) -> RoutingRequest:
    """What routing needs to know about an order (or a cart) to decide where `demand` goes."""
    sets = sets_of((line["sku"], line.get("ship_together")) for line in lines)
    return RoutingRequest(
        demand=demand,
        method=order["delivery_method"],
        dest_lat=order["dest_lat"],
        dest_lon=order["dest_lon"],
        pickup_store=order["pickup_store"],
        excluded=excluded,
        channel=order["channel"],
        country=order["country"],
        value=float(order["total_value"]),
        tags=frozenset(order["tags"]),
        customer_tier=order["customer_tier"],
        prices={line["sku"]: float(line["unit_price"]) for line in lines},
        together=tuple(frozenset(skus) for skus in sets.values()),
    )


def _parked(order_id: str, actor: Actor, unfulfilled: Mapping[str, int], why: str) -> dict:
    return events.event(order_id, "order.parked", actor, to_status=OrderStatus.PARKED.value, reason=why,
                        details={"lines": dict(unfulfilled)})


def refresh_status(session: Session, order_id: str) -> OrderStatus:
    """Recompute the order's status from its lines and fulfilments and store it."""
    current, parked = session.execute(select(Order.status, Order.parked).where(Order.id == order_id)).one()
    status = order_status(
        current == OrderStatus.CANCELLED,
        _demand(session, order_id),
        counted(fulfilment_views(session, Fulfilment.order_id == order_id)),
        parked=parked,
    )
    if status.value != current:
        session.execute(
            update(Order.__table__).where(Order.id == order_id).values(status=status.value, updated_at=utcnow())
        )
    return status


def _demand(session: Session, order_id: str) -> dict[str, int]:
    rows = session.execute(select(OrderLine.sku, OrderLine.qty).where(OrderLine.order_id == order_id))
    return demand_by_sku((sku, qty) for sku, qty in rows)


# By id, so that two cancels of one order take the locks in the same order.
_LOCK_FULFILMENTS = (
    select(Fulfilment).order_by(Fulfilment.id).with_for_update().execution_options(populate_existing=True)
)


def _locked_fulfilments(session: Session, order_id: str) -> list[Fulfilment]:
    """The order's fulfilments, locked, as they stand once no store action holds them.
    A store action waited for may have added some (lines sent elsewhere, a parcel
    scanned in at the pickup store): read again until none is new."""
    locked: set[str] = set()
    while True:
        fulfilments = list(session.execute(_LOCK_FULFILMENTS.where(Fulfilment.order_id == order_id)).scalars())
        if {f.id for f in fulfilments} == locked:
            return fulfilments
        locked = {f.id for f in fulfilments}


# Built once: every view of a fulfilment reads its lines (see sync.py on why).
_line = FulfilmentLine.__table__.c
_FULFILMENT_LINES = (
    select(FulfilmentLine.__table__)
    .where(_line.fulfilment_id.in_(bindparam("ids", expanding=True)))
    .order_by(_line.fulfilment_id, _line.sku)
)
_ORDER_SETS = select(OrderLine.order_id, OrderLine.sku, OrderLine.ship_together).where(
    OrderLine.order_id.in_(bindparam("ids", expanding=True)), OrderLine.ship_together.is_not(None))


def fulfilment_views(session: Session, *where, limit: int | None = None) -> list[dict]:  # noqa: ANN002
    """Fulfilments (as plain dicts, with their lines) matching the conditions, oldest first
    (the first `limit` of them)."""
    views = [
        {**row, "lines": []}
        for row in session.execute(
            select(Fulfilment.__table__).where(*where).order_by(Fulfilment.created_at, Fulfilment.id).limit(limit)
        ).mappings()
    ]
    by_id = {view["id"]: view for view in views}
    ids = list(by_id)
    for start in range(0, len(ids), 500):  # stay under bind-parameter limits
        for line in session.execute(_FULFILMENT_LINES, {"ids": ids[start : start + 500]}).mappings():
            by_id[line["fulfilment_id"]]["lines"].append(dict(line))
    return _with_sets(views, ship_together_sets(session, {view["order_id"] for view in views}))


def ship_together_sets(session: Session, order_ids: set[str]) -> dict[str, dict[str, set[str]]]:
    """Each order's ship-together sets (set name -> SKUs); orders without one are left out."""
    ids = sorted(order_ids)
    rows: dict[str, list[tuple[str, str]]] = {}
    for start in range(0, len(ids), 500):  # stay under bind-parameter limits
        for order_id, sku, name in session.execute(_ORDER_SETS, {"ids": ids[start : start + 500]}):
            rows.setdefault(order_id, []).append((sku, name))
    return {order_id: sets_of(lines) for order_id, lines in rows.items()}


def _with_sets(views: list[dict], sets: Mapping[str, Mapping[str, set[str]]]) -> list[dict]:
    """Each fulfilment line with the ship-together set it leaves with (None: in no set), named as
    a give-back takes it (contract/ship_together.py), so the store app can say what goes back with it."""
    for view in views:
        names = set_names(sets.get(view["order_id"], {}), {line["sku"] for line in view["lines"]})
        for line in view["lines"]:
            line["ship_together"] = names.get(line["sku"])
    return views


def get(session: Session, order_id: str) -> dict:
    """The order as the API shows it: lines, fulfilments, what is unfulfilled, routing."""
    order = session.execute(select(Order.__table__).where(Order.id == order_id)).mappings().first()
    if order is None:
        raise NotFound("order_not_found", f"no order {order_id}")
    lines = [
        dict(row)
        for row in session.execute(
            select(OrderLine.__table__).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        ).mappings()
    ]
    return order_view(order, lines, fulfilment_views(session, Fulfilment.order_id == order_id))


def order_view(order: Mapping, lines: list[dict], fulfilments: list[dict]) -> dict:
    """The order as the API shows it: its lines, fulfilments and what is unfulfilled."""
    missing = (
        {}
        if order["status"] == OrderStatus.CANCELLED
        else unfulfilled_by_sku(
            demand_by_sku((line["sku"], line["qty"]) for line in lines),
            counted(fulfilments),
        )
    )
    return {
        **order,
        "lines": lines,
        "fulfilments": fulfilments,
        "unfulfilled": [{"sku": sku, "qty": qty} for sku, qty in sorted(missing.items())],
    }


def cancel(session: Session, order_id: str, actor: Actor, reason: str) -> None:
    """Cancel every open fulfilment and the order; refused once goods have left."""
    # The fulfilments before the order, as store actions take them (ship, collect: the
    # fulfilment, then the order's status): a cancel racing one waits for it and sees
    # the goods gone, instead of cancelling what it read before they left.
    fulfilments = _locked_fulfilments(session, order_id)
    order = session.execute(select(Order).where(Order.id == order_id).with_for_update()).scalar_one_or_none()
    if order is None:
        raise NotFound("order_not_found", f"no order {order_id}")
    if order.status == OrderStatus.CANCELLED:
        return  # cancelling twice is the same as once
    # A parcel that has arrived at the pickup store is no longer gone: what waits there can be cancelled.
    arrived = {f.arrived_from for f in fulfilments if f.arrived_from}
    done = [f for f in fulfilments
            if f.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.COLLECTED) and f.id not in arrived]
    if done:
        raise Conflict(
            "already_shipped",
            "part of this order has already shipped or been collected; it can no longer be cancelled",
            fulfilments=[f.id for f in done],
        )
    for fulfilment in fulfilments:
        if fulfilment.status in OPEN:
            allocation.close(session, fulfilment, Action.CANCEL, actor, reason)
            # A packed one's parcels will never leave: their tracking numbers are free again. Only a
            # cancel ends a packed fulfilment (stores give orders back before packing them).
            parcel_labels.release(session, fulfilment.id)
    order.status = OrderStatus.CANCELLED.value
    order.updated_at = utcnow()
    session.add(order)
    events.record(session, order_id, "order.cancelled", actor, to_status="cancelled", reason=reason)




def reroute(session: Session, order_id: str, demand: dict[str, int], actor: Actor, given_back_by: str,
            reason: str, now: datetime | None = None) -> None:
    """Send lines that came back (rejection, expiry) to routing again, away from
    the locations that gave this order back.

    A click & collect order whose pickup store gave lines back is shipped to
    that store from elsewhere when the profile allows it, else parked for
    customer service; either way the order's timeline says so.

    What routing does is the core's answer, dated when the core hears of it,
    even when the lines were given back offline and that is dated earlier: the
    next location is given them now (its time to accept starts now).
    """
    with events.done_at(actor, None):
        _reroute(session, order_id, demand, actor, given_back_by, reason, now)


def _reroute(session: Session, order_id: str, demand: dict[str, int], actor: Actor, given_back_by: str,
             reason: str, now: datetime | None) -> None:
    order = session.execute(select(Order.__table__).where(Order.id == order_id)).mappings().one()
    lines = session.execute(select(OrderLine.__table__).where(OrderLine.order_id == order_id)).mappings().all()
    excluded = allocation.excluded_locations(session, order_id) | {given_back_by}
    routing = allocation.route(session, routing_request(order, lines, demand, excluded))
    allocation.assign(session, order_id, routing, actor, now)
    plan = routing.plan
    pickup_gave_back = order["delivery_method"] == "click_collect" and given_back_by == order["pickup_store"]
    park = plan.parked or (pickup_gave_back and bool(plan.unfulfilled))
    decision = {**plan.trace, "reason": "reallocation", "given_back_by": given_back_by, "because": reason,
                **({"fallback": "park"} if park else {})}
    session.execute(
        update(Order.__table__)
        .where(Order.id == order_id)
        .values(routing={"decisions": [*order["routing"].get("decisions", []), decision]},
                routing_version=routing.profile_version, parked=order["parked"] or park)
    )
    events.record(
        session,
        order_id,
        "order.rerouted",
        actor,
        reason=reason,
        details={
            "to": [a.location for a in plan.allocations],
            "unfulfilled": plan.unfulfilled,
            "excluded": sorted(excluded),
        },
    )
    if pickup_gave_back and plan.allocations:
        events.record(
            session, order_id, "order.shipped_to_pickup_store", actor, location=order["pickup_store"],
            reason=f"the pickup store gave lines back ({reason}); they are shipped to it from "
                   f"{', '.join(a.location for a in plan.allocations)}",
            details={"from": {a.location: a.lines for a in plan.allocations}},
        )
    if park:
        why = (f"the pickup store {given_back_by} gave these lines back ({reason}) and no other location "
               "may ship them to it" if pickup_gave_back and not plan.parked else _NO_RULE_SET)
        events.write(session, [_parked(order_id, actor, plan.unfulfilled, why)])
    refresh_status(session, order_id)
