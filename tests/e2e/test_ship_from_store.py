"""Ship from store, end to end: a new order arrives on the tablet, the
associate accepts it, picks it by scanning (a wrong item is refused), packs
it, gets a label whose barcode is the parcel's tracking number, hands it to
the carrier, and the core shows it shipped. Then the same with the shop's
line down halfway: everything reaches the core once it is back, once."""

import re

import httpx
import sqlalchemy as sa

from .conftest import ITEMS, STORE, Screen, decode_barcodes

TEE, JNS = "TEE-BLU-M", "JNS-BLK-32"


def test_ship_from_store(shop, browser, tmp_path):
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.says("sync-badge", "Live", timeout=20_000)

    order = shop.place([(TEE, 2), (JNS, 1)], ref="W-E2E-1")
    fulfilment_id = order["fulfilments"][0]["id"]
    card = screen.tagged("card-W-E2E-1")
    screen.expect(card).to_be_visible(timeout=10_000)  # no refresh: it arrives live
    screen.says("new-order-banner", "W-E2E-1")
    screen.snap("queue")

    screen.button("Accept", within=card).click()
    screen.says("feedback", "W-E2E-1 accepted")
    pick_everything(screen, "W-E2E-1", wrong_items=True)
    pack(screen, "W-E2E-1")
    # A torn label: voided from the order's screen, asked first; the parcel gets a new number.
    screen.button("Order").click()
    screen.button("Void and replace labels…").click()
    screen.expect(screen.page.get_by_text("Void the labels of W-E2E-1?")).to_be_visible()
    screen.snap("void-labels")
    screen.button("Void and make new labels").click()
    screen.says("feedback", "labels ready")
    pdf = open_labels(screen, "W-E2E-1")

    screen.button("Handover").click()
    screen.expect(screen.page.get_by_text("Carrier handover")).to_be_visible()
    packed = _wait_for_core(shop, fulfilment_id, "packed", screen)
    (tracking,) = [p["tracking_number"] for p in packed["parcels"]]
    assert decode_barcodes(pdf, tmp_path) == [tracking]  # the label scans as the parcel
    hand_over(screen, "W-E2E-1", tracking)

    shipped = _wait_for_core(shop, fulfilment_id, "shipped", screen)
    assert [(line["sku"], line["qty"], line["picked"]) for line in shipped["lines"]] == [(JNS, 1, 1), (TEE, 2, 2)]
    assert shipped["tracking_number"] == tracking
    screen.close()


def test_the_associate_finishes_offline_and_everything_arrives_once(shop, browser, tmp_path):
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.says("sync-badge", "Live", timeout=20_000)
    order = shop.place([(TEE, 2), (JNS, 1)], ref="W-E2E-2")
    fulfilment_id = order["fulfilments"][0]["id"]
    screen.accept("W-E2E-2")
    _wait_for_core(shop, fulfilment_id, "accepted", screen)

    shop.stop_core()  # the shop's line drops mid-flow
    pick_everything(screen, "W-E2E-2")
    screen.says("sync-badge", "Offline")
    pdf = pack(screen, "W-E2E-2")
    (tracking,) = decode_barcodes(pdf, tmp_path)  # made on the tablet: the core has not seen it yet
    screen.button("Handover").click()
    hand_over(screen, "W-E2E-2", tracking)
    screen.says("sync-badge", "to send")
    screen.snap("offline")
    screen.button("Settings").click()  # which actions the tablet holds, in words
    screen.says("waiting", "Hand W-E2E-2 to Colissimo")
    screen.says("waiting", "Pick 1 × Jeans black 32 for W-E2E-2")
    screen.snap("settings-waiting")

    shop.start_core()
    screen.tagged("sync-badge").click()  # "sync now", as an associate would once the line is back
    shipped = _wait_for_core(shop, fulfilment_id, "shipped", screen)
    screen.says("waiting", "the system has every action done on this device")
    assert shipped["tracking_number"] == tracking
    assert [(line["sku"], line["qty"], line["picked"]) for line in shipped["lines"]] == [(JNS, 1, 1), (TEE, 2, 2)]
    # Each action reached the core once: each step recorded once (picking started,
    # then everything picked), stock left the shelf once.
    engine = sa.create_engine(shop.database_url)
    with engine.connect() as conn:
        steps = conn.execute(sa.text("SELECT to_status FROM event WHERE fulfilment_id = :f ORDER BY id"),
                             {"f": fulfilment_id}).scalars().all()
        shipped_units = dict(conn.execute(sa.text(
            "SELECT sku, sum(on_hand_delta) FROM stock_movement WHERE reference = :f AND kind = 'ship' GROUP BY sku"),
            {"f": fulfilment_id}).all())
        on_hand = dict(conn.execute(sa.text("SELECT sku, on_hand FROM stock WHERE location = :l"), {"l": STORE}).all())
    engine.dispose()
    assert steps == ["assigned", "accepted", "picking", "picked", "packed", "shipped"]
    assert shipped_units == {TEE: -2, JNS: -1}
    assert (on_hand[TEE], on_hand[JNS]) == (18, 19)
    screen.close()


