"""Trying a draft routing profile on recent orders, and rolling the profile back."""

import copy

from oms_core.domain.orchestration.profile import DEFAULT_PROFILE

from .conftest import PARIS, TEE

PROFILE = "/api/v1/routing/profile"
WAREHOUSES_ONLY = {"name": "Warehouses only",
                   "rule_sets": [{"name": "warehouses", "filters": {"location_types": ["warehouse"]}}]}


def dry_run(network, body, headers=None):  # noqa: ANN001, ANN201
    return network.client.post(f"{PROFILE}/dry-run", json=body, headers=headers or network.admin)


def test_a_draft_is_replayed_on_recent_orders_without_touching_anything(network):
    oldest = network.place([(TEE, 1)], ref="W-1")
    network.place([(TEE, 1)], ref="W-2")
    # Takes LYS-01's last units: replayed, the order may still have them.
    network.place([(TEE, 1)], ref="W-3")
    assert network.atp("LYS-01", TEE) == 0
    response = dry_run(network, {"profile": WAREHOUSES_ONLY, "orders": 2})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["active_version"], body["orders"], body["changed"]) == (1, 2, 2)
    assert [r["external_ref"] for r in body["results"]] == ["W-3", "W-2"]
    for result in body["results"]:
        assert result["placed"] == {"version": 1, "locations": ["LYS-01"]}
        assert result["active"]["locations"] == ["LYS-01"]
        assert result["draft"]["locations"] == ["WH-LYS"]
        assert result["draft"]["cost"] > result["active"]["cost"] > 0
        assert result["active"]["unfulfilled"] == {}
    assert body["cost"]["draft"] == round(sum(r["draft"]["cost"] for r in body["results"]), 2)
    # Nothing was reserved or saved.
    assert network.atp("LYS-01", TEE) == 0 and network.atp("WH-LYS", TEE) == 50
    assert network.client.get(PROFILE, headers=network.admin).json()["version"] == 1
    again = network.client.get(f"/api/v1/orders/{oldest['id']}", headers=network.admin).json()
    assert [f["location"] for f in again["fulfilments"]] == ["LYS-01"]


def test_a_bad_draft_or_caller_is_refused(network):
    bad = copy.deepcopy(DEFAULT_PROFILE)
    bad["rule_sets"][0]["rank"] = [{"by": "luck"}]
    response = dry_run(network, {"profile": bad})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_profile"
    for body in ({"profile": WAREHOUSES_ONLY, "orders": 0}, {"orders": 5}, {"profile": [], "orders": 5}):
        assert dry_run(network, body).status_code == 422, body
    manager = network.sign_in("PAR-01", role="manager")
    assert dry_run(network, {"profile": WAREHOUSES_ONLY}, manager).status_code == 403


def test_an_admin_rolls_back_to_an_earlier_version(network):
    assert network.client.put(PROFILE, json=WAREHOUSES_ONLY, headers=network.admin).status_code == 200
    listed = network.client.get(f"{PROFILE}/versions", headers=network.channel).json()
    assert [(v["version"], v["name"], v["active"]) for v in listed] == [
        (2, "Warehouses only", True), (1, "Backroom default", False)]
    response = network.client.post(f"{PROFILE}/versions/1/activate", headers=network.admin)
    assert response.status_code == 200
    assert (response.json()["version"], response.json()["created_by"]) == (3, "head-office")
    assert response.json()["profile"] == DEFAULT_PROFILE
    assert [f["location"] for f in network.place([(TEE, 1)])["fulfilments"]] == ["LYS-01"]
    # Activating the version in force changes nothing.
    assert network.client.post(f"{PROFILE}/versions/3/activate", headers=network.admin).json()["version"] == 3
    missing = network.client.post(f"{PROFILE}/versions/99/activate", headers=network.admin)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "version_not_found"
    assert network.client.post(f"{PROFILE}/versions/0/activate", headers=network.admin).status_code == 422
    manager = network.sign_in("PAR-01", role="manager")
    assert network.client.post(f"{PROFILE}/versions/1/activate", headers=manager).status_code == 403


def test_an_order_tried_again_finds_only_what_the_shelf_holds(network):
    # As if it were not placed: its 5 reserved units count again, but a count since found 3.
    order = network.place([(TEE, 5)], address=PARIS)
    assert [(f["location"], f["lines"][0]["qty"]) for f in order["fulfilments"]] == [("PAR-01", 5)]
    counted = network.client.post("/api/v1/stock/counts", json={"counts": [
        {"location": "PAR-01", "sku": TEE, "on_hand": 3}]}, headers=network.admin)
    assert counted.status_code == 201, counted.text
    response = network.client.post(f"{PROFILE}/dry-run", json={"profile": DEFAULT_PROFILE, "orders": 1},
                                   headers=network.admin)
    assert response.status_code == 200, response.text
    active = response.json()["results"][0]["active"]
    taken = {p["location"]: p["lines"][TEE] for p in active["parcels"]}
    assert taken.get("PAR-01", 0) <= 3 and sum(taken.values()) == 5 and not active["unfulfilled"], taken
