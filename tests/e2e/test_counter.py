"""The counter, end to end in a real browser against the real core: a click &
collect order put on a scanned shelf and collected with the customer's QR,
then returned (the unit is back in the core's stock); a parcel from another
store scanned in; an endless-aisle order the core routes to another location."""

import re

import httpx

from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.domain.actors import Actor, Role
from oms_core.services import auth, orders

from .conftest import STORE, Screen
from .test_ship_from_store import _wait_for_core, pick_everything

TEE, JNS, CAP = "TEE-BLU-M", "JNS-BLK-32", "CAP-RED-U"
API = "/api/v1"


def _admin(shop, method: str, path: str, **kwargs):  # noqa: ANN001, ANN003, ANN202
    response = httpx.request(method, f"{shop.core_url}{API}{path}", headers={"Authorization": f"Bearer {shop.admin}"},
                             **kwargs)
    assert response.status_code < 300, response.text
    return response.json()


def _on_hand(shop, location: str, sku: str) -> int:  # noqa: ANN001
    levels = _admin(shop, "GET", "/availability", params={"skus": sku, "location": location})["locations"]
    return sum(level["on_hand"] for level in levels)


def _count(shop, counts: list[tuple[str, str, int]]) -> None:  # noqa: ANN001
    _admin(shop, "POST", "/stock/counts", json={"counts": [{"location": loc, "sku": sku, "on_hand": qty}
                                                           for loc, sku, qty in counts]})