def pick_everything(screen: Screen, ref: str, wrong_items: bool = False) -> None:
    screen.page.get_by_role("tab", name=re.compile("^To pick")).click()
    screen.button("Pick", within=screen.tagged(f"card-{ref}")).click()
    screen.expect(screen.page.get_by_text(f"Pick {ref}")).to_be_visible()
    if wrong_items:
        screen.expect(screen.page.get_by_role("textbox", name=re.compile("^Scan"))).to_be_focused()
        screen.page.keyboard.press("Enter")  # a scan whose code went astray is not dropped silently
        screen.expect(screen.page.get_by_text("Nothing was read: scan again")).to_be_visible()
        screen.snap("pick-nothing-read")
        screen.scan(ITEMS["CAP-RED-U"][1])  # not in this order
        screen.says("pick-feedback",
                    f"Wrong item: Cap red is not in {ref}. Put it back and scan an item from the list.")
        screen.snap("pick-wrong-item")
    screen.scan(ITEMS[TEE][1])
    screen.says("pick-feedback", "T-shirt blue M: 1 of 2 picked")
    screen.scan(ITEMS[TEE][1])
    if wrong_items:
        screen.scan(ITEMS[TEE][1])  # one too many: refused, not counted
        screen.says("pick-feedback", "Too many")
    screen.scan(JNS)  # a typed SKU works too
    screen.says("pick-feedback", "Everything is picked")
    screen.snap("pick-done")


def pack(screen: Screen, ref: str) -> bytes:
    """Pack in one parcel and open its label: the PDF's bytes."""
    screen.button("Pack").click()
    # A dropdown is named after its label and says what is chosen, as a screen reader reads it.
    screen.expect(screen.page.get_by_role("button", name="Carrier Colissimo", exact=True)).to_be_visible()
    screen.button("One more parcel").click()  # icon buttons have names: screen readers say them
    screen.says("parcel-count", "2")
    screen.button("One parcel fewer").click()
    screen.says("parcel-count", "1")
    screen.button("Pack and make labels").click()
    screen.says("pack-feedback", "labels ready")
    screen.snap("pack-labels")
    return open_labels(screen, ref)


def open_labels(screen: Screen, ref: str) -> bytes:
    """Open the labels the last action made: the PDF's bytes."""
    with screen.page.expect_popup() as popup:
        screen.button("Open labels (PDF)").click()  # named by what it is; labels-{ref}.pdf is its tooltip
    pdf = httpx.get(popup.value.url).content
    popup.value.close()
    assert pdf.startswith(b"%PDF")
    return pdf


def hand_over(screen: Screen, ref: str, tracking: str) -> None:
    screen.expect(screen.page.get_by_text("Carrier handover")).to_be_visible()
    screen.scan(tracking)
    screen.says("handover-feedback", f"{tracking} ({ref}) on the Colissimo manifest")
    screen.snap("handover")
    screen.button("Close and hand over").click()
    screen.says("handover-feedback", "closed: 1 order, 1 parcel")


def _wait_for_core(shop, fulfilment_id: str, status: str, screen: Screen) -> dict:  # noqa: ANN001
    """Once the tablet says everything is sent, the core has it (the badge may
    still show the moment before the last action was queued: ask until it does)."""
    screen.says("sync-badge", "all sent", timeout=20_000)
    return screen.eventually(lambda: shop.fulfilment(fulfilment_id), lambda f: f["status"] == status)


def test_every_scan_at_a_scanners_pace_counts_once(shop, browser):
    """A long pick scanned as fast as the screen answers: no scan is lost, none counted twice
    (a field drawn afresh for each scan once lost one every hundred or so, then took no more)."""
    units = 150
    response = httpx.post(f"{shop.core_url}/api/v1/stock/counts", headers={"Authorization": f"Bearer {shop.admin}"},
                          json={"counts": [{"location": STORE, "sku": TEE, "on_hand": units}]})
    assert response.status_code == 201, response.text
    order = shop.place([(TEE, units)], ref="W-LONG")
    screen = Screen(browser, shop.app_url)
    screen.sign_in()
    screen.accept("W-LONG")
    screen.page.get_by_role("tab", name=re.compile("^To pick")).click()
    screen.button("Pick", within=screen.tagged("card-W-LONG")).click()
    for n in range(1, units - 1):
        screen.scan(ITEMS[TEE][1])
        screen.says("pick-feedback", f"T-shirt blue M: {n} of {units} picked")
    # Typed on a tablet's on-screen keyboard: its Enter comes as a new line in the text, not as a key.
    screen.page.keyboard.insert_text(ITEMS[TEE][1] + "\n")
    screen.says("pick-feedback", f"T-shirt blue M: {units - 1} of {units} picked")
    screen.scan(ITEMS[TEE][1])
    screen.says("pick-feedback", "Everything is picked")
    picked = _wait_for_core(shop, order["fulfilments"][0]["id"], "picked", screen)
    assert [(line["sku"], line["qty"], line["picked"]) for line in picked["lines"]] == [(TEE, units, units)]
    screen.close()
