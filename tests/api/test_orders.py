"""Placing orders: routing, reservations, idempotency, cancellation."""

import threading
from concurrent.futures import ThreadPoolExecutor

from .conftest import CAP, JNS, PARIS, TEE


def test_home_order_goes_to_the_nearest_location_that_has_everything(network):
    order = network.place([(TEE, 2)])  # Lyon customer: LYS-01 (3 TEE) is nearest
    assert order["status"] == "allocated"
    assert [(f["location"], f["status"], f["lines"]) for f in order["fulfilments"]] == [
        ("LYS-01", "assigned", [{"sku": TEE, "qty": 2, "picked": 0, "ship_together": None}])
    ]
    assert order["unfulfilled"] == []
    assert network.level("LYS-01", TEE)["reserved"] == 2
    assert network.atp("LYS-01", TEE) == 1


def test_same_sku_on_several_lines_reserves_the_sum(network):
    order = network.place([(TEE, 2), (TEE, 1)])
    assert order["fulfilments"][0]["lines"] == [{"sku": TEE, "qty": 3, "picked": 0, "ship_together": None}]
    assert network.level(order["fulfilments"][0]["location"], TEE)["reserved"] == 3


def test_order_that_no_single_location_can_serve_is_split(network):
    # Paris customer wants 1 JNS + 2 CAP + 4 TEE: PAR-01 has it all (5 TEE, 1 JNS, 3 CAP).
    order = network.place([(JNS, 1), (CAP, 2), (TEE, 4)], address=PARIS)
    assert [f["location"] for f in order["fulfilments"]] == ["PAR-01"]
    # Now 2 JNS + 1 CAP: no single location has both (WH-LYS has no CAP, PAR-01
    # no JNS left). WH-LYS covers most units, then the nearest CAP is PAR-01's last.
    order = network.place([(JNS, 2), (CAP, 1)], address=PARIS)
    assert [(f["location"], [(l["sku"], l["qty"]) for l in f["lines"]]) for f in order["fulfilments"]] == [
        ("WH-LYS", [(JNS, 2)]),
        ("PAR-01", [(CAP, 1)]),
    ]


def test_what_the_network_lacks_is_reported_unfulfilled(network):
    order = network.place([(CAP, 10)])
    assert order["status"] == "partially_allocated"
    assert sum(l["qty"] for f in order["fulfilments"] for l in f["lines"]) == 4
    assert order["unfulfilled"] == [{"sku": CAP, "qty": 6}]
    assert network.atp("PAR-01", CAP) == 0 and network.atp("LYS-01", CAP) == 0


def test_click_and_collect_goes_to_the_chosen_store(network):
    order = network.place([(TEE, 2)], method="click_collect", store="PAR-02")
    assert [(f["location"], f["delivery_method"]) for f in order["fulfilments"]] == [("PAR-02", "click_collect")]
    order = network.place([(JNS, 1)], method="click_collect", store="PAR-02")
    assert [(f["location"], f["delivery_method"], f["ship_to"]) for f in order["fulfilments"]] == [
        ("PAR-01", "ship_to_store", "PAR-02")
    ]


def test_the_routing_decision_is_stored_with_the_order(network):
    order = network.place([(TEE, 1)])
    decision = order["routing"]["decisions"][0]
    assert decision["chosen"] == ["LYS-01"]
    assert {c["location"] for c in decision["candidates"]} == {"LYS-01", "WH-LYS", "PAR-01"}


def test_idempotency_key_replays_the_same_order(network):
    body = network.order_body([(TEE, 1)])
    headers = {**network.channel, "Idempotency-Key": "abc-1"}
    first = network.client.post("/api/v1/orders", json=body, headers=headers)
    again = network.client.post("/api/v1/orders", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert network.level("LYS-01", TEE)["reserved"] == 1  # reserved once


def test_idempotency_key_with_a_different_body_is_refused(network):
    headers = {**network.channel, "Idempotency-Key": "abc-2"}
    first = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], ref="R1"), headers=headers)
    other = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 2)], ref="R1"), headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_key_rotated_under_the_same_name_answers_the_old_keys_retry(network):
    """Head office rotates an integration's key by creating one of the same name: keys of
    one name are one caller, so a checkout retried with the new key gets the order the old
    key placed, not a second one."""
    body = network.order_body([(TEE, 1)])
    first = network.client.post("/api/v1/orders", json=body, headers={**network.channel, "Idempotency-Key": "r-1"})
    rotated = {**network.api_key("channel", "webshop"), "Idempotency-Key": "r-1"}
    again = network.client.post("/api/v1/orders", json=body, headers=rotated)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


