"""Scoping beyond roles (tests/api/test_route_roles.py), through the real API in process:
staff and devices of one store neither change nor read another store's part of an order,
and a channel's integration reaches only the orders it placed. Another store's or
another integration's order is not found (404), as if it did not exist."""

import uuid

from .conftest import PARIS, TEE

API = "/api/v1"
LYON_CUSTOMER_IN_PARIS = {**PARIS, "lat": 45.76, "lon": 4.83}  # routed to LYS-01


def _device(network, store: str) -> dict:
    staff = network.sign_in(store, code="D001")
    enrolled = network.client.post(f"{API}/auth/device", json={"id": str(uuid.uuid4())}, headers=staff)
    assert enrolled.status_code == 200, enrolled.text
    return {"Authorization": f"Bearer {enrolled.json()['device_token']}"}


def test_a_manager_cannot_cancel_an_order_of_another_store(network):
    """A manager of LYS-01 cancels a Paris click & collect order that LYS-01 has no
    part in (its only fulfilment is at PAR-01): PAR-01's fulfilment is cancelled and
    its reservation released. The order does not exist for LYS-01 (its timeline is a
    404 `order_not_found`), so the cancel must be a 404 and change nothing."""
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
    (fulfilment,) = order["fulfilments"]
    assert fulfilment["location"] == "PAR-01"
    reserved = network.level("PAR-01", TEE)["reserved"]
    lyon_manager = network.sign_in("LYS-01", code="M001", role="manager")
    assert network.client.get(f"{API}/orders/{order['id']}/timeline", headers=lyon_manager).status_code == 404

    cancel = network.client.post(f"{API}/orders/{order['id']}/cancel", json={"reason": "customer_request"},
                                 headers=lyon_manager)

    assert (cancel.status_code, cancel.json().get("error", {}).get("code")) == (404, "order_not_found"), cancel.text
    now = network.client.get(f"{API}/fulfilments/{fulfilment['id']}", headers=network.admin).json()
    assert now["status"] == "assigned"
    assert network.level("PAR-01", TEE)["reserved"] == reserved


def test_staff_and_devices_do_not_read_other_stores_work_in_an_orders_routing(network):
    """GET /orders/{id} shows staff and devices "their own store's part of an order,
    not other stores' work" (routes/orders.py `_visible`): the fulfilments are filtered,
    but the stored routing trace is answered whole. An associate or the store app of
    LYS-01 reading a PAR-01 order (fulfilments: []) read in `routing` that PAR-01 was
    chosen, and every candidate location's units in stock, backlog and reject rate
    (another store's operational figures; KPIs of another store are refused even to a
    manager). Store-bound callers must get no location but their own in the answer."""
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
    for headers in (network.sign_in("LYS-01"), _device(network, "LYS-01")):
        seen = network.client.get(f"{API}/orders/{order['id']}", headers=headers)
        assert seen.status_code == 200 and seen.json()["fulfilments"] == []
        named = {c["location"] for d in seen.json()["routing"].get("decisions", []) for c in d.get("candidates", [])}
        named |= {loc for d in seen.json()["routing"].get("decisions", []) for loc in d.get("chosen", [])}
        assert named <= {"LYS-01"}, f"routing names {sorted(named)} to LYS-01"


def test_a_tracking_number_in_use_does_not_name_another_stores_order(network):
    """A tracking number is unique across the network, so PAR-01 packing under one that
    a LYS-01 parcel carries must be refused (409 tracking_number_in_use). But the
    refusal names LYS-01's order (external ref in the message, order id and fulfilment
    id in the details): a store learns another store's order ids by packing under
    numbers it guesses or reads on labels (pre-printed carrier rolls are sequential,
    and 50 numbers go in one pack call). With the order id it then reads the order
    (GET /orders/{id}) and, as a manager, cancels it. The refusal must say the number
    is taken, without naming what holds it, when that is another store's parcel."""
    lyon = network.sign_in("LYS-01")
    theirs = network.place([(TEE, 1)], address=LYON_CUSTOMER_IN_PARIS)
    (their_fulfilment,) = theirs["fulfilments"]
    assert their_fulfilment["location"] == "LYS-01"
    for action, body in (("accept", None), ("pick", None), ("pack", {"parcels": [{"tracking_number": "CARRIER-0001"}]})):
        assert network.act(lyon, their_fulfilment["id"], action, body).status_code == 200
    paris = network.sign_in("PAR-01")
    mine = network.place([(TEE, 1)], address=PARIS)
    (my_fulfilment,) = mine["fulfilments"]
    assert my_fulfilment["location"] == "PAR-01"
    for action in ("accept", "pick"):
        assert network.act(paris, my_fulfilment["id"], action).status_code == 200

    probe = network.act(paris, my_fulfilment["id"], "pack",
                        {"parcels": [{"tracking_number": f"CARRIER-{n:04d}"} for n in range(50)]})

    assert probe.status_code == 409 and probe.json()["error"]["code"] == "tracking_number_in_use"
    for leaked in (theirs["id"], theirs["external_ref"], their_fulfilment["id"]):
        assert leaked not in probe.text, f"the refusal names LYS-01's {leaked}: {probe.text}"


