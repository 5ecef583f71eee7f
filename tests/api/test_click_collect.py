"""The click & collect counter through the API: shelves, pickup codes, partial
handovers, lookup, no-shows (driven by the scheduler's function with an
explicit clock), parcels shipped to the store arriving, endless aisle."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from contract import pickup
from oms_core.core.db import session_scope
from oms_core.models import Event, Notification, PickupKey, utcnow
from oms_core.services.counter import remind_and_release
from oms_core.services.notifications import LogSender, deliver_due

from .conftest import CAP, TEE

API = "/api/v1"


def _ready_order(network, store_headers, lines, store="PAR-01", shelf="A3"):
    order = network.place(lines, method="click_collect", store=store)
    (fulfilment,) = order["fulfilments"]
    fid = fulfilment["id"]
    assert fulfilment["location"] == store
    for action in ("accept", "pick"):
        assert network.act(store_headers, fid, action).status_code == 200
    r = network.act(store_headers, fid, "ready", {"shelf": shelf})
    assert r.status_code == 200, r.text
    return order, r.json()


def _secret(network, store):
    with session_scope(network.engine) as session:
        return session.execute(select(PickupKey.secret).where(PickupKey.store == store)).scalar_one()


def _order(network, order_id):
    return network.client.get(f"{API}/orders/{order_id}", headers=network.admin).json()


def _events(network, order_id, kind):
    with session_scope(network.engine) as session:
        return session.execute(select(Event).where(Event.order_id == order_id, Event.kind == kind)
                               .order_by(Event.id)).scalars().all()


def _notifications(network, order_id, kind):
    with session_scope(network.engine) as session:
        return session.execute(select(Notification).where(Notification.order_id == order_id,
                                                          Notification.kind == kind)
                               .order_by(Notification.id)).scalars().all()


def test_ready_records_the_shelf_and_tells_the_customer_their_code(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 2)])
    assert (ready["status"], ready["shelf"]) == ("ready_for_pickup", "A3") and ready["ready_at"]
    code = network.client.get(f"{API}/orders/{order['id']}/pickup", headers=store).json()
    secret = _secret(network, "PAR-01")
    assert code["code"] == pickup.pickup_code(secret, order["id"]) and len(code["code"]) == 6
    assert code["qr_payload"] == pickup.qr_payload(secret, "PAR-01", order["id"])
    (told,) = _notifications(network, order["id"], "ready")
    assert (told.data["pickup_code"], told.data["qr_payload"], told.recipient) == (
        code["code"], code["qr_payload"], "ana@example.com")
    # Making it ready again is harmless; on another shelf it moves, and the customer is not told twice.
    moved = network.act(store, ready["id"], "ready", {"shelf": "B1"}).json()
    assert moved["shelf"] == "B1" and moved["ready_at"] == ready["ready_at"]
    assert len(_notifications(network, order["id"], "ready")) == 1
    shelf = network.client.get(f"{API}/counter/shelf", headers=store).json()
    assert [(s["fulfilment"]["id"], s["fulfilment"]["shelf"], s["order_ref"]) for s in shelf] == [
        (ready["id"], "B1", order["external_ref"])]
    # Another store's staff see neither the code nor the shelf.
    other = network.sign_in("PAR-02")
    assert network.client.get(f"{API}/orders/{order['id']}/pickup", headers=other).status_code == 404
    assert network.client.get(f"{API}/counter/shelf", headers=other).json() == []


def test_the_code_or_the_qr_is_checked_at_handover(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 1)])
    other, other_ready = _ready_order(network, store, [(CAP, 1)], shelf="A4")
    secret = _secret(network, "PAR-01")
    wrong = network.act(store, ready["id"], "collect", {"code": pickup.pickup_code(secret, other["id"])})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_pickup_code"
    forged = pickup.qr_payload("00" * 32, "PAR-01", order["id"])
    assert network.act(store, ready["id"], "collect", {"code": forged}).status_code == 422
    elsewhere = pickup.qr_payload(_secret(network, "PAR-02"), "PAR-02", order["id"])
    assert network.act(store, ready["id"], "collect", {"code": elsewhere}).status_code == 422
    assert network.level("PAR-01", TEE)["on_hand"] == 5  # nothing left the store
    typed = pickup.pickup_code(secret, order["id"])
    r = network.act(store, ready["id"], "collect", {"code": f" {typed[:3].lower()} {typed[3:]} "})
    assert r.status_code == 200 and r.json()["status"] == "collected"
    qr = pickup.qr_payload(secret, "PAR-01", other["id"])
    assert network.act(store, other_ready["id"], "collect", {"code": qr}).json()["status"] == "collected"
    (collected,) = _events(network, other["id"], "fulfilment.collect")
    assert collected.details["checked"] == "qr"
    assert _order(network, order["id"])["status"] == "completed"
    assert len(_notifications(network, order["id"], "collected")) == 1


def test_a_partial_handover_keeps_the_rest_on_the_shelf(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 2), (CAP, 1)])
    body = {"lines": [{"sku": TEE, "qty": 1}], "collected_id": "0190aaaa-0000-7000-8000-000000000001"}
    r = network.act(store, ready["id"], "collect", body)
    assert r.status_code == 200, r.text
    left = r.json()
    assert left["status"] == "ready_for_pickup" and left["shelf"] == "A3"
    assert sorted((line["sku"], line["qty"]) for line in left["lines"]) == [(CAP, 1), (TEE, 1)]
    again = network.act(store, ready["id"], "collect", body)  # a retry hands nothing more over
    assert again.json()["lines"] == left["lines"]
    # An id naming any other fulfilment is no retry: refused, nothing handed over.
    elsewhere = {"lines": [{"sku": TEE, "qty": 1}], "collected_id": ready["id"]}
    refused = network.act(store, ready["id"], "collect", elsewhere)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "collected_id_in_use"
    tee = network.level("PAR-01", TEE)
    assert (tee["on_hand"], tee["reserved"]) == (4, 1)
    view = _order(network, order["id"])
    assert view["status"] == "allocated"
    assert sorted((f["id"], f["status"]) for f in view["fulfilments"]) == sorted(
        [(ready["id"], "ready_for_pickup"), (body["collected_id"], "collected")])
    # The customer comes back for the rest.
    assert network.act(store, ready["id"], "collect").json()["status"] == "collected"
    assert _order(network, order["id"])["status"] == "completed"
    assert (network.level("PAR-01", TEE)["on_hand"], network.level("PAR-01", CAP)["on_hand"]) == (3, 2)


def test_the_rest_of_a_partial_handover_can_be_cancelled_and_restocked(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 2)])
    no_reason = network.act(store, ready["id"], "collect", {"lines": [{"sku": TEE, "qty": 1}], "rest": "cancel"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "unknown_reason"
    r = network.act(store, ready["id"], "collect",
                    {"lines": [{"sku": TEE, "qty": 1}], "rest": "cancel", "reason": "customer_request"})
    assert r.json()["status"] == "cancelled"
    tee = network.level("PAR-01", TEE)
    assert (tee["on_hand"], tee["reserved"], tee["atp"]) == (4, 0, 4)
    assert _order(network, order["id"])["status"] == "partially_completed"


def test_bad_handovers_are_refused_plainly(network):
    store = network.sign_in("PAR-01")
    _, ready = _ready_order(network, store, [(TEE, 1)])
    for body, code in [({"lines": [{"sku": CAP, "qty": 1}]}, "wrong_item"),
                       ({"lines": [{"sku": TEE, "qty": 2}]}, "too_many"),
                       ({"lines": [{"sku": TEE, "qty": 0}]}, "invalid_request"),
                       ({"rest": "burn"}, "invalid_request")]:
        r = network.act(store, ready["id"], "collect", body)
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), body
    for path, body, status in [("/counter/arrivals", {"tracking_number": "not a number!"}, 422),
                               ("/counter/arrivals", {"tracking_number": "BR1", "shelf": ""}, 422),
                               ("/counter/arrivals", {}, 422)]:
        r = network.client.post(API + path, json=body, headers=store)
        assert r.status_code == status and "error" in r.json(), (path, body)
    assert network.client.get(f"{API}/counter/orders", headers=store).status_code == 422  # no q
    assert network.client.get(f"{API}/counter/shelf", headers=network.admin).status_code == 403
    malformed = network.client.post(f"{API}/counter/arrivals", content=b"{",
                                    headers={**store, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    home = network.place([(TEE, 1)])["fulfilments"][0]
    lyon = network.sign_in("LYS-01")
    assert network.act(lyon, home["id"], "ready", {"shelf": "A1"}).status_code == 409


def test_the_counter_finds_orders_by_number_name_phone_or_qr(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 1)])

    def found(q, headers=store):
        r = network.client.get(f"{API}/counter/orders", params={"q": q}, headers=headers)
        assert r.status_code == 200, r.text
        return [item["fulfilment"]["id"] for item in r.json()]

    assert found(order["external_ref"]) == [ready["id"]]
    assert found("ana lop") == [ready["id"]]
    assert found("06 00 00 00 00") == [ready["id"]]  # typed without the country prefix
    assert found(pickup.qr_payload(_secret(network, "PAR-01"), "PAR-01", order["id"])) == [ready["id"]]
    assert found("nobody") == []
    assert found("%") == []  # a wildcard is a character like any other
    forged = network.client.get(f"{API}/counter/orders", params={"q": f"BRPU1|PAR-01|{order['id']}|XXXX"},
                                headers=store)
    assert forged.status_code == 422
    other = network.sign_in("PAR-02")
    assert found(order["external_ref"], other) == []
    assert network.client.get(f"{API}/counter/orders", params={"q": " "}, headers=store).status_code == 422


def _resend(network, headers, fulfilment_id):
    return network.client.post(f"{API}/counter/shelf/{fulfilment_id}/resend-code", headers=headers)


def test_the_counter_sends_the_pickup_code_again_at_most_once_in_two_minutes(network, tmp_path):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 1)])
    sent = _resend(network, store, ready["id"])
    assert sent.status_code == 200, sent.text
    answer = sent.json()
    assert (answer["queued"], answer["recipient"], answer["order_ref"]) == (True, "ana@example.com",
                                                                            order["external_ref"])
    queued_at = datetime.fromisoformat(answer["queued_at"])
    assert datetime.fromisoformat(answer["next_at"]) - queued_at == timedelta(minutes=2)
    first, copy = _notifications(network, order["id"], "ready")
    assert copy.key == f"ready:{ready['id']}:again:1"  # its own key: the delivery loop sends it too
    assert (copy.recipient, copy.subject, copy.body, copy.data) == (first.recipient, first.subject, first.body,
                                                                    first.data)
    # A double tap, or the customer asking again a minute later: nothing more is queued; the answer says when it went.
    tapped = _resend(network, store, ready["id"])
    assert tapped.status_code == 200
    assert tapped.json()["queued"] is False
    assert datetime.fromisoformat(tapped.json()["queued_at"]) == copy.created_at
    assert abs(copy.created_at - queued_at) < timedelta(seconds=1)
    assert len(_notifications(network, order["id"], "ready")) == 2
    assert deliver_due(network.engine, LogSender(tmp_path / "notifications.log"), utcnow(), max_attempts=3) == 2
    # The order's timeline and the audit log say who had it sent, once.
    (resent,) = _events(network, order["id"], "pickup.code_resent")
    assert (resent.actor, resent.fulfilment_id, resent.location, resent.details) == (
        "PAR-01/S001", ready["id"], "PAR-01", {"to": "ana@example.com", "copy": 1})
    audit = network.client.get(f"{API}/audit", params={"action": "pickup"}, headers=network.admin).json()
    assert [(e["action"], e["actor"], e["store"], e["target"]) for e in audit] == [
        ("pickup.code_resent", "PAR-01/S001", "PAR-01", f"fulfilment:{ready['id']}")]
    # Two minutes after that copy, the customer may have another.
    with session_scope(network.engine) as session:
        session.execute(update(Notification).where(Notification.id == copy.id)
                        .values(created_at=copy.created_at - timedelta(minutes=2)))
    again = _resend(network, store, ready["id"]).json()
    assert again["queued"] is True
    assert [n.key for n in _notifications(network, order["id"], "ready")][1:] == [
        f"ready:{ready['id']}:again:1", f"ready:{ready['id']}:again:2"]


def test_sending_the_code_again_is_refused_plainly(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 1)])
    unknown = _resend(network, store, "no-such-fulfilment")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "fulfilment_not_found")
    other_store = _resend(network, network.sign_in("PAR-02"), ready["id"])
    assert (other_store.status_code, other_store.json()["error"]["code"]) == (404, "fulfilment_not_found")
    assert _resend(network, network.admin, ready["id"]).status_code == 403  # the store's staff only
    waiting = network.place([(CAP, 1)], method="click_collect", store="PAR-01")["fulfilments"][0]
    early = _resend(network, store, waiting["id"])
    assert early.status_code == 409
    assert (early.json()["error"]["code"], early.json()["error"]["details"]) == (
        "not_ready_for_pickup", {"status": "assigned"})
    assert network.act(store, ready["id"], "collect").status_code == 200
    late = _resend(network, store, ready["id"])
    assert (late.status_code, late.json()["error"]["details"]) == (409, {"status": "collected"})
    body = network.order_body([(TEE, 1)], method="click_collect", store="PAR-01")
    body["customer"] = {"name": "Max Petit", "phone": "+33611111111"}
    anonymous = network.client.post(f"{API}/orders", json=body, headers=network.channel).json()
    fid = anonymous["fulfilments"][0]["id"]
    for action, act_body in (("accept", None), ("pick", None), ("ready", {"shelf": "A5"})):
        assert network.act(store, fid, action, act_body).status_code == 200
    no_email = _resend(network, store, fid)
    assert (no_email.status_code, no_email.json()["error"]["code"]) == (409, "no_email")
    with session_scope(network.engine) as session:
        copies = session.execute(select(Notification.key).where(Notification.key.contains(":again:"))).all()
    assert copies == []


def test_no_shows_are_reminded_then_cancelled_and_restocked(network):
    store = network.sign_in("PAR-01")
    order, ready = _ready_order(network, store, [(TEE, 2)])
    settings = network.settings.model_copy(update={"pickup_reminder_hours": [48, 96], "pickup_hold_hours": 120})
    now = utcnow()
    assert remind_and_release(network.engine, settings, now + timedelta(hours=47)) == {}
    assert remind_and_release(network.engine, settings, now + timedelta(hours=49)) == {"reminded": 1}
    assert remind_and_release(network.engine, settings, now + timedelta(hours=50)) == {}
    assert remind_and_release(network.engine, settings, now + timedelta(hours=97)) == {"reminded": 1}
    reminders = _notifications(network, order["id"], "reminder")
    assert [n.data["reminder"] for n in reminders] == [1, 2]
    assert network.level("PAR-01", TEE)["reserved"] == 2
    assert remind_and_release(network.engine, settings, now + timedelta(hours=121)) == {"cancelled": 1}
    view = _order(network, order["id"])
    assert view["status"] == "cancelled" and view["fulfilments"][0]["status"] == "cancelled"
    tee = network.level("PAR-01", TEE)
    assert (tee["on_hand"], tee["reserved"], tee["atp"]) == (5, 0, 5)
    (cancelled,) = _events(network, order["id"], "order.cancelled")
    assert (cancelled.actor, cancelled.reason) == ("system", "not_collected")
    assert remind_and_release(network.engine, settings, now + timedelta(hours=200)) == {}


def _picked_for_pickup_store(network, pickup_store):
    """A click & collect order for PAR-02 that PAR-02 gave back, picked at PAR-01 to be shipped to it."""
    sender = network.sign_in("PAR-01")
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-02")
    network.act(pickup_store, order["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    (parcel,) = [f for f in _order(network, order["id"])["fulfilments"] if f["delivery_method"] == "ship_to_store"]
    assert (parcel["location"], parcel["ship_to"]) == ("PAR-01", "PAR-02")
    for action in ("accept", "pick"):
        assert network.act(sender, parcel["id"], action).status_code == 200
    return order, parcel, sender


def _shipped_to_pickup_store(network, pickup_store):
    """As above, packed and shipped."""
    order, parcel, sender = _picked_for_pickup_store(network, pickup_store)
    assert network.act(sender, parcel["id"], "pack").status_code == 200
    shipped = network.act(sender, parcel["id"], "ship", {"carrier": "colissimo"}).json()
    return order, parcel, sender, shipped["tracking_number"]


def test_an_order_whose_parcel_is_on_its_way_to_the_pickup_store_is_not_completed(network):
    # Nothing has reached the customer yet: it read "completed" until the parcel was scanned in.
    pickup_store = network.sign_in("PAR-02")
    order, *_ = _shipped_to_pickup_store(network, pickup_store)
    assert _order(network, order["id"])["status"] == "allocated"


def test_a_parcel_shipped_to_the_pickup_store_is_scanned_in_and_collected(network):
    pickup_store = network.sign_in("PAR-02")
    order, parcel, sender, tracking = _shipped_to_pickup_store(network, pickup_store)
    expected = network.client.get(f"{API}/counter/arrivals", headers=pickup_store).json()
    assert [f["id"] for f in expected] == [parcel["id"]]
    before = network.level("PAR-02", TEE)
    unknown = network.client.post(f"{API}/counter/arrivals", json={"tracking_number": "BRNOPE"}, headers=pickup_store)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_parcel"
    assert network.client.post(f"{API}/counter/arrivals", json={"tracking_number": tracking},
                               headers=sender).status_code == 404  # not on its way to PAR-01
    r = network.client.post(f"{API}/counter/arrivals", json={"tracking_number": tracking, "shelf": "C2"},
                            headers=pickup_store)
    assert r.status_code == 201, r.text
    arrival = r.json()
    assert (arrival["location"], arrival["status"], arrival["shelf"], arrival["arrived_from"]) == (
        "PAR-02", "ready_for_pickup", "C2", parcel["id"])
    again = network.client.post(f"{API}/counter/arrivals", json={"tracking_number": tracking}, headers=pickup_store)
    assert again.json()["id"] == arrival["id"]
    after = network.level("PAR-02", TEE)
    assert (after["on_hand"] - before["on_hand"], after["reserved"] - before["reserved"], after["atp"]) == (
        1, 1, before["atp"])
    assert network.client.get(f"{API}/counter/arrivals", headers=pickup_store).json() == []
    assert _order(network, order["id"])["status"] == "allocated"
    assert len(_notifications(network, order["id"], "ready")) == 1
    code = pickup.pickup_code(_secret(network, "PAR-02"), order["id"])
    assert network.act(pickup_store, arrival["id"], "collect", {"code": code}).json()["status"] == "collected"
    assert _order(network, order["id"])["status"] == "completed"
    assert network.level("PAR-02", TEE)["on_hand"] == before["on_hand"]


def test_what_arrived_for_a_customer_can_still_be_cancelled_and_stays_in_the_store(network):
    pickup_store = network.sign_in("PAR-02")
    order, _, _, tracking = _shipped_to_pickup_store(network, pickup_store)
    cancel = network.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert cancel.status_code == 409  # on the road: too late
    before = network.level("PAR-02", TEE)
    network.client.post(f"{API}/counter/arrivals", json={"tracking_number": tracking}, headers=pickup_store)
    cancel = network.client.post(f"{API}/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert cancel.status_code == 200 and cancel.json()["status"] == "cancelled"
    after = network.level("PAR-02", TEE)
    assert (after["on_hand"] - before["on_hand"], after["reserved"], after["atp"] - before["atp"]) == (1, 0, 1)


def test_two_parcels_on_their_way_to_the_pickup_store_never_share_a_tracking_number(network):
    pickup_store = network.sign_in("PAR-02")
    first_order, first, sender, tracking = _shipped_to_pickup_store(network, pickup_store)
    _, second, _ = _picked_for_pickup_store(network, pickup_store)
    taken = network.act(sender, second["id"], "pack", {"parcels": [{"tracking_number": tracking}]})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "tracking_number_in_use"
    assert first_order["external_ref"] in taken.json()["error"]["message"]
    assert network.act(sender, second["id"], "pack", {"parcels": [{"tracking_number": "OWN-2"}]}).status_code == 200
    assert network.act(sender, second["id"], "ship").json()["tracking_number"] == "OWN-2"
    # Each parcel is scanned in as itself.
    arrived = [network.client.post(f"{API}/counter/arrivals", json={"tracking_number": number}, headers=pickup_store)
               for number in (tracking, "OWN-2")]
    assert [a.json()["arrived_from"] for a in arrived] == [first["id"], second["id"]]


def test_an_associate_places_an_endless_aisle_order_routed_like_any_other(network):
    store = network.sign_in("PAR-02", "S007")
    body = network.order_body([(CAP, 1)], channel="store", ref="S-PAR02-0001", method="click_collect",
                              store="PAR-02")
    r = network.client.post(f"{API}/orders", json=body, headers=store)
    assert r.status_code == 201, r.text
    order = r.json()
    # PAR-02 holds no caps: routing ships one to it from PAR-01, as for any channel.
    assert [(f["location"], f["ship_to"]) for f in order["fulfilments"]] == [("PAR-01", "PAR-02")]
    (created,) = _events(network, order["id"], "order.created")
    assert (created.actor, created.actor_role, created.location) == ("PAR-02/S007", "associate", "PAR-02")
    assert created.details == {"channel": "store", "associate": "S007", "store": "PAR-02"}
    web = network.client.post(f"{API}/orders", json=network.order_body([(CAP, 1)]), headers=store)
    assert web.status_code == 422 and web.json()["error"]["code"] == "invalid_channel"


def _waiting_in_two_parts(network):
    """7 T-shirts for collection at PAR-01: 5 from its own shelves, 2 shipped to it from another
    location and scanned in; both parts wait on PAR-01's shelves."""
    store = network.sign_in("PAR-01")
    order = network.place([(TEE, 7)], method="click_collect", store="PAR-01")
    local = next(f for f in order["fulfilments"] if f["location"] == "PAR-01")
    parcel = next(f for f in order["fulfilments"] if f["location"] != "PAR-01")
    assert (parcel["delivery_method"], parcel["ship_to"]) == ("ship_to_store", "PAR-01")
    sender = network.sign_in(parcel["location"], "X001")
    for action in ("accept", "pick", "pack"):
        assert network.act(sender, parcel["id"], action).status_code == 200
    tracking = network.act(sender, parcel["id"], "ship").json()["tracking_number"]
    for action, body in (("accept", None), ("pick", None), ("ready", {"shelf": "A1"})):
        assert network.act(store, local["id"], action, body).status_code == 200
    arrival = network.client.post(f"{API}/counter/arrivals", json={"tracking_number": tracking, "shelf": "A2"},
                                  headers=store)
    assert arrival.status_code == 201, arrival.text
    return store, order, local, parcel, arrival.json()


