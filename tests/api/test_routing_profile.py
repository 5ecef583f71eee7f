"""The routing profile through the API: read by anyone signed in, changed by
admins only, validated, versioned, and remembered by the orders it routed."""

import copy
import json

from oms_core.domain.orchestration.profile import DEFAULT_PROFILE

from .conftest import TEE

PROFILE = "/api/v1/routing/profile"
WAREHOUSES_ONLY = {"name": "Warehouses only",
                   "rule_sets": [{"name": "warehouses", "filters": {"location_types": ["warehouse"]}}]}


def test_everyone_signed_in_reads_the_profile_in_force(network):
    store = network.sign_in("PAR-01")
    for headers in (network.admin, network.channel, store):
        response = network.client.get(PROFILE, headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert (body["version"], body["name"], body["created_by"]) == (1, "Backroom default", "backroom")
        assert body["profile"] == DEFAULT_PROFILE
    assert network.client.get(PROFILE).status_code == 401


def test_an_admin_puts_a_new_version_and_new_orders_follow_it(network):
    response = network.client.put(PROFILE, json=WAREHOUSES_ONLY, headers=network.admin)
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["created_by"]) == (2, "head-office")
    assert network.client.get(PROFILE, headers=network.channel).json()["profile"] == WAREHOUSES_ONLY
    order = network.place([(TEE, 1)])  # a Lyon customer: the default would pick the LYS-01 store
    assert [f["location"] for f in order["fulfilments"]] == ["WH-LYS"]
    decision = order["routing"]["decisions"][0]
    assert (order["routing_version"], decision["profile_version"], decision["rule"]) == (2, 2, "warehouses")


def test_orders_remember_the_version_that_routed_them(network):
    first = network.place([(TEE, 1)])
    network.client.put(PROFILE, json=WAREHOUSES_ONLY, headers=network.admin)
    second = network.place([(TEE, 1)])
    assert (first["routing_version"], second["routing_version"]) == (1, 2)
    again = network.client.get(f"/api/v1/orders/{first['id']}", headers=network.channel).json()
    assert (again["routing_version"], [f["location"] for f in again["fulfilments"]]) == (1, ["LYS-01"])


def test_only_admins_change_the_profile(network):
    store = network.sign_in("PAR-01", role="manager")
    for headers in (network.channel, store):
        response = network.client.put(PROFILE, json=WAREHOUSES_ONLY, headers=headers)
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert network.client.get(PROFILE, headers=network.admin).json()["version"] == 1


def test_a_bad_profile_is_refused_with_the_field_at_fault(network):
    body = copy.deepcopy(DEFAULT_PROFILE)
    body["rule_sets"][1]["filters"]["max_distance_km"] = -1
    body["rule_sets"][1]["rank"].append({"by": "luck"})
    response = network.client.put(PROFILE, json=body, headers=network.admin)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_profile"
    assert error["message"] == "rule_sets[1].filters.max_distance_km: must be a number from 0 to 40000"
    assert [e["field"] for e in error["details"]["errors"]] == [
        "rule_sets[1].filters.max_distance_km", "rule_sets[1].rank[4].by"]
    assert network.client.get(PROFILE, headers=network.admin).json()["version"] == 1


def test_a_profile_that_is_not_an_object_is_refused(network):
    for body in ([], "fast", 3, {"rule_sets": "all"}):
        response = network.client.put(PROFILE, json=body, headers=network.admin)
        assert response.status_code == 422, body
        assert response.json()["error"]["message"]


def test_a_draft_is_checked_without_being_saved(network):
    body = copy.deepcopy(DEFAULT_PROFILE)
    body["rule_sets"][0]["when"] = {"field": "country", "op": "in", "value": ["FR", "france"]}
    response = network.client.post(f"{PROFILE}/check", json=body, headers=network.admin)
    assert response.status_code == 200
    assert response.json() == {"valid": False, "problems": [{
        "field": "rule_sets[0].when.value",
        "message": "'france' is not a country code (two capital letters, e.g. FR)"}]}
    response = network.client.post(f"{PROFILE}/check", json=DEFAULT_PROFILE, headers=network.admin)
    assert response.json() == {"valid": True, "problems": []}
    assert network.client.get(PROFILE, headers=network.admin).json()["version"] == 1  # nothing saved
    store = network.sign_in("PAR-01", role="manager")
    assert network.client.post(f"{PROFILE}/check", json=body, headers=store).status_code == 403


def test_an_order_value_that_is_not_a_finite_amount_is_refused(network):
    """NaN, Infinity and 1e400 (JSON that Python reads as infinite) were a 500 on PostgreSQL."""
    for value in ("NaN", "Infinity", "1e400", "-Infinity"):
        body = copy.deepcopy(DEFAULT_PROFILE)
        body["rule_sets"][0]["when"] = {"field": "value", "op": "gte", "value": 0}
        text = json.dumps(body).replace('"value": 0}', f'"value": {value}}}')
        response = network.client.put(PROFILE, content=text,
                                      headers={**network.admin, "Content-Type": "application/json"})
        assert response.status_code == 422, (value, response.text)
        assert response.json()["error"]["details"]["errors"][0]["field"] == "rule_sets[0].when.value"
    assert network.client.get(PROFILE, headers=network.admin).json()["version"] == 1
