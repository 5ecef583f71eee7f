"""The manager's and head office's screens, reached by clicking, on the real core and app."""

import io
from csv import DictReader
from pathlib import Path

import httpx

from .conftest import Screen
from .test_ship_from_store import _wait_for_core, hand_over, pack, pick_everything

TEE, JNS = "TEE-BLU-M", "JNS-BLK-32"


def test_the_manager_sees_the_kpis_of_a_shipped_order(shop, browser):
    order = shop.place([(TEE, 2), (JNS, 1)], ref="W-KPI-1")  # what pick_everything picks
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    assert screen.button("Manager").count() == 0  # an associate has no dashboard
    screen.accept("W-KPI-1")
    pick_everything(screen, "W-KPI-1")
    pack(screen, "W-KPI-1")
    screen.button("Handover").click()
    packed = _wait_for_core(shop, order["fulfilments"][0]["id"], "packed", screen)
    hand_over(screen, "W-KPI-1", packed["parcels"][0]["tracking_number"])
    _wait_for_core(shop, order["fulfilments"][0]["id"], "shipped", screen)

    screen.button("Find an order").click()
    screen.type_into("Order number, customer, phone, e-mail or SKU", "W-KPI")
    screen.page.keyboard.press("Enter")
    screen.tagged("result-W-KPI-1").click()
    screen.says("timeline", "Picked by Hugo")  # in words and names, not the core's event names and codes
    screen.snap("manager-order-timeline")
    screen.page.get_by_role("button", name="Sign out").click()

    screen.sign_in(staff="M001", pin="4321")
    screen.button("Manager").click()
    screen.expect(screen.page.get_by_text("Manager · Lyon Bellecour")).to_be_visible()  # the store by its name
    screen.says("kpi-orders", "Orders\n1\n")
    screen.says("kpi-shipped", "Units shipped\n3\nfill rate 100%")
    screen.snap("manager-dashboard")
    screen.fill({"SKU": "JNS-BLK-32", "Alert at or below": "50"})
    screen.tap(screen.button("Set alert"))
    screen.says("feedback", "JNS-BLK-32: alert at 50")
    screen.says("stock-alerts", "JNS-BLK-32")
    screen.tap(screen.button("Orders CSV"))
    csv = screen.button("Download Orders (CSV)")
    screen.expect(csv).to_be_visible()
    with screen.page.expect_download() as download:  # saved by the browser; the app stays where it is
        screen.tap(csv)
    rows = list(DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(r["external_ref"], r["status"]) for r in rows] == [("W-KPI-1", "completed")]
    screen.type_into("Orders a day, at most", "40")
    screen.tap(screen.button("Save capacity"))
    screen.says("capacity-feedback", "Lyon Bellecour: up to 40 orders a day, taking orders")
    screen.page.mouse.move(640, 500)
    screen.page.mouse.wheel(0, 2000)  # down to the alerts and exports
    screen.snap("manager-alerts-exports")
    screen.close()


