"""Turning a routing plan into reservations and fulfilments.

Used when an order is placed and whenever lines come back (a rejection, an
expiry): the router sees only locations that hold the SKUs, and every unit it
allocates is reserved with a conditional update. If another transaction took
the stock first, StockShortage rolls this one back and the caller retries
with fresh figures.
"""

from datetime import timedelta

import threading
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select
from sqlmodel import Session

from ..domain.actors import Actor
from contract.fulfilment import Action, FulfilmentStatus, next_status
from ..domain.ids import uuid7
from ..domain.routing import NearestRouter, NetworkView, Router, RoutingPlan, RoutingRequest, Site
from ..models import Fulfilment, FulfilmentLine, Location, Stock, utcnow
from . import changes, events
from . import stock as stock_service

class _SiteCache:
    """Locations change rarely and every order needs them: each process keeps
    them, and looks at most once a second whether their count or latest update
    moved (so a paused store stops receiving orders within a second)."""

    CHECK_EVERY_S = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_database: dict[str, tuple[float, tuple, dict[str, Site], dict[str, int]]] = {}

    def get(self, session: Session) -> tuple[dict[str, Site], dict[str, int]]:
        database = str(session.get_bind().url)
        cached = self._by_database.get(database)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[2], cached[3]
        version = tuple(session.execute(_LOCATIONS_VERSION).one())
        if cached is not None and cached[1] == version:
            sites, accept_minutes = cached[2], cached[3]
        else:
            sites, accept_minutes = self._load(session)
        with self._lock:
            self._by_database[database] = (time.monotonic() + self.CHECK_EVERY_S, version, sites, accept_minutes)
        return sites, accept_minutes

    def forget(self) -> None:
        """Locations changed in this process: read them again on next use."""
        with self._lock:
            self._by_database.clear()

    @staticmethod
    def _load(session: Session) -> tuple[dict[str, Site], dict[str, int]]:
        sites: dict[str, Site] = {}
        accept_minutes: dict[str, int] = {}
        for row in session.execute(select(Location.__table__)).mappings():
            sites[row["code"]] = Site(
                code=row["code"],
                type=row["type"],
                lat=row["lat"],
                lon=row["lon"],
                ship_from_store=row["ship_from_store"],
                click_collect=row["click_collect"],
                paused=row["paused"],
            )
            accept_minutes[row["code"]] = row["accept_within_minutes"]
        return sites, accept_minutes


_LOCATIONS_VERSION = select(func.count(), func.max(Location.updated_at))
_ATP_OF = select(Stock.location, Stock.sku, stock_service.ATP).where(
    Stock.sku.in_(bindparam("skus", expanding=True)), stock_service.ATP > 0
)
sites_cache = _SiteCache()


def current_router(session: Session) -> Router:
    """The policy that routes orders now (the orchestration profile replaces it)."""
    return NearestRouter()


def load_network(session: Session, skus: list[str]) -> tuple[NetworkView, dict[str, int]]:
    """Every location, and the ATP of the given SKUs wherever there is some."""
    sites, accept_minutes = sites_cache.get(session)
    rows = session.execute(_ATP_OF, {"skus": skus}).all()
    return NetworkView(sites=sites, atp={(loc, sku): qty for loc, sku, qty in rows}), accept_minutes


@dataclass(frozen=True)
class Routing:
    plan: RoutingPlan
    accept_minutes: dict[str, int]


def route(session: Session, request: RoutingRequest, router: Router | None = None) -> Routing:
    """Decide where `request.demand` goes, on the stock as it is now (nothing written)."""
    router = router or current_router(session)
    network, accept_minutes = load_network(session, sorted(request.demand))
    return Routing(router.plan(request, network), accept_minutes)


def assign(session: Session, order_id: str, routing: Routing, actor: Actor) -> list[dict]:
    """Reserve what the plan allocates and create its fulfilments; returns them as views."""
    now = utcnow()
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
                "accept_by": now + timedelta(minutes=routing.accept_minutes.get(allocation.location, 60)),
                "carrier": None,
                "tracking_number": None,
                "parcels": [],
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "lines": lines,
            }
        )
        moves.extend(stock_service.Move(allocation.location, sku, 0, qty, "reserve", fid) for sku, qty in allocation.lines.items())
    if not views:
        return views
    stock_service.apply(session, moves, actor.label)
    session.execute(insert(Fulfilment.__table__), [{k: v for k, v in view.items() if k != "lines"} for view in views])
    session.execute(insert(FulfilmentLine.__table__), [line for view in views for line in view["lines"]])
    events.write(
        session,
        [
            events.event(order_id, "fulfilment.assigned", actor, fulfilment_id=view["id"],
                         to_status=FulfilmentStatus.ASSIGNED.value, location=view["location"])
            for view in views
        ],
    )
    for view in views:
        notify_fulfilment(session, view["id"], view["location"], view["ship_to"])
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
