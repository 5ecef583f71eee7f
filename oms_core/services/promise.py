"""The delivery promise for a cart: planned by the routing profile in force, on
the stock the router will see when the order comes."""

from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from ..domain.orchestration.promise import delivery_options
from ..domain.orders import demand_by_sku
from ..schemas import PromiseIn
from . import allocation, orders, routing_profiles


def promise(session: Session, cart: PromiseIn, now: datetime) -> dict:
    router = routing_profiles.router(session)
    demand = demand_by_sku((line.sku, line.qty) for line in cart.lines)
    to = cart.destination
    request = orders.routing_request(
        {"delivery_method": "home", "dest_lat": to.lat, "dest_lon": to.lon, "pickup_store": None,
         "channel": cart.channel, "country": to.country, "tags": cart.tags, "customer_tier": cart.customer_tier,
         "total_value": sum(line.unit_price * line.qty for line in cart.lines)},
        [line.model_dump() for line in cart.lines],
        demand,
    )
    network = allocation.load_network(session, sorted(demand))
    options = delivery_options(router, router.profile.promise, request, network, now)
    return {"profile_version": router.version, "options": [asdict(option) for option in options]}