def test_click_and_collect_from_the_shelf_to_the_customer_then_a_return(shop, browser):
    order = shop.place([(TEE, 2), (JNS, 1)], ref="W-CC-1", email="ana@example.com", method="click_collect",
                       store=STORE)
    fulfilment_id = order["fulfilments"][0]["id"]
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    # Before it is collected, nothing of it can come back.
    screen.button("Returns").click()
    screen.type_into("Order number, name, e-mail or phone", "W-CC-1")
    screen.button("Find the order").click()
    screen.button("Return items", within=screen.tagged("return-order-W-CC-1")).click()
    screen.says("return-form", "The customer has not received anything of W-CC-1 yet: nothing can come back")
    screen.says("return-item-TEE-BLU-M", "0 of 2 received")
    screen.expect(screen.button("Take back and refund")).to_have_count(0)
    screen.snap("counter-return-not-received")
    screen.button("Queue").click()
    screen.accept("W-CC-1")
    pick_everything(screen, "W-CC-1")

    # Ready for pickup asks where the order is put: the staging shelf is scanned.
    screen.button("Ready for pickup").click()
    screen.expect(screen.page.get_by_text("Order W-CC-1")).to_be_visible()
    screen.button("Ready for pickup").click()
    screen.snap("counter-shelf-scan")
    screen.scan("a1")
    screen.says("feedback", "W-CC-1 is ready for pickup on shelf A1")
    screen.says("order-status", "READY FOR PICKUP")
    screen.snap("counter-ready-shelf")
    ready = _wait_for_core(shop, fulfilment_id, "ready_for_pickup", screen)
    assert ready["shelf"] == "A1"
    # The customer rings: the e-mail with their code is lost. It goes again from the order's screen,
    # and once however often it is asked for (from the counter too, below).
    screen.button("Send the code again").click()
    screen.says("feedback", "Pickup code of W-CC-1 sent again to ana@example.com")

    screen.button("Counter").click()
    screen.button("Shelf").click()
    screen.says("shelf-W-CC-1", "A1")
    screen.says("shelf-W-CC-1", ("waiting just now", "waiting 1 min"))  # a slow machine may pass the minute
    screen.snap("counter-shelf")

    # The customer comes; the associate goes from the order to the counter, the order already chosen.
    qr = _admin(shop, "GET", f"/orders/{order['id']}/pickup")["qr_payload"]
    screen.button("Open", within=screen.tagged("shelf-W-CC-1")).click()
    screen.button("Serve at the counter").click()
    screen.says("found-W-CC-1", "READY FOR PICKUP")
    screen.says("serve-W-CC-1", "Ask for the pickup code")  # found, but the customer is not yet proven
    screen.button("Send the code again").click()
    screen.says("counter-feedback", tuple(f"Sent {ago} to ana@example.com: wait a moment for it to arrive"
                                          for ago in ("just now", "1 min ago")))
    screen.snap("counter-code-sent-again")
    copies = [n["key"] for n in _admin(shop, "GET", "/notifications", params={"order_id": order["id"]})
              if ":again:" in n["key"]]
    assert copies == [f"ready:{fulfilment_id}:again:1"]
    screen.type_into("Pickup code", "AAAAAA")
    screen.button("Check code").click()
    screen.says("counter-feedback", "Wrong pickup code")
    screen.snap("counter-wrong-code")
    screen.tagged("scan-field").click()
    screen.scan(qr)
    screen.says("counter-feedback", "QR checked: W-CC-1 belongs to this customer")
    screen.says("serve-W-CC-1", "Customer checked")
    screen.snap("counter-pickup")
    screen.button("Hand over everything").click()
    screen.says("counter-feedback", "W-CC-1 collected: everything handed over")
    screen.says("serve-W-CC-1", "COLLECTED")
    screen.says("serve-W-CC-1", "2 handed over")
    screen.snap("counter-collected")
    _wait_for_core(shop, fulfilment_id, "collected", screen)
    assert _on_hand(shop, STORE, TEE) == 18

    # A day later the customer brings one T-shirt back, as new.
    screen.button("Returns").click()
    screen.type_into("Order number, name, e-mail or phone", "W-CC-1")
    screen.button("Find the order").click()
    screen.says("returns-feedback", "1 order found")
    screen.button("Return items", within=screen.tagged("return-order-W-CC-1")).click()
    screen.says("returns-feedback", "Returning items of W-CC-1")
    # The refund shown follows the form as it is filled in: no button to work it out, never an old amount.
    screen.type_into("Back: T-shirt blue M (of 2)", "3")
    screen.says("refund-why", "Only 2 × TEE-BLU-M can come back: the customer received 2")
    screen.says("refund", "Refund: —")
    screen.snap("counter-return-too-many")
    screen.type_into("Back: T-shirt blue M (of 2)", "2")
    screen.says("refund", "Refund: €39.80")
    screen.expect(screen.tagged("refund-why")).to_have_count(0)
    screen.type_into("Back: T-shirt blue M (of 2)", "1")
    screen.says("refund", "Refund: €19.90")
    screen.button("Wrong size or fit").click()
    screen.expect(screen.button("Work out the refund")).to_have_count(0)
    screen.snap("counter-return")
    screen.button("Take back and refund").dblclick()  # a double tap is one return
    screen.says("returns-feedback", "Return of W-CC-1 recorded: refund €19.90; 1 back in stock, 0 set aside")
    # Recorded: shown as the core has it, no longer editable; the rest may come back in a new return.
    screen.says("return-recorded", "Refund €19.90")
    screen.says("return-recorded", "2 more items of W-CC-1 can still come back")
    screen.expect(screen.button("Take back and refund")).to_have_count(0)
    screen.expect(screen.textbox("Back: T-shirt blue M (of 2)")).to_have_count(0)
    screen.snap("counter-return-done")
    with screen.page.expect_popup() as popup:
        screen.button("Open return receipt (PDF)").click()
    assert httpx.get(popup.value.url).content.startswith(b"%PDF")
    popup.value.close()
    assert _on_hand(shop, STORE, TEE) == 19  # resellable: back in this store's stock, once

    screen.tap(screen.button("New return"))
    screen.says("return-item-TEE-BLU-M", "2 of 2 received, 1 returned")
    screen.type_into("Back: Jeans black 32 (of 1)", "1")
    screen.says("refund", "Refund: €59.90")
    jeans = screen.tagged("return-item-JNS-BLK-32")
    screen.expect(screen.dropdown("Condition Resellable", within=jeans)).to_have_count(1)
    # A faulty item is not put back on sale: not chosen by hand, its condition follows the reason.
    screen.tap(screen.button("Defective or damaged"))
    screen.expect(screen.dropdown("Condition Not resellable", within=jeans)).to_have_count(1)
    screen.snap("counter-return-second")
    screen.tap(screen.button("Take back and refund"))
    screen.says("returns-feedback", "Return of W-CC-1 recorded: refund €59.90; 0 back in stock, 1 set aside")
    screen.says("return-recorded", "set aside for the warehouse")
    screen.says("return-recorded", "1 more item of W-CC-1 can still come back")
    assert _on_hand(shop, STORE, JNS) == 19  # set aside for the warehouse: not back in this store's stock
    assert len(_admin(shop, "GET", f"/orders/{order['id']}")["lines"]) == 2
    screen.close()


