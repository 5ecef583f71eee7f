"""Location filters, each on the hand-checked network (see orchestration_network)."""

from dataclasses import replace

from oms_core.domain.orchestration.filters import Filters, screen
from oms_core.domain.routing import LocationLoad

from .orchestration_network import COST, SITES, network, order

EVERYWHERE = {("PAR", "A"): 3, ("CC", "A"): 3, ("ORL", "A"): 3, ("LYS", "A"): 3}


def kept(filters=Filters(), request=None, net=None, ship_to_store=True):  # noqa: ANN001, B008
    candidates, dropped = screen(filters, ship_to_store, request or order({"A": 1}), net or network(EVERYWHERE), COST)
    return sorted(c.code for c in candidates), {d.location: d.reason for d in dropped}


def test_a_store_that_does_not_ship_is_never_a_home_candidate():
    codes, dropped = kept()
    assert codes == ["LYS", "ORL", "PAR"]
    assert dropped == {"CC": "does not ship from store"}


def test_location_types():
    codes, dropped = kept(Filters(location_types=("warehouse",)))
    assert codes == ["LYS"] and dropped["PAR"] == "this rule set does not use stores"


def test_distance_from_the_customer():
    codes, dropped = kept(Filters(max_distance_km=200))
    assert codes == ["ORL", "PAR"]
    assert dropped["LYS"] == "391.5 km away, more than 200"


def test_capabilities():
    sites = dict(SITES, ORL=replace(SITES["ORL"], click_collect=False))
    codes, dropped = kept(Filters(capabilities=("click_collect",)), net=network(EVERYWHERE, sites))
    assert codes == ["PAR"]
    assert dropped["ORL"] == "lacks click_collect" and dropped["LYS"] == "lacks click_collect"


def test_capacity_left_today():
    busy = {"PAR": LocationLoad(assigned_today=100), "ORL": LocationLoad(assigned_today=99)}
    codes, dropped = kept(net=network(EVERYWHERE, load=busy))
    assert codes == ["LYS", "ORL"]  # PAR has 0 of 100 left; ORL has 1
    assert dropped["PAR"] == "0 of 100 fulfilments left today"
    codes, _ = kept(Filters(min_capacity_left=2), net=network(EVERYWHERE, load=busy))
    assert codes == ["LYS"]
    codes, _ = kept(Filters(min_capacity_left=0), net=network(EVERYWHERE, load=busy))
    assert codes == ["LYS", "ORL", "PAR"]
    # 0 ignores capacity, also past it: the pickup store serves its own customers on its
    # busiest day (it was dropped once given more than its capacity).
    overbooked = {"PAR": LocationLoad(assigned_today=130)}
    codes, _ = kept(Filters(min_capacity_left=0), net=network(EVERYWHERE, load=overbooked))
    assert codes == ["LYS", "ORL", "PAR"]


def test_pause_switch():
    sites = dict(SITES, PAR=replace(SITES["PAR"], paused=True))
    codes, dropped = kept(net=network(EVERYWHERE, sites))
    assert "PAR" not in codes and dropped["PAR"] == "paused"
    codes, _ = kept(Filters(skip_paused=False), net=network(EVERYWHERE, sites))
    assert "PAR" in codes


def test_stock_cover_keeps_units_back():
    atp = {("PAR", "A"): 1, ("PAR", "B"): 3, ("LYS", "A"): 2}
    candidates, dropped = screen(Filters(min_stock_cover=1), True, order({"A": 1, "B": 1}), network(atp), COST)
    assert {c.code: dict(c.stock) for c in candidates} == {"PAR": {"B": 2}, "LYS": {"A": 1}}
    candidates, dropped = screen(Filters(min_stock_cover=2), True, order({"A": 1}), network(atp), COST)
    assert candidates == [] and {d.location: d.reason for d in dropped} == {
        "PAR": "holds none of it beyond the 2 it keeps", "LYS": "holds none of it beyond the 2 it keeps"}


def test_exclusions_by_the_rule_set_and_by_the_order():
    codes, dropped = kept(Filters(exclude=frozenset({"LYS"})), order({"A": 1}, excluded=frozenset({"PAR"})))
    assert codes == ["ORL"]
    assert dropped["LYS"] == "excluded by this rule set" and dropped["PAR"] == "gave this order back"


def test_click_and_collect_measures_from_the_pickup_store_and_may_forbid_shipping_to_it():
    cc = order({"A": 1}, method="click_collect", pickup_store="CC")
    candidates, _ = screen(Filters(), True, cc, network(EVERYWHERE), COST)
    by_code = {c.code: c for c in candidates}
    assert by_code["CC"].collect_here and by_code["CC"].cost == 0 and by_code["CC"].distance_km == 0
    assert round(by_code["PAR"].distance_km, 1) == 1.7  # PAR -> CC, not PAR -> customer
    codes, dropped = kept(request=cc, ship_to_store=False)
    assert codes == ["CC"] and dropped["PAR"] == "this rule set does not ship to the pickup store"


def test_the_candidate_carries_what_ranking_needs():
    load = {"ORL": LocationLoad(assigned_today=10, open=25, reject_rate=0.2)}
    candidates, _ = screen(Filters(), True, order({"A": 2}), network(EVERYWHERE, load=load), COST)
    orl = next(c for c in candidates if c.code == "ORL")
    assert (round(orl.cost, 2), round(orl.carbon_kg, 3), orl.backlog, orl.reject_rate, dict(orl.stock)) == (
        6.11, 0.211, 0.25, 0.2, {"A": 3})
