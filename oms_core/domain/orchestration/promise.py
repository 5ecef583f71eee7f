"""The delivery promise: what a checkout may offer for a cart and a destination.

Each option is planned by the same router, on the same stock, that will route
the order, so the promise is one the network can keep:

- home standard: the plan's parcels leave on their location's next hand-over
  (an open day, before the cut-off time and before closing), then travel one
  day plus one more per `km_per_transit_day`; carriers do not deliver on
  Sundays. The latest parcel sets the date.
- home express: the same parcels, next day after hand-over, when none travels
  further than `express_max_km`; costs a surcharge per parcel and more carbon.
- click & collect at the nearest click & collect stores: ready when the last
  parcel shipped to the store has arrived on a day the store is open.
- express pickup: where the store holds the whole cart itself, ready within
  `pickup_ready_hours` of the order, inside its opening hours.

Each option also says what the customer pays for it (`price`, the retailer's
delivery prices; standard home delivery is free from `free_home_over` of goods),
apart from what it costs the network (`cost`, by the routing cost model).
"""

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from contract.geo import distance_km

from ..opening_hours import hours_on
from ..routing import Allocation, NetworkView, RoutingPlan, RoutingRequest, Router, Site
from .reading import Fields

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_LOOK_AHEAD_DAYS = 14  # a location closed for longer than this cannot promise
_SUNDAY = 6


@dataclass(frozen=True)
class PromiseSettings:
    timezone: str = "Europe/Paris"
    # A location hands parcels to the carrier the same day if it has the order before this time.
    cutoff: time = time(15, 0)
    km_per_transit_day: float = 450.0
    express_surcharge: float = 6.0
    express_max_km: float = 800.0
    express_carbon_factor: float = 1.5
    pickup_stores: int = 3
    pickup_max_km: float = 30.0
    pickup_ready_hours: float = 2.0
    # What the customer pays for each kind of delivery, in the network's currency.
    home_standard_price: float = 4.9
    home_express_price: float = 9.9
    click_collect_price: float = 0.0
    express_pickup_price: float = 0.0
    free_home_over: float | None = 50.0  # goods worth this much ship home free (standard); None: never


def parse_promise(fields: Fields) -> PromiseSettings:
    d = PromiseSettings()
    timezone = fields.text("timezone", d.timezone)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fields.problems.add(f"{fields.path}.timezone", f"'{timezone}' is not a time zone (e.g. Europe/Paris)")
        timezone = d.timezone
    cutoff = fields.text("cutoff", d.cutoff.strftime("%H:%M"), 5, _HHMM)
    settings = PromiseSettings(
        timezone=timezone,
        cutoff=time.fromisoformat(cutoff) if _HHMM.fullmatch(cutoff) else d.cutoff,
        km_per_transit_day=fields.number("km_per_transit_day", d.km_per_transit_day, 1, 40_000),
        express_surcharge=fields.number("express_surcharge", d.express_surcharge, 0, 10_000),
        express_max_km=fields.number("express_max_km", d.express_max_km, 0, 40_000),
        express_carbon_factor=fields.number("express_carbon_factor", d.express_carbon_factor, 1, 100),
        pickup_stores=fields.integer("pickup_stores", d.pickup_stores, 0, 20),
        pickup_max_km=fields.number("pickup_max_km", d.pickup_max_km, 0, 40_000),
        pickup_ready_hours=fields.number("pickup_ready_hours", d.pickup_ready_hours, 0, 72),
        home_standard_price=fields.number("home_standard_price", d.home_standard_price, 0, 10_000),
        home_express_price=fields.number("home_express_price", d.home_express_price, 0, 10_000),
        click_collect_price=fields.number("click_collect_price", d.click_collect_price, 0, 10_000),
        express_pickup_price=fields.number("express_pickup_price", d.express_pickup_price, 0, 10_000),
        free_home_over=fields.number("free_home_over", d.free_home_over, 0, 1e9, optional=True),
    )
    fields.close()
    return settings


@dataclass(frozen=True)
class Option:
    kind: str  # home_standard | home_express | click_collect | express_pickup
    date: date  # delivered, or ready for pickup, on this day (local)
    price: float  # what the customer pays for it
    cost: float  # what it costs the network
    carbon_kg: float
    parcels: int
    sources: tuple[str, ...]
    ready_by: datetime | None = None  # express pickup: ready at this time
    store: str | None = None
    distance_km: float | None = None  # from the destination to the store


