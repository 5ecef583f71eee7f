"""The counter's logic on the tablet against the real core in process:
click & collect from shelf to customer, arrivals, returns and endless aisle."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from app.counter import CounterDesk, Sale, elsewhere, option_words, price_words, return_condition, waited, when
from app.work import (Tone, UntilRefused, cancelled_on_shelf_message, refusal_message, shelf_words,
                      takes_off_the_shelf)
from tests.api.conftest import CAP, JNS, PARIS, TEE, TEE_EAN
from tests.ui.test_work import _Down

API = "/api/v1"


@pytest.fixture
def desk(shop):
    return CounterDesk(shop.app)


def _picked(shop, qty=2):
    fid = shop.order([(TEE, qty)], method="click_collect", store="LYS-01")
    shop.work.accept(shop.associate, fid)
    for _ in range(qty):
        shop.work.scan(shop.associate, fid, TEE_EAN)
    return fid


def _pickup(shop, order_id):
    return shop.core.client.get(f"{API}/orders/{order_id}/pickup", headers=shop.core.admin).json()


def test_ready_needs_a_shelf_and_the_customer_collects_with_their_qr(shop, desk):
    fid = _picked(shop)
    me = shop.associate
    assert desk.ready(me, fid, "  ").tone is Tone.WARNING
    ready = desk.ready(me, fid, "a1")
    assert (ready.tone, ready.message) == (Tone.DONE, "W-000001 is ready for pickup on shelf A1")
    (row,) = desk.shelf()
    assert (row["ref"], row["shelf"], row["items"], row["waited"]) == ("W-000001", "A1", 2, "just now")
    shop.sync()
    view = shop.app.cache.fulfilment(fid)
    codes = _pickup(shop, view["order_id"])
    found = desk.find(codes["qr_payload"])
    assert [v["id"] for v in found.views] == [fid] and found.verified == {fid: codes["qr_payload"]}
    assert desk.find("nobody").feedback.tone is Tone.WARNING
    assert [v["id"] for v in desk.find("Ana").views] == [fid]
    wrong = desk.verify(fid, "AAAAAA")
    assert wrong.tone is Tone.ERROR and wrong.message.startswith("Wrong pickup code")
    assert desk.verify(fid, codes["code"].lower()).message == "Code correct: hand W-000001 over"
    done = desk.collect(me, fid, codes["qr_payload"])
    assert (done.tone, done.message) == (Tone.DONE, "W-000001 collected: everything handed over")
    assert desk.shelf() == []
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["status"] == "collected"


def test_an_order_brought_from_its_screen_is_the_one_served(shop, desk):
    fid = _picked(shop)
    desk.ready(shop.associate, fid, "A1")
    brought = desk.serve(fid)  # "Serve at the counter" on the order's screen
    assert (brought.ids, brought.chosen, brought.verified) == ((fid,), fid, {})  # the customer is still to be checked
    assert desk.serve(None).ids == () and desk.serve(None).chosen is None  # the counter opened from the menu
    assert desk.serve("no-such-order").ids == ()


def test_a_partial_handover_keeps_or_cancels_the_rest(shop, desk):
    fid = _picked(shop)
    me = shop.associate
    desk.ready(me, fid, "B2")
    shop.sync()
    code = _pickup(shop, shop.app.cache.fulfilment(fid)["order_id"])["code"]
    assert desk.collect(me, fid, code, {TEE: "3"}).tone is Tone.ERROR  # more than waits
    assert desk.collect(me, fid, code, {TEE: "x"}).tone is Tone.ERROR
    assert desk.collect(me, fid, code, {TEE: "1"}, rest="cancel").message == "Choose why the rest is cancelled"
    kept = desk.collect(me, fid, code, {TEE: "1"})
    assert kept.message == "W-000001: 1 item collected, 1 kept on the shelf for later"
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert [r["items"] for r in desk.shelf()] == [1]


def _shipped_here(shop, network, boxes=1):
    """A click & collect order of jeans, which only PAR-01 has: Paris ships it here in `boxes` parcels."""
    counts = {"counts": [{"location": "WH-LYS", "sku": JNS, "on_hand": 0}]}
    assert network.client.post(f"{API}/stock/counts", json=counts, headers=network.admin).status_code == 201
    order = network.place([(JNS, 1)], method="click_collect", store="LYS-01")
    parcel = next(f for f in order["fulfilments"] if f["delivery_method"] == "ship_to_store")
    assert parcel["location"] == "PAR-01"
    sender = network.sign_in("PAR-01", "S009")
    packed = {"parcels": [{"weight_kg": 0.4}] * boxes}
    for action, body in (("accept", None), ("pick", None), ("pack", packed), ("ship", None)):
        assert network.act(sender, parcel["id"], action, body).status_code == 200, parcel
    shop.sync()
    return order


def test_arrivals_are_listed_and_scanned_in(shop, desk, network):
    _shipped_here(shop, network)
    (coming,) = desk.inbound()
    assert desk.receive(shop.associate, "BRNOTHING").tone is Tone.ERROR
    arrived = desk.receive(shop.associate, coming["tracking_number"].lower(), shelf="c3")
    assert arrived.tone is Tone.DONE and arrived.message.endswith("is ready for pickup on shelf C3")
    assert desk.inbound() == [] and [r["shelf"] for r in desk.shelf()] == ["C3"]


def test_the_second_box_of_a_shipment_joins_the_first_on_its_shelf(shop, desk, network):
    _shipped_here(shop, network, boxes=2)
    (coming,) = desk.inbound()
    first, second = [p["tracking_number"] for p in coming["parcels"]]
    arrived = desk.receive(shop.associate, first, shelf="C3")
    assert (arrived.tone, arrived.message) == (
        Tone.DONE, f"Parcel {first} (box 1 of 2) arrived: W-000001 is ready for pickup on shelf C3")
    joined = desk.receive(shop.associate, second, shelf="C4")  # the core's arrival stays on C3
    assert (joined.tone, joined.message) == (Tone.DONE, "Box 2 of 2 of W-000001 arrived: on shelf C3 with the first")
    assert shop.app.cache.pending_count() == 1  # one arrival, scanned in once
    shop.sync()
    assert desk.receive(shop.associate, second).message == joined.message
    assert shop.app.cache.rejections() == [] and [(r["ref"], r["shelf"]) for r in desk.shelf()] == [("W-000001", "C3")]


def test_an_order_that_arrived_is_found_once_and_its_qr_chooses_it(shop, desk, network):
    order = _shipped_here(shop, network)
    (coming,) = desk.inbound()
    desk.receive(shop.associate, coming["tracking_number"], shelf="C3")
    shop.sync()
    (arrival,) = desk.shelf()
    codes = _pickup(shop, order["id"])
    # The parcel shipped here stays "shipped" at the core: it is not a second order at the counter.
    assert desk.find("Ana").ids == desk.find("W-000001").ids == (arrival["view"]["id"],)
    found = desk.find(codes["qr_payload"])
    assert found.chosen == arrival["view"]["id"] and found.feedback.message.startswith("QR checked")
    assert desk.collect(shop.associate, found.chosen, codes["qr_payload"]).tone is Tone.DONE
    shop.sync()
    assert [v["status"] for v in desk.find("W-000001").views] == ["collected"]


def test_a_return_refunds_restocks_and_is_one_return_when_tapped_twice(shop, desk, network):
    fid = _picked(shop)
    desk.ready(shop.associate, fid, "A1")
    desk.collect(shop.associate, fid, None)
    shop.sync()
    before = network.level("LYS-01", TEE)["on_hand"]
    orders, said = shop.run(desk.lookup(shop.associate, "W-000001"))
    assert said.tone is Tone.OK and len(orders) == 1
    order, _ = shop.run(desk.order(shop.associate, orders[0]["id"]))
    assert [(i["sku"], i["ordered"], i["received"], i["qty"], i["unit_price"]) for i in desk.returnable(order)] == [
        (TEE, 2, 2, 2, 19.9)]
    assert desk.refund(order, {TEE: "1"}) == 19.9
    return_id = desk.new_id()
    none, said = shop.run(desk.submit_return(shop.associate, return_id, order, {TEE: "1"}, {}, ""))
    assert none is None and said.message == "Choose the reason of the return"
    record, said = shop.run(desk.submit_return(shop.associate, return_id, order, {TEE: "1"},
                                               {TEE: "resellable"}, "wrong_size"))
    assert said.tone is Tone.DONE and "refund €19.90; 1 back in stock, 0 set aside" in said.message
    assert said.documents[0].content.startswith(b"%PDF")
    again, _ = shop.run(desk.submit_return(shop.associate, return_id, order, {TEE: "1"},
                                           {TEE: "resellable"}, "wrong_size"))
    assert again["id"] == record["id"] == return_id
    assert network.level("LYS-01", TEE)["on_hand"] == before + 1


class _AnswerLost(httpx.AsyncBaseTransport):
    """The core records a return, and its answer never reaches the counter."""

    def __init__(self, line: httpx.AsyncBaseTransport) -> None:
        self.line = line

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.line.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/returns"):
            raise httpx.ReadError("connection reset", request=request)
        return response


def test_a_return_changed_after_its_answer_was_lost_says_the_first_one_went_through(shop, desk, network):
    fid = _picked(shop)
    desk.ready(shop.associate, fid, "A1")
    desk.collect(shop.associate, fid, None)
    shop.sync()
    before = network.level("LYS-01", TEE)["on_hand"]
    order = _returning(shop, desk, "W-000001")
    line = shop.app.client._http._transport
    shop.app.client._http._transport = _AnswerLost(line)
    return_id = desk.new_id()
    lost, said = shop.run(desk.submit_return(shop.associate, return_id, order, {TEE: "2"}, {}, "wrong_size"))
    assert lost is None and said.tone is Tone.ERROR and said.message.endswith("(tapping again is safe)")
    shop.app.client._http._transport = line
    # The customer changes their mind: one T-shirt only. The two already went back and were refunded.
    record, said = shop.run(desk.submit_return(shop.associate, return_id, order, {TEE: "1"}, {}, "wrong_size"))
    assert (said.tone, said.message) == (
        Tone.WARNING, "The return of W-000001 sent a moment ago did reach the system, as it was then: refund €39.80; "
                      "2 back in stock, 0 set aside. The changes made since were not recorded")
    assert record["id"] == return_id and [(l["sku"], l["qty"]) for l in record["lines"]] == [(TEE, 2)]
    assert said.documents[0].content.startswith(b"%PDF")  # the receipt of what was recorded
    assert _left(desk, desk.after_return(order, record)) == _left(desk, _returning(shop, desk, "W-000001"))
    assert network.level("LYS-01", TEE)["on_hand"] == before + 2


def _returning(shop, desk, ref):
    (found,), _ = shop.run(desk.lookup(shop.associate, ref))
    order, said = shop.run(desk.order(shop.associate, found["id"]))
    assert said is None
    return order


def _left(desk, order):
    return [(i["sku"], i["received"], i["returned"], i["qty"]) for i in desk.returnable(order)]


def test_only_what_the_customer_received_comes_back_and_the_rest_in_a_later_return(shop, desk, network):
    me = shop.associate
    shop.order([(TEE, 1)], method="click_collect", store="LYS-01")  # W-000001: not even picked
    waiting = _returning(shop, desk, "W-000001")
    assert _left(desk, waiting) == [(TEE, 0, 0, 0)]
    assert desk.refund(waiting, {TEE: "1"}) == 0.0  # the core would refuse it: no refund shown
    _, said = shop.run(desk.submit_return(me, desk.new_id(), waiting, {TEE: "1"}, {}, "wrong_size"))
    assert (said.tone, said.message) == (
        Tone.WARNING, "The customer has not received anything of W-000001 yet: nothing can come back")

    fid = _picked(shop)  # W-000002, collected
    desk.ready(me, fid, "A1")
    desk.collect(me, fid, None)
    shop.sync()
    order = _returning(shop, desk, "W-000002")
    assert _left(desk, order) == [(TEE, 2, 0, 2)]
    first, said = shop.run(desk.submit_return(me, desk.new_id(), order, {TEE: "1"}, {}, "wrong_size"))
    assert said.tone is Tone.DONE
    order = desk.after_return(order, first)
    assert _left(desk, order) == [(TEE, 2, 1, 1)]
    _, said = shop.run(desk.submit_return(me, desk.new_id(), order, {TEE: "2"}, {}, "wrong_size"))
    assert said.message == f"Only 1 × {TEE} can come back: the customer received 2, 1 already returned"
    assert _left(desk, _returning(shop, desk, "W-000002")) == [(TEE, 2, 1, 1)]  # the core says so too
    second, said = shop.run(desk.submit_return(me, desk.new_id(), order, {TEE: "1"}, {TEE: "damaged"}, "wrong_size"))
    assert said.tone is Tone.DONE and second["id"] != first["id"] and second["refund"] == 19.9
    order = desk.after_return(order, second)
    assert _left(desk, order) == [(TEE, 2, 2, 0)]
    _, said = shop.run(desk.submit_return(me, desk.new_id(), order, {TEE: "1"}, {}, "wrong_size"))
    assert said.message == "Everything the customer received of W-000002 has come back already"


def _collected(shop, desk) -> dict:
    fid = _picked(shop)
    desk.ready(shop.associate, fid, "A1")
    desk.collect(shop.associate, fid, None)
    shop.sync()
    return _returning(shop, desk, "W-000001")


def test_the_refund_shown_follows_the_quantities_and_says_why_there_is_none(shop, desk):
    order = _collected(shop, desk)
    assert desk.refund_said(order, {}) == desk.refund_said(order, {TEE: " "}) == (None, None)  # "Refund: —"
    assert desk.refund_said(order, {TEE: "1"}) == (19.9, None)
    assert desk.refund_said(order, {TEE: "2"}) == (39.8, None)  # changed: the amount shown changes with it
    assert desk.refund_said(order, {TEE: "3"}) == (None, f"Only 2 × {TEE} can come back: the customer received 2")
    assert desk.refund_said(order, {TEE: "x"}) == (None, "Quantities are whole numbers of units")
    assert desk.refund_said(order, {TEE: "0"}) == (None, None)


def test_a_faulty_or_wrong_item_is_not_put_back_on_sale_unless_the_associate_says_so(shop, desk, network):
    assert return_condition(None, "defective") == return_condition(None, "wrong_item") == "damaged"
    assert return_condition(None, "wrong_size") == return_condition(None, None) == "resellable"
    assert return_condition("resellable", "defective") == "resellable"  # chosen by hand: kept
    assert return_condition("damaged", "changed_mind") == "damaged"
    order = _collected(shop, desk)
    before = network.level("LYS-01", TEE)["on_hand"]
    record, said = shop.run(desk.submit_return(shop.associate, desk.new_id(), order, {TEE: "1"}, {}, "defective"))
    assert said.message == "Return of W-000001 recorded: refund €19.90; 0 back in stock, 1 set aside"
    assert [(line["condition"], line["disposition"]) for line in record["lines"]] == [("damaged", "to_warehouse")]
    assert network.level("LYS-01", TEE)["on_hand"] == before  # not back on sale
    order = desk.after_return(order, record)
    # The associate looked at the other one: it is fine after all, and says so.
    record, said = shop.run(desk.submit_return(shop.associate, desk.new_id(), order, {TEE: "1"},
                                               {TEE: "resellable"}, "defective"))
    assert said.message == "Return of W-000001 recorded: refund €19.90; 1 back in stock, 0 set aside"
    assert network.level("LYS-01", TEE)["on_hand"] == before + 1


def test_units_another_location_delivered_come_back_once_the_order_is_complete(shop, desk, network):
    """The core shows this store nothing of an order Paris prepares, but counts its units as the customer gets them."""
    paris = network.sign_in("PAR-01", "P001")
    order = network.place([(TEE, 1)], address=PARIS)
    (parcel,) = order["fulfilments"]
    assert parcel["location"] == "PAR-01"
    seen = _returning(shop, desk, order["external_ref"])
    assert seen["fulfilments"] == [] and _left(desk, seen) == [(TEE, 0, 0, 0)]  # still being prepared
    for action in ("accept", "pick", "pack", "ship"):
        assert network.act(paris, parcel["id"], action).status_code == 200
    seen = _returning(shop, desk, order["external_ref"])
    assert seen["status"] == "completed" and _left(desk, seen) == [(TEE, 1, 0, 1)]
    assert desk.refund(seen, {TEE: "1"}) == 19.9
    record, said = shop.run(desk.submit_return(shop.associate, desk.new_id(), seen, {TEE: "1"}, {}, "wrong_size"))
    assert said.tone is Tone.DONE and record["refund"] == 19.9


def test_endless_aisle_orders_from_the_network(shop, desk, network):
    network.give_postcodes()
    shop.sync()  # the store's whereabouts: pickups are offered near its door
    products, said = shop.run(desk.search(shop.associate, "jeans"))
    assert said is None and [(p["sku"], p["here"], p["network"]) for p in products] == [(JNS, 0, 21)]
    cart = {JNS: {"qty": 1, "price": products[0]["price"], "name": products[0]["name"]}}
    options, said = shop.run(desk.options(shop.associate, cart, "69 002"))
    assert said is None and options
    home = next(o for o in options if o["kind"] == "home_standard")
    assert option_words(home, shop.app.network) == "Home delivery to 69 002"
    _, said = shop.run(desk.place(shop.associate, "LYS-01-T1", cart, {"name": "Zoe"}, home, {}))
    assert said.tone is Tone.WARNING  # no address
    elsewhere = {"line1": "2 rue X", "postcode": "75004", "city": "Paris"}
    _, said = shop.run(desk.place(shop.associate, "LYS-01-T1", cart, {"name": "Zoe"}, home, elsewhere))
    assert said.tone is Tone.WARNING and "promised for postcode 69 002" in said.message
    address = {"line1": "2 rue X", "postcode": "69002", "city": "Lyon"}
    order, said = shop.run(desk.place(shop.associate, "LYS-01-T1", cart, {"name": "Zoe", "phone": "0611"}, home,
                                      address))
    assert said.tone is Tone.DONE and order["channel"] == "store"
    assert said.message == "Order LYS-01-T1 placed for Zoe: 1 item sent from another location of the network"
    seen = network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()
    assert {f["location"] for f in seen["fulfilments"]} <= {"WH-LYS", "PAR-01"}
    again, _ = shop.run(desk.place(shop.associate, "LYS-01-T1", cart, {"name": "Zoe", "phone": "0611"}, home,
                                   address))
    assert again["id"] == order["id"]  # the same cart placed twice is one order


def test_home_delivery_is_promised_for_the_customer_s_postcode_and_pickups_near_the_store(shop, desk, network):
    # Asked from the store's door, a Lyon store's home delivery to a Paris customer came with
    # Lyon's date and sources: the date is the customer's town's.
    network.give_postcodes()
    shop.sync()
    me = shop.associate
    (tee,), _ = shop.run(desk.search(me, "T-shirt"))
    cart = Sale.start("LYS-01").add(tee).cart
    pickups, said = shop.run(desk.options(me, cart))
    assert {o["kind"] for o in pickups} == {"express_pickup"} and {o["store"] for o in pickups} == {"LYS-01"}
    assert said.tone is Tone.OK and said.message == ("1 pickup option: choose one, or type the customer's postcode "
                                                     "for home delivery")
    options, said = shop.run(desk.options(me, cart, "75011"))
    assert said is None
    home = next(o for o in options if o["kind"] == "home_standard")
    assert home["sources"] == ["PAR-01"] and home["postcode"] == "75011"
    assert [o for o in options if o["store"]] == pickups  # the customer is here: pickups stay near this store
    nowhere, said = shop.run(desk.options(me, cart, "13001"))
    assert nowhere == [] and said.tone is Tone.ERROR
    assert said.message == "No location of the network is near postcode 13001: check the postcode"


def test_the_network_s_stock_is_said_by_place_name_and_distance_nearest_first(shop, desk):
    shop.sync()  # where this store is
    (tee,), said = shop.run(desk.search(shop.associate, "T-shirt"))
    assert said is None and tee["here"] == 3
    assert tee["elsewhere"] == [("Lyon warehouse · 25 km", 50), ("Paris Rivoli · 393 km", 5),
                                ("Paris Opera · 394 km", 2)]
    pickup = {"kind": "click_collect", "store": "LYS-01"}
    assert option_words(pickup, shop.app.network) == "Click & collect at Lyon Bellecour"


def test_places_without_a_name_or_coordinates_are_still_said():
    network = {"NEAR": {"name": "Lyon Part-Dieu", "lat": 45.7606, "lon": 4.8594},
               "ANYWHERE": {"name": "Online stock", "lat": None, "lon": None}}
    here = {"lat": 45.7578, "lon": 4.8320}
    assert elsewhere({"ANYWHERE": 4, "UNKNOWN": 1, "NEAR": 2}, network, here) == [
        ("Lyon Part-Dieu · 2.1 km", 2), ("Online stock", 4), ("UNKNOWN", 1)]
    assert elsewhere({"NEAR": 2}, network, None) == [("Lyon Part-Dieu", 2)]  # this store's place not synced yet


def test_a_confirmed_sale_leaves_an_empty_cart_with_a_new_reference(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    me = shop.associate
    (jeans,), _ = shop.run(desk.search(me, "jeans"))
    (cap,), _ = shop.run(desk.search(me, "cap"))
    address = {"line1": "2 rue X", "postcode": "69002", "city": "Lyon"}

    def offered(sale: Sale) -> Sale:
        options, said = shop.run(desk.options(me, sale.cart, "69002"))
        assert said is None
        sale = sale.offer(options)
        return sale.choose(next(o for o in sale.options if o["kind"] == "home_standard"))

    sale = offered(Sale.start("LYS-01").add(jeans))
    first = sale.ref
    _, said = shop.run(desk.place(me, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, {}))
    assert said.tone is Tone.WARNING  # no address: nothing sent, the sale goes on as it was
    sale = offered(sale.add(jeans))
    assert (sale.ref, sale.cart[JNS]["qty"]) == (first, 2)
    order, said = shop.run(desk.place(me, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, address))
    assert said.tone is Tone.DONE and order["external_ref"] == first
    again, _ = shop.run(desk.place(me, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, address))
    assert again["id"] == order["id"]  # a retry (a dropped answer, a second tap) is the same order

    after = sale.confirmed(order)
    assert (after.cart, after.options, after.option, after.placed) == ({}, (), None, order)
    assert after.ref != first and after.ref.startswith("LYS-01-")
    assert after.confirmed(order) is after  # the answer to a second tap changes nothing
    following = offered(after.add(cap))
    assert following.placed is None  # the last confirmation goes once the next sale starts
    second, said = shop.run(desk.place(me, following.ref, following.cart, {"name": "Max"}, following.option, address))
    assert said.tone is Tone.DONE and second["id"] != order["id"]
    assert second["external_ref"] == following.ref

    # Had the first answer been lost and the cart changed since, the core knows that reference already.
    _, said = shop.run(desk.place(me, first, following.cart, {"name": "Zoe"}, following.option, address))
    assert said.tone is Tone.ERROR and said.message.startswith(f"Order {first} already reached the system")


def test_the_delivery_chosen_is_the_order_placed_and_its_cost_is_in_the_total(shop, desk, network):
    network.give_postcodes()
    shop.sync()
    me = shop.associate
    (tee,), _ = shop.run(desk.search(me, "T-shirt"))
    sale = Sale.start("LYS-01").add(tee)
    options, said = shop.run(desk.options(me, sale.cart, "69002"))
    assert said is None
    sale = sale.offer(options)
    # LYS-01 holds the T-shirt itself: it can have it ready within hours.
    express = next(o for o in sale.options if o["kind"] == "express_pickup" and o["store"] == "LYS-01")
    sale = sale.choose(express)
    assert sale.to_pay == 19.9  # an express pickup is free; the promise's cost is the network's
    order, said = shop.run(desk.place(me, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, {}))
    assert said.tone is Tone.DONE
    seen = network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()
    assert (seen["delivery_method"], seen["pickup_store"]) == ("click_collect", "LYS-01")
    assert seen["tags"] == ["endless_aisle", "express_pickup"]
    timeline = network.client.get(f"{API}/orders/{order['id']}/timeline", headers=network.admin).json()
    created = next(e for e in timeline if e["kind"] == "order.created")
    assert datetime.fromisoformat(created["details"]["promised_by"]) == datetime.fromisoformat(express["ready_by"])
    after = sale.confirmed(order)
    assert after.placed_option == express  # the confirmation says how it reaches the customer
    # Options asked hours ago: the aisle promises no hour already gone, and says what to do.
    stale = Sale.start("LYS-01").add(tee).offer(options).choose(express | {"ready_by": "2026-01-05T11:00:00+01:00"})
    _, said = shop.run(desk.place(me, stale.ref, stale.cart, {"name": "Zoe"}, stale.option, {}))
    assert (said.tone, said.message) == (Tone.WARNING, "The time promised for this option has passed: ask for the "
                                                       "delivery options again")

    sale = Sale.start("LYS-01").add(tee)
    sale = sale.offer(shop.run(desk.options(me, sale.cart, "69002"))[0])
    fast = next(o for o in sale.options if o["kind"] == "home_express")
    sale = sale.choose(fast)
    assert sale.to_pay == 29.8  # the goods and the express delivery's price (9.90), not its cost
    assert price_words(fast["price"], "EUR") == "€9.90" and price_words(express["price"], "EUR") == "free"
    address = {"line1": "2 rue X", "postcode": "69002", "city": "Lyon"}
    order, _ = shop.run(desk.place(me, sale.ref, sale.cart, {"name": "Zoe"}, sale.option, address))
    seen = network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()
    assert (seen["delivery_method"], seen["tags"]) == ("home", ["endless_aisle", "express"])
    assert (seen["total_value"], seen["delivery_price"]) == (19.9, 9.9)  # what the customer paid for each


def test_a_promised_day_is_said_the_way_a_customer_hears_it():
    monday = date(2026, 12, 7)
    assert when({"date": "2026-12-07", "ready_by": "2026-12-07T15:30:00+01:00"}, monday) == "today by 15:30"
    # Asked after the store's last slot: the express pickup is ready the next morning.
    assert when({"date": "2026-12-08", "ready_by": "2026-12-08T11:00:00+01:00"}, monday) == "tomorrow by 11:00"
    assert when({"date": "2026-12-10", "ready_by": None}, monday) == "Thu 10 Dec"
    assert when({"date": "2027-01-04"}, monday) == "Mon 4 Jan 2027"


def test_online_calls_say_so_when_signed_in_offline(shop, desk):
    offline = shop.associate.__class__(**{**shop.associate.__dict__, "token": None})
    _, said = shop.run(desk.lookup(offline, "W-1"))
    assert said.tone is Tone.WARNING and "signed in offline" in said.message


def test_the_pickup_code_is_sent_again_once_in_a_while_and_only_with_the_core(shop, desk, network):
    fid = _picked(shop)
    me = shop.associate
    assert not desk.can_send_code(fid)  # not on the shelf: no code to send yet
    desk.ready(me, fid, "A1")
    assert not desk.can_send_code(fid)  # on the shelf here, but the core does not know yet
    shop.sync()  # on the core's shelf too
    assert desk.can_send_code(fid)
    sent = shop.run(desk.send_code_again(me, fid))
    assert (sent.tone, sent.message) == (Tone.DONE, "Pickup code of W-000001 sent again to ana@example.com")
    tapped = shop.run(desk.send_code_again(me, fid))  # a double tap, or the customer asking again
    assert (tapped.tone, tapped.message) == (Tone.WARNING,
                                             "Sent just now to ana@example.com: wait a moment for it to arrive")
    later = shop.run(desk.send_code_again(me, fid, now=datetime.now(UTC) + timedelta(minutes=1)))
    assert later.message.startswith("Sent 1 min ago to ana@example.com")

    offline = replace(me, token=None)
    said = shop.run(desk.send_code_again(offline, fid))
    assert (said.tone, said.message) == (Tone.WARNING, "You signed in offline: sending the code again needs the "
                                                       "system. Try again once the badge no longer says Offline")
    line = shop.app.client._http._transport
    shop.app.client._http._transport = _Down()
    said = shop.run(desk.send_code_again(me, fid))
    assert (said.tone, said.message) == (Tone.ERROR, "The system cannot be reached: Sending the code again needs it. "
                                                     "Try again when the badge no longer says Offline (a tap again "
                                                     "sends one copy at most)")
    shop.app.client._http._transport = line
    order_id = shop.app.cache.fulfilment(fid)["order_id"]
    told = network.client.get(f"{API}/notifications", params={"order_id": order_id}, headers=network.admin).json()
    assert [n["key"] for n in told] == [f"ready:{fid}:again:1", f"ready:{fid}"]  # one copy (newest first)

    desk.collect(me, fid, None)
    shop.sync()
    said = shop.run(desk.send_code_again(me, fid))  # collected meanwhile: the core's refusal, as it says it
    assert (said.tone, said.message) == (Tone.ERROR, "W-000001 is collected, not waiting on the shelf: there is "
                                                     "no pickup code to send")


def test_an_order_without_an_e_mail_address_has_no_code_to_send_again(shop, desk, network):
    """The code goes by e-mail: an order taken with a phone number only offers no button to send it."""
    body = network.order_body([(TEE, 1)], method="click_collect", store="LYS-01")
    body["customer"] = {"name": "Max Petit", "phone": "+33622222222"}
    placed = network.client.post(f"{API}/orders", json=body, headers=network.channel)
    assert placed.status_code == 201, placed.text
    shop.sync()
    fid = placed.json()["fulfilments"][0]["id"]
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    desk.ready(shop.associate, fid, "A2")
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["status"] == "ready_for_pickup"
    assert not desk.can_send_code(fid)


def test_waited_reads_like_a_person_says_it():
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert waited((now - timedelta(minutes=5)).isoformat(), now) == "5 min"
    assert waited((now - timedelta(hours=3, minutes=7)).isoformat(), now) == "3 h 07"
    assert waited((now - timedelta(days=3)).isoformat(), now) == "3 days"
    assert waited(None, now) == "just now"
    assert CAP


def _cancelled_on_shelf_a1(shop, desk, network) -> str:
    """A fulfilment ready on shelf A1 whose order the core cancelled; the tablet has not synced since."""
    fid = _picked(shop)
    desk.ready(shop.associate, fid, "A1")
    shop.sync()
    order_id = shop.app.cache.fulfilment(fid)["order_id"]
    cancelled = network.client.post(f"{API}/orders/{order_id}/cancel", json={"reason": "customer_request"},
                                     headers=network.admin)
    assert cancelled.status_code == 200
    return fid


def test_an_order_cancelled_on_the_shelf_while_offline_says_what_to_do_with_it(shop, desk, network):
    me = shop.associate
    fid = _cancelled_on_shelf_a1(shop, desk, network)
    # Not synced yet: the tablet still shows it waiting, and the associate moves it to another shelf.
    said = UntilRefused(fid, shop.app.cache.rejections())  # what the order's screen shows of its feedback
    ready = desk.ready(me, fid, "B2")
    assert ready.tone is Tone.DONE and said.shown(ready, shop.app.cache.rejections()) is ready
    assert shelf_words(shop.app.cache.fulfilment(fid), shop.app.cache.rejections()) == "Shelf: B2"
    shop.sync()
    (moved,) = shop.app.cache.rejections()
    view = shop.app.cache.fulfilment(fid)
    assert refusal_message(moved, view) == (
        "W-000001 was cancelled, so 'Put W-000001 on shelf B2' was not recorded. Take it off shelf B2 and put its "
        "2 items back in stock")
    assert takes_off_the_shelf(moved, view)  # its banner's button: "Taken off the shelf"
    # "Ready for pickup on shelf B2" is no longer true: the screen stops saying it, the banner says what is.
    assert said.shown(ready, shop.app.cache.rejections()) is None
    # The parcel is where the associate put it, whatever the core's last shelf says.
    assert (view["status"], view["shelf"]) == ("cancelled", "A1")
    assert shelf_words(view, shop.app.cache.rejections()) == "Shelf: B2 (the move from A1 was not recorded)"
    assert shop.app.cache.cancelled_on_shelf() == []  # said once, by the refusal
    shop.app.cache.acknowledge(moved["id"])
    assert said.shown(ready, shop.app.cache.rejections()) is None  # not back once the banner is dismissed
    later = desk.ready(me, fid, "C1")  # what the screen says after the refusal is shown
    assert said.shown(later, shop.app.cache.rejections()) is later
    shop.sync()
    assert shop.app.cache.cancelled_on_shelf() == []


def test_an_order_handed_over_offline_after_it_was_cancelled_says_what_to_do(shop, desk, network):
    me = shop.associate
    fid = _cancelled_on_shelf_a1(shop, desk, network)
    assert desk.collect(me, fid, None).tone is Tone.DONE
    shop.sync()
    (handed,) = shop.app.cache.rejections()
    assert refusal_message(handed, shop.app.cache.fulfilment(fid)) == (
        "W-000001 had been cancelled while it waited on shelf A1, so the system refused the handover. If the customer "
        "is still here, take the 2 items back and put them back in stock; if not, tell your manager: the store's "
        "stock still counts them")
    assert not takes_off_the_shelf(handed, shop.app.cache.fulfilment(fid))  # its goods may be with the customer
    # Any other refusal says which action, as the associate did it, and what the core says.
    picked = {**handed, "type": "pick", "args": {"items": [{"sku": TEE, "qty": 1}]}}
    name = {TEE: "T-shirt blue M"}.get  # the banner names products as the shelf does
    assert refusal_message(picked, {**shop.app.cache.fulfilment(fid), "status": "picked"}, name) == (
        "'Pick 1 × T-shirt blue M for W-000001' was not recorded: cannot collect a fulfilment that is cancelled. "
        "The order shows what the system says.")


def test_an_order_cancelled_on_the_shelf_with_no_action_of_ours_still_says_to_take_it_off(shop, desk, network):
    """Nothing of this tablet's for the core to refuse, yet the parcel is on the shelf: the sync
    itself says so, until an associate says it is off the shelf."""
    fid = _cancelled_on_shelf_a1(shop, desk, network)
    shop.sync()
    assert desk.shelf() == [] and shop.app.cache.rejections() == []
    (view,) = shop.app.cache.cancelled_on_shelf()
    assert view["id"] == fid
    assert cancelled_on_shelf_message(view) == (
        "W-000001 was cancelled while it waited on shelf A1: take it off shelf A1 and put its 2 items back in stock")
    shop.app.cache.taken_off_shelf(fid)
    assert shop.app.cache.cancelled_on_shelf() == []
    shop.app.cache.set_meta(cursor=None)
    shop.sync()  # a new snapshot brings the cancelled order again, and nothing else to say
    assert shop.app.cache.cancelled_on_shelf() == []


def test_the_rest_of_an_order_cancelled_at_the_counter_is_not_announced_back(shop, desk):
    fid = _picked(shop)
    me = shop.associate
    desk.ready(me, fid, "B2")
    shop.sync()
    code = _pickup(shop, shop.app.cache.fulfilment(fid)["order_id"])["code"]
    said = desk.collect(me, fid, code, {TEE: "1"}, rest="cancel", reason="customer_request")
    assert said.message == "W-000001: 1 item collected, 1 cancelled"
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["status"] == "cancelled"
    assert shop.app.cache.cancelled_on_shelf() == []


def test_an_order_not_accepted_yet_cannot_go_on_the_shelf(shop, desk):
    fid = shop.order([(TEE, 1)], method="click_collect", store="LYS-01")
    refused = desk.ready(shop.associate, fid, "A1")
    assert (refused.tone, refused.message) == (Tone.ERROR, "Not possible now: W-000001 is not accepted yet")
    assert desk.shelf() == []


def test_a_move_refused_for_another_reason_does_not_say_where_the_parcel_is():
    """Only a cancelled order's refused move says where the parcel really is: any other was undone by a
    later move (the associate put it elsewhere since) or the order shows what the core says."""
    refused = {"id": "m1", "fulfilment_id": "f1", "type": "ready", "args": {"shelf": "B2"}}
    waiting = {"id": "f1", "status": "ready", "delivery_method": "click_collect", "shelf": "C1"}
    assert shelf_words(waiting, [refused]) == "Shelf: C1"
    cancelled = {**waiting, "status": "cancelled", "shelf": "A1"}
    assert shelf_words(cancelled, [refused]) == "Shelf: B2 (the move from A1 was not recorded)"