def test_a_parcel_from_another_store_is_scanned_in(shop, browser):
    _admin(shop, "PUT", "/locations", json=[{
        "code": "LYS-02", "name": "Lyon Part-Dieu", "type": "store", "lat": 45.7606, "lon": 4.8594,
        "ship_from_store": True, "click_collect": True, "returns": True}])
    _count(shop, [(STORE, CAP, 0), ("LYS-02", CAP, 5)])
    engine = make_engine(Settings(database_url=shop.database_url))
    with session_scope(engine) as session:
        auth.create_staff(session, "LYS-02", "S002", "4321", "associate", "Lea")
    engine.dispose()
    sender = httpx.post(f"{shop.core_url}{API}/auth/token", json={"store": "LYS-02", "staff": "S002", "pin": "4321"})
    sender_headers = {"Authorization": f"Bearer {sender.json()['access_token']}"}
    order = shop.place([(CAP, 1)], ref="W-CC-2", method="click_collect", store=STORE)
    (parcel,) = [f for f in order["fulfilments"] if f["delivery_method"] == "ship_to_store"]
    assert parcel["location"] == "LYS-02"
    for action in ("accept", "pick", "pack", "ship"):
        answer = httpx.post(f"{shop.core_url}{API}/fulfilments/{parcel['id']}/{action}", headers=sender_headers)
        assert answer.status_code == 200, answer.text
    tracking = answer.json()["tracking_number"]

    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.button("Counter").click()
    screen.button("Arrivals").click()
    screen.says(f"inbound-{tracking}", "W-CC-2", timeout=20_000)
    screen.snap("counter-arrivals")
    screen.type_into("Pickup shelf (leave empty: ready with no shelf)", "C3")
    screen.tagged("scan-field").click()
    screen.scan(tracking)
    screen.says("arrivals-feedback", f"Parcel {tracking} arrived: W-CC-2 is ready for pickup on shelf C3")
    screen.expect(screen.tagged(f"inbound-{tracking}")).to_have_count(0)
    screen.snap("counter-arrived")
    screen.button("Shelf").click()
    screen.says("shelf-W-CC-2", "C3")
    screen.says("sync-badge", "all sent", timeout=20_000)
    arrived = screen.eventually(
        lambda: [f for f in _admin(shop, "GET", f"/orders/{order['id']}")["fulfilments"] if f.get("arrived_from")],
        lambda found: len(found) == 1)
    assert (arrived[0]["status"], arrived[0]["shelf"], arrived[0]["location"]) == ("ready_for_pickup", "C3", STORE)
    screen.close()


