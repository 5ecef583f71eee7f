"""Reallocation through the API: a store gives lines back (with or without a
stock discrepancy), click & collect orders whose pickup store gives them back,
and what the profile's fallback does with what nothing can serve."""

from sqlalchemy import select

from oms_core.core.db import session_scope
from oms_core.models import Event, StockMovement

from .conftest import CAP, JNS, LYON, PARIS, TEE

PROFILE = "/api/v1/routing/profile"


def _order(network, order_id):
    return network.client.get(f"/api/v1/orders/{order_id}", headers=network.channel).json()


def _events(network, order_id, kind):
    with session_scope(network.engine) as session:
        return session.execute(
            select(Event).where(Event.order_id == order_id, Event.kind == kind).order_by(Event.id)).scalars().all()


def test_a_store_that_cannot_find_the_units_takes_them_off_its_stock(network):
    store = network.sign_in("LYS-01")
    order = network.place([(TEE, 2)], address=LYON)
    fid = order["fulfilments"][0]["id"]
    assert order["fulfilments"][0]["location"] == "LYS-01"
    r = network.act(store, fid, "reject", {"reason": "out_of_stock", "stock_missing": True})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    level = network.level("LYS-01", TEE)
    assert (level["on_hand"], level["reserved"], level["atp"]) == (1, 0, 1)
    with session_scope(network.engine) as session:
        movement = session.execute(select(StockMovement).where(StockMovement.kind == "discrepancy")).scalar_one()
        assert (movement.location, movement.sku, movement.on_hand_delta, movement.reference) == ("LYS-01", TEE, -2, fid)
    (missing,) = _events(network, order["id"], "stock.missing")
    assert missing.details == {"reported": {TEE: 2}, "taken_off_stock": {TEE: 2}} and missing.location == "LYS-01"
    order = _order(network, order["id"])
    assert [(f["location"], f["status"]) for f in order["fulfilments"]] == [("LYS-01", "rejected"), ("WH-LYS", "assigned")]


def test_a_partial_rejection_with_missing_stock_touches_only_the_rejected_lines(network):
    store = network.sign_in("PAR-01")
    order = network.place([(TEE, 2), (CAP, 1)], address=PARIS)
    fid = order["fulfilments"][0]["id"]
    network.act(store, fid, "reject", {"reason": "out_of_stock", "lines": [{"sku": CAP, "qty": 1}],
                                       "stock_missing": True})
    assert (network.level("PAR-01", CAP)["on_hand"], network.level("PAR-01", TEE)["on_hand"]) == (2, 5)
    assert network.level("PAR-01", TEE)["reserved"] == 2


def test_a_plain_rejection_leaves_the_stock_as_it_was(network):
    store = network.sign_in("LYS-01")
    order = network.place([(TEE, 2)], address=LYON)
    network.act(store, order["fulfilments"][0]["id"], "reject", {"reason": "no_capacity"})
    assert network.level("LYS-01", TEE)["on_hand"] == 3
    assert _events(network, order["id"], "stock.missing") == []


