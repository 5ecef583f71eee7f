"""Edge cases, from a probe, of the delivery promise by postcode and its prices, the delivery
price kept with an order, the endless aisle's sale, ship-together sets on the tablet and the
store's time zone; the real core in process. (The main paths: tests/ui/test_counter.py,
tests/ui/test_work.py, tests/api/test_promise.py.)"""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from app.counter import CounterDesk, Sale, when
from app.dates import StoreTime
from app.work import Tone
from tests.api.conftest import CAP, JNS, TEE, TEE_EAN
from tests.ui.test_work import _Down

API = "/api/v1"
LYON_ADDRESS = {"line1": "2 rue X", "postcode": "69002", "city": "Lyon"}


@pytest.fixture
def desk(shop):
    return CounterDesk(shop.app)


def _promise(network, lines, destination, status=200):
    body = {"lines": [{"sku": s, "qty": q, "unit_price": p} for s, q, p in lines], "destination": destination}
    answer = network.client.post(f"{API}/promise", json=body, headers=network.channel)
    assert answer.status_code == status, answer.text
    return answer.json()


def _kinds(options):
    return {o["kind"]: o for o in options if not o.get("store")}


# --- 1. promise by postcode, and its prices -----------------------------------------------------

def test_standard_home_delivery_is_free_from_50_of_goods_but_express_never_is(network):
    network.give_postcodes()
    small = _kinds(_promise(network, [(TEE, 2, 19.9)], {"country": "FR", "postcode": "69002"})["options"])
    big = _kinds(_promise(network, [(TEE, 3, 19.9)], {"country": "FR", "postcode": "69002"})["options"])
    exact = _kinds(_promise(network, [(TEE, 1, 50.0)], {"country": "FR", "postcode": "69002"})["options"])
    assert (small["home_standard"]["price"], small["home_express"]["price"]) == (4.9, 9.9)
    assert (big["home_standard"]["price"], big["home_express"]["price"]) == (0.0, 9.9)
    assert exact["home_standard"]["price"] == 0.0  # "free from 50.00"


def test_free_delivery_is_on_the_cart_even_when_it_leaves_in_two_parcels(network):
    # Jeans only at WH-LYS/PAR-01, cap not at WH-LYS: a Paris customer may get two parcels.
    network.give_postcodes()
    answer = _promise(network, [(JNS, 1, 59.9), (CAP, 1, 14.9)], {"country": "FR", "postcode": "75001"})
    home = _kinds(answer["options"])["home_standard"]
    assert home["price"] == 0.0  # 74.80 of goods, however many parcels


def test_a_postcode_typed_with_spaces_or_lowercase_is_placed_like_the_plain_one(network):
    network.give_postcodes()
    plain = _promise(network, [(TEE, 1, 19.9)], {"country": "FR", "postcode": "75001"})
    spaced = _promise(network, [(TEE, 1, 19.9)], {"country": "FR", "postcode": " 75 001 "})
    assert plain["position"] == spaced["position"] and plain["position"]["near"] == ["PAR-01"]


def test_a_uk_style_or_foreign_postcode_is_refused_as_unknown_not_a_500(network):
    network.give_postcodes()
    for destination in ({"country": "FR", "postcode": "sw1a 1aa"}, {"country": "GB", "postcode": "SW1A 1AA"},
                        {"country": "BE", "postcode": "69002"}, {"country": "DE", "postcode": "75001"}):
        refused = _promise(network, [(TEE, 1, 19.9)], destination, status=422)
        assert refused["error"]["code"] == "unknown_postcode", destination


def test_a_postcode_of_one_character_or_blank_is_refused(network):
    network.give_postcodes()
    assert _promise(network, [(TEE, 1, 19.9)], {"country": "FR", "postcode": "7"},
                    status=422)["error"]["code"] == "unknown_postcode"
    blank = network.client.post(f"{API}/promise", headers=network.channel, json={
        "lines": [{"sku": TEE, "qty": 1, "unit_price": 19.9}], "destination": {"country": "FR", "postcode": "   "}})
    assert blank.status_code == 422


