"""The routing profile: the default is valid, and a bad profile is refused
with every problem named by its field path."""

import copy
from datetime import time

import pytest

from contract.errors import InvalidInput
from oms_core.domain.orchestration.profile import DEFAULT_PROFILE, parse_profile


def problems(body) -> dict[str, str]:
    with pytest.raises(InvalidInput) as refused:
        parse_profile(body)
    assert refused.value.code == "invalid_profile"
    return {p["field"]: p["message"] for p in refused.value.details["errors"]}


def test_the_default_profile_is_valid_and_means_what_the_readme_says():
    profile = parse_profile(DEFAULT_PROFILE)
    assert [r.name for r in profile.rule_sets] == ["Click & collect", "Home delivery", "Overflow"]
    home = profile.rule_sets[1]
    assert [(c.by, c.tolerance) for c in home.rank] == [("cost", 0.25), ("reject_rate", 0.05), ("backlog", 0.1),
                                                        ("distance", 0.0)]
    assert (home.split.max_parcels, home.split.min_value_per_parcel, home.filters.min_capacity_left) == (3, 10, 1)
    assert (profile.rule_sets[2].split.max_parcels, profile.rule_sets[2].filters.min_capacity_left) == (5, 0)
    assert (profile.cost.parcel, profile.cost.per_km, profile.fallback) == (4.5, 0.005, "backorder")
    assert profile.promise.cutoff == time(15, 0)


def test_a_minimal_profile_takes_the_defaults():
    profile = parse_profile({"rule_sets": [{"name": "all"}]})
    rule = profile.rule_sets[0]
    assert rule.when.matches  # every order
    assert (rule.split.allowed, rule.split.max_parcels, [c.by for c in rule.rank]) == (True, 3, ["cost"])


def test_each_bad_field_is_named_by_its_path():
    body = copy.deepcopy(DEFAULT_PROFILE)
    body["rule_sets"][1]["filters"]["max_distance_km"] = -5
    body["rule_sets"][1]["split"]["max_parcels"] = 0
    body["rule_sets"][0]["when"]["value"] = "teleport"
    body["rule_sets"][2]["filters"]["location_types"] = ["shop"]
    body["cost"]["per_km"] = "cheap"
    body["fallback"] = "shrug"
    body["promise"]["cutoff"] = "25:00"
    body["promise"]["timezone"] = "Mars/Olympus"
    found = problems(body)
    assert found == {
        "rule_sets[1].filters.max_distance_km": "must be a number from 0 to 40000",
        "rule_sets[1].split.max_parcels": "must be a whole number from 1 to 10",
        "rule_sets[0].when.value": "'teleport' is not a method (home, click_collect)",
        "rule_sets[2].filters.location_types": "must be a list of warehouse, store",
        "cost.per_km": "must be a number from 0 to 100",
        "fallback": "must be one of backorder, park",
        "promise.cutoff": "'25:00' is not in the expected form",
        "promise.timezone": "'Mars/Olympus' is not a time zone (e.g. Europe/Paris)",
    }


def test_the_message_names_the_first_problem():
    with pytest.raises(InvalidInput) as refused:
        parse_profile({"rule_sets": [{"name": "a", "split": {"allowed": "yes"}}]})
    assert refused.value.message == "rule_sets[0].split.allowed: must be true or false"


@pytest.mark.parametrize(("body", "field", "message"), [
    ([], "", "must be an object"),
    ({}, "rule_sets", "must be a list of 1 to 20 items"),
    ({"rule_sets": []}, "rule_sets", "must be a list of 1 to 20 items"),
    ({"rule_sets": [{}]}, "rule_sets[0].name", "is required"),
    ({"rule_sets": [{"name": "a"}, {"name": "a"}]}, "rule_sets[1].name", "another rule set is already called 'a'"),
    ({"rule_sets": [{"name": "a", "filter": {}}]}, "rule_sets[0].filter", "is not a field here"),
    ({"rule_sets": [{"name": "a", "filters": {"exclude": "PAR-01"}}]}, "rule_sets[0].filters.exclude",
     "must be a list of at most 500 texts"),
    ({"rule_sets": [{"name": "a", "filters": {"location_types": []}}]}, "rule_sets[0].filters.location_types",
     "must name at least one location type"),
    ({"rule_sets": [{"name": "a", "ship_to_store": 1}]}, "rule_sets[0].ship_to_store", "must be true or false"),
    ({"rule_sets": [{"name": "a"}], "promise": {"pickup_stores": 99}}, "promise.pickup_stores",
     "must be a whole number from 0 to 20"),
    ({"rule_sets": [{"name": "a"}], "promise": {"home_express_price": -1}}, "promise.home_express_price",
     "must be a number from 0 to 10000"),
])
def test_structural_problems(body, field, message):
    assert problems(body)[field] == message
