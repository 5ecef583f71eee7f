"""The split search: the combination of locations that costs least over the
whole order, within the split policy."""

import itertools
import random

from oms_core.domain.orchestration.cost import CostModel
from oms_core.domain.orchestration.criteria import Criterion
from oms_core.domain.orchestration.filters import Filters, screen
from oms_core.domain.orchestration.split import Candidate, SplitPolicy, evaluate, items_of, search
from oms_core.domain.routing import Site

from .orchestration_network import BY_COST, COST, network, order

# A and B, one unit each: PAR holds A, ORL holds B, LYS holds both.
SPREAD = {("PAR", "A"): 1, ("ORL", "B"): 1, ("LYS", "A"): 5, ("LYS", "B"): 5}


def best(atp, demand, policy=SplitPolicy(), cost=COST, ranking=BY_COST, together=(), prices=None, **kw):  # noqa: B008
    request = order(demand, together=together, **({"prices": prices} if prices else {}))
    candidates, _ = screen(Filters(), True, request, network(atp), cost)
    found = search(items_of(request.demand, together), candidates, policy, ranking, request.prices, **kw)
    plan = found.best
    return (sorted((c.code, lines) for c, lines in plan.parts), plan) if plan else ([], None)


def test_one_distant_warehouse_beats_two_near_parcels_when_parcels_are_dear():
    # LYS alone 8.91; PAR + ORL 5.01 + 6.11 = 11.12.
    parts, plan = best(SPREAD, {"A": 1, "B": 1})
    assert parts == [("LYS", {"A": 1, "B": 1})] and round(plan.cost, 2) == 8.91


def test_two_near_parcels_beat_one_distant_warehouse_when_kilometres_are_dear():
    # With 2.00 a parcel: LYS alone 5.91; PAR + ORL 2.01 + 3.11 = 5.12.
    parts, plan = best(SPREAD, {"A": 1, "B": 1}, cost=CostModel(parcel=2.0, per_km=0.01))
    assert parts == [("ORL", {"B": 1}), ("PAR", {"A": 1})] and round(plan.cost, 2) == 5.12


def test_split_not_allowed_serves_what_one_location_can():
    atp = {("PAR", "A"): 1, ("ORL", "B"): 1, ("ORL", "C"): 1}
    parts, plan = best(atp, {"A": 1, "B": 1, "C": 1}, SplitPolicy(allowed=False))
    assert parts == [("ORL", {"B": 1, "C": 1})] and plan.served == 2


def test_max_parcels_caps_the_split():
    atp = {("PAR", "A"): 1, ("ORL", "B"): 1, ("LYS", "C"): 1}
    parts, plan = best(atp, {"A": 1, "B": 1, "C": 1}, SplitPolicy(max_parcels=2))
    assert plan.served == 2 and len(parts) == 2
    parts, plan = best(atp, {"A": 1, "B": 1, "C": 1}, SplitPolicy(max_parcels=3))
    assert plan.served == 3 and [code for code, _ in parts] == ["LYS", "ORL", "PAR"]


def test_min_value_per_parcel_refuses_small_parcels_of_a_split():
    atp = {("PAR", "A"): 1, ("ORL", "B"): 1, ("LYS", "A"): 1, ("LYS", "B"): 1}
    cheap_km = CostModel(parcel=2.0, per_km=0.01)  # the split would be cheaper...
    prices = {"A": 8.0, "B": 30.0}
    parts, _ = best(atp, {"A": 1, "B": 1}, cost=cheap_km, prices=prices)
    assert [code for code, _ in parts] == ["ORL", "PAR"]
    # ...but PAR's parcel would carry 8.00 of goods, under the 10.00 minimum.
    parts, _ = best(atp, {"A": 1, "B": 1}, SplitPolicy(min_value_per_parcel=10), cost=cheap_km, prices=prices)
    assert parts == [("LYS", {"A": 1, "B": 1})]


def test_one_sku_may_come_from_two_locations():
    parts, plan = best({("PAR", "A"): 2, ("ORL", "A"): 2}, {"A": 3})
    assert parts == [("ORL", {"A": 1}), ("PAR", {"A": 2})] and plan.served == 3


def test_ship_together_groups_stay_in_one_parcel():
    atp = {("PAR", "A"): 1, ("PAR", "C"): 1, ("ORL", "B"): 1, ("LYS", "A"): 1, ("LYS", "B"): 1}
    cheap_km = CostModel(parcel=2.0, per_km=0.01)
    parts, _ = best(atp, {"A": 1, "B": 1, "C": 1}, cost=cheap_km)
    assert [code for code, _ in parts] == ["ORL", "PAR"]
    # A and B are a kit: only LYS holds both; C still comes from PAR.
    parts, _ = best(atp, {"A": 1, "B": 1, "C": 1}, cost=cheap_km, together=(frozenset({"A", "B"}),))
    assert parts == [("LYS", {"A": 1, "B": 1}), ("PAR", {"C": 1})]


