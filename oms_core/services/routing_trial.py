"""Trying a draft routing profile on recent orders before putting it in force.

The N most recent orders are routed again, by the profile in force and by the
draft, on the same snapshot of the network's stock, each as if it had not
been placed yet (its own reservations count as available). Nothing is
reserved or written.
"""

from collections import defaultdict
from dataclasses import replace

from sqlalchemy import select, tuple_
from sqlmodel import Session

from contract.fulfilment import OPEN

from ..domain.orchestration.engine import ProfileRouter
from ..domain.orchestration.profile import parse_profile
from ..domain.orders import demand_by_sku
from ..domain.routing import NetworkView, RoutingPlan
from ..models import Fulfilment, FulfilmentLine, Order, OrderLine
from . import allocation, orders, routing_profiles
from . import stock as stock_service


def dry_run(session: Session, draft_body: dict, count: int) -> dict:
    draft = ProfileRouter(parse_profile(draft_body), version=0)
    active = routing_profiles.router(session)
    recent = session.execute(
        select(Order.__table__).order_by(Order.created_at.desc(), Order.id.desc()).limit(count)
    ).mappings().all()
    ids = [order["id"] for order in recent]
    lines: dict[str, list] = defaultdict(list)
    for line in session.execute(select(OrderLine.__table__).where(OrderLine.order_id.in_(ids))).mappings():
        lines[line["order_id"]].append(line)
    held = _held(session, ids)
    network = allocation.load_network(session, sorted({line["sku"] for group in lines.values() for line in group}))
    unheld = _unheld(session, {key for units in held.values() for key in units})
    results = []
    for order in recent:
        demand = demand_by_sku((line["sku"], line["qty"]) for line in lines[order["id"]])
        request = orders.routing_request(order, lines[order["id"]], demand)
        before = _without(network, held.get(order["id"], {}), unheld)
        now, then = _outcome(active.plan(request, before)), _outcome(draft.plan(request, before))
        placed = (order["routing"].get("decisions") or [{}])[0]
        results.append({
            "order_id": order["id"],
            "external_ref": order["external_ref"],
            "placed": {"version": placed.get("profile_version"), "locations": placed.get("chosen", [])},
            "active": now,
            "draft": then,
            "changed": now["locations"] != then["locations"],
        })
    return {
        "active_version": active.version,
        "orders": len(results),
        "changed": sum(r["changed"] for r in results),
        "cost": {"active": round(sum(r["active"]["cost"] for r in results), 2),
                 "draft": round(sum(r["draft"]["cost"] for r in results), 2)},
        "results": results,
    }


def _held(session: Session, order_ids: list[str]) -> dict[str, dict[tuple[str, str], int]]:
    """Per order, the units its open fulfilments hold reserved, by (location, sku)."""
    held: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for order_id, location, sku, qty in session.execute(
        select(Fulfilment.order_id, Fulfilment.location, FulfilmentLine.sku, FulfilmentLine.qty)
        .join(FulfilmentLine, FulfilmentLine.fulfilment_id == Fulfilment.id)
        .where(Fulfilment.order_id.in_(order_ids), Fulfilment.status.in_([s.value for s in OPEN]))
    ):
        held[order_id][(location, sku)] = held[order_id].get((location, sku), 0) + qty
    return held


def _unheld(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
    """For each (location, sku) some order holds: on hand less safety, and what is reserved."""
    if not keys:
        return {}
    stock = stock_service.stock
    rows = session.execute(select(stock.c.location, stock.c.sku, stock.c.on_hand - stock.c.safety, stock.c.reserved)
                           .where(tuple_(stock.c.location, stock.c.sku).in_(sorted(keys))))
    return {(location, sku): (usable, reserved) for location, sku, usable, reserved in rows}


def _without(network: NetworkView, held: dict[tuple[str, str], int],
             unheld: dict[tuple[str, str], tuple[int, int]]) -> NetworkView:
    """The network as if this order's reservations were released: its units count again, but
    only as far as the shelf holds them (a count may have found fewer than are reserved, and
    the ATP is never below zero, so adding the units back to it would count some twice)."""
    if not held:
        return network
    atp = dict(network.atp)
    for key, qty in held.items():
        usable, reserved = unheld.get(key, (0, qty))
        atp[key] = max(0, usable - (reserved - qty))
    return replace(network, atp=atp)


def _outcome(plan: RoutingPlan) -> dict:
    return {
        "locations": [a.location for a in plan.allocations],
        "parcels": [{"location": a.location, "lines": a.lines, "delivery_method": a.delivery_method,
                     "cost": round(a.cost, 2)} for a in plan.allocations],
        "cost": round(sum(a.cost for a in plan.allocations), 2),
        "carbon_kg": round(sum(a.carbon_kg for a in plan.allocations), 3),
        "unfulfilled": plan.unfulfilled,
    }