def test_a_stores_timeline_does_not_say_where_the_order_went_next(network):
    """The timeline shows a store "the order-wide events and its own, never another
    store's" (services/order_lookup.py `timeline`; tests/api/test_order_lookup.py: "not
    where the order went next"): PAR-01 gives an order back and its fulfilment.assigned
    at LYS-01 is hidden, but the `order.rerouted` event, recorded at PAR-01 because a
    PAR-01 associate set it off, carries `details.to == ["LYS-01"]` (and `excluded`,
    every location that gave the order back before). A store-bound caller must not
    read another location in the timeline's details."""
    order = network.place([(TEE, 1)], address=PARIS)
    (fulfilment,) = order["fulfilments"]
    paris = network.sign_in("PAR-01")
    assert network.act(paris, fulfilment["id"], "reject", {"reason": "damaged"}).status_code == 200
    now = network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()
    assert {f["location"] for f in now["fulfilments"]} == {"PAR-01", "LYS-01"}

    timeline = network.client.get(f"{API}/orders/{order['id']}/timeline", headers=paris).json()

    assert {e["location"] for e in timeline} <= {None, "PAR-01"}
    told = [(e["kind"], e["details"]) for e in timeline if "LYS-01" in str(e["details"])]
    assert told == [], f"PAR-01 reads where the order went: {told}"


def test_a_return_id_another_store_used_is_taken_not_answered(network):
    """A return sent again under its id is answered with the return recorded: by the store that
    took it. Another store sending the same body under that id got the first store's return;
    it is told the id is taken, and learns nothing of it."""
    from .test_returns import _delivered_home, _return

    order = _delivered_home(network, [(TEE, 2)])
    return_id = str(uuid.uuid4())
    paris = _return(network, network.sign_in("PAR-01"), order["id"], [(TEE, 1, "resellable")], id=return_id)
    assert paris.status_code == 201, paris.text
    lyon = _return(network, network.sign_in("LYS-01"), order["id"], [(TEE, 1, "resellable")], id=return_id)
    assert (lyon.status_code, lyon.json()["error"]["code"]) == (409, "id_taken")
    assert "PAR-01" not in lyon.text


def test_a_channel_key_gets_no_pickup_code_of_another_channels_order(network):
    """The pickup code and QR are for the channel's own e-mails: with them anybody collects
    the goods at the counter. A marketplace's key gets none of the web shop's orders'."""
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")  # the web shop's
    marketplace = network.api_key("channel", "marketplace")
    refused = network.client.get(f"{API}/orders/{order['id']}/pickup", headers=marketplace)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "order_not_found"), refused.text
    # The web shop's key rotated (a new key of the same name) and head office still get it.
    for headers in (network.api_key("channel", "webshop"), network.admin):
        pickup = network.client.get(f"{API}/orders/{order['id']}/pickup", headers=headers)
        assert pickup.status_code == 200 and pickup.json()["store"] == "PAR-01", pickup.text


def test_a_channel_key_cannot_cancel_another_channels_order(network):
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")  # the web shop's
    reserved = network.level("PAR-01", TEE)["reserved"]
    marketplace = network.api_key("channel", "marketplace")
    cancel = network.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=marketplace)
    assert (cancel.status_code, cancel.json()["error"]["code"]) == (404, "order_not_found"), cancel.text
    assert network.level("PAR-01", TEE)["reserved"] == reserved
    cancel = network.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled", cancel.text


def test_a_channel_key_reads_only_the_orders_it_placed(network):
    """An order's customer, address and timeline are the integration's that placed it (and head
    office's): another integration neither reads nor finds it."""
    order = network.place([(TEE, 1)], ref="W-SCOPE-1")  # the web shop's
    marketplace = network.api_key("channel", "marketplace")
    for path in (f"/orders/{order['id']}", f"/orders/{order['id']}/timeline"):
        refused = network.client.get(f"{API}{path}", headers=marketplace)
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "order_not_found"), path
        assert network.client.get(f"{API}{path}", headers=network.channel).status_code == 200, path
    found = network.client.get(f"{API}/orders", params={"q": "W-SCOPE-1"}, headers=marketplace)
    assert found.status_code == 200 and found.json()["items"] == []
    for headers in (network.channel, network.admin):
        found = network.client.get(f"{API}/orders", params={"q": "W-SCOPE-1"}, headers=headers)
        assert [o["id"] for o in found.json()["items"]] == [order["id"]]


def test_another_stores_staff_and_tablets_get_no_pickup_code(network):
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
    for headers in (network.sign_in("LYS-01"), _device(network, "LYS-01")):
        response = network.client.get(f"{API}/orders/{order['id']}/pickup", headers=headers)
        assert response.status_code == 404 and response.json()["error"]["code"]


def test_another_stores_return_and_its_receipt_are_not_found(network):
    from .test_returns import _delivered_home, _return

    order = _delivered_home(network, [(TEE, 1)])
    taken = _return(network, network.sign_in("PAR-01"), order["id"], [(TEE, 1, "resellable")])
    assert taken.status_code == 201, taken.text
    lyon = network.sign_in("LYS-01", code="L002")
    for path in (f"{API}/returns/{taken.json()['id']}", f"{API}/returns/{taken.json()['id']}/receipt"):
        assert network.client.get(path, headers=lyon).status_code == 404