def test_a_kit_nobody_holds_whole_is_not_served_in_pieces():
    parts, plan = best({("PAR", "A"): 1, ("ORL", "B"): 1}, {"A": 1, "B": 1}, together=(frozenset({"A", "B"}),))
    assert parts == [] and plan is None


def test_groups_sharing_a_sku_merge():
    items = items_of({"A": 1, "B": 2, "C": 1, "D": 1}, (frozenset({"A", "B"}), frozenset({"B", "C"}), frozenset({"Z"})))
    assert [(dict(i.units), i.together) for i in items] == [({"A": 1, "B": 2, "C": 1}, True), ({"D": 1}, False)]


def test_serving_more_units_comes_before_cost():
    parts, plan = best({("PAR", "A"): 1, ("LYS", "A"): 3}, {"A": 3})
    assert parts == [("LYS", {"A": 3})] and plan.served == 3


def test_a_parcel_that_adds_nothing_is_never_part_of_a_plan():
    request = order({"A": 1})
    candidates, _ = screen(Filters(), True, request, network({("PAR", "A"): 1, ("LYS", "A"): 1}), COST)
    by_code = {c.code: c for c in candidates}
    assert evaluate(items_of(request.demand, ()), [by_code["PAR"], by_code["LYS"]], request.prices, SplitPolicy()) is None


def _random_network(rng: random.Random, size: int) -> tuple[dict, dict]:
    sites = {f"L{i}": Site(f"L{i}", rng.choice(["warehouse", "store"]), 45 + rng.random() * 5, rng.random() * 5,
                           ship_from_store=True) for i in range(size)}
    atp = {(code, sku): rng.randint(1, 3) for code in sites for sku in "ABCDE" if rng.random() < 0.35}
    return sites, atp


def _brute_force_cost(request, candidates, limit):
    """The cheapest plan among those serving the most units, by trying every subset."""
    items = items_of(request.demand, request.together)
    results = []
    for size in range(1, limit + 1):
        for combo in itertools.combinations(candidates, size):
            plan = evaluate(items, list(combo), request.prices, SplitPolicy(max_parcels=limit))
            if plan is not None:
                results.append((-plan.served, round(plan.cost, 6)))
    return min(results) if results else None


def test_the_search_finds_the_cheapest_plan_of_every_small_network():
    rng = random.Random(20)
    for _ in range(150):
        sites, atp = _random_network(rng, rng.randint(2, 9))
        demand = {sku: rng.randint(1, 3) for sku in rng.sample("ABCDE", rng.randint(1, 4))}
        together = (frozenset(rng.sample(sorted(demand), 2)),) if len(demand) > 2 and rng.random() < 0.3 else ()
        request = order(demand, dest_lat=47.0, dest_lon=2.5, together=together)
        candidates, _ = screen(Filters(), True, request, network(atp, sites), COST)
        limit = rng.randint(1, 4)
        found = search(items_of(demand, together), candidates, SplitPolicy(max_parcels=limit), BY_COST, request.prices)
        expected = _brute_force_cost(request, candidates, limit)
        got = (-found.best.served, round(found.best.cost, 6)) if found.best else None
        assert got == expected, (demand, atp, limit)


def test_many_candidates_are_shortlisted_and_the_answer_stays_the_cheapest():
    rng = random.Random(3)
    sites, atp = _random_network(rng, 60)
    request = order({"A": 2, "B": 1, "C": 1}, dest_lat=47.0, dest_lon=2.5)
    candidates, _ = screen(Filters(), True, request, network(atp, sites), COST)
    assert len(candidates) > 12
    items = items_of(request.demand, ())
    shortlisted = search(items, candidates, SplitPolicy(), (Criterion("cost"),), request.prices)
    exact = search(items, candidates, SplitPolicy(), (Criterion("cost"),), request.prices, shortlist=None)
    assert shortlisted.pool == 12 and exact.pool == len(candidates)
    assert round(shortlisted.best.cost, 6) == round(exact.best.cost, 6)
    assert shortlisted.weighed < exact.weighed


def test_a_budget_bounds_the_work():
    rng = random.Random(5)
    sites, atp = _random_network(rng, 40)
    request = order({"A": 3, "B": 3, "C": 3, "D": 3, "E": 3}, dest_lat=47.0, dest_lon=2.5)
    candidates, _ = screen(Filters(), True, request, network(atp, sites), COST)
    found = search(items_of(request.demand, ()), candidates, SplitPolicy(max_parcels=5), BY_COST, request.prices,
                   shortlist=None, budget=200)
    assert not found.complete and found.weighed <= 200 + len(candidates) and found.best is not None


