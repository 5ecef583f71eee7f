"""The delivery promise, with an explicit clock (Europe/Paris, UTC+1 in
November; 2026-11-24 is a Tuesday). Every location opens Monday to Saturday,
09:00 to 19:00; the cut-off is 15:00. Network: see orchestration_network, plus
a warehouse in Barcelona, 837 km from the customer."""

from dataclasses import replace
from datetime import date, datetime, timezone

from oms_core.domain.orchestration.profile import parse_profile
from oms_core.domain.orchestration.promise import PromiseSettings, delivery_options
from oms_core.domain.routing import Site

from .orchestration_network import SITES, network, order, router

SETTINGS = PromiseSettings()
WITH_BCN = dict(SITES, BCN=Site("BCN", "warehouse", 41.3275, 2.0950))


def at(day: int, hhmm: str) -> datetime:
    """A moment in November 2026, local time (UTC+1)."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, day, hour - 1, minute, tzinfo=timezone.utc)


def options(atp, now, sites=None, cart=None):  # noqa: ANN001
    found = delivery_options(router(), SETTINGS, cart or order({"A": 1}), network(atp, sites), now)
    return {(o.kind, o.store): o for o in found}


def test_a_tuesday_morning_cart_near_a_store():
    found = options({("PAR", "A"): 1}, at(24, "10:00"))
    assert set(found) == {("home_standard", None), ("home_express", None), ("express_pickup", "PAR"),
                          ("click_collect", "CC")}
    standard, express = found["home_standard", None], found["home_express", None]
    assert (standard.date, standard.sources, standard.parcels) == (date(2026, 11, 25), ("PAR",), 1)
    assert (standard.cost, standard.carbon_kg) == (5.01, 0.101)
    assert (express.date, express.cost, express.carbon_kg) == (date(2026, 11, 25), 11.01, 0.151)
    pickup = found["express_pickup", "PAR"]
    assert (pickup.ready_by, pickup.cost, pickup.distance_km) == (at(24, "12:00"), 0.0, 0.6)
    # CC holds nothing: PAR ships it there (1.7 km), it arrives on Wednesday.
    collect = found["click_collect", "CC"]
    assert (collect.date, collect.sources, collect.cost) == (date(2026, 11, 25), ("PAR",), 5.02)


def test_each_option_says_what_the_customer_pays_apart_from_what_it_costs():
    found = options({("PAR", "A"): 3, ("CC", "A"): 3}, at(24, "10:00"))  # 20.00 of goods
    assert {kind: o.price for kind, o in found.items()} == {
        ("home_standard", None): 4.9, ("home_express", None): 9.9, ("express_pickup", "PAR"): 0.0,
        ("express_pickup", "CC"): 0.0}
    # 60.00 of goods: standard home delivery is free from 50.00; express is not.
    found = options({("PAR", "A"): 3}, at(24, "10:00"), cart=order({"A": 3}, value=60.0))
    assert (found["home_standard", None].price, found["home_express", None].price) == (0.0, 9.9)
    assert parse_profile({"rule_sets": [{"name": "a"}], "promise": {"free_home_over": None}}).promise \
        .free_home_over is None  # head office turns free delivery off (null was read as the default)
    never_free = replace(SETTINGS, free_home_over=None, home_standard_price=3.5)
    found = delivery_options(router(), never_free, order({"A": 3}, value=60.0), network({("PAR", "A"): 3}),
                             at(24, "10:00"))
    assert [o.price for o in found if o.kind == "home_standard"] == [3.5]


def test_after_the_cut_off_parcels_leave_the_next_day():
    found = options({("PAR", "A"): 1}, at(24, "16:00"))
    assert found["home_standard", None].date == date(2026, 11, 26)
    assert found["express_pickup", "PAR"].ready_by == at(24, "18:00")  # the store is open until 19:00


def test_saturday_evening_waits_for_monday():
    found = options({("PAR", "A"): 1}, at(28, "17:30"))
    # No hand-over on Sunday: Monday 30th, delivered Tuesday 1 December.
    assert found["home_standard", None].date == date(2026, 12, 1)
    # Ready at 19:30 is after closing: Monday, two hours after opening.
    assert found["express_pickup", "PAR"].ready_by == datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def test_transit_grows_with_distance_and_skips_sundays():
    # From Barcelona (837 km): 1 day + 1 per 450 km = 2 days. Friday hand-over,
    # Saturday, (Sunday skipped), Monday.
    found = options({("BCN", "A"): 1}, at(27, "10:00"), WITH_BCN)
    assert found["home_standard", None].date == date(2026, 11, 30)


def test_no_express_from_further_than_the_express_limit():
    found = options({("BCN", "A"): 1}, at(24, "10:00"), WITH_BCN)
    assert ("home_standard", None) in found and ("home_express", None) not in found


def test_a_split_cart_is_as_late_as_its_last_parcel():
    found = options({("PAR", "A"): 1, ("BCN", "B"): 1}, at(24, "10:00"), WITH_BCN, order({"A": 1, "B": 1}))
    standard = found["home_standard", None]
    assert (standard.sources, standard.parcels, standard.date) == (("PAR", "BCN"), 2, date(2026, 11, 26))


def test_what_the_network_cannot_serve_is_not_promised():
    assert options({("PAR", "A"): 1}, at(24, "10:00"), cart=order({"A": 2})) == {}


def test_a_location_closed_every_day_cannot_promise():
    closed = dict(SITES, PAR=replace(SITES["PAR"], opening_hours={}))
    found = options({("PAR", "A"): 1}, at(24, "10:00"), closed)
    assert found == {}


def test_only_the_nearest_pickup_stores_within_reach_are_offered():
    found = delivery_options(router(), replace(SETTINGS, pickup_stores=1), order({"A": 1}),
                             network({("PAR", "A"): 1, ("CC", "A"): 1}), at(24, "10:00"))
    assert [(o.kind, o.store) for o in found if o.store] == [("express_pickup", "PAR")]
    far = delivery_options(router(), replace(SETTINGS, pickup_max_km=0.1), order({"A": 1}),
                           network({("PAR", "A"): 1}), at(24, "10:00"))
    assert [o.kind for o in far] == ["home_standard", "home_express"]
