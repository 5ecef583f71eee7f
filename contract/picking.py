"""Counting picked units: the same rule on the tablet (offline, at scan time)
and in the core (when the pick arrives)."""

from collections.abc import Iterable, Mapping

from .errors import Conflict, InvalidInput


def add_picks(lines: Mapping[str, tuple[int, int]], picks: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Picked units per SKU once `picks` (sku, units) are counted.

    `lines` maps each SKU of the fulfilment to (ordered, picked so far). A SKU
    that is not in the order, or more units than ordered, is refused and
    nothing at all is counted.
    """
    picked = {sku: done for sku, (_, done) in lines.items()}
    for sku, units in picks:
        if sku not in lines:
            raise InvalidInput("wrong_item", f"{sku} is not in this order", sku=sku)
        ordered = lines[sku][0]
        if picked[sku] + units > ordered:
            raise Conflict(
                "over_pick",
                f"{sku}: {picked[sku]} of {ordered} already picked, {units} more is too many",
                sku=sku,
                picked=picked[sku],
                qty=ordered,
            )
        picked[sku] += units
    return picked


def everything_picked(lines: Mapping[str, tuple[int, int]], picked: Mapping[str, int]) -> bool:
    return all(picked.get(sku, 0) >= ordered for sku, (ordered, _) in lines.items())