def test_the_shortlist_keeps_the_locations_that_hold_the_whole_order():
    # Four SKUs, each held by four cheap nearby stores (16 candidates), and one
    # distant warehouse holding everything: one parcel from it (9.00) beats any
    # split over the stores (at least 4 x 5.00 here, as no store holds two SKUs).
    stores = [Candidate(f"S{sku}{i}", "store", False, 1.0, 5.0 + i / 100, 0.1, {sku: 1}, 0.0, 0.0)
              for sku in "ABCD" for i in range(4)]
    warehouse = Candidate("WH", "warehouse", False, 400.0, 9.0, 0.3, {sku: 9 for sku in "ABCD"}, 0.0, 0.0)
    items = items_of({sku: 1 for sku in "ABCD"}, ())
    found = search(items, [*stores, warehouse], SplitPolicy(max_parcels=4), BY_COST, {})
    assert found.pool == 12 and found.best.codes == ("WH",)


def _store(code, cost, stock, km=1.0):
    return Candidate(code, "store", False, km, cost, 0.1, stock, 0.0, 0.0)


def test_a_split_divides_the_items_another_way_to_keep_every_parcel_above_the_minimum():
    # Each unit is worth 8.00; a parcel must carry 10.00. Taking all it can from
    # the first store would leave the second with P4 alone (8.00); P1 P2 from the
    # first and P3 P4 from the second (16.00 each) is a valid split.
    first = _store("LYS", 5.0, {"P1": 1, "P2": 1, "P3": 1})
    second = _store("WH", 6.0, {"P2": 1, "P3": 1, "P4": 1})
    items = items_of({sku: 1 for sku in ("P1", "P2", "P3", "P4")}, ())
    prices = {sku: 8.0 for sku in ("P1", "P2", "P3", "P4")}
    plan = evaluate(items, [first, second], prices, SplitPolicy(min_value_per_parcel=10))
    assert plan is not None and plan.served == 4
    assert [(c.code, lines) for c, lines in plan.parts] == [("LYS", {"P1": 1, "P2": 1}), ("WH", {"P3": 1, "P4": 1})]
    found = search(items, [first, second], SplitPolicy(min_value_per_parcel=10), BY_COST, prices)
    assert found.best.codes == ("LYS", "WH") and found.best.served == 4


def test_a_split_is_still_refused_when_no_division_keeps_every_parcel_above_the_minimum():
    # The second store holds only P3 (8.00): whatever the division, its parcel is too small.
    first = _store("LYS", 5.0, {"P1": 1, "P2": 1, "P3": 1})
    second = _store("WH", 6.0, {"P3": 1})
    items = items_of({"P1": 1, "P2": 1, "P3": 1, "P4": 1}, ())
    prices = {sku: 8.0 for sku in ("P1", "P2", "P3", "P4")}
    assert evaluate(items, [first, second], prices, SplitPolicy(min_value_per_parcel=10)) is None


def test_many_stores_holding_one_unit_do_not_crowd_out_two_that_hold_the_whole_order():
    # Thirteen near stores hold one T-shirt each, two distant ones four each: the
    # order for 8 is served in full by the two distant stores (3 parcels allowed).
    near = [_store(f"N{i:02d}", 5.0 + i / 100, {"TEE": 1}) for i in range(13)]
    far = [_store(f"F{i}", 7.0 + i / 100, {"TEE": 4}, km=400.0) for i in range(2)]
    found = search(items_of({"TEE": 8}, ()), [*near, *far], SplitPolicy(max_parcels=3), BY_COST, {"TEE": 20.0})
    assert found.best.served == 8 and found.best.codes == ("F0", "F1")


def test_the_store_that_holds_the_whole_quantity_is_weighed_past_the_nearest_few():
    # Twelve near stores hold one T-shirt each, W holds both T-shirts ordered and
    # C the cap: W + C (10.70) beat two near stores + C (15.20).
    near = [_store(f"N{i:02d}", 5.0 + i / 1000, {"TEE": 1}) for i in range(12)]
    caps = _store("C", 5.2, {"CAP": 1}, km=20.0)
    whole = _store("W", 5.5, {"TEE": 2}, km=40.0)
    found = search(items_of({"TEE": 2, "CAP": 1}, ()), [*near, caps, whole], SplitPolicy(max_parcels=3), BY_COST,
                   {"TEE": 20.0, "CAP": 20.0})
    assert found.best.served == 3 and found.best.codes == ("C", "W")


def test_the_shortlist_fills_its_room_with_the_next_best_stores():
    # The four nearest stores hold one unit each; the next ones two each. Three
    # units in two parcels (one near, one of the next) beat three near parcels.
    near = [_store(f"N{i}", 5.0 + i / 100, {"TEE": 1}) for i in range(4)]
    next_ = [_store(f"M{i:02d}", 5.1 + i / 100, {"TEE": 2}) for i in range(10)]
    found = search(items_of({"TEE": 3}, ()), [*near, *next_], SplitPolicy(max_parcels=3), BY_COST, {"TEE": 20.0})
    assert found.pool == 12 and found.best.parcels == 2 and found.best.codes == ("M00", "N0")
