"""Turning a routing plan into reservations and fulfilments.

Used when an order is placed and whenever lines come back (a rejection, an
expiry): the router sees only locations that hold the SKUs, and every unit it
allocates is reserved with a conditional update. If another transaction took
the stock first, StockShortage rolls this one back and the caller retries
with fresh figures.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine, and_, bindparam, func, insert, select
from sqlmodel import Session

from contract.errors import Conflict
from contract.fulfilment import Action, FulfilmentStatus, next_status

from ..core.db import session_scope
from ..domain.actors import Actor
from ..domain.ids import uuid7
from ..domain.routing import NetworkView, RoutingPlan, RoutingRequest, Site
from ..models import Fulfilment, FulfilmentLine, Location, Product, utcnow
from . import changes, events, location_load, routing_profiles
from . import stock as stock_service
from .cache import ProcessCache
from .db_util import refuse_unknown

T = TypeVar("T")
_ROUTING_ATTEMPTS = 8


_SITE_FIELDS = [f.name for f in fields(Site) if f.name != "postcode"]  # each is a column of Location


def _load_sites(session: Session) -> dict[str, Site]:
    return {
        row["code"]: Site(**{name: row[name] for name in _SITE_FIELDS},
                          postcode=(row["address"] or {}).get("postcode"))
        for row in session.execute(select(Location.__table__)).mappings()
    }


# Locations change rarely and every order needs them: a paused store stops
# receiving orders within a second.
sites_cache = ProcessCache(_load_sites, stamp=select(func.count(), func.max(Location.updated_at)))
# On the table's own columns (not the model's), so its rows skip the ORM's loading layer.
_stock = stock_service.stock
_product = Product.__table__
# The SKUs asked about that the catalog holds, each with its ATP wherever there is some
# (a row without a location when there is none anywhere): the check for unknown SKUs
# and the stock read in one round trip.
_ATP_OF = (
    select(_product.c.sku, _stock.c.location, stock_service.ATP)
    .select_from(_product.outerjoin(_stock, and_(_stock.c.sku == _product.c.sku, stock_service.ATP > 0)))
    .where(_product.c.sku.in_(bindparam("skus", expanding=True)))
)


def load_network(session: Session, skus: list[str]) -> NetworkView:
    """Every location, how busy it is, and the ATP of the given SKUs wherever there is some.
    Refused (unknown_sku) if the catalog lacks any of them."""
    rows = session.execute(_ATP_OF, {"skus": skus}).all()
    refuse_unknown(set(skus) - {sku for sku, _, _ in rows}, "unknown_sku", "SKU")
    return NetworkView(
        sites=sites_cache.get(session),
        atp={(loc, sku): qty for sku, loc, qty in rows if loc is not None},
        load=location_load.cache.get(session),
    )


@dataclass(frozen=True)
class Routing:
    plan: RoutingPlan
    profile_version: int
    sites: Mapping[str, Site]


def route(session: Session, request: RoutingRequest) -> Routing:
    """Decide where `request.demand` goes by the profile in force, on the stock
    as it is now (nothing written)."""
    router = routing_profiles.router(session)
    network = load_network(session, sorted(request.demand))
    return Routing(router.plan(request, network), router.version, network.sites)


def retrying(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction of its own; again, on fresh figures, when
    another transaction reserved the stock it routed to first (PostgreSQL,
    several workers)."""
    for _ in range(_ROUTING_ATTEMPTS):
        try:
            with session_scope(engine) as session:
                return work(session)
        except stock_service.StockShortage:
            continue
    raise Conflict("busy", "stock is changing too fast to route this order; retry")