def delivery_options(router: Router, settings: PromiseSettings, cart: RoutingRequest, network: NetworkView,
            now: datetime, *, home_delivery: bool = True, pickup: bool = True) -> list[Option]:
    """The options for `cart` (a home request to the destination), soonest first within each kind:
    home delivery, pickup, or both (each is planned apart: a caller wanting one plans only it)."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    options: list[Option] = []
    home = router.plan(replace(cart, method="home", pickup_store=None), network) if home_delivery else None
    if home is not None and _complete(home):
        standard = _arrival(home, network, local, settings, express=False)
        if standard is not None:
            free = settings.free_home_over is not None and cart.value >= settings.free_home_over
            options.append(_option("home_standard", standard, home, 0.0 if free else settings.home_standard_price))
        express = _arrival(home, network, local, settings, express=True)
        if express is not None and all(a.distance_km <= settings.express_max_km for a in home.allocations):
            parcels = len(home.allocations)
            options.append(_option("home_express", express, home, settings.home_express_price,
                                   extra_cost=settings.express_surcharge * parcels,
                                   carbon_factor=settings.express_carbon_factor))
    for store, km in _pickup_stores(cart, network, settings) if pickup else []:
        plan = router.plan(replace(cart, method="click_collect", pickup_store=store.code), network)
        if not _complete(plan):
            continue
        if all(a.delivery_method == "click_collect" for a in plan.allocations):
            ready = _ready_at(store, local, settings.pickup_ready_hours)
            if ready is not None:
                options.append(_option("express_pickup", ready.date(), plan, settings.express_pickup_price,
                                       ready_by=ready, store=store.code, km=km))
            continue
        day = _pickup_day(plan, store, network, local, settings)
        if day is not None:
            options.append(_option("click_collect", day, plan, settings.click_collect_price, store=store.code, km=km))
    return options


def _complete(plan: RoutingPlan) -> bool:
    return bool(plan.allocations) and not plan.unfulfilled


def _option(kind: str, day: date, plan: RoutingPlan, price: float, *, extra_cost: float = 0.0,
            carbon_factor: float = 1.0, ready_by: datetime | None = None, store: str | None = None,
            km: float | None = None) -> Option:
    return Option(
        kind=kind,
        date=day,
        price=round(price, 2),
        cost=round(sum(a.cost for a in plan.allocations) + extra_cost, 2),
        carbon_kg=round(sum(a.carbon_kg for a in plan.allocations) * carbon_factor, 3),
        parcels=len(plan.allocations),
        sources=tuple(a.location for a in plan.allocations),
        ready_by=ready_by,
        store=store,
        distance_km=None if km is None else round(km, 1),
    )


def _arrival(plan: RoutingPlan, network: NetworkView, local: datetime, settings: PromiseSettings,
             *, express: bool) -> date | None:
    """When the last parcel reaches the customer."""
    days = [_parcel_arrival(a, network, local, settings, express=express) for a in plan.allocations]
    return None if None in days else max(days)  # type: ignore[type-var]


def _parcel_arrival(a: Allocation, network: NetworkView, local: datetime, settings: PromiseSettings,
                    *, express: bool) -> date | None:
    handover = _handover_day(network.sites[a.location], local, settings.cutoff)
    if handover is None:
        return None
    transit = 1 if express else 1 + int(a.distance_km // settings.km_per_transit_day)
    return _after_delivery_days(handover, transit)


def _handover_day(site: Site, local: datetime, cutoff: time) -> date | None:
    """The first day the location is open and still has time to hand a parcel to the carrier."""
    for offset in range(_LOOK_AHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        span = hours_on(site.opening_hours, day)
        if span is None:
            continue
        if offset == 0 and local.time() >= min(cutoff, span[1]):
            continue
        return day
    return None


def _after_delivery_days(day: date, transit: int) -> date:
    for _ in range(transit):
        day += timedelta(days=1)
        if day.weekday() == _SUNDAY:
            day += timedelta(days=1)
    return day


def _ready_at(store: Site, local: datetime, hours: float) -> datetime | None:
    """When goods on the store's own shelves can be ready: `hours` after the
    order or after opening, if that is before closing."""
    for offset in range(_LOOK_AHEAD_DAYS):
        day = local.date() + timedelta(days=offset)
        span = hours_on(store.opening_hours, day)
        if span is None:
            continue
        opens = datetime.combine(day, span[0], tzinfo=local.tzinfo)
        ready = max(local, opens) + timedelta(hours=hours)
        if ready <= datetime.combine(day, span[1], tzinfo=local.tzinfo):
            return ready
    return None


def _pickup_day(plan: RoutingPlan, store: Site, network: NetworkView, local: datetime,
                settings: PromiseSettings) -> date | None:
    """Ready on the first day the store is open once every part is there."""
    days = []
    for a in plan.allocations:
        if a.delivery_method == "click_collect":
            ready = _ready_at(store, local, settings.pickup_ready_hours)
            days.append(ready.date() if ready else None)
        else:
            days.append(_parcel_arrival(a, network, local, settings, express=False))
    if None in days:
        return None
    last = max(days)  # type: ignore[type-var]
    for offset in range(_LOOK_AHEAD_DAYS):
        day = last + timedelta(days=offset)
        if hours_on(store.opening_hours, day) is not None:
            return day
    return None


def _pickup_stores(cart: RoutingRequest, network: NetworkView,
                   settings: PromiseSettings) -> list[tuple[Site, float]]:
    """The nearest click & collect stores to the destination, within reach."""
    if cart.dest_lat is None or cart.dest_lon is None or settings.pickup_stores == 0:
        return []
    near = []
    for site in network.sites.values():
        if site.type == "store" and site.click_collect and not site.paused:
            km = distance_km(cart.dest_lat, cart.dest_lon, site.lat, site.lon)
            if km <= settings.pickup_max_km:
                near.append((km, site.code, site))
    near.sort()
    return [(site, km) for km, _, site in near[: settings.pickup_stores]]

