"""NearestRouter on small networks whose answers are checked by hand."""

from oms_core.domain.routing import NearestRouter, NetworkView, RoutingRequest, Site

# Paris customer: PAR store 1 km away, ORL store ~110 km, LYS warehouse ~390 km.
PARIS = (48.8566, 2.3522)
SITES = {
    "PAR": Site("PAR", "store", 48.8606, 2.3476, ship_from_store=True, click_collect=True),
    "ORL": Site("ORL", "store", 47.9030, 1.9093, ship_from_store=True, click_collect=True),
    "LYS": Site("LYS", "warehouse", 45.7640, 4.8357),
    "CC": Site("CC", "store", 48.8700, 2.3300, click_collect=True),  # cannot ship
}


def plan(atp, demand, **kw):
    request = RoutingRequest(demand=demand, method=kw.pop("method", "home"),
                             dest_lat=PARIS[0], dest_lon=PARIS[1], **kw)
    return NearestRouter().plan(request, NetworkView(sites=SITES, atp=atp))


def test_nearest_location_that_serves_everything_wins():
    result = plan({("PAR", "A"): 2, ("ORL", "A"): 5, ("LYS", "A"): 9}, {"A": 2})
    assert [(a.location, a.lines) for a in result.allocations] == [("PAR", {"A": 2})]
    assert result.unfulfilled == {}


def test_a_nearer_partial_location_loses_to_a_farther_whole_one():
    result = plan({("PAR", "A"): 1, ("ORL", "A"): 1, ("ORL", "B"): 1}, {"A": 1, "B": 1})
    assert [a.location for a in result.allocations] == ["ORL"]


def test_split_uses_fewest_locations_nearest_first():
    atp = {("PAR", "A"): 1, ("ORL", "B"): 1, ("LYS", "A"): 1, ("LYS", "B"): 1, ("LYS", "C"): 1, ("PAR", "C"): 1}
    # Nobody has A+B+C x2; LYS covers 3 units, then PAR covers the rest (A, C).
    result = plan(atp, {"A": 2, "B": 1, "C": 2})
    assert [(a.location, a.lines) for a in result.allocations] == [
        ("LYS", {"A": 1, "B": 1, "C": 1}),
        ("PAR", {"A": 1, "C": 1}),
    ]
    assert result.unfulfilled == {}


def test_what_nothing_holds_is_unfulfilled():
    result = plan({("PAR", "A"): 1}, {"A": 3, "Z": 1})
    assert result.allocations[0].lines == {"A": 1}
    assert result.unfulfilled == {"A": 2, "Z": 1}


def test_excluded_paused_and_non_shipping_locations_are_skipped():
    sites = dict(SITES, ORL=Site("ORL", "store", 47.9030, 1.9093, ship_from_store=True, paused=True))
    atp = {("PAR", "A"): 1, ("ORL", "A"): 1, ("CC", "A"): 1, ("LYS", "A"): 1}
    request = RoutingRequest(demand={"A": 1}, method="home", dest_lat=PARIS[0], dest_lon=PARIS[1],
                             excluded=frozenset({"PAR"}))
    result = NearestRouter().plan(request, NetworkView(sites=sites, atp=atp))
    assert [a.location for a in result.allocations] == ["LYS"]


def test_click_and_collect_stays_at_the_pickup_store():
    result = plan({("CC", "A"): 1, ("PAR", "A"): 1}, {"A": 1}, method="click_collect", pickup_store="CC")
    assert [(a.location, a.delivery_method, a.ship_to) for a in result.allocations] == [("CC", "click_collect", None)]


def test_click_and_collect_ships_to_the_store_what_it_lacks():
    result = plan({("CC", "A"): 1, ("PAR", "B"): 1}, {"A": 1, "B": 1}, method="click_collect", pickup_store="CC")
    assert [(a.location, a.delivery_method, a.ship_to) for a in result.allocations] == [
        ("CC", "click_collect", None),
        ("PAR", "ship_to_store", "CC"),
    ]


def test_the_trace_says_why():
    result = plan({("PAR", "A"): 1, ("LYS", "A"): 1}, {"A": 1})
    assert result.trace["rule"] == "nearest location that can serve the whole order"
    assert [c["location"] for c in result.trace["candidates"]] == ["PAR", "LYS"]
    assert result.trace["chosen"] == ["PAR"]
