"""Order status, derived from its lines and fulfilments (never set by hand)."""

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from contract.fulfilment import OPEN, FulfilmentStatus


class OrderStatus(StrEnum):
    ALLOCATED = "allocated"  # every unit is with a location that is preparing it
    PARTIALLY_ALLOCATED = "partially_allocated"  # some units found no location
    UNFULFILLED = "unfulfilled"  # no location holds anything for it (backorder)
    PARKED = "parked"  # what no location can serve waits for customer service
    COMPLETED = "completed"  # every unit shipped or collected
    PARTIALLY_COMPLETED = "partially_completed"  # the rest could not be served
    CANCELLED = "cancelled"


DONE = frozenset({FulfilmentStatus.SHIPPED, FulfilmentStatus.COLLECTED})


def demand_by_sku(lines: Iterable[tuple[str, int]]) -> dict[str, int]:
    """The same SKU on several lines is one demand of the summed quantity."""
    demand: dict[str, int] = {}
    for sku, qty in lines:
        demand[sku] = demand.get(sku, 0) + qty
    return demand


def counted(fulfilments: Sequence[Mapping]) -> list[tuple[FulfilmentStatus, dict[str, int]]]:
    """Each fulfilment view as (status, units per SKU), the way the order counts it.

    A parcel shipped to the pickup store is open until it arrives, then counted by
    its arrival (the arrival is what the customer collects, or what is cancelled
    when nobody comes), never twice.
    """
    arrived = {f["arrived_from"] for f in fulfilments if f.get("arrived_from")}
    return [
        (_as_counted(f), {line["sku"]: line["qty"] for line in f["lines"]})
        for f in fulfilments
        if f["id"] not in arrived
    ]


def _as_counted(fulfilment: Mapping) -> FulfilmentStatus:
    """A parcel on its way to the pickup store has reached no customer: the order counts it
    as still in hand (open, like the packed parcel it was) until its arrival is collected."""
    status = FulfilmentStatus(fulfilment["status"])
    if status is FulfilmentStatus.SHIPPED and fulfilment["delivery_method"] == "ship_to_store":
        return FulfilmentStatus.PACKED
    return status


def unfulfilled_by_sku(
    demand: Mapping[str, int], fulfilments: Iterable[tuple[FulfilmentStatus, Mapping[str, int]]]
) -> dict[str, int]:
    """Units that no open or completed fulfilment covers."""
    left = dict(demand)
    for status, lines in fulfilments:
        if status in OPEN or status in DONE:
            for sku, qty in lines.items():
                left[sku] = left.get(sku, 0) - qty
    return {sku: qty for sku, qty in left.items() if qty > 0}


def order_status(
    cancelled: bool,
    demand: Mapping[str, int],
    fulfilments: list[tuple[FulfilmentStatus, Mapping[str, int]]],
    parked: bool = False,
) -> OrderStatus:
    if cancelled:
        return OrderStatus.CANCELLED
    missing = unfulfilled_by_sku(demand, fulfilments)
    if parked and missing:
        return OrderStatus.PARKED
    if any(status in OPEN for status, _ in fulfilments):
        return OrderStatus.PARTIALLY_ALLOCATED if missing else OrderStatus.ALLOCATED
    if any(status in DONE for status, _ in fulfilments):
        return OrderStatus.PARTIALLY_COMPLETED if missing else OrderStatus.COMPLETED
    return OrderStatus.UNFULFILLED