def test_a_promise_without_postcodes_in_the_network_says_unknown_postcode(network):
    # No location has an address yet: no postcode can be placed; a clear refusal, not a 500.
    refused = _promise(network, [(TEE, 1, 19.9)], {"country": "FR", "postcode": "69002"}, status=422)
    assert refused["error"]["code"] == "unknown_postcode"


def test_express_pickup_hour_is_said_in_the_network_s_time(network):
    network.give_postcodes()
    answer = _promise(network, [(TEE, 1, 19.9)], {"country": "FR", "lat": 45.7578, "lon": 4.8320})
    express = next(o for o in answer["options"] if o["kind"] == "express_pickup")
    ready = datetime.fromisoformat(express["ready_by"])
    paris = ready.astimezone(ZoneInfo("Europe/Paris"))
    # `when` reads the hour as sent: it must be Paris's hour, as the tablet tells the customer.
    assert when(express, paris.date()).endswith(f"by {paris:%H:%M}")
    assert date.fromisoformat(express["date"]) == paris.date()


# --- 2. delivery price on orders --------------------------------------------------------------

def _post_order(network, body, key=None):
    headers = dict(network.channel) | ({"Idempotency-Key": key} if key else {})
    return network.client.post(f"{API}/orders", json=body, headers=headers)


def test_the_delivery_price_is_kept_and_exported(network):
    body = network.order_body([(TEE, 1)])
    body["delivery"]["price"] = 4.9
    placed = _post_order(network, body)
    assert placed.status_code == 201, placed.text
    assert (placed.json()["total_value"], placed.json()["delivery_price"]) == (19.9, 4.9)
    exported = network.client.get(f"{API}/exports/orders.csv", headers=network.admin)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    (row,) = [r for r in rows if r["external_ref"] == body["external_ref"]]
    assert float(row["delivery_price"]) == 4.9 and float(row["total_value"]) == 19.9


def test_a_retried_order_with_another_delivery_price_is_refused_not_silently_kept(network):
    body = network.order_body([(TEE, 1)])
    body["delivery"]["price"] = 4.9
    first = _post_order(network, body, key="K-1")
    assert first.status_code == 201
    same = _post_order(network, body, key="K-1")
    assert same.status_code in (200, 201) and same.json()["id"] == first.json()["id"]
    body["delivery"]["price"] = 9.9
    other = _post_order(network, body, key="K-1")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_negative_or_over_precise_delivery_price_is_bad_input(network):
    for price in (-1, 4.999, "abc"):
        body = network.order_body([(TEE, 1)])
        body["delivery"]["price"] = price
        answer = _post_order(network, body)
        assert answer.status_code == 422, (price, answer.text)


# --- 3. endless aisle ----------------------------------------------------------------------------

def _offered(shop, desk, sale, postcode="69002"):
    options, said = shop.run(desk.options(shop.associate, sale.cart, postcode))
    assert said is None, said
    return sale.offer(options)


def _tee(shop, desk):
    (tee,), _ = shop.run(desk.search(shop.associate, "T-shirt"))
    return tee


