"""Which locations a rule set may use for an order, and why the others may not.

Always: a location that gave this order back is not asked again, and a parcel
can only leave a warehouse or a store that ships from store (the pickup store
of a click & collect order may serve from its own shelves without shipping).
The rule set adds its own filters: location types, distance from the customer
(or from the pickup store), capabilities, capacity left today, the pause
switch, stock cover (units a location keeps of each SKU) and exclusions.
"""

from dataclasses import dataclass

from contract.geo import distance_km
from contract.routing import CAPABILITIES, LOCATION_TYPES

from ..routing import NetworkView, RoutingRequest, Site
from .cost import CostModel
from .reading import Fields
from .split import Candidate


@dataclass(frozen=True)
class Filters:
    location_types: tuple[str, ...] = LOCATION_TYPES
    max_distance_km: float | None = None
    capabilities: tuple[str, ...] = ()
    # Fulfilments a location must still be able to take today (0: ignore capacity).
    min_capacity_left: int = 1
    skip_paused: bool = True
    # Units of each SKU a location keeps back from this rule set (shelf counts are often off by one).
    min_stock_cover: int = 0
    exclude: frozenset[str] = frozenset()


def parse_filters(fields: Fields) -> Filters:
    d = Filters()
    filters = Filters(
        location_types=fields.choices("location_types", LOCATION_TYPES, d.location_types),
        max_distance_km=fields.number("max_distance_km", None, 0, 40_000, optional=True),
        capabilities=fields.choices("capabilities", CAPABILITIES, d.capabilities),
        min_capacity_left=fields.integer("min_capacity_left", d.min_capacity_left, 0, 1_000_000),
        skip_paused=fields.flag("skip_paused", d.skip_paused),
        min_stock_cover=fields.integer("min_stock_cover", d.min_stock_cover, 0, 1_000_000),
        exclude=frozenset(fields.texts("exclude")),
    )
    if not filters.location_types:
        fields.problems.add(f"{fields.path}.location_types", "must name at least one location type")
    fields.close()
    return filters


@dataclass(slots=True)  # made per refused location of every order: see Candidate
class Dropped:
    location: str
    reason: str
    distance_km: float | None = None


def screen(filters: Filters, ship_to_store: bool, request: RoutingRequest, network: NetworkView,
           cost: CostModel) -> tuple[list[Candidate], list[Dropped]]:
    """The locations holding some of the order that pass, and those that do not (with why)."""
    pickup = request.pickup_store if request.method == "click_collect" else None
    origin = _origin(request, network, pickup)
    kept: list[Candidate] = []
    dropped: list[Dropped] = []
    for code in network.holders() | ({pickup} if pickup else set()):
        site = network.sites.get(code)
        if site is None:
            continue
        here = code == pickup
        reason = _refusal(filters, ship_to_store, request, site, here, pickup is not None)
        km = 0.0 if here or origin is None else distance_km(origin[0], origin[1], site.lat, site.lon)
        load = network.load_of(code)
        if reason is None and filters.max_distance_km is not None and km > filters.max_distance_km:
            reason = f"{km:.1f} km away, more than {filters.max_distance_km:g}"
        left = site.daily_capacity - load.assigned_today
        # 0 asks for no capacity at all: a location given more than its capacity (left < 0) stays.
        if reason is None and filters.min_capacity_left > 0 and left < filters.min_capacity_left:
            reason = f"{max(left, 0)} of {site.daily_capacity} fulfilments left today"
        stock = {}
        for sku in request.demand:
            usable = network.available(code, sku) - filters.min_stock_cover
            if usable > 0:
                stock[sku] = usable
        if reason is None and not stock:
            reason = f"holds none of it beyond the {filters.min_stock_cover} it keeps" if filters.min_stock_cover \
                else "holds none of it"
        if reason is not None:
            dropped.append(Dropped(code, reason, None if origin is None else round(km, 1)))
            continue
        kept.append(Candidate(
            code=code,
            type=site.type,
            collect_here=here,
            distance_km=km,
            cost=cost.cost(km, travels=not here),
            carbon_kg=cost.carbon_kg(km, travels=not here),
            stock=stock,
            backlog=load.open / max(site.daily_capacity, 1),
            reject_rate=load.reject_rate,
        ))
    return kept, dropped


def _origin(request: RoutingRequest, network: NetworkView, pickup: str | None) -> tuple[float, float] | None:
    """Where parcels go: the pickup store, or the customer (None when the address has no coordinates)."""
    if pickup is not None:
        store = network.sites.get(pickup)
        return (store.lat, store.lon) if store else None
    if request.dest_lat is not None and request.dest_lon is not None:
        return request.dest_lat, request.dest_lon
    return None


def _refusal(filters: Filters, ship_to_store: bool, request: RoutingRequest, site: Site, here: bool,
             click_collect: bool) -> str | None:
    if site.code in request.excluded:
        return "gave this order back"
    if site.code in filters.exclude:
        return "excluded by this rule set"
    if filters.skip_paused and site.paused:
        return "paused"
    if site.type not in filters.location_types:
        return f"this rule set does not use {site.type}s"
    if not here and not site.can_ship:
        return "does not ship from store"
    if not here and click_collect and not ship_to_store:
        return "this rule set does not ship to the pickup store"
    missing = [c for c in filters.capabilities if not getattr(site, c)]
    if missing:
        return f"lacks {', '.join(missing)}"
    return None