def test_click_and_collect_given_back_by_the_pickup_store_is_shipped_to_it_and_says_so(network):
    store = network.sign_in("PAR-02")
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-02")
    assert [(f["location"], f["delivery_method"]) for f in order["fulfilments"]] == [("PAR-02", "click_collect")]
    network.act(store, order["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    order = _order(network, order["id"])
    assert [(f["location"], f["status"], f["delivery_method"], f["ship_to"]) for f in order["fulfilments"]] == [
        ("PAR-02", "rejected", "click_collect", None), ("PAR-01", "assigned", "ship_to_store", "PAR-02")]
    assert order["status"] == "allocated"
    (moved,) = _events(network, order["id"], "order.shipped_to_pickup_store")
    assert moved.location == "PAR-02" and moved.details == {"from": {"PAR-01": {TEE: 1}}}
    assert "damaged" in moved.reason and "PAR-01" in moved.reason
    # The pickup store still hands the parcel over: it sees the fulfilment that comes to it.
    assert [f["location"] for f in network.client.get(f"/api/v1/orders/{order['id']}", headers=store).json()[
        "fulfilments"]] == ["PAR-02", "PAR-01"]


def test_click_and_collect_is_parked_when_the_profile_does_not_ship_to_stores(network):
    collect_only = {"name": "Collect where it is", "rule_sets": [{"name": "all", "ship_to_store": False}]}
    assert network.client.put(PROFILE, json=collect_only, headers=network.admin).status_code == 200
    store = network.sign_in("PAR-02")
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-02")
    network.act(store, order["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    order = _order(network, order["id"])
    assert order["status"] == "parked"
    assert [(f["location"], f["status"]) for f in order["fulfilments"]] == [("PAR-02", "rejected")]
    assert order["unfulfilled"] == [{"sku": TEE, "qty": 1}]
    assert order["routing"]["decisions"][-1]["fallback"] == "park"
    (parked,) = _events(network, order["id"], "order.parked")
    assert parked.to_status == "parked" and "PAR-02" in parked.reason and parked.details == {"lines": {TEE: 1}}
    assert network.level("PAR-02", TEE)["reserved"] == 0
    # Customer service may still cancel it.
    cancelled = network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert cancelled.json()["status"] == "cancelled"


def test_a_profile_that_parks_leaves_what_nothing_can_serve_to_customer_service(network):
    parking = {"name": "Park the rest", "rule_sets": [{"name": "all"}], "fallback": "park"}
    network.client.put(PROFILE, json=parking, headers=network.admin)
    order = network.place([(CAP, 10)], address=PARIS)
    assert order["status"] == "parked"
    assert sum(l["qty"] for f in order["fulfilments"] for l in f["lines"]) == 4  # all the caps there are
    assert order["unfulfilled"] == [{"sku": CAP, "qty": 6}]
    (parked,) = _events(network, order["id"], "order.parked")
    assert parked.details == {"lines": {CAP: 6}}


def test_the_default_profile_backorders_what_nothing_can_serve(network):
    order = network.place([(CAP, 10)], address=PARIS)
    assert order["status"] == "partially_allocated" and order["routing"]["decisions"][0]["fallback"] == "backorder"
    assert _events(network, order["id"], "order.parked") == []


def test_a_set_goes_to_the_next_location_whole_when_one_of_its_lines_is_given_back(network):
    # A T-shirt and jeans sold as one set leave in one parcel from one location: PAR-01 giving
    # back the damaged jeans sent them from the warehouse and left the T-shirt in Paris.
    body = network.order_body([(TEE, 1), (JNS, 1), (CAP, 1)], address=PARIS)
    for line in body["lines"][:2]:
        line["ship_together"] = "SET-1"
    order = network.client.post("/api/v1/orders", json=body, headers=network.channel).json()
    (fulfilment,) = order["fulfilments"]
    assert fulfilment["location"] == "PAR-01"
    store = network.sign_in("PAR-01")
    given_back = network.act(store, fulfilment["id"], "reject",
                             {"reason": "damaged", "lines": [{"sku": JNS, "qty": 1}], "stock_missing": True})
    assert given_back.status_code == 200, given_back.text
    assert [(line["sku"], line["qty"]) for line in given_back.json()["lines"]] == [(CAP, 1)]  # the rest stays
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    moved = [f for f in order["fulfilments"] if f["id"] != fulfilment["id"]]
    assert [sorted(line["sku"] for line in f["lines"]) for f in moved] == [sorted([TEE, JNS])]
    with session_scope(network.engine) as session:
        (missing,) = session.execute(select(Event.details).where(
            Event.order_id == order["id"], Event.kind == "stock.missing")).scalars().all()
    assert missing["reported"] == {JNS: 1}  # only what the store said is not there


def test_two_sets_that_share_an_item_go_back_as_the_one_set_routing_made_of_them(network):
    # A T-shirt is in both sets, so routing sends both sets from one location as one. Giving back
    # the cap took back its own set only, and left the jeans in Paris without the T-shirt of theirs.
    body = network.order_body([(TEE, 1), (JNS, 1), (TEE, 1), (CAP, 1)], address=PARIS)
    for line, name in zip(body["lines"], ["SET-1", "SET-1", "SET-2", "SET-2"], strict=True):
        line["ship_together"] = name
    order = network.client.post("/api/v1/orders", json=body, headers=network.channel).json()
    (fulfilment,) = order["fulfilments"]
    # The store is told which lines leave together (the app says what goes back with a line).
    assert [(line["sku"], line["qty"], line["ship_together"]) for line in fulfilment["lines"]] == [
        (CAP, 1, "SET-1 + SET-2"), (JNS, 1, "SET-1 + SET-2"), (TEE, 2, "SET-1 + SET-2")]
    assert fulfilment["location"] == "PAR-01"
    counted = {"counts": [{"location": "WH-LYS", "sku": CAP, "on_hand": 5}]}  # the warehouse can now send all
    assert network.client.post("/api/v1/stock/counts", json=counted, headers=network.admin).status_code == 201
    store = network.sign_in("PAR-01")
    given_back = network.act(store, fulfilment["id"], "reject",
                             {"reason": "damaged", "lines": [{"sku": CAP, "qty": 1}]})
    assert given_back.status_code == 200, given_back.text
    assert given_back.json()["status"] == "rejected"  # nothing of either set stays in Paris
    moved = [f for f in _order(network, order["id"])["fulfilments"] if f["id"] != fulfilment["id"]]
    assert [(f["location"], [(line["sku"], line["qty"]) for line in f["lines"]]) for f in moved] == [
        ("WH-LYS", [(CAP, 1), (JNS, 1), (TEE, 2)])]


def test_the_store_s_list_says_which_lines_leave_together(network):
    body = network.order_body([(TEE, 1), (JNS, 1), (CAP, 1)], address=PARIS)
    body["lines"][0]["ship_together"] = body["lines"][1]["ship_together"] = "SET-1"
    order = network.client.post("/api/v1/orders", json=body, headers=network.channel).json()
    store = network.sign_in("PAR-01")
    (listed,) = network.client.get("/api/v1/fulfilments", headers=store).json()
    assert [(line["sku"], line["ship_together"]) for line in listed["lines"]] == [
        (CAP, None), (JNS, "SET-1"), (TEE, "SET-1")]
    assert _order(network, order["id"])["fulfilments"][0]["lines"] == listed["lines"]
