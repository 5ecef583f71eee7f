"""What cannot be undone is asked first, and what was done is said where the associate
looks next: "Can't find it" writes stock off only once confirmed; giving a whole order
back ends on the queue, which says it was given back."""

from .conftest import ITEMS, STORE, Screen
from .test_counter import _on_hand

TEE, CAP = "TEE-BLU-M", "CAP-RED-U"


def test_cant_find_asks_first_and_a_rejected_order_is_confirmed_on_the_queue(shop, browser):
    shop.place([(TEE, 2)], ref="W-ASK-1")
    shop.place([(CAP, 1)], ref="W-ASK-2")
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.accept("W-ASK-1")
    screen.page.get_by_role("tab", name="To pick (1)").click()
    screen.button("Pick", within=screen.tagged("card-W-ASK-1")).click()
    screen.scan(ITEMS[TEE][1])
    screen.says("pick-feedback", "T-shirt blue M: 1 of 2 picked")

    screen.button("Can't find it", within=screen.tagged(f"line-{TEE}")).click()
    question = screen.page.get_by_text("1 × T-shirt blue M will be taken off this store's stock")
    screen.expect(question).to_be_visible()
    screen.snap("pick-cannot-find-asked")
    screen.button("Keep looking").click()
    screen.says("pick-feedback", "Nothing was taken off stock: keep looking for T-shirt blue M")
    screen.expect(question).to_have_count(0)
    screen.says("line-TEE-BLU-M", "1 / 2")
    screen.snap("pick-keep-looking")

    screen.button("Can't find it", within=screen.tagged(f"line-{TEE}")).click()
    screen.button("Take them off stock").click()
    screen.says("pick-feedback", "You gave back some items of W-ASK-1")
    screen.says("sync-badge", "all sent", timeout=20_000)
    screen.eventually(lambda: _on_hand(shop, STORE, TEE), lambda units: units == 19)  # the lost one, written off

    screen.button("Queue").click()
    screen.button("Open", within=screen.tagged("card-W-ASK-2")).click()
    screen.button("Give back…").click()
    screen.button("Give back").click()  # the whole order: its quantities left empty
    screen.expect(screen.page.get_by_role("tab", name="To accept (0)")).to_be_visible()  # back on the queue
    screen.expect(screen.page.get_by_text("Order W-ASK-2")).to_have_count(0)
    screen.says("feedback", "You gave back W-ASK-2: the network will serve it elsewhere")
    screen.snap("queue-after-reject")
    screen.close()