def test_a_parcel_scanned_in_is_found_as_its_arrival_alone(network):
    # The arrival is the order at the pickup store now; the parcel it came in stays "shipped" and
    # was listed beside it (9 T-shirts for 7), as the store app's offline counter never did.
    store, order, local, parcel, arrival = _waiting_in_two_parts(network)
    found = network.client.get(f"{API}/counter/orders", params={"q": order["external_ref"]}, headers=store).json()
    assert sorted(item["fulfilment"]["id"] for item in found) == sorted([local["id"], arrival["id"]])


def test_what_the_pickup_store_gave_back_is_not_found_at_its_counter(network):
    # As on the store app's offline counter: the parcel on its way is the order now.
    pickup_store = network.sign_in("PAR-02")
    order, parcel, _ = _picked_for_pickup_store(network, pickup_store)
    found = network.client.get(f"{API}/counter/orders", params={"q": order["external_ref"]},
                               headers=pickup_store).json()
    assert [item["fulfilment"]["id"] for item in found] == [parcel["id"]]


def test_the_pickup_code_goes_again_once_per_order_whichever_part_is_tapped(network):
    # One order, one pickup code: two parts on the shelf must not make two e-mails at once.
    store, order, local, _, arrival = _waiting_in_two_parts(network)
    first = _resend(network, store, local["id"])
    second = _resend(network, store, arrival["id"])
    assert (first.json()["queued"], second.json()["queued"]) == (True, False)
    with session_scope(network.engine) as session:
        copies = session.execute(select(Notification.key).where(Notification.order_id == order["id"],
                                                                Notification.key.contains(":again:"))).all()
    assert len(copies) == 1