def assign(session: Session, order_id: str, routing: Routing, actor: Actor, now: datetime | None = None,
           timeline: Sequence[dict] = ()) -> list[dict]:
    """Reserve what the plan allocates and create its fulfilments (given at `now`,
    the caller's clock); returns them as views. The order's `timeline` events
    are written first, with those of the fulfilments (one statement)."""
    now = now or utcnow()
    moves: list[stock_service.Move] = []
    views: list[dict] = []
    for allocation in routing.plan.allocations:
        fid = uuid7()
        lines = [{"fulfilment_id": fid, "sku": sku, "qty": qty, "picked": 0} for sku, qty in allocation.lines.items()]
        views.append(
            {
                "id": fid,
                "order_id": order_id,
                "location": allocation.location,
                "status": FulfilmentStatus.ASSIGNED.value,
                "delivery_method": allocation.delivery_method,
                "ship_to": allocation.ship_to,
                "accept_by": now + timedelta(minutes=routing.sites[allocation.location].accept_within_minutes),
                "carrier": None,
                "tracking_number": None,
                "parcels": [],
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "lines": lines,
            }
        )
        moves.extend(stock_service.Move(allocation.location, sku, 0, qty, "reserve", fid)
                     for sku, qty in allocation.lines.items())
    events.write(session, [*timeline, *(
        events.event(order_id, "fulfilment.assigned", actor, fulfilment_id=view["id"],
                     to_status=FulfilmentStatus.ASSIGNED.value, location=view["location"])
        for view in views
    )])
    if not views:
        return views
    stock_service.apply(session, moves, actor.label)
    session.execute(insert(Fulfilment.__table__), [{k: v for k, v in view.items() if k != "lines"} for view in views])
    session.execute(insert(FulfilmentLine.__table__), [line for view in views for line in view["lines"]])
    for view in views:
        notify_fulfilment(session, view["id"], view["location"], view["ship_to"])
    location_load.given(session, [view["location"] for view in views])
    return views


def notify_fulfilment(session: Session, fulfilment_id: str, location: str, ship_to: str | None) -> None:
    """The store that prepares it hears of it; so does the pickup store it goes to."""
    changes.record(session, location, "fulfilment", fulfilment_id)
    if ship_to:
        changes.record(session, ship_to, "fulfilment", fulfilment_id)


def close(session: Session, fulfilment: Fulfilment, action: Action, actor: Actor, reason: str | None) -> None:
    """Reject, expire or cancel a whole fulfilment: its reservation goes back to stock."""
    target = next_status(FulfilmentStatus(fulfilment.status), action, collect_here=True)
    if target is None:
        return
    lines = session.execute(
        select(FulfilmentLine.sku, FulfilmentLine.qty).where(FulfilmentLine.fulfilment_id == fulfilment.id)
    ).all()
    stock_service.apply(
        session,
        [stock_service.Move(fulfilment.location, sku, 0, -qty, "release", fulfilment.id) for sku, qty in lines],
        actor.label,
    )
    transition(session, fulfilment, target, action, actor, reason=reason)


def transition(
    session: Session,
    fulfilment: Fulfilment,
    target: FulfilmentStatus,
    action: Action,
    actor: Actor,
    *,
    reason: str | None = None,
    details: dict | None = None,
) -> None:
    """Move to `target`, record the event and tell the stores concerned."""
    previous = fulfilment.status
    fulfilment.status = target.value
    if target in (FulfilmentStatus.REJECTED, FulfilmentStatus.EXPIRED):
        location_load.gave_back(session, fulfilment.location)
    touch(session, fulfilment)
    events.record(
        session,
        fulfilment.order_id,
        f"fulfilment.{action.value}",
        actor,
        fulfilment_id=fulfilment.id,
        from_status=previous,
        to_status=target.value,
        location=fulfilment.location,
        reason=reason,
        details=details,
    )


def touch(session: Session, fulfilment: Fulfilment) -> None:
    """A fulfilment changed: new version, and its stores hear of it."""
    fulfilment.version += 1
    fulfilment.updated_at = utcnow()
    session.add(fulfilment)
    notify_fulfilment(session, fulfilment.id, fulfilment.location, fulfilment.ship_to)


def excluded_locations(session: Session, order_id: str) -> frozenset[str]:
    """Locations that gave this order back (rejected or let it expire): not offered it again."""
    rows = session.execute(
        select(Fulfilment.location).where(
            Fulfilment.order_id == order_id,
            Fulfilment.status.in_([FulfilmentStatus.REJECTED.value, FulfilmentStatus.EXPIRED.value]),
        )
    ).scalars()
    return frozenset(rows)
