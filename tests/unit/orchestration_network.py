"""A small network around a Paris customer, with distances checked by hand
(great-circle, rounded):

    PAR  store, ships, click & collect        0.6 km from the customer
    CC   store, click & collect only          2.2 km (1.7 km from PAR)
    ORL  store in Orleans, ships              111 km
    LYS  warehouse near Lyon                  391.5 km

With the test cost model (5.00 a parcel + 0.01 a km) a parcel from PAR costs
5.01, from ORL 6.11, from LYS 8.91.
"""

from oms_core.domain.orchestration.cost import CostModel
from oms_core.domain.orchestration.criteria import Criterion
from oms_core.domain.orchestration.engine import ProfileRouter
from oms_core.domain.orchestration.profile import Profile, RuleSet
from oms_core.domain.routing import LocationLoad, NetworkView, RoutingRequest, Site

PARIS = (48.8566, 2.3522)
SITES = {
    "PAR": Site("PAR", "store", 48.8606, 2.3476, ship_from_store=True, click_collect=True),
    "CC": Site("CC", "store", 48.8700, 2.3300, click_collect=True),
    "ORL": Site("ORL", "store", 47.9030, 1.9093, ship_from_store=True, click_collect=True),
    "LYS": Site("LYS", "warehouse", 45.7640, 4.8357),
}
COST = CostModel(parcel=5.0, per_km=0.01, carbon_kg_per_parcel=0.1, carbon_kg_per_parcel_km=0.001)
BY_COST = (Criterion("cost"),)


def network(atp: dict, sites: dict | None = None, load: dict[str, LocationLoad] | None = None) -> NetworkView:
    return NetworkView(sites=sites or SITES, atp=atp, load=load or {})


def order(demand: dict, **kw) -> RoutingRequest:
    kw.setdefault("method", "home")
    if kw["method"] == "home":
        kw.setdefault("dest_lat", PARIS[0])
        kw.setdefault("dest_lon", PARIS[1])
    kw.setdefault("prices", {sku: 20.0 for sku in demand})
    return RoutingRequest(demand=demand, **kw)


def router(*rule_sets: RuleSet, fallback: str = "backorder", cost: CostModel = COST) -> ProfileRouter:
    return ProfileRouter(Profile(name="test", rule_sets=rule_sets or (RuleSet("any", rank=BY_COST),), cost=cost,
                                 fallback=fallback), version=7)


def where(plan) -> list[tuple[str, dict]]:  # noqa: ANN001
    return [(a.location, a.lines) for a in plan.allocations]
