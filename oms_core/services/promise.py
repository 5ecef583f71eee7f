"""The delivery promise for a cart: planned by the routing profile in force, on
the stock the router will see when the order comes."""

from dataclasses import asdict
from datetime import datetime

from sqlmodel import Session

from contract.errors import InvalidInput

from ..domain.orchestration.promise import delivery_options
from ..domain.orders import demand_by_sku
from ..schemas import PromiseIn
from . import allocation, orders, routing_profiles


def promise(session: Session, cart: PromiseIn, now: datetime) -> dict:
    router = routing_profiles.router(session)
    demand = demand_by_sku((line.sku, line.qty) for line in cart.lines)
    to = cart.destination
    position = orders.position_of(session, to.model_dump())
    if position is None:  # a date promised for an unknown place could not be kept
        raise InvalidInput("unknown_postcode", f"no location of the network has a postcode like {to.postcode} in "
                           f"{to.country}: send the destination's lat and lon", postcode=to.postcode)
    request = orders.routing_request(
        {"delivery_method": "home", "dest_lat": position.lat, "dest_lon": position.lon, "pickup_store": None,
         "channel": cart.channel, "country": to.country, "tags": cart.tags, "customer_tier": cart.customer_tier,
         "total_value": sum(line.unit_price * line.qty for line in cart.lines)},
        [line.model_dump() for line in cart.lines],
        demand,
    )
    network = allocation.load_network(session, sorted(demand))
    options = delivery_options(router, router.profile.promise, request, network, now,
                               home_delivery=cart.delivery != "pickup", pickup=cart.delivery != "home")
    return {"profile_version": router.version,
            "position": {"lat": position.lat, "lon": position.lon, "near": list(position.near)},
            "options": [asdict(option) for option in options]}