def test_head_office_edits_tries_and_puts_a_profile_in_force(shop, browser):
    shop.place([(TEE, 1), (JNS, 1)], ref="W-RT-1")
    screen = Screen(browser, shop.app_url)
    screen.button("Head office").click()
    screen.type_into("Admin API key", shop.admin)
    screen.page.keyboard.press("Enter")
    screen.expect(screen.page.get_by_text("Routing profile · version 1 in force")).to_be_visible(timeout=20_000)

    home = screen.tagged("rule-1")  # the home-delivery rule set
    screen.type_into("Max parcels", "many", within=home)
    screen.page.keyboard.press("Tab")
    screen.says("profile-problems", "Rule set 2 'Home delivery' · split · max parcels")
    screen.snap("head-office-invalid")
    screen.type_into("Max parcels", "1", within=home)
    screen.page.keyboard.press("Tab")
    screen.says("profile-problems", "The draft is valid")

    # A second test for the rule set: French and Belgian customers only; a wrong country code is named.
    screen.tap(screen.button("Add a test", within=home))
    screen.choose("Test 2", "country", within=home)
    screen.choose("Operator 2", "is one of", within=home)
    screen.type_into("Value 2, comma-separated", "FR, france", within=home)
    screen.page.keyboard.press("Tab")
    screen.says("profile-problems", "'france' is not a country code")
    screen.type_into("Value 2, comma-separated", "FR, BE", within=home)
    screen.page.keyboard.press("Tab")
    screen.says("profile-problems", "The draft is valid")
    # Which locations: warehouses only, within 500 km, never LYS-01.
    screen.tap(home.get_by_role("checkbox", name="store", exact=True))
    screen.type_into("Max distance km, blank: any", "500", within=home)
    screen.type_into("Never these locations, comma-separated", "LYS-01", within=home)
    screen.page.keyboard.press("Tab")
    screen.says("profile-problems", "The draft is valid")
    screen.snap("head-office-rule-set")

    screen.button("Dry run").click()
    screen.says("dry-run-summary", "1 recent order:")
    screen.snap("head-office-dry-run")
    screen.button("Put in force").click()
    screen.says("feedback", "Version 2 is in force")
    profile = httpx.get(f"{shop.core_url}/api/v1/routing/profile", headers={"Authorization": f"Bearer {shop.admin}"}).json()
    assert profile["version"] == 2
    rule = profile["profile"]["rule_sets"][1]
    assert rule["split"]["max_parcels"] == 1
    assert rule["when"] == {"all": [{"field": "method", "op": "eq", "value": "home"},
                                    {"field": "country", "op": "in", "value": ["FR", "BE"]}]}
    assert (rule["filters"]["location_types"], rule["filters"]["max_distance_km"], rule["filters"]["exclude"]) == (
        ["warehouse"], 500, ["LYS-01"])

    screen.button("Versions").click()
    screen.button("Put in force", within=screen.tagged("version-1")).click()
    screen.says("feedback", "Version 1 is in force again, as version 3")
    screen.snap("head-office-versions")
    screen.close()


def test_the_pause_switch_says_what_the_core_did_and_every_associate_sees_the_pause(shop, browser):
    screen = Screen(browser, shop.app_url)
    screen.sign_in(staff="M001", pin="4321")
    screen.says("sync-badge", "Live", timeout=20_000)
    screen.button("Manager").click()
    switch = screen.page.get_by_role("switch")
    _set_paused(shop, True)  # from another tablet: the switch follows when the sync brings it
    screen.expect(switch).to_be_checked(timeout=20_000)
    _set_paused(shop, False)
    screen.expect(switch).not_to_be_checked(timeout=20_000)
    screen.tap(switch)
    # The tap's PATCH can queue behind the dashboard's KPI reads on the core: a loaded 2-core machine
    # once took more than the default 10 s to answer.
    screen.says("pause-feedback", "Lyon Bellecour is paused: the network sends it no new orders until you switch this off",
                timeout=30_000)
    screen.says("paused-banner", "Lyon Bellecour is paused: the network sends it no new orders", timeout=20_000)
    screen.expect(switch).to_be_checked()
    _in_sight(screen, screen.tagged("pause-feedback"))  # said beside the switch, where the manager looks
    assert _location(shop)["paused"] is True
    screen.snap("manager-paused")

    shop.stop_core()  # switching it off now fails: the switch stays on, and says why next to it
    try:
        screen.tap(switch)
        screen.says("pause-feedback", "Could not take orders again for Lyon Bellecour: the system cannot be reached. "
                                         "Lyon Bellecour is still paused")
        screen.expect(switch).to_be_checked()
        _in_sight(screen, screen.tagged("pause-feedback"))
        screen.snap("manager-pause-refused")
    finally:
        shop.start_core()
    assert _location(shop)["paused"] is True

    screen.page.get_by_role("button", name="Sign out").click()
    screen.sign_in()  # an associate: the banner is on every screen
    screen.says("paused-banner", "Orders already here are still to be prepared")
    screen.snap("associate-paused-banner")
    screen.close()


def _in_sight(screen: Screen, control) -> None:  # noqa: ANN001
    box = control.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= screen.page.viewport_size["height"], box


def _set_paused(shop, paused: bool) -> None:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {shop.admin}"}
    answer = httpx.patch(f"{shop.core_url}/api/v1/locations/LYS-01/operations", json={"paused": paused}, headers=headers)
    assert answer.status_code == 200, answer.text


def _location(shop) -> dict:  # noqa: ANN001
    headers = {"Authorization": f"Bearer {shop.admin}"}
    return httpx.get(f"{shop.core_url}/api/v1/locations/LYS-01", headers=headers).json()
