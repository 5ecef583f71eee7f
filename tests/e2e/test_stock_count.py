"""Stock count, end to end in a real browser against the real core: the screen
opened from the navigation, a shelf scanned (an unknown barcode refused), a
quantity typed for a full shelf, the count recorded; the core's on hand follows."""

import httpx

from .conftest import ITEMS, STORE, Screen

TEE, JNS, CAP = "TEE-BLU-M", "JNS-BLK-32", "CAP-RED-U"


def _on_hand(shop, sku: str) -> int:  # noqa: ANN001
    response = httpx.get(f"{shop.core_url}/api/v1/availability", params={"skus": sku, "location": STORE},
                         headers={"Authorization": f"Bearer {shop.admin}"})
    assert response.status_code == 200, response.text
    return sum(level["on_hand"] for level in response.json()["locations"])


def test_a_shelf_counted_by_scanning_sets_the_stock_in_the_core(shop, browser):
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.button("Stock count").click()
    screen.expect(screen.textbox("Scan a product, or type its barcode or SKU")).to_be_visible()
    for _ in range(3):
        screen.scan(ITEMS[TEE][1])
    screen.says("count-feedback", "T-shirt blue M: 3 counted (the system says 20 on hand)")
    screen.scan("3601234567999")
    screen.says("count-feedback", "Unknown barcode 3601234567999: no product of this store has it. Nothing was counted")
    screen.expect(screen.tagged("count-TEE-BLU-M")).to_have_count(1)  # and nothing else on the sheet

    # A full shelf: one scan, then the quantity typed.
    screen.scan(ITEMS[JNS][1])
    screen.says("count-feedback", "Jeans black 32: 1 counted")
    screen.type_into("Counted", "40", within=screen.tagged("count-JNS-BLK-32"))
    screen.page.keyboard.press("Enter")
    screen.says("count-feedback", "Jeans black 32: 40 counted")
    screen.says("count-JNS-BLK-32", "+20 against the system")

    screen.button("Record count").click()
    screen.says("count-feedback", "Count recorded for 2 products, 2 differ from the system")
    screen.says("recorded-TEE-BLU-M", "-17 against the system")
    screen.says("recorded-JNS-BLK-32", "accepted by the system", timeout=20_000)
    screen.eventually(lambda: (_on_hand(shop, TEE), _on_hand(shop, JNS)), lambda levels: levels == (3, 40))

    screen.scan(ITEMS[CAP][1])  # the next shelf, with the last count's answers still in sight
    screen.says("count-CAP-RED-U", "System: 20 on hand")
    screen.says("recorded-TEE-BLU-M", "accepted by the system")
    screen.snap("stock-count")
    assert screen.tagged("screen-error").count() == 0
    screen.close()


def test_a_count_recorded_while_the_core_is_away_stays_in_sight_until_it_is_applied(shop, browser):
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.says("sync-badge", "Live", timeout=20_000)
    screen.button("Stock count").click()
    shop.stop_core()  # the shop's line drops
    screen.scan(ITEMS[CAP][1])
    screen.type_into("Counted", "7", within=screen.tagged("count-CAP-RED-U"))
    screen.page.keyboard.press("Enter")
    screen.says("count-feedback", "Cap red: 7 counted")
    screen.button("Record count").click()
    screen.says("recorded-CAP-RED-U", "waiting to be sent")

    screen.scan(ITEMS[CAP][1])  # the same shelf on the next sheet: the count kept shows over the system's figure
    screen.says("count-CAP-RED-U", "Counted 7 · waiting to be sent")
    screen.button("Queue").click()  # the screen left and opened again: the sheets are gone, the count is not
    screen.button("Stock count").click()
    screen.says("kept-CAP-RED-U", "Counted 7 · waiting to be sent")
    screen.says("kept-CAP-RED-U", "System: 20 on hand")

    shop.start_core()
    screen.tagged("sync-badge").click()
    screen.eventually(lambda: _on_hand(shop, CAP), lambda on_hand: on_hand == 7)
    screen.expect(screen.tagged("kept-CAP-RED-U")).to_have_count(0, timeout=10_000)
    assert screen.tagged("screen-error").count() == 0
    screen.close()
