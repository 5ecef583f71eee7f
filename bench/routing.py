"""Routing decisions on a seeded network: Backroom's profile against two
baselines and against the optimum, with decision and promise latency.

    python bench/routing.py --stores 292 --skus 20000 --orders 10000

A fresh SQLite database is seeded (8 warehouses + 292 stores = 300 locations,
20,000 SKUs). Its stock is read once; every strategy then routes the same
plausible orders (backroom/traffic.py: 1 to 4 lines, 30 % click & collect,
10 % of multi-line orders with a ship-together set), one after the other,
each on its own copy of the stock, so what a strategy allocates is gone for
its later orders. Backroom also counts what it gives each location, so
capacity and backlog play as they would during a day.

- Backroom: the default routing profile (`ProfileRouter.plan` on the network
  view the core would load for that order).
- First in priority: for each line, the first location with stock in a fixed
  order (warehouses, then stores, by code; the pickup store first for click
  & collect).
- Most stock: the location holding the most of what is left, again and again.
- Optimum: on Backroom's own stock and candidates at that moment, the
  cheapest plan by exhaustive search (every combination of the winning rule
  set's candidates within its split policy), where it finishes in budget.

Costs use the profile's cost model for every strategy. Prints what it
measured; asserts nothing.
"""

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backroom.traffic import OrderGenerator  # noqa: E402
from bench.common import database, machine, summary  # noqa: E402
from contract.geo import distance_km  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, reader  # noqa: E402
from oms_core.domain.orchestration.criteria import Criterion  # noqa: E402
from oms_core.domain.orchestration.filters import screen  # noqa: E402
from oms_core.domain.orchestration.split import items_of, search  # noqa: E402
from oms_core.domain.orders import demand_by_sku  # noqa: E402
from oms_core.domain.routing import NO_LOAD, NetworkView, RoutingRequest, Site  # noqa: E402
from oms_core.models import Product, Stock  # noqa: E402
from oms_core.schemas import PromiseIn  # noqa: E402
from oms_core.seed import seed  # noqa: E402
from oms_core.services import allocation, orders, routing_profiles  # noqa: E402
from oms_core.services import promise as promise_service  # noqa: E402

OPTIMUM_BUDGET = 50_000  # plans weighed per order before the exhaustive search gives up


class StockCopy:
    """One strategy's view of the seeded stock: what it has taken is gone."""

    def __init__(self, by_sku: dict[str, dict[str, int]]) -> None:
        self.by_sku = by_sku
        self.taken: Counter = Counter()

    def available(self, location: str, sku: str) -> int:
        return self.by_sku.get(sku, {}).get(location, 0) - self.taken[location, sku]

    def holders(self, skus) -> set[str]:  # noqa: ANN001
        return {loc for sku in skus for loc in self.by_sku.get(sku, {}) if self.available(loc, sku) > 0}

    def atp(self, skus) -> dict[tuple[str, str], int]:  # noqa: ANN001
        return {(loc, sku): left for sku in skus for loc in self.by_sku.get(sku, {})
                if (left := self.available(loc, sku)) > 0}

    def take(self, parts: dict[str, dict[str, int]]) -> None:
        for loc, lines in parts.items():
            for sku, qty in lines.items():
                self.taken[loc, sku] += qty


@dataclass
class Tally:
    orders: int = 0
    fulfilments: int = 0  # locations used
    parcels: int = 0  # of those, the ones that travel (not collected where they are)
    cost: float = 0.0
    km: float = 0.0
    units: int = 0
    wanted: int = 0

    def add(self, parts: dict[str, dict[str, int]], request: RoutingRequest, sites: dict[str, Site], cost) -> None:  # noqa: ANN001
        self.orders += 1
        self.wanted += sum(request.demand.values())
        for loc, lines in parts.items():
            km, travels = _leg(request, sites[loc])
            self.fulfilments += 1
            self.parcels += travels
            self.cost += cost.cost(km, travels)
            self.km += km
            self.units += sum(lines.values())

    def row(self, name: str) -> str:
        n = max(self.orders, 1)
        return (f"  {name:<34} {self.parcels / n:8.3f} {self.fulfilments / n:12.3f} {self.cost / n:8.2f} "
                f"{self.km / n:8.1f} {self.units / max(self.wanted, 1):8.1%}")


def _leg(request: RoutingRequest, site: Site) -> tuple[float, bool]:
    """How far a parcel from this location travels (nothing when collected where it is)."""
    if request.method == "click_collect":
        if site.code == request.pickup_store:
            return 0.0, False
        return _km_to_pickup[request.pickup_store, site.code], True
    return distance_km(request.dest_lat, request.dest_lon, site.lat, site.lon), True


_km_to_pickup: dict = {}


