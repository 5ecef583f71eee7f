"""Routing: which locations fulfil an order.

`Router` is the seam: the service hands it the order and a snapshot of the
network (locations, how busy they are, and available-to-promise for the
order's SKUs) and gets back a plan. The orchestration engine
(`orchestration.engine.ProfileRouter`) implements it with the routing profile.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from contract.geo import plain_postcode

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
    postcode: str | None = None  # of its address: places customers who come without coordinates
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


@dataclass(frozen=True)
class Position:
    """Where a home delivery goes: the address's own coordinates (`near` empty), or where its
    postcode places it and the locations that placed it there."""

    lat: float
    lon: float
    near: tuple[str, ...]
    postcode: str


def near_postcode(country: str, postcode: str, sites: Iterable[Site]) -> Position | None:
    """A position for an address that came without coordinates (channels need not send them,
    and the store app's endless aisle does not): the mean position of the network's locations in
    that country whose postcode shares the most leading characters with the customer's, at least
    two (in France the same département). None when none does: the distance stays unknown."""
    wanted = plain_postcode(postcode)
    best: list[Site] = []
    longest = 1
    for site in sites:
        if site.country != country or not site.postcode:
            continue
        shared = _shared_prefix(wanted, plain_postcode(site.postcode))
        if shared > longest:
            best, longest = [site], shared
        elif shared == longest and best:
            best.append(site)
    if not best:
        return None
    return Position(lat=round(sum(s.lat for s in best) / len(best), 4),
                         lon=round(sum(s.lon for s in best) / len(best), 4),
                         near=tuple(sorted(s.code for s in best)), postcode=postcode)


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
