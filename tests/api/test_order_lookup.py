"""Finding an order and reading its timeline: who did what, where and why."""

from .conftest import CAP, JNS, PARIS, TEE


def test_the_timeline_tells_who_where_and_why(network):
    order = network.place([(TEE, 1)], address=PARIS)
    fid = order["fulfilments"][0]["id"]
    par = network.sign_in("PAR-01", "S001")
    assert network.act(par, fid, "reject", {"reason": "damaged", "note": "torn"}).status_code == 200
    timeline = network.client.get(f"/api/v1/orders/{order['id']}/timeline", headers=network.admin).json()
    kinds = [(e["kind"], e["location"]) for e in timeline]
    assert kinds == [("order.created", None), ("fulfilment.assigned", "PAR-01"), ("fulfilment.reject", "PAR-01"),
                     ("fulfilment.assigned", "LYS-01"), ("order.rerouted", "PAR-01")]
    reject = timeline[2]
    assert (reject["actor"], reject["actor_role"], reject["reason"]) == ("PAR-01/S001", "associate", "damaged")
    assert (reject["from_status"], reject["to_status"]) == ("assigned", "rejected")
    assert timeline[0]["actor"] == "webshop"
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)

    # The store sees the order-wide events and its own, not where the order went next.
    own = network.client.get(f"/api/v1/orders/{order['id']}/timeline", headers=par).json()
    assert {e["location"] for e in own} == {None, "PAR-01"}
    other = network.sign_in("PAR-02", "S002")
    hidden = network.client.get(f"/api/v1/orders/{order['id']}/timeline", headers=other)
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "order_not_found"
    assert network.client.get("/api/v1/orders/nope/timeline", headers=network.admin).status_code == 404


def _refs(network, headers, q, **params):  # noqa: ANN001, ANN202
    response = network.client.get("/api/v1/orders", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [o["external_ref"] for o in response.json()["items"]], response.json()["next_offset"]


def test_search_by_reference_customer_or_sku(network):
    network.place([(TEE, 1)], address=PARIS, ref="W-100234")
    body = network.order_body([(JNS, 1)], ref="W-100235")
    body["customer"] = {"name": "Jean Dupont", "email": "jean@example.org", "phone": "+33611112222"}
    assert network.client.post("/api/v1/orders", json=body, headers=network.channel).status_code == 201
    network.place([(CAP, 1)], method="click_collect", store="PAR-01", ref="W-100236")
    admin = network.admin
    assert _refs(network, admin, "w-10023") == (["W-100236", "W-100235", "W-100234"], None)
    assert _refs(network, admin, "dupont")[0] == ["W-100235"]
    assert _refs(network, admin, "611112222")[0] == ["W-100235"]
    assert _refs(network, admin, "06 11 11 22 22")[0] == ["W-100235"]  # as said on the phone: no prefix, spaces
    assert _refs(network, admin, "JEAN@example")[0] == ["W-100235"]
    assert _refs(network, admin, CAP)[0] == ["W-100236"]
    assert _refs(network, admin, "100%")[0] == []  # a wildcard is a character like any other
    zoe = network.order_body([(JNS, 1)], ref="W-100237")
    zoe["customer"] = {"name": "Zoé Lefèvre", "email": "zoe@example.org", "phone": "+33 6 12 34 56 78"}
    assert network.client.post("/api/v1/orders", json=zoe, headers=network.channel).status_code == 201
    assert _refs(network, admin, "Lefèvre")[0] == ["W-100237"]
    assert _refs(network, admin, "0612345678")[0] == ["W-100237"]  # stored with spaces, typed without
    assert _refs(network, admin, "name")[0] == []  # the JSON's keys are not the customer's details
    assert _refs(network, admin, "phone")[0] == []
    # Pages, newest first.
    assert _refs(network, admin, "W-10023", limit=2) == (["W-100237", "W-100236"], 2)
    assert _refs(network, admin, "W-10023", limit=2, offset=2) == (["W-100235", "W-100234"], None)
    # A store finds only the orders it has a part in.
    par02 = network.sign_in("PAR-02", "S002")
    assert _refs(network, par02, "W-1002")[0] == []


def test_search_needs_a_query(network):
    response = network.client.get("/api/v1/orders", params={"q": "x"}, headers=network.admin)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert network.client.get("/api/v1/orders", params={"q": "W-1"}).status_code == 401
