"""Returns at the counter: refunds from what was paid, never over, restock and damage."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from oms_core.core.db import session_scope
from oms_core.models import Event, StockMovement

from tests.printing.conftest import page_text, write
from tests.sync.test_core_feed import enrol

from .conftest import CAP, JNS, LYON, TEE

API = "/api/v1"


def _delivered_home(network, lines, prices=None):
    """A web order shipped home from Lyon, paid at the given prices per line."""
    body = network.order_body(lines, address=LYON)
    for line, price in zip(body["lines"], prices or [], strict=False):
        line["unit_price"] = price
    order = network.client.post(f"{API}/orders", json=body, headers=network.channel).json()
    lyon = network.sign_in("LYS-01", "L001")
    for f in order["fulfilments"]:
        assert f["location"] == "LYS-01"
        for action in ("accept", "pick", "pack", "ship"):
            assert network.act(lyon, f["id"], action).status_code == 200
    return order


def _return(network, headers, order_id, lines, reason="wrong_size", **extra):
    body = {"order_id": order_id, "reason": reason,
            "lines": [{"sku": sku, "qty": qty, "condition": condition} for sku, qty, condition in lines], **extra}
    return network.client.post(f"{API}/returns", json=body, headers=headers)


def test_resellable_units_come_back_to_this_stores_stock_and_are_refunded(network):
    order = _delivered_home(network, [(TEE, 2)])
    paris = network.sign_in("PAR-01")
    before = network.level("PAR-01", TEE)
    r = _return(network, paris, order["id"], [(TEE, 1, "resellable")])
    assert r.status_code == 201, r.text
    record = r.json()
    assert (record["store"], record["refund"], record["created_by"]) == ("PAR-01", 19.9, "PAR-01/S001")
    assert record["lines"][0]["disposition"] == "restocked"
    after = network.level("PAR-01", TEE)
    assert (after["on_hand"] - before["on_hand"], after["atp"] - before["atp"]) == (1, 1)
    with session_scope(network.engine) as session:
        movement = session.execute(select(StockMovement).where(StockMovement.kind == "return")).scalar_one()
        kinds = session.execute(select(Event.kind).where(Event.order_id == order["id"], Event.kind.like("return.%"))
                                .order_by(Event.id)).scalars().all()
    assert (movement.location, movement.on_hand_delta, movement.reference) == ("PAR-01", 1, record["id"])
    assert kinds == ["return.received", "return.restocked", "return.refunded"]
    assert network.client.get(f"{API}/returns/{record['id']}", headers=paris).json() == record
    (audited,) = network.client.get(f"{API}/audit", params={"action": "refund.made"}, headers=network.admin).json()
    assert (audited["actor"], audited["store"], audited["details"]["amount"]) == ("PAR-01/S001", "PAR-01", 19.9)
    receipt = network.client.get(f"{API}/returns/{record['id']}/receipt", headers=paris)
    assert receipt.headers["content-type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    assert network.client.get(f"{API}/returns/{record['id']}", headers=network.sign_in("PAR-02")).status_code == 404


def test_damaged_units_stay_out_of_stock_and_repeated_returns_never_over_refund(network):
    order = _delivered_home(network, [(TEE, 2), (TEE, 1)], prices=[19.9, 9.5])  # the third one was on sale
    paris = network.sign_in("PAR-01")
    first = _return(network, paris, order["id"], [(TEE, 2, "damaged")]).json()
    assert first["refund"] == 39.8 and first["lines"][0]["disposition"] == "to_warehouse"
    assert network.level("PAR-01", TEE)["on_hand"] == 5  # not in sellable stock
    second = _return(network, paris, order["id"], [(TEE, 1, "resellable")]).json()
    assert second["refund"] == 9.5
    assert Decimal(str(first["refund"])) + Decimal(str(second["refund"])) == Decimal("49.30")  # all that was paid
    third = _return(network, paris, order["id"], [(TEE, 1, "resellable")])
    assert third.status_code == 422 and third.json()["error"]["code"] == "more_than_received"
    assert third.json()["error"]["details"]["returnable"] == 0


def test_the_counter_sees_what_may_come_back_before_taking_it(network):
    order = _delivered_home(network, [(TEE, 2), (TEE, 1)], prices=[19.9, 9.5])
    placed = network.place([(CAP, 1)], address=LYON)  # not shipped yet: nothing received
    paris = network.sign_in("PAR-01")

    def returnable(order_id):  # noqa: ANN202
        response = network.client.get(f"{API}/orders/{order_id}/returnable", headers=paris)
        assert response.status_code == 200, response.text
        return response.json()

    before = returnable(order["id"])
    assert (before["external_ref"], before["refundable"]) == (order["external_ref"], 49.3)
    (tee,) = before["items"]
    assert (tee["received"], tee["returned"], tee["returnable"], tee["unit_prices"]) == (3, 0, 3, [19.9, 19.9, 9.5])
    assert tee["name"]
    _return(network, paris, order["id"], [(TEE, 2, "damaged")])
    after = returnable(order["id"])
    assert (after["refundable"], after["items"][0]["returnable"], after["items"][0]["unit_prices"]) == (9.5, 1, [9.5])
    assert [i["returnable"] for i in returnable(placed["id"])["items"]] == [0]
    missing = network.client.get(f"{API}/orders/nope/returnable", headers=paris)
    assert missing.status_code == 404


def test_a_return_is_recorded_once_whatever_the_retries(network):
    order = _delivered_home(network, [(TEE, 2)])
    paris = network.sign_in("PAR-01")
    rid = "0190bbbb-0000-7000-8000-000000000001"
    first = _return(network, paris, order["id"], [(TEE, 1, "resellable")], id=rid)
    again = _return(network, paris, order["id"], [(TEE, 1, "resellable")], id=rid)
    assert (first.status_code, again.status_code) == (201, 200) and again.json() == first.json()
    other = _return(network, paris, order["id"], [(TEE, 1, "damaged")], id=rid)
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    keyed = {**paris, "Idempotency-Key": "ret-42"}
    one = _return(network, keyed, order["id"], [(TEE, 1, "damaged")])
    two = _return(network, keyed, order["id"], [(TEE, 1, "damaged")])
    assert (one.status_code, two.status_code) == (201, 200) and one.json()["id"] == two.json()["id"]
    assert network.level("PAR-01", TEE)["on_hand"] == 6  # one unit restocked, once


def test_only_what_the_customer_received_can_come_back(network):
    paris = network.sign_in("PAR-01")
    waiting = network.place([(JNS, 1)], address=LYON)  # not shipped yet
    r = _return(network, paris, waiting["id"], [(JNS, 1, "resellable")])
    assert r.status_code == 422 and r.json()["error"]["code"] == "more_than_received"
    order = _delivered_home(network, [(TEE, 1)])
    for lines, reason, status, code in [
        ([(CAP, 1, "resellable")], "wrong_size", 422, "more_than_received"),
        ([(TEE, 1, "resellable")], "because", 422, "unknown_reason"),
        ([(TEE, 1, "broken")], "wrong_size", 422, "invalid_request"),
        ([(TEE, 0, "damaged")], "wrong_size", 422, "invalid_request"),
    ]:
        r = _return(network, paris, order["id"], lines, reason=reason)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), lines
    missing = _return(network, paris, "nope", [(TEE, 1, "resellable")])
    assert missing.status_code == 404
    assert _return(network, network.channel, order["id"], [(TEE, 1, "resellable")]).status_code == 403


def test_a_store_that_takes_no_returns_refuses_them(network):
    order = _delivered_home(network, [(TEE, 1)])
    network.client.put(f"{API}/locations", json=[{"code": "PAR-02", "name": "Paris Opera", "type": "store",
                                                  "lat": 48.8719, "lon": 2.3316, "click_collect": True}],
                       headers=network.admin)
    r = _return(network, network.sign_in("PAR-02"), order["id"], [(TEE, 1, "resellable")])
    assert r.status_code == 403 and r.json()["error"]["code"] == "returns_not_taken"


def test_any_order_of_any_channel_can_be_found_for_a_return(network):
    order = _delivered_home(network, [(TEE, 1)])
    paris = network.sign_in("PAR-01")

    def found(q):
        r = network.client.get(f"{API}/orders/lookup", params={"q": q}, headers=paris)
        assert r.status_code == 200, r.text
        return [o["id"] for o in r.json()]

    assert found(order["external_ref"]) == [order["id"]]
    assert found("ANA@example.com") == [order["id"]]
    assert found("zz-nobody") == []
    assert found(order["id"]) == [order["id"]]
    for blank in ("", "   "):
        r = network.client.get(f"{API}/orders/lookup", params={"q": blank}, headers=paris)
        assert r.status_code == 422, r.text


def test_a_return_sent_several_times_at_once_is_recorded_once(network):
    """Retries racing the first try: each waits for the order's lock, then finds the return made."""
    order = _delivered_home(network, [(TEE, 1)])
    paris = network.sign_in("PAR-01")
    start = threading.Barrier(4)

    def send(_: int):  # noqa: ANN202
        start.wait()
        return _return(network, paris, order["id"], [(TEE, 1, "resellable")], id="0190bbbb-0000-7000-8000-000000000001")

    with ThreadPoolExecutor(4) as counters:
        answers = list(counters.map(send, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert network.level("PAR-01", TEE)["on_hand"] == 6  # restocked once


def test_refunds_are_told_in_the_networks_currency(network):
    """BACKROOM_CURRENCY: the customer's e-mail says the refund in it, and each store's tablets learn it."""
    network.settings.currency = "GBP"
    order = _delivered_home(network, [(TEE, 1)])
    assert _return(network, network.sign_in("PAR-01"), order["id"], [(TEE, 1, "resellable")]).status_code == 201
    told = network.client.get(f"{API}/notifications", params={"order_id": order["id"]}, headers=network.admin).json()
    (refund,) = [n for n in told if n["kind"] == "refund"]
    assert "we refund £19.90 for what you returned" in refund["body"]
    assert (refund["data"]["amount"], refund["data"]["currency"]) == ("19.90", "GBP")
    device, _ = enrol(network, "PAR-01")
    page = network.client.get(f"{API}/sync/changes", headers=device).json()
    assert page["currency"] == "GBP"


def test_a_sku_on_several_lines_is_counted_whole_on_the_timeline(network):
    # The API takes one SKU on several lines; the restocked and set-aside units the timeline and
    # returns.csv report kept only each SKU's last line (the warehouse expected 1 damaged unit for 2).
    order = _delivered_home(network, [(TEE, 3)])
    paris = network.sign_in("PAR-01")
    before = network.level("PAR-01", TEE)["on_hand"]
    r = _return(network, paris, order["id"], [(TEE, 1, "damaged"), (TEE, 1, "resellable"), (TEE, 1, "damaged")])
    assert r.status_code == 201, r.text
    assert network.level("PAR-01", TEE)["on_hand"] == before + 1
    with session_scope(network.engine) as session:
        units = dict(session.execute(select(Event.kind, Event.details).where(
            Event.order_id == order["id"], Event.kind.in_(["return.restocked", "return.to_warehouse"]))).all())
    assert (units["return.restocked"]["units"], units["return.to_warehouse"]["units"]) == ({TEE: 1}, {TEE: 2})


def test_a_key_used_before_under_another_return_id_is_another_body(network):
    # It was a 409 "retry", and every retry the same 409.
    order = _delivered_home(network, [(TEE, 2)])
    keyed = {**network.sign_in("PAR-01"), "Idempotency-Key": "ret-1"}
    first = _return(network, keyed, order["id"], [(TEE, 1, "resellable")], id="0190bbbb-0000-7000-8000-000000000001")
    assert first.status_code == 201
    again = _return(network, keyed, order["id"], [(TEE, 1, "resellable")], id="0190bbbb-0000-7000-8000-000000000002")
    assert again.status_code == 422 and again.json()["error"]["code"] == "idempotency_key_reused"


def test_the_return_receipt_says_the_store_s_time(network, tmp_path):
    # The receipt printed the time as stored, in UTC: an hour early in Paris in winter.
    order = _delivered_home(network, [(TEE, 1)])
    paris = network.sign_in("PAR-01")
    record = _return(network, paris, order["id"], [(TEE, 1, "resellable")]).json()
    receipt = network.client.get(f"{API}/returns/{record['id']}/receipt", headers=paris)
    text = page_text(write(tmp_path, receipt.content), 1)
    returned = datetime.fromisoformat(record["created_at"]).replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    assert re.search(r"Date: (\S+ \S+)", text).group(1) == f"{returned:%Y-%m-%d %H:%M}"