def test_an_endless_aisle_order_is_routed_to_another_location(shop, browser):
    # Through the API the locations get the usual opening hours: the promise needs them.
    _admin(shop, "PUT", "/locations", json=[
        {"code": STORE, "name": "Lyon Bellecour", "type": "store", "lat": 45.7578, "lon": 4.8320,
         "ship_from_store": True, "click_collect": True, "returns": True,
         "address": {"line1": "12 place Bellecour", "postcode": "69002", "city": "Lyon"}},
        {"code": "WH-LYS", "name": "Lyon warehouse", "type": "warehouse", "lat": 45.6453, "lon": 5.1117}])
    _count(shop, [(STORE, JNS, 0), ("WH-LYS", JNS, 10)])
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.says("sync-badge", "Live", timeout=20_000)
    screen.button("Endless aisle").click()
    screen.scan("jeans")
    screen.says(f"product-{JNS}", "Here: 0")
    screen.says(f"product-{JNS}", "Network: 10")
    screen.says(f"product-{JNS}", "10 at Lyon warehouse · 25 km")  # where, as the customer is told it
    screen.button("Add to cart", within=screen.tagged(f"product-{JNS}")).click()
    screen.says(f"cart-{JNS}", "× 1")
    screen.fill({"Postcode for home delivery": "69002"})  # the home delivery's date is their town's
    screen.button("Delivery options").click()
    screen.says("aisle-feedback", "delivery options: choose one")
    screen.says("option-home_standard", "Home delivery to 69002")
    screen.button("Choose", within=screen.tagged("option-home_standard")).click()
    screen.fill({"Customer name": "Zoe Martin", "Phone": "+33611111111", "Street": "5 quai Saint-Antoine",
                 "City": "Lyon"})
    screen.snap("counter-aisle")
    screen.page.get_by_role("button", name=re.compile("^Place order")).click()
    screen.says("aisle-feedback", "1 item sent from another location of the network")
    screen.says("aisle-confirmation", "confirmed")
    screen.snap("counter-aisle-placed")
    (found,) = _admin(shop, "GET", "/orders/lookup", params={"q": "Zoe Martin"})
    placed = _admin(shop, "GET", f"/orders/{found['id']}")
    assert placed["channel"] == "store" and placed["customer"]["phone"] == "+33611111111"
    assert [(f["location"], [(line["sku"], line["qty"]) for line in f["lines"]]) for f in placed["fulfilments"]] == [
        ("WH-LYS", [(JNS, 1)])]

    # The next customer, in the same session: a cart and an order reference of their own. The cap
    # is on this store's shelves: ready within hours, and the order placed says so.
    screen.expect(screen.page.get_by_text("Empty: add products found above.")).to_be_visible()
    screen.expect(screen.page.get_by_role("button", name="Place order")).to_be_disabled()  # nothing to order yet
    screen.scan("cap")  # the scan field has the focus again, for the next customer's first product
    screen.says(f"product-{CAP}", "Here: 20")
    screen.tap(screen.button("Add to cart", within=screen.tagged(f"product-{CAP}")))
    screen.says(f"cart-{CAP}", "× 1")
    screen.expect(screen.textbox("Customer name")).to_have_value("")  # the last customer's details are gone
    def express_ready_by() -> str:
        promise = _admin(shop, "POST", "/promise", json={
            "channel": "store", "lines": [{"sku": CAP, "qty": 1, "unit_price": 14.9}],
            "destination": {"country": "FR", "lat": 45.7578, "lon": 4.8320}})
        return f"by {next(o for o in promise['options'] if o['kind'] == 'express_pickup')['ready_by'][11:16]}"

    # The promise moves with the clock: the app's is the core's from some moment between these two.
    before = express_ready_by()
    screen.tap(screen.button("Delivery options"))
    # No postcode typed for this customer: the pickups only, and what home delivery needs.
    screen.says("aisle-feedback", "1 pickup option: choose one, or type the customer's postcode for home delivery")
    express = screen.tagged(f"option-express_pickup-{STORE}")
    screen.says(f"option-express_pickup-{STORE}", "Express pickup at Lyon Bellecour")
    screen.says(f"option-express_pickup-{STORE}", (before, express_ready_by()))  # and the day: today, tomorrow…
    screen.tap(screen.button("Choose", within=express))
    screen.fill({"Customer name": "Max Petit", "Phone": "+33622222222"})
    screen.snap("counter-aisle-express")
    screen.tap(screen.page.get_by_role("button", name=re.compile("^Place order")))
    screen.says("aisle-confirmation", "confirmed")
    screen.says("aisle-confirmation", "Max Petit")
    screen.says("aisle-confirmation", "Express pickup at Lyon Bellecour")
    (second,) = _admin(shop, "GET", "/orders/lookup", params={"q": "Max Petit"})
    assert second["external_ref"] != placed["external_ref"] and second["pickup_store"] == STORE
    assert _admin(shop, "GET", f"/orders/{second['id']}")["tags"] == ["endless_aisle", "express_pickup"]
    screen.snap("counter-aisle-second")
    screen.close()


