"""Routing: which locations fulfil an order.

`Router` is the seam: the service hands it the order and a snapshot of the
network (locations, how busy they are, and available-to-promise for the
order's SKUs) and gets back a plan. The orchestration engine
(`orchestration.engine.ProfileRouter`) implements it with the routing profile.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from .geo import distance_km
from .opening_hours import DEFAULT_HOURS


@dataclass(frozen=True)
class Site:
    """A location as routing sees it."""

    code: str
    type: str  # warehouse | store
    lat: float
    lon: float
    ship_from_store: bool = False
    click_collect: bool = False
    returns: bool = False
    paused: bool = False
    country: str = "FR"
    daily_capacity: int = 100
    # {"mon": ["09:00", "19:00"], ...}; a missing day is closed.
    opening_hours: Mapping[str, list[str]] = field(default_factory=lambda: DEFAULT_HOURS)
    accept_within_minutes: int = 60

    @property
    def can_ship(self) -> bool:
        return self.type == "warehouse" or self.ship_from_store


@dataclass(frozen=True)
class LocationLoad:
    """How busy a location is: fulfilments given to it today (UTC), those still
    open, and the share of its recent fulfilments it rejected or let expire."""

    assigned_today: int = 0
    open: int = 0
    reject_rate: float = 0.0


NO_LOAD = LocationLoad()


@dataclass(frozen=True)
class RoutingRequest:
    # Quantities per SKU, already summed over lines.
    demand: Mapping[str, int]
    method: str  # home | click_collect
    dest_lat: float | None = None
    dest_lon: float | None = None
    pickup_store: str | None = None
    excluded: frozenset[str] = frozenset()
    # What the profile's conditions look at.
    channel: str = "web"
    country: str | None = None
    value: float = 0.0
    tags: frozenset[str] = frozenset()
    customer_tier: str | None = None
    # Unit price per SKU (for the minimum value of a parcel).
    prices: Mapping[str, float] = field(default_factory=dict)
    # Sets of SKUs that must leave together in one parcel (kits, sets).
    together: tuple[frozenset[str], ...] = ()


@dataclass(frozen=True)
class NetworkView:
    sites: Mapping[str, Site]
    # Available to promise per (location, sku); absent means zero.
    atp: Mapping[tuple[str, str], int]
    # How busy each location is; absent means idle.
    load: Mapping[str, LocationLoad] = field(default_factory=dict)

    def available(self, location: str, sku: str) -> int:
        return self.atp.get((location, sku), 0)

    def holders(self) -> set[str]:
        """Locations that hold some of the stock asked about."""
        return {location for location, _ in self.atp}

    def load_of(self, location: str) -> LocationLoad:
        return self.load.get(location, NO_LOAD)


@dataclass
class Allocation:
    location: str
    lines: dict[str, int]
    # home: parcel to the customer; click_collect: collected at this store;
    # ship_to_store: parcel to the pickup store.
    delivery_method: str
    ship_to: str | None = None
    # What this part costs the network under the profile's cost model.
    distance_km: float = 0.0
    cost: float = 0.0
    carbon_kg: float = 0.0


@dataclass
class RoutingPlan:
    allocations: list[Allocation]
    unfulfilled: dict[str, int]
    # Human-readable account of the decision, stored with the order.
    trace: dict = field(default_factory=dict)
    # What nothing could serve waits for customer service rather than for stock.
    parked: bool = False


class Router(Protocol):
    def plan(self, request: RoutingRequest, network: NetworkView) -> RoutingPlan: ...


class NearestRouter:
    """Nearest single location if one can serve everything, else greedy cover."""

    name = "nearest"

    def plan(self, request: RoutingRequest, network: NetworkView) -> RoutingPlan:
        origin = self._origin(request, network)
        remaining = {sku: qty for sku, qty in request.demand.items() if qty > 0}
        holders = [network.sites[code] for code in network.holders() if code in network.sites]
        candidates = [
            site
            for site in holders
            if not site.paused
            and site.code not in request.excluded
            and self._eligible(site, request)
            and self._units(site, remaining, network) > 0
        ]
        distance = {
            s.code: (distance_km(origin[0], origin[1], s.lat, s.lon) if origin else 0.0) for s in candidates
        }
        # Nearest first; a tie (or no coordinates) prefers warehouses, then the code.
        candidates.sort(key=lambda s: (distance[s.code], s.type != "warehouse", s.code))

        chosen: list[Allocation] = []
        whole = next((s for s in candidates if self._covers(s, remaining, network)), None)
        if whole is not None:
            chosen.append(self._allocate(whole, remaining, network, request))
            rule = "nearest location that can serve the whole order"
        else:
            rule = "fewest locations, nearest first"
            pool = list(candidates)
            while remaining and pool:
                best = max(pool, key=lambda s: (self._units(s, remaining, network), -distance[s.code]))
                if self._units(best, remaining, network) == 0:
                    break
                pool.remove(best)
                chosen.append(self._allocate(best, remaining, network, request))
        trace = {
            "router": self.name,
            "rule": rule,
            "candidates": [
                {"location": s.code, "distance_km": round(distance[s.code], 1)} for s in candidates[:20]
            ],
            "chosen": [a.location for a in chosen],
        }
        return RoutingPlan(allocations=chosen, unfulfilled=remaining, trace=trace)

    @staticmethod
    def _origin(request: RoutingRequest, network: NetworkView) -> tuple[float, float] | None:
        if request.method == "click_collect" and request.pickup_store in network.sites:
            store = network.sites[request.pickup_store]
            return store.lat, store.lon
        if request.dest_lat is not None and request.dest_lon is not None:
            return request.dest_lat, request.dest_lon
        return None

    @staticmethod
    def _eligible(site: Site, request: RoutingRequest) -> bool:
        if request.method == "click_collect" and site.code == request.pickup_store:
            return site.click_collect
        return site.can_ship

    @staticmethod
    def _covers(site: Site, remaining: Mapping[str, int], network: NetworkView) -> bool:
        return all(network.available(site.code, sku) >= qty for sku, qty in remaining.items())

    @staticmethod
    def _units(site: Site, remaining: Mapping[str, int], network: NetworkView) -> int:
        return sum(min(network.available(site.code, sku), qty) for sku, qty in remaining.items())

    @staticmethod
    def _allocate(
        site: Site, remaining: dict[str, int], network: NetworkView, request: RoutingRequest
    ) -> Allocation:
        lines: dict[str, int] = {}
        for sku in list(remaining):
            take = min(network.available(site.code, sku), remaining[sku])
            if take > 0:
                lines[sku] = take
                remaining[sku] -= take
                if remaining[sku] == 0:
                    del remaining[sku]
        if request.method == "click_collect":
            if site.code == request.pickup_store:
                return Allocation(site.code, lines, "click_collect")
            return Allocation(site.code, lines, "ship_to_store", ship_to=request.pickup_store)
        return Allocation(site.code, lines, "home")