def _eligible(request: RoutingRequest, site: Site) -> bool:
    return not site.paused and (site.can_ship or site.code == request.pickup_store)


def first_in_priority(request: RoutingRequest, stock: StockCopy, sites: dict[str, Site]) -> dict:
    """Each line from the first location with stock in a fixed order."""
    holders = [sites[c] for c in stock.holders(request.demand) if _eligible(request, sites[c])]
    holders.sort(key=lambda s: (s.code != request.pickup_store, s.type != "warehouse", s.code))
    parts: dict[str, dict[str, int]] = defaultdict(dict)
    for item in items_of(request.demand, request.together):
        if item.together:
            for site in holders:
                if all(stock.available(site.code, s) >= q for s, q in item.units.items()):
                    parts[site.code].update(item.units)
                    break
            continue
        ((sku, need),) = item.units.items()
        for site in holders:
            take = min(stock.available(site.code, sku), need)
            if take > 0:
                parts[site.code][sku] = take
                need -= take
                if need == 0:
                    break
    return dict(parts)


def most_stock(request: RoutingRequest, stock: StockCopy, sites: dict[str, Site]) -> dict:
    """Again and again, the location holding the most units of what is left."""
    pool = {c for c in stock.holders(request.demand) if _eligible(request, sites[c])}
    items = items_of(request.demand, request.together)
    left = {i: dict(item.units) for i, item in enumerate(items)}
    parts: dict[str, dict[str, int]] = {}
    while left and pool:
        code = max(sorted(pool), key=lambda c: sum(stock.available(c, s) for units in left.values() for s in units))
        pool.discard(code)
        lines: dict[str, int] = {}
        for i in list(left):
            if items[i].together:
                if all(stock.available(code, s) >= q for s, q in left[i].items()):
                    lines.update(left.pop(i))
                continue
            ((sku, need),) = left[i].items()
            take = min(stock.available(code, sku), need)
            if take > 0:
                lines[sku] = take
                left[i][sku] -= take
                if left[i][sku] == 0:
                    del left[i]
        if lines:
            parts[code] = lines
    return parts