def _on_shelf_a1(shop, browser, ref: str) -> tuple[dict, Screen]:  # noqa: ANN001
    """A click & collect order ready on shelf A1, and the shelf as an associate sees it."""
    order = shop.place([(TEE, 2)], ref=ref, method="click_collect", store=STORE)
    fulfilment_id = order["fulfilments"][0]["id"]
    staff = httpx.post(f"{shop.core_url}{API}/auth/token", json={"store": STORE, "staff": "S001", "pin": "1234"})
    headers = {"Authorization": f"Bearer {staff.json()['access_token']}"}
    for action, body in (("accept", None), ("pick", None), ("ready", {"shelf": "A1"})):
        answer = httpx.post(f"{shop.core_url}{API}/fulfilments/{fulfilment_id}/{action}", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.button("Counter").click()
    screen.button("Shelf").click()
    screen.says(f"shelf-{ref}", "A1")
    return order, screen


def test_an_order_cancelled_on_the_shelf_while_the_line_was_down_says_what_to_do(shop, browser):
    order, screen = _on_shelf_a1(shop, browser, "W-CC-3")
    shop.stop_core()  # the line drops; meanwhile customer service cancels the order
    engine = make_engine(Settings(database_url=shop.database_url))
    with session_scope(engine) as session:
        orders.cancel(session, order["id"], Actor("customer-service", Role.ADMIN), "customer_request")
    engine.dispose()
    screen.button("Open", within=screen.tagged("shelf-W-CC-3")).click()  # still waiting, as the tablet knows it
    screen.button("Move to another shelf").click()
    screen.scan("b2")
    screen.says("feedback", "W-CC-3 is ready for pickup on shelf B2")

    shop.start_core()
    screen.tagged("sync-badge").click()  # sync now, once the line is back
    screen.says("refusal-banner", "W-CC-3 was cancelled, so 'Put W-CC-3 on shelf B2' was not recorded. Take it off "
                                  "shelf B2 and put its 2 items back in stock", timeout=20_000)
    screen.says("order-status", "CANCELLED")
    # Nothing on the screen says otherwise: not "ready on shelf B2", and the parcel is where it was put.
    screen.expect(screen.page.get_by_text("W-CC-3 is ready for pickup on shelf B2")).to_have_count(0)
    screen.expect(screen.page.get_by_text("Shelf: B2 (the move from A1 was not recorded)")).to_be_visible()
    screen.snap("counter-cancelled-on-shelf")
    screen.button("Taken off the shelf", within=screen.tagged("refusal-banner")).click()
    screen.expect(screen.tagged("refusal-banner")).to_have_count(0)
    screen.expect(screen.page.get_by_text("W-CC-3 is ready for pickup on shelf B2")).to_have_count(0)
    screen.close()


def test_an_order_cancelled_on_the_shelf_with_nothing_to_refuse_says_what_to_do(shop, browser):
    order, screen = _on_shelf_a1(shop, browser, "W-CC-4")
    _admin(shop, "POST", f"/orders/{order['id']}/cancel", json={"reason": "customer_request"})
    screen.says("cancelled-on-shelf-banner", "W-CC-4 was cancelled while it waited on shelf A1: take it off shelf "
                                             "A1 and put its 2 items back in stock", timeout=20_000)
    screen.expect(screen.tagged("shelf-W-CC-4")).to_have_count(0)
    screen.snap("counter-cancelled-on-shelf-no-action")
    screen.button("Taken off the shelf").click()
    screen.expect(screen.tagged("cancelled-on-shelf-banner")).to_have_count(0)
    screen.close()
