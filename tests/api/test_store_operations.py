"""A store manager's levers: daily capacity and the pause switch, for their own store only."""

from .conftest import LYON, TEE

API = "/api/v1"


def _operations(network, store, headers, **body):
    return network.client.patch(f"{API}/locations/{store}/operations", json=body, headers=headers)


def test_a_paused_store_gets_no_new_orders_until_its_manager_resumes(network):
    manager = network.sign_in("LYS-01", "M001", role="manager")
    assert network.place([(TEE, 1)], address=LYON)["fulfilments"][0]["location"] == "LYS-01"

    paused = _operations(network, "LYS-01", manager, paused=True)
    assert paused.status_code == 200, paused.text
    assert (paused.json()["paused"], paused.json()["daily_capacity"]) == (True, 100)
    assert "LYS-01" not in [f["location"] for f in network.place([(TEE, 1)], address=LYON)["fulfilments"]]

    resumed = _operations(network, "LYS-01", manager, paused=False, daily_capacity=40)
    assert (resumed.json()["paused"], resumed.json()["daily_capacity"]) == (False, 40)
    assert network.place([(TEE, 1)], address=LYON)["fulfilments"][0]["location"] == "LYS-01"
    (audited, *_) = network.client.get(f"{API}/audit", params={"action": "location"}, headers=network.admin).json()
    assert audited["details"]["after"] == {"daily_capacity": 40, "paused": False}


def test_only_the_stores_own_manager_or_head_office(network):
    assert _operations(network, "LYS-01", network.sign_in("LYS-01"), paused=True).status_code == 403
    assert _operations(network, "LYS-01", network.sign_in("PAR-01", "M001", role="manager"),
                       paused=True).status_code == 403
    assert _operations(network, "LYS-01", network.admin, daily_capacity=10).status_code == 200
    assert _operations(network, "NOPE-01", network.admin, paused=True).status_code == 404


def test_bad_values_are_refused_and_change_nothing(network):
    manager = network.sign_in("LYS-01", "M001", role="manager")
    for body in ({"daily_capacity": -1}, {"daily_capacity": "many"}, {"paused": "perhaps"}, {"colour": "red"}):
        response = _operations(network, "LYS-01", manager, **body)
        assert response.status_code == 422, (body, response.text)
    location = network.client.get(f"{API}/locations/LYS-01", headers=network.admin).json()
    assert (location["daily_capacity"], location["paused"]) == (100, False)


def test_the_pickup_store_serves_its_own_customers_past_its_daily_capacity(network):
    # The default profile's click & collect rule ignores capacity; a store given more than its
    # capacity today was dropped, and its customers' goods shipped to it from elsewhere.
    manager = network.sign_in("PAR-01", role="manager")
    patched = network.client.patch(f"{API}/locations/PAR-01/operations", json={"daily_capacity": 1}, headers=manager)
    assert patched.status_code == 200, patched.text
    for _ in range(3):  # the third is past its capacity
        order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
        assert [(f["location"], f["delivery_method"]) for f in order["fulfilments"]] == [("PAR-01", "click_collect")]
