"""Every screen of the store app draws with real data, reached the way an
associate reaches it (no screen is only reachable by typing its address).
With BACKROOM_SCREENSHOTS=<dir> this is also how the README's pictures are made."""

import re

from .conftest import ITEMS, Screen

TEE, JNS, CAP = "TEE-BLU-M", "JNS-BLK-32", "CAP-RED-U"


def test_every_screen_draws(shop, browser):
    shop.place([(TEE, 1), (JNS, 1)], ref="W-1001")
    shop.place([(CAP, 2)], ref="W-1002")
    shop.place([(TEE, 1), (CAP, 1)], ref="W-1003", kit=(TEE, CAP), method="click_collect", store="LYS-01")
    screen = Screen(browser, shop.app_url)
    screen.expect(screen.textbox("Staff code")).to_be_visible()  # drawn: a blank page also holds still
    screen.snap("sign-in")
    screen.sign_in()
    for ref in ("W-1001", "W-1002", "W-1003"):
        screen.expect(screen.tagged(f"card-{ref}")).to_be_visible(timeout=10_000)
    screen.snap("queue")

    screen.button("Open", within=screen.tagged("card-W-1003")).click()
    screen.expect(screen.page.get_by_text("Order W-1003")).to_be_visible()
    screen.says("order-status", "TO ACCEPT")  # in the associate's words, not the core's "assigned"
    screen.expect(screen.page.get_by_text("Shelf: not on one yet")).to_be_visible()  # click & collect: no carrier
    screen.expect(screen.page.get_by_text("Cap red · set KIT")).to_be_visible()  # a ship-together set says so
    screen.snap("order")
    screen.button("Give back…").click()
    screen.expect(screen.page.get_by_text("Give back W-1003")).to_be_visible()
    # A set leaves together: the dialog says what else goes back with each of its items.
    screen.expect(screen.page.get_by_text("giving any back gives back 1 × Cap red too")).to_be_visible()
    screen.snap("reject")
    screen.button("Cancel").click()
    screen.button("Accept").click()
    screen.says("feedback", "W-1003 accepted")

    screen.button("Queue").click()
    for ref in ("W-1001", "W-1002"):
        screen.button("Accept", within=screen.tagged(f"card-{ref}")).click()
        screen.says("feedback", f"{ref} accepted")
    screen.button("Pick list").click()
    for ref in ("W-1001", "W-1002", "W-1003"):
        screen.tagged(f"choose-{ref}").click()
    screen.says("pick-TEE-BLU-M", "2 ×")
    screen.scan(ITEMS[CAP][1])
    screen.says("picklist-feedback", "Cap red")
    screen.snap("pick-list")

    screen.button("Queue").click()
    screen.page.get_by_role("tab", name=re.compile("^To pick")).click()
    screen.button("Pick", within=screen.tagged("card-W-1001")).click()
    screen.expect(screen.page.get_by_text("Pick W-1001")).to_be_visible()
    screen.scan(ITEMS[TEE][1])
    screen.says("pick-feedback", "T-shirt blue M: 1 of 1")
    screen.snap("pick")

    screen.button("Handover").click()
    screen.expect(screen.page.get_by_text("Carrier handover")).to_be_visible()
    screen.button("Settings").click()
    screen.type_into("Printer address", "printer:abc")
    screen.button("Save").click()
    screen.says("feedback", "is not a printer address")
    screen.snap("settings")
    assert screen.tagged("screen-error").count() == 0
    screen.close()