def test_aisle_home_options_for_a_lowercase_spaced_postcode_then_placed_with_the_plain_one(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    sale = _offered(shop, desk, Sale.start("LYS-01").add(_tee(shop, desk)), "  69 002 ")
    home = next(o for o in sale.options if o["kind"] == "home_standard")
    sale = sale.choose(home)
    order, said = shop.run(desk.place(shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option,
                                      LYON_ADDRESS))
    assert said.tone is Tone.DONE, said.message
    assert order["delivery_price"] == 4.9


def test_aisle_cart_over_50_is_free_to_pay_for_standard_and_9_90_for_express(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    tee = _tee(shop, desk)
    sale = _offered(shop, desk, Sale.start("LYS-01").add(tee).add(tee).add(tee))
    standard = next(o for o in sale.options if o["kind"] == "home_standard")
    express = next(o for o in sale.options if o["kind"] == "home_express")
    assert sale.choose(standard).to_pay == 59.7
    assert sale.choose(express).to_pay == 69.6


def test_aisle_cart_changed_after_options_must_be_asked_again(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    tee = _tee(shop, desk)
    sale = _offered(shop, desk, Sale.start("LYS-01").add(tee).add(tee).add(tee))
    sale = sale.choose(next(o for o in sale.options if o["kind"] == "home_standard"))  # free: 59.70 of goods
    sale = sale.remove(TEE).add(tee)  # now 19.90: delivery is no longer free
    assert sale.option is None and sale.options == () and sale.to_pay == 19.9
    sale = _offered(shop, desk, sale)
    standard = next(o for o in sale.options if o["kind"] == "home_standard")
    assert standard["price"] == 4.9


def test_aisle_address_postcode_edited_after_choosing_is_refused(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    sale = _offered(shop, desk, Sale.start("LYS-01").add(_tee(shop, desk)), "69002")
    sale = sale.choose(next(o for o in sale.options if o["kind"] == "home_express"))
    moved = LYON_ADDRESS | {"postcode": "69 003"}
    order, said = shop.run(desk.place(shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, moved))
    assert order is None and said.tone is Tone.WARNING and "ask for the delivery options again" in said.message


def test_aisle_double_tap_place_order_is_one_order_with_its_delivery_price(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    sale = _offered(shop, desk, Sale.start("LYS-01").add(_tee(shop, desk)))
    sale = sale.choose(next(o for o in sale.options if o["kind"] == "home_express"))
    args = (shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, LYON_ADDRESS)
    first, _ = shop.run(desk.place(*args))
    second, said = shop.run(desk.place(*args))
    assert said.tone is Tone.DONE and first["id"] == second["id"]
    listed = network.client.get(f"{API}/orders", params={"q": sale.ref}, headers=network.admin).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert len([o for o in items if o["external_ref"] == sale.ref]) == 1
    assert second["delivery_price"] == 9.9


class _DropAfter(httpx.AsyncBaseTransport):
    """The network drops after `n` promise calls went through."""

    def __init__(self, inner, n):
        self.inner, self.n = inner, n

    async def handle_async_request(self, request):
        if request.url.path.endswith("/promise"):
            if self.n <= 0:
                raise httpx.ConnectError("down", request=request)
            self.n -= 1
        return await self.inner.handle_async_request(request)


def test_aisle_network_dropped_between_the_two_promise_calls_offers_nothing_half_asked(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    tee = _tee(shop, desk)
    line = shop.app.client._http._transport
    shop.app.client._http._transport = _DropAfter(line, 1)
    try:
        options, said = shop.run(desk.options(shop.associate, Sale.start("LYS-01").add(tee).cart, "69002"))
    finally:
        shop.app.client._http._transport = line
    assert options == [] and said.tone is Tone.ERROR and "cannot be reached" in said.message
    again, said = shop.run(desk.options(shop.associate, Sale.start("LYS-01").add(tee).cart, "69002"))
    assert said is None and again


def test_aisle_placing_while_offline_then_again_is_one_order(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    sale = _offered(shop, desk, Sale.start("LYS-01").add(_tee(shop, desk)))
    sale = sale.choose(next(o for o in sale.options if o["kind"] == "home_standard"))
    line = shop.app.client._http._transport
    shop.app.client._http._transport = _Down()
    _, said = shop.run(desk.place(shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, LYON_ADDRESS))
    shop.app.client._http._transport = line
    assert said.tone is Tone.ERROR and "placing again is safe" in said.message
    order, said = shop.run(desk.place(shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option,
                                      LYON_ADDRESS))
    assert said.tone is Tone.DONE and order["delivery_price"] == 4.9


def test_aisle_pickup_option_needs_no_postcode_and_costs_nothing(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    sale = _offered(shop, desk, Sale.start("LYS-01").add(_tee(shop, desk)), "75001")
    pickup = next(o for o in sale.options if o["kind"] == "express_pickup")
    sale = sale.choose(pickup)
    assert sale.to_pay == 19.9
    order, said = shop.run(desk.place(shop.associate, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, {}))
    assert said.tone is Tone.DONE and order["delivery_price"] == 0.0


# --- 4. ship-together sets on the tablet ------------------------------------------------------------

def _set_order(shop, network, lines, sets):
    """An order routed to LYS-01 with `sets` (sku -> set name)."""
    counts = {"counts": [{"location": "LYS-01", "sku": JNS, "on_hand": 2},
                         {"location": "LYS-01", "sku": CAP, "on_hand": 3}]}
    assert network.client.post(f"{API}/stock/counts", json=counts, headers=network.admin).status_code == 201
    body = network.order_body(lines)
    for line in body["lines"]:
        if sets.get(line["sku"]):
            line["ship_together"] = sets[line["sku"]]
    placed = _post_order(network, body)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    shop.sync()
    here = [f for f in order["fulfilments"] if f["location"] == "LYS-01"]
    assert here, order["fulfilments"]
    return order, here[0]["id"]


def test_a_set_given_back_twice_is_given_back_once(shop, network):
    order, fid = _set_order(shop, network, [(TEE, 1), (CAP, 1), (JNS, 1)], {TEE: "SET-1", CAP: "SET-1"})
    shop.work.accept(shop.associate, fid)
    first = shop.work.reject(shop.associate, fid, "out_of_stock", {CAP: 1})
    assert first.tone is Tone.OK and "rest of their set" in first.message
    assert [line["sku"] for line in shop.app.cache.fulfilment(fid)["lines"]] == [JNS]
    second = shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 1})  # the other tablet tab, stale
    assert second.tone is Tone.ERROR
    shop.sync()
    assert shop.app.cache.rejections() == []
    served = shop.app.cache.server_fulfilment(fid)
    assert [(line["sku"], line["qty"]) for line in served["lines"]] == [(JNS, 1)]


def test_a_double_tap_on_give_back_with_one_mutation_id_is_one_give_back(shop, network):
    order, fid = _set_order(shop, network, [(TEE, 1), (CAP, 1), (JNS, 1)], {TEE: "SET-1", CAP: "SET-1"})
    shop.work.accept(shop.associate, fid)
    mid = CounterDesk.new_id()  # made when the associate began
    shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 1}, mutation_id=mid)
    again = shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 1}, mutation_id=mid)
    assert again.tone is not Tone.ERROR or shop.app.cache.pending_count() == 2
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert [line["sku"] for line in shop.app.cache.server_fulfilment(fid)["lines"]] == [JNS]


def test_two_sets_sharing_a_sku_go_back_as_one_on_the_tablet_and_the_core(shop, network):
    # SET-1 = TEE + CAP, SET-2 = CAP + JNS (two lines of CAP): one group, named "SET-1 + SET-2".
    counts = {"counts": [{"location": "LYS-01", "sku": JNS, "on_hand": 2},
                         {"location": "LYS-01", "sku": CAP, "on_hand": 3}]}
    assert network.client.post(f"{API}/stock/counts", json=counts, headers=network.admin).status_code == 201
    body = network.order_body([(TEE, 1), (CAP, 1), (CAP, 1), (JNS, 1)])
    for line, name in zip(body["lines"], ("SET-1", "SET-1", "SET-2", "SET-2"), strict=True):
        line["ship_together"] = name
    placed = _post_order(network, body)
    if placed.status_code == 422:
        pytest.skip(f"an order may not repeat a SKU: {placed.text}")
    assert placed.status_code == 201, placed.text
    order = placed.json()
    shop.sync()
    (fid,) = [f["id"] for f in order["fulfilments"] if f["location"] == "LYS-01"]
    view = shop.app.cache.fulfilment(fid)
    assert {line["ship_together"] for line in view["lines"]} == {"SET-1 + SET-2"}
    shop.work.accept(shop.associate, fid)
    said = shop.work.reject(shop.associate, fid, "out_of_stock", {JNS: 1})
    assert said.tone is Tone.OK
    assert shop.app.cache.fulfilment(fid)["status"] == "rejected" or shop.app.cache.fulfilment(fid)["lines"] == []
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert shop.app.cache.server_fulfilment(fid)["status"] == "rejected"


def test_cant_find_a_set_line_writes_off_only_the_missing_unit(shop, network):
    order, fid = _set_order(shop, network, [(TEE, 1), (CAP, 1), (JNS, 1)], {TEE: "SET-1", CAP: "SET-1"})
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    question = shop.work.cannot_find_question(fid, CAP)
    assert question and "1 × T-shirt blue M" in question
    tee_before = network.level("LYS-01", TEE)["on_hand"]
    cap_before = network.level("LYS-01", CAP)["on_hand"]
    said = shop.work.cannot_find(shop.associate, fid, CAP)
    assert said.tone is Tone.OK
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert network.level("LYS-01", TEE)["on_hand"] == tee_before  # the T-shirt is there: not written off
    assert network.level("LYS-01", CAP)["on_hand"] == cap_before - 1
    seen = network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()
    elsewhere = [f for f in seen["fulfilments"] if f["location"] != "LYS-01" and f["status"] not in ("rejected",)]
    moved = {line["sku"] for f in elsewhere for line in f["lines"]}
    assert {TEE, CAP} <= moved | {u["sku"] for u in seen["unfulfilled"]}
    # and the set is still together: both from one location, or both waiting
    by_place = {f["location"]: {line["sku"] for line in f["lines"]} for f in elsewhere}
    assert any({TEE, CAP} <= skus for skus in by_place.values()) or {TEE, CAP} <= {u["sku"] for u in
                                                                                 seen["unfulfilled"]}


def test_a_set_line_partly_picked_given_back_takes_every_unit_of_the_set(shop, network):
    order, fid = _set_order(shop, network, [(TEE, 2), (CAP, 1), (JNS, 1)], {TEE: "SET-1", CAP: "SET-1"})
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.reject(shop.associate, fid, "damaged", {TEE: 1})
    shown = [(line["sku"], line["qty"]) for line in shop.app.cache.fulfilment(fid)["lines"]]
    assert shown == [(JNS, 1)]
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert [(line["sku"], line["qty"]) for line in shop.app.cache.server_fulfilment(fid)["lines"]] == shown


# --- 5. the store's days in the network's zone ----------------------------------------------------

def test_a_dst_day_in_the_network_zone_is_23_and_25_hours(shop):
    zone = StoreTime.named("Europe/Paris")
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    utc = ZoneInfo("UTC")
    assert (zone.midnight(spring + timedelta(days=1)).astimezone(utc)
            - zone.midnight(spring).astimezone(utc)) == timedelta(hours=23)
    assert (zone.midnight(autumn + timedelta(days=1)).astimezone(utc)
            - zone.midnight(autumn).astimezone(utc)) == timedelta(hours=25)
    assert zone.readable("2026-03-29T01:30:00+00:00", date(2026, 3, 29)) == "29 Mar 03:30"
    assert zone.readable("2026-10-24T22:30:00+00:00", date(2026, 10, 25)) == "25 Oct 00:30"


def test_the_store_app_takes_the_network_zone_from_its_sync(shop, network, on_a_utc_machine):
    profile = network.client.get(f"{API}/routing/profile", headers=network.admin).json()
    body = profile.get("profile", profile)
    body.setdefault("promise", {})["timezone"] = "America/New_York"
    saved = network.client.put(f"{API}/routing/profile", json=body, headers=network.admin)
    if saved.status_code != 200:
        pytest.skip(f"profile shape: {saved.text[:200]}")
    shop.sync()
    assert shop.app.time.zone == ZoneInfo("America/New_York")