@dataclass
class Gap:
    orders: int = 0
    backroom: float = 0.0
    optimum: float = 0.0
    unproven: int = 0
    fewer_units: int = 0
    worst: list = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=292)
    parser.add_argument("--skus", type=int, default=20000)
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--sample", type=int, default=2000, help="orders and carts timed through the database")
    args = parser.parse_args()

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp, database("sqlite", Path(tmp)) as url:
        engine = make_engine(Settings(database_url=url))
        started = time.perf_counter()
        summary_ = seed(engine, stores=args.stores, skus=args.skus)
        print(f"network: {summary_.warehouses} warehouses + {summary_.stores} stores = "
              f"{summary_.warehouses + summary_.stores} locations, {summary_.skus} SKUs, "
              f"{summary_.stock_rows} stock rows; seeded in {time.perf_counter() - started:.0f} s")
        with Session(engine) as session:
            router = routing_profiles.router(session)
            sites = dict(allocation.sites_cache.get(session))
            by_sku: dict[str, dict[str, int]] = defaultdict(dict)
            for loc, sku, qty in session.execute(select(Stock.location, Stock.sku, Stock.on_hand)):
                by_sku[sku][loc] = qty
            prices = {sku: float(price) for sku, price in session.execute(select(Product.sku, Product.price))}
        pickup = sorted(c for c, s in sites.items() if s.type == "store" and s.click_collect)
        for store in pickup:
            for site in sites.values():
                _km_to_pickup[store, site.code] = distance_km(sites[store].lat, sites[store].lon, site.lat, site.lon)
        skus = sorted(prices, key=lambda sku: (int(sku[3:7]), sku))  # bestsellers first, as seeded
        generator = OrderGenerator(skus, prices, pickup, seed=5, prefix="ROUTE", ship_together_share=0.1)
        bodies = [generator.order() for _ in range(args.orders)]
        requests = [_request(body) for body in bodies]
        sets = sum(1 for body in bodies if any("ship_together" in line for line in body["lines"]))
        cc = sum(1 for r in requests if r.method == "click_collect")
        print(f"orders: {len(requests)}; {cc / len(requests):.0%} click & collect; "
              f"{statistics.fmean(len(b['lines']) for b in bodies):.2f} lines and "
              f"{statistics.fmean(sum(r.demand.values()) for r in requests):.2f} units per order; "
              f"{sets} with a ship-together set\n")

        cost = router.profile.cost
        tallies = {name: Tally() for name in ("backroom", "priority", "most", "optimum")}
        gap = Gap()
        latencies: list[float] = []
        stock = StockCopy(by_sku)
        load: dict = {}
        rules = {rule.name: rule for rule in router.profile.rule_sets}
        for request in requests:
            network = NetworkView(sites=sites, atp=stock.atp(request.demand), load=load)
            t0 = time.perf_counter()
            plan = router.plan(request, network)
            latencies.append((time.perf_counter() - t0) * 1000)
            parts = {a.location: a.lines for a in plan.allocations}
            tallies["backroom"].add(parts, request, sites, cost)
            if plan.trace["rule"] is not None:
                rule = rules[plan.trace["rule"]]
                candidates, _ = screen(rule.filters, rule.ship_to_store, request, network, cost)
                best = search(items_of(request.demand, request.together), candidates, rule.split,
                              (Criterion("cost"),), request.prices, shortlist=None, budget=OPTIMUM_BUDGET)
                optimum = best.best
                served = sum(sum(lines.values()) for lines in parts.values())
                if not best.complete:
                    gap.unproven += 1
                elif served < optimum.served:
                    gap.fewer_units += 1
                else:
                    ours = sum(a.cost for a in plan.allocations)
                    gap.orders += 1
                    gap.backroom += ours
                    gap.optimum += optimum.cost
                    tallies["optimum"].add({c.code: lines for c, lines in optimum.parts}, request, sites, cost)
            stock.take(parts)
            for loc in parts:
                busy = load.get(loc, NO_LOAD)
                load[loc] = replace(busy, assigned_today=busy.assigned_today + 1, open=busy.open + 1)
        for name, strategy in (("priority", first_in_priority), ("most", most_stock)):
            copy = StockCopy(by_sku)
            for request in requests:
                parts = strategy(request, copy, sites)
                tallies[name].add(parts, request, sites, cost)
                copy.take(parts)

        print(f"  {'per order':<34} {'parcels':>8} {'fulfilments':>12} {'cost':>8} {'km':>8} {'served':>8}")
        print(tallies["backroom"].row("Backroom (default profile)"))
        print(tallies["priority"].row("first location in priority order"))
        print(tallies["most"].row("location with most stock"))
        print(tallies["optimum"].row(f"optimum ({gap.orders} orders)"))
        print(f"\n  Backroom vs optimum on the {gap.orders} orders where the exhaustive search finished: "
              f"average cost {gap.backroom / gap.orders:.3f} vs {gap.optimum / gap.orders:.3f} "
              f"(+{gap.backroom / gap.optimum - 1:.2%}); search gave up on {gap.unproven}, "
              f"Backroom served fewer units on {gap.fewer_units}")
        total = sum(latencies) / 1000
        print(f"\ndecision (ProfileRouter.plan on the order's network view): {len(latencies) / total:,.0f} decisions/s; "
              f"{summary(latencies)}")
        _through_the_database(engine, requests[: args.sample], bodies[: args.sample])


def _request(body: dict) -> RoutingRequest:
    delivery, lines = body["delivery"], body["lines"]
    address = delivery.get("address") or {}
    order = {"delivery_method": delivery["method"], "dest_lat": address.get("lat"), "dest_lon": address.get("lon"),
             "pickup_store": delivery.get("store"), "channel": body["channel"], "country": address.get("country"),
             "total_value": sum(line["unit_price"] * line["qty"] for line in lines), "tags": [], "customer_tier": None}
    return orders.routing_request(order, lines, demand_by_sku((line["sku"], line["qty"]) for line in lines))


def _through_the_database(engine, requests: list[RoutingRequest], bodies: list[dict]) -> None:  # noqa: ANN001
    """The same decisions as the core makes them (stock read from SQLite), and promises."""
    routed: list[float] = []
    with Session(engine) as session:
        for request in requests:
            t0 = time.perf_counter()
            allocation.route(session, request)
            routed.append((time.perf_counter() - t0) * 1000)
    print(f"decision with the stock read from SQLite (allocation.route, {len(routed)} orders): {summary(routed)}")
    carts = [PromiseIn.model_validate({"lines": body["lines"], "destination": {
        k: body["delivery"]["address"][k] for k in ("country", "lat", "lon")}})
             for body in bodies if body["delivery"]["method"] == "home"]
    promised: list[float] = []
    options: Counter = Counter()
    now = datetime.now(UTC)
    with Session(reader(engine)) as session:
        for cart in carts:
            t0 = time.perf_counter()
            found = promise_service.promise(session, cart, now)
            promised.append((time.perf_counter() - t0) * 1000)
            options.update(option["kind"] for option in found["options"])
    print(f"promise (services.promise on SQLite, {len(carts)} carts): {summary(promised)}; options per cart: "
          + ", ".join(f"{kind} {n / len(carts):.2f}" for kind, n in sorted(options.items())))


if __name__ == "__main__":
    main()
