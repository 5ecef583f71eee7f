"""The engine: rule sets cascade, the fallback takes what none can serve, and
the trace says why. Hand-checked network: see orchestration_network."""

from oms_core.domain.orchestration.conditions import Check
from oms_core.domain.orchestration.criteria import Criterion
from oms_core.domain.orchestration.filters import Filters
from oms_core.domain.orchestration.profile import RuleSet
from oms_core.domain.orchestration.split import SplitPolicy
from oms_core.domain.routing import LocationLoad

from .orchestration_network import BY_COST, network, order, router, where

STORES_ONLY = RuleSet("stores nearby", filters=Filters(location_types=("store",), max_distance_km=50), rank=BY_COST)
ANYWHERE = RuleSet("anywhere", rank=BY_COST)


def test_the_first_rule_set_that_serves_everything_wins():
    plan = router(STORES_ONLY, ANYWHERE).plan(order({"A": 1}), network({("PAR", "A"): 1, ("LYS", "A"): 1}))
    assert where(plan) == [("PAR", {"A": 1})]
    assert plan.trace["rule"] == "stores nearby"
    assert plan.trace["rule_sets"] == [{"rule": "stores nearby", "outcome": "serves 1 of 1 units"}]


def test_rule_sets_cascade_when_one_cannot_serve_the_order():
    plan = router(STORES_ONLY, ANYWHERE).plan(order({"A": 2}), network({("PAR", "A"): 1, ("LYS", "A"): 2}))
    assert where(plan) == [("LYS", {"A": 2})]
    assert plan.trace["rule"] == "anywhere"
    assert [r["outcome"] for r in plan.trace["rule_sets"]] == ["serves 1 of 2 units", "serves 2 of 2 units"]


def test_a_rule_set_whose_condition_fails_is_skipped():
    big_only = RuleSet("big orders", when=Check("value", "gte", 500.0), filters=Filters(location_types=("warehouse",)))
    plan = router(big_only, ANYWHERE).plan(order({"A": 1}, value=40.0), network({("PAR", "A"): 1, ("LYS", "A"): 1}))
    assert where(plan) == [("PAR", {"A": 1})]
    assert plan.trace["rule_sets"][0] == {"rule": "big orders", "outcome": "does not apply to this order"}
    plan = router(big_only, ANYWHERE).plan(order({"A": 1}, value=900.0), network({("PAR", "A"): 1, ("LYS", "A"): 1}))
    assert where(plan) == [("LYS", {"A": 1})]


def test_when_no_rule_serves_everything_the_one_serving_most_wins_and_the_fallback_takes_the_rest():
    atp = {("PAR", "A"): 1, ("LYS", "A"): 2}
    plan = router(STORES_ONLY, RuleSet("warehouses", filters=Filters(location_types=("warehouse",)))).plan(
        order({"A": 5}), network(atp))
    assert where(plan) == [("LYS", {"A": 2})]
    assert plan.unfulfilled == {"A": 3}
    assert (plan.trace["fallback"], plan.parked) == ("backorder", False)


def test_fallback_park_parks_what_nothing_can_serve():
    plan = router(ANYWHERE, fallback="park").plan(order({"A": 1, "Z": 2}), network({("PAR", "A"): 1}))
    assert where(plan) == [("PAR", {"A": 1})] and plan.unfulfilled == {"Z": 2}
    assert plan.parked and plan.trace["fallback"] == "park"
    served = router(ANYWHERE, fallback="park").plan(order({"A": 1}), network({("PAR", "A"): 1}))
    assert not served.parked and served.trace["fallback"] is None


def test_no_rule_applies_means_nothing_is_served():
    web_only = RuleSet("web", when=Check("channel", "eq", "web"))
    plan = router(web_only).plan(order({"A": 1}, channel="marketplace"), network({("PAR", "A"): 1}))
    assert plan.allocations == [] and plan.unfulfilled == {"A": 1} and plan.trace["rule"] is None