def test_external_reference_is_unique_per_channel(network):
    network.place([(TEE, 1)], ref="W-1")
    response = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], ref="W-1"), headers=network.channel)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate_external_ref"
    assert "order_id" in response.json()["error"]["details"]  # the caller's own order
    # Another integration of that channel is not told which order holds the reference.
    other = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], ref="W-1"),
                                headers=network.api_key("channel", "another-webshop"))
    assert other.status_code == 409 and "order_id" not in other.json()["error"].get("details", {})
    # The same reference on another channel is another order.
    network.place([(TEE, 1)], ref="W-1", channel="marketplace")


def test_get_order(network):
    order = network.place([(TEE, 1)])
    response = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel)
    assert response.status_code == 200
    assert response.json()["id"] == order["id"]
    assert network.client.get("/api/v1/orders/nope", headers=network.channel).status_code == 404


def test_cancel_releases_reservations_and_is_idempotent(network):
    order = network.place([(TEE, 2)])
    for _ in range(2):
        response = network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "customer_request"},
                                       headers=network.channel)
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert [f["status"] for f in response.json()["fulfilments"]] == ["cancelled"]
    assert network.level("LYS-01", TEE)["reserved"] == 0


def test_cancel_after_shipment_is_refused(network):
    order = network.place([(TEE, 1)])
    store = network.sign_in("LYS-01")
    fid = order["fulfilments"][0]["id"]
    for action in ("accept", "pick", "pack", "ship"):
        assert network.act(store, fid, action).status_code == 200
    response = network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_shipped"


def test_store_associate_places_store_orders(network):
    store = network.sign_in("PAR-01")
    response = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)]), headers=store)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_channel"
    order = network.place([(TEE, 1)], headers=store, channel="store")
    assert order["created_by"] == "PAR-01/S001"


def test_an_address_without_coordinates_is_placed_by_its_postcode(network):
    # Channels need not send coordinates, and the store app's endless aisle does not: such an
    # order was routed as if every location were next door (a Paris customer served from Lyon).
    network.give_postcodes()
    unplaced = {k: v for k, v in PARIS.items() if k not in ("lat", "lon")}
    order = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], address=unplaced),
                                headers=network.channel).json()
    assert [f["location"] for f in order["fulfilments"]] == ["PAR-01"]
    created = next(e for e in network.client.get(f"/api/v1/orders/{order['id']}/timeline",
                                                 headers=network.admin).json() if e["kind"] == "order.created")
    assert created["details"]["position"] == {"approximated_from_postcode": "75004", "near": ["PAR-01", "PAR-02"]}


def test_the_delivery_price_paid_is_kept_beside_the_goods(network):
    # A checkout charges the promise's price of the option chosen: the order keeps it apart from
    # the goods' value, which routing rules test and returns refund from.
    body = network.order_body([(TEE, 2)], ref="W-PAID")
    body["delivery"]["price"] = 4.9
    response = network.client.post("/api/v1/orders", json=body, headers=network.channel)
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["total_value"], order["delivery_price"]) == (39.8, 4.9)
    (found,) = network.client.get("/api/v1/orders/lookup", params={"q": "W-PAID"}, headers=network.admin).json()
    assert found["delivery_price"] == 4.9
    free = network.place([(TEE, 1)])
    assert free["delivery_price"] == 0  # a channel that sends no price charged none
    body = network.order_body([(TEE, 1)])
    body["delivery"]["price"] = -1
    response = network.client.post("/api/v1/orders", json=body, headers=network.channel)
    assert response.status_code == 422 and "delivery.price" in response.text


def test_another_channel_sending_the_same_idempotency_key_places_its_own_order(network):
    # Keys are per caller: two integrations both counting from 1 never get each other's order.
    marketplace = network.api_key("channel", "marketplace")
    first = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], ref="X-1"),
                                headers={**network.channel, "Idempotency-Key": "1"})
    assert first.status_code == 201
    other = network.client.post("/api/v1/orders", json=network.order_body([(TEE, 1)], ref="X-2", channel="marketplace"),
                                headers={**marketplace, "Idempotency-Key": "1"})
    assert other.status_code == 201, other.text
    assert other.json()["id"] != first.json()["id"]


def test_concurrent_retries_of_an_order_place_it_once(network):
    # A checkout that times out retries at once, several times, under one Idempotency-Key.
    body = network.order_body([(TEE, 1)])
    keyed = {**network.channel, "Idempotency-Key": "race-1"}
    before = network.atp("LYS-01", TEE)
    start = threading.Barrier(6)

    def send(_: int):  # noqa: ANN202
        start.wait()
        return network.client.post("/api/v1/orders", json=body, headers=keyed)

    with ThreadPoolExecutor(6) as checkouts:
        answers = list(checkouts.map(send, range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201], [a.text[:200] for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert network.atp("LYS-01", TEE) == before - 1