def test_ranking_with_tolerance_prefers_the_store_that_accepts_its_orders():
    # PAR is 1.10 cheaper than ORL; with 2.00 of tolerance the reject rate decides.
    atp = {("PAR", "A"): 1, ("ORL", "A"): 1}
    load = {"PAR": LocationLoad(reject_rate=0.5)}
    strict = RuleSet("strict", rank=(Criterion("cost"), Criterion("reject_rate")))
    lenient = RuleSet("lenient", rank=(Criterion("cost", 2.0), Criterion("reject_rate")))
    assert where(router(strict).plan(order({"A": 1}), network(atp, load=load))) == [("PAR", {"A": 1})]
    assert where(router(lenient).plan(order({"A": 1}), network(atp, load=load))) == [("ORL", {"A": 1})]


def test_click_and_collect_serves_from_the_pickup_store_first():
    plan = router(ANYWHERE).plan(order({"A": 1}, method="click_collect", pickup_store="CC"),
                                 network({("CC", "A"): 1, ("PAR", "A"): 1}))
    assert [(a.location, a.delivery_method, a.ship_to, a.cost) for a in plan.allocations] == [
        ("CC", "click_collect", None, 0.0)]


def test_click_and_collect_ships_to_the_pickup_store_what_it_lacks():
    atp = {("CC", "A"): 1, ("PAR", "B"): 1, ("LYS", "B"): 1}
    plan = router(ANYWHERE).plan(order({"A": 1, "B": 1}, method="click_collect", pickup_store="CC"), network(atp))
    assert [(a.location, a.delivery_method, a.ship_to) for a in plan.allocations] == [
        ("CC", "click_collect", None), ("PAR", "ship_to_store", "CC")]


def test_a_rule_set_may_refuse_to_ship_to_the_pickup_store():
    no_shipping = RuleSet("collect only", ship_to_store=False)
    plan = router(no_shipping).plan(order({"A": 1}, method="click_collect", pickup_store="CC",
                                          excluded=frozenset({"CC"})), network({("CC", "A"): 1, ("PAR", "A"): 1}))
    assert plan.allocations == [] and plan.unfulfilled == {"A": 1}
    assert {d["location"]: d["reason"] for d in plan.trace["dropped"]} == {
        "CC": "gave this order back", "PAR": "this rule set does not ship to the pickup store"}


def test_the_trace_shows_candidates_dropped_locations_and_plans():
    atp = {("PAR", "A"): 1, ("CC", "A"): 1, ("ORL", "A"): 1, ("LYS", "A"): 1}
    plan = router(RuleSet("r", split=SplitPolicy(max_parcels=2), rank=BY_COST)).plan(order({"A": 1}), network(atp))
    trace = plan.trace
    assert (trace["router"], trace["profile_version"], trace["rule"], trace["chosen"]) == ("profile", 7, "r", ["PAR"])
    assert [(c["location"], c["cost"]) for c in trace["candidates"]] == [("PAR", 5.01), ("ORL", 6.11), ("LYS", 8.91)]
    assert trace["dropped"] == [{"location": "CC", "reason": "does not ship from store", "distance_km": 2.2}]
    assert [(p["locations"], p["verdict"]) for p in trace["plans"]] == [
        (["PAR"], "chosen: cost 5.01"),
        (["ORL"], "cost 6.11, best 5.01"),
        (["LYS"], "cost 8.91, best 5.01"),
    ]
    assert trace["search"] == {"combined": 3, "of": 3, "plans_weighed": 3, "complete": True}


def test_allocations_list_the_main_parcel_first_with_its_cost():
    atp = {("PAR", "A"): 1, ("LYS", "B"): 3}
    plan = router(ANYWHERE).plan(order({"A": 1, "B": 3}), network(atp))
    assert [(a.location, round(a.distance_km, 1), round(a.cost, 2)) for a in plan.allocations] == [
        ("LYS", 391.5, 8.91), ("PAR", 0.6, 5.01)]
