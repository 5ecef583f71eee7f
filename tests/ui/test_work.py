"""Associates' actions on the tablet: checked at once, queued, confirmed by the core."""

import pytest

from app.work import PlannedParcel, Tone, shared
from contract.errors import InvalidInput, Unauthorized
from tests.api.conftest import CAP, CAP_EAN, JNS, TEE, TEE_EAN


def test_sign_in_enrols_the_device_for_its_store(shop):
    assert shop.associate.token and shop.app.store_code == "LYS-01"
    assert shop.app.engine.status.enrolled


def test_offline_sign_in_after_one_online(shop, network):
    shop.app.client._http._transport = _Down()
    again = shop.run(shop.app.sign_in("lys-01", "s001", "1234"))
    assert again.token is None and again.name == "Staff S001"
    with pytest.raises(Unauthorized):
        shop.run(shop.app.sign_in("LYS-01", "S001", "9999"))


def test_pick_by_scanning_refuses_wrong_items_and_over_picks(shop):
    fid = shop.order([(TEE, 2)])
    assert shop.work.scan(shop.associate, fid, TEE_EAN).message == "Accept W-000001 first"
    assert shop.work.accept(shop.associate, fid).tone is Tone.OK
    wrong = shop.work.scan(shop.associate, fid, CAP_EAN)
    assert wrong.tone is Tone.ERROR and wrong.message == ("Wrong item: Cap red is not in W-000001. "
                                                             "Put it back and scan an item from the list.")
    unknown = shop.work.scan(shop.associate, fid, "0000")
    assert unknown.tone is Tone.ERROR and "Unknown barcode 0000" in unknown.message
    first = shop.work.scan(shop.associate, fid, TEE_EAN)
    assert (first.tone, first.message) == (Tone.OK, "T-shirt blue M: 1 of 2 picked")
    second = shop.work.scan(shop.associate, fid, TEE)  # a typed SKU works too
    assert second.tone is Tone.DONE
    over = shop.work.scan(shop.associate, fid, TEE_EAN)
    assert over.tone is Tone.ERROR and over.message.startswith("Too many")
    assert shop.app.cache.pending_count() == 3  # accept + 2 picks: refusals were not queued
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["status"] == "picked"


def test_cannot_find_gives_back_the_missing_units(shop, network):
    fid = shop.order([(TEE, 2)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    # Asked first: it writes stock off.
    assert shop.work.cannot_find_question(fid, TEE) == (
        "1 × T-shirt blue M will be taken off this store's stock, and W-000001 will get it from another location "
        "of the network. Looked everywhere?")
    feedback = shop.work.cannot_find(shop.associate, fid, TEE)
    assert feedback.tone is Tone.OK and "gave back some items" in feedback.message
    assert shop.app.cache.fulfilment(fid)["status"] == "picked"  # what is left was picked
    assert shop.work.cannot_find_question(fid, TEE) is None  # nothing left to ask about
    shop.sync()
    assert network.level("LYS-01", TEE)["on_hand"] == 2  # the missing unit left the store's stock


def test_giving_back_part_of_a_set_says_the_rest_of_the_set_goes_back_too(shop, network):
    # The rest of the set stayed on the tablet until the next sync, then vanished without a word.
    counted = {"counts": [{"location": "LYS-01", "sku": JNS, "on_hand": 2}]}
    assert network.client.post("/api/v1/stock/counts", json=counted, headers=network.admin).status_code == 201
    body = network.order_body([(TEE, 2), (JNS, 1), (CAP, 1)])
    body["lines"][0]["ship_together"] = body["lines"][1]["ship_together"] = "SET-1"
    order = network.client.post("/api/v1/orders", json=body, headers=network.channel).json()
    (fid,) = [f["id"] for f in order["fulfilments"] if f["location"] == "LYS-01"]
    shop.sync()
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    view = shop.app.cache.fulfilment(fid)
    # Said before: by the quantities to give back, and when "Can't find it" asks.
    assert shop.work.set_note(view, JNS) == (
        "Part of a set that leaves together: giving any back gives back 2 × T-shirt blue M too")
    assert shop.work.set_note(view, CAP) is None
    assert shop.work.cannot_find_question(fid, TEE) == (
        "1 × T-shirt blue M will be taken off this store's stock. It is part of a set that leaves together, so "
        "the rest of the set goes back with it: 1 × Jeans black 32 and the other 1 × T-shirt blue M. W-000001 will "
        "get the whole set from another location of the network. Looked everywhere?")
    # And after.
    feedback = shop.work.cannot_find(shop.associate, fid, TEE)
    assert (feedback.tone, feedback.message) == (Tone.OK, (
        "You gave back some items of W-000001, and the rest of their set with them (1 × Jeans black 32 and the "
        "other 1 × T-shirt blue M): a set leaves together, so the network will serve the whole set elsewhere"))
    shown = shop.app.cache.fulfilment(fid)
    assert [(line["sku"], line["qty"]) for line in shown["lines"]] == [(CAP, 1)]
    shop.sync()
    assert shop.app.cache.rejections() == []
    served = shop.app.cache.server_fulfilment(fid)
    assert (served["status"], served["lines"]) == (shown["status"], shown["lines"])  # what the core did
    assert network.level("LYS-01", TEE)["on_hand"] == 2  # only the unit not found left the store's stock


def test_pack_labels_and_handover_ship_the_order(shop, network):
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    # A parcel not weighed has no label: the carrier prices and routes it by its weight.
    unweighed = shop.work.pack(shop.associate, fid, [PlannedParcel("S", 0.4), PlannedParcel("S", 0.0)], "dpd")
    assert (unweighed.tone, unweighed.message) == (Tone.ERROR, "Weigh parcel 2: the label needs its weight")
    assert shop.app.cache.fulfilment(fid)["status"] == "picked" and shop.app.cache.pending_count() == 2
    packed = shop.work.pack(shop.associate, fid, [PlannedParcel("S", 0.4), PlannedParcel("S", 0.2)], "dpd")
    assert packed.tone is Tone.DONE
    pdf, zpl, slip = packed.documents
    assert pdf.content.startswith(b"%PDF") and zpl.content.count(b"^XA") == 2 and slip.filename.startswith("packing")
    assert (pdf.title, slip.title) == ("labels", "packing slip")  # what the buttons name them
    assert packed.message.endswith("Stick the label on each parcel; it leaves with the next carrier handover")
    view = shop.app.cache.fulfilment(fid)
    numbers = [p["tracking_number"] for p in view["parcels"]]
    assert view["status"] == "packed" and all(n.startswith("BR") for n in numbers)
    assert shop.work.scan_parcel(shop.associate, "BR0000000000").tone is Tone.ERROR
    assert shop.work.scan_parcel(shop.associate, numbers[0]).tone is Tone.OK
    assert shop.work.scan_parcel(shop.associate, numbers[0]).tone is Tone.WARNING  # a double scan
    (manifest,) = shop.work.manifests.open()
    refused = shop.work.close_manifest(shop.associate, manifest["id"])
    assert refused.tone is Tone.ERROR and numbers[1] in refused.message
    shop.work.scan_parcel(shop.associate, numbers[1].lower())
    closed = shop.work.close_manifest(shop.associate, manifest["id"])
    assert closed.tone is Tone.DONE and closed.documents[0].content.startswith(b"%PDF")
    shop.sync()
    shipped = network.client.get(f"/api/v1/fulfilments/{fid}", headers=network.admin).json()
    assert shipped["status"] == "shipped" and shipped["carrier"] == "dpd"
    assert [p["tracking_number"] for p in shipped["parcels"]] == numbers


def _packed(shop, weights=(0.5,)):
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.pack(shop.associate, fid, [PlannedParcel("M", w) for w in weights])
    return fid, [p["tracking_number"] for p in shop.app.cache.fulfilment(fid)["parcels"]]


def test_a_manifest_is_not_closed_while_a_parcel_on_it_belongs_to_a_cancelled_order(shop, network):
    me = shop.associate
    (kept, (going,)), (cancelled, numbers) = _packed(shop), _packed(shop, (0.3, 0.2))
    for number in (going, *numbers):
        shop.work.scan_parcel(me, number)
    shop.sync()
    order = shop.app.cache.fulfilment(cancelled)["order_id"]
    assert network.client.post(f"/api/v1/orders/{order}/cancel", json={}, headers=network.channel).status_code == 200
    shop.sync()
    (manifest,) = shop.work.manifests.open()
    assert [(p["ref"], p["held"]) for p in shop.work.manifest_parcels(manifest["id"])] == [
        ("W-000001", None), ("W-000002", "cancelled"), ("W-000002", "cancelled")]  # shown in red
    refused = shop.work.close_manifest(me, manifest["id"])
    assert (refused.tone, refused.message) == (
        Tone.ERROR, f"Not closed: W-000002 is cancelled, so take its parcels {numbers[0]}, {numbers[1]} off the "
                    "manifest and out of the carrier's cage")
    assert shop.app.cache.pending_count() == 0  # nothing shipped
    taken = shop.work.take_off_manifest(manifest["id"], numbers[0])
    assert (taken.tone, taken.message) == (
        Tone.OK, f"{numbers[0]} taken off the manifest: W-000002 is cancelled, keep the parcel out of the carrier's "
                 "cage")
    assert shop.work.take_off_manifest(manifest["id"], numbers[0]).tone is Tone.WARNING  # a double tap
    assert shop.work.close_manifest(me, manifest["id"]).tone is Tone.ERROR  # its other parcel is still on it
    shop.work.take_off_manifest(manifest["id"], numbers[1])
    closed = shop.work.close_manifest(me, manifest["id"])
    assert (closed.tone, closed.message) == (
        Tone.DONE, f"Manifest {manifest['id']} closed: 1 order, 1 parcel handed to Colissimo: print the manifest "
                   "and have the driver sign it")
    assert shop.work.take_off_manifest(manifest["id"], going).tone is Tone.WARNING  # the driver has it
    shop.sync()
    assert shop.app.cache.rejections() == [] and shop.app.cache.server_fulfilment(kept)["status"] == "shipped"


def test_a_parcel_taken_off_a_manifest_can_be_scanned_on_again(shop):
    _, (number,) = _packed(shop)
    shop.work.scan_parcel(shop.associate, number)
    (manifest,) = shop.work.manifests.open()
    taken = shop.work.take_off_manifest(manifest["id"], number)
    assert (taken.tone, taken.message) == (
        Tone.OK, f"{number} (W-000001) taken off the manifest: keep it out of the carrier's cage")
    assert shop.work.manifest_parcels(manifest["id"]) == [] and number not in shop.work.manifests.scanned()
    assert shop.work.scan_parcel(shop.associate, number).message.endswith("on the Colissimo manifest: 1 parcel")


def test_voiding_labels_makes_new_tracking_numbers(shop):
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
    before = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    assert shop.work.void_labels(shop.associate, fid).tone is Tone.DONE
    after = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    assert after != before
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["parcels"][0]["tracking_number"] == after


def test_a_double_tap_on_void_voids_once_and_shows_the_labels_the_first_tap_made(shop):
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
    first = shop.work.void_labels(shop.associate, fid, "00000000-0000-4000-8000-000000000003")
    made = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    second = shop.work.void_labels(shop.associate, fid, "00000000-0000-4000-8000-000000000003")
    assert shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"] == made
    zpl = [d.content for d in (first, second)[1].documents if d.media_type == "application/zpl"]
    assert first.tone is Tone.DONE and made.encode() in zpl[0]  # the first tap's labels, shown again
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["parcels"][0]["tracking_number"] == made


def test_a_second_tap_on_pack_keeps_the_labels_just_printed(shop):
    """Two taps on "Pack" before the screen shows the first: one packing, the same labels
    twice, never new tracking numbers that would void the label on the parcel."""
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    first = shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
    number = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    again = shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5), PlannedParcel("M", 0.3)])
    assert again.tone is Tone.DONE and again.message == "W-000001 is already packed: here are its labels"
    assert [d.filename for d in again.documents] == [d.filename for d in first.documents]
    assert number.encode() in again.documents[1].content  # the ZPL for the printer: the same parcel
    assert len([w for w in shop.work.waiting() if w["what"].startswith("Pack")]) == 1
    shop.sync()
    assert [p["tracking_number"] for p in shop.app.cache.server_fulfilment(fid)["parcels"]] == [number]


def test_multi_order_pick_list_groups_by_product(shop):
    first, second = shop.order([(TEE, 1)]), shop.order([(TEE, 1)])
    for fid in (first, second):
        shop.work.accept(shop.associate, fid)
    (entry,) = shop.work.pick_list([first, second])
    assert (entry["sku"], entry["units"], len(entry["orders"])) == (TEE, 2, 2)
    shop.work.scan_for_list(shop.associate, [first, second], TEE_EAN)
    shop.work.scan_for_list(shop.associate, [first, second], TEE_EAN)
    assert [shop.app.cache.fulfilment(f)["status"] for f in (first, second)] == ["picked", "picked"]
    assert shop.work.pick_list([first, second]) == []


class _Down:
    async def handle_async_request(self, request):  # noqa: ANN001, ANN201
        import httpx

        raise httpx.ConnectError("down", request=request)


def test_labels_go_to_the_store_printer(shop, fake_printer):
    printer, received = fake_printer
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    packed = shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
    unset = shop.run(shop.work.print_labels(packed))
    assert unset.tone is Tone.WARNING and "No label printer set" in unset.message
    shop.app.set_printer(f"{printer.host}:{printer.port}")
    sent = shop.run(shop.work.print_labels(packed))
    assert sent.tone is Tone.DONE
    tracking = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    assert tracking.encode() in received.get(timeout=5)


def test_a_printer_address_that_cannot_work_is_refused(shop):
    shop.app.set_printer("10.0.0.7")
    assert shop.app.printer() == ("10.0.0.7", 9100)
    for bad in ("printer:abc", ":9100", "10.0.0.7:70000", "back office"):
        with pytest.raises(InvalidInput):
            shop.app.set_printer(bad)
    assert shop.app.printer() == ("10.0.0.7", 9100)  # the last good address stays
    shop.app.set_printer("  ")
    assert shop.app.printer() is None


def test_a_parcel_another_location_prepares_for_collection_here_is_not_this_stores_work(shop, network):
    """A click & collect order whose goods come from another location is the counter's
    business at the pickup store (an arrival once shipped), not an order to accept, pick or
    hand over there: the tablet once offered 'Accept' on it, which the core refuses."""
    counts = {"counts": [{"location": "WH-LYS", "sku": JNS, "on_hand": 0}]}
    assert network.client.post("/api/v1/stock/counts", json=counts, headers=network.admin).status_code == 201
    order = network.place([(JNS, 1)], method="click_collect", store="LYS-01")  # only PAR-01 has jeans
    parcel = next(f for f in order["fulfilments"] if f["delivery_method"] == "ship_to_store")
    own = shop.order([(TEE, 1)])
    assert parcel["location"] == "PAR-01" and shop.app.cache.fulfilment(parcel["id"]) is not None
    assert [v["id"] for v in shop.app.work_here()] == [own]
    assert shop.app.cache.fulfilment_ids("assigned", "LYS-01") == {own}  # the chime's "new order to accept"
    refused = shop.work.accept(shop.associate, parcel["id"])
    assert refused.tone is Tone.ERROR and "prepared at Paris Rivoli and shipped here for collection" in refused.message
    assert shop.app.cache.pending_count() == 0
    assert shop.work.accept(shop.associate, own).tone is Tone.OK


def test_what_waits_to_be_sent_is_listed_in_words_oldest_first_until_the_core_confirms_it(shop):
    """The badge says "4 to send": the settings screen says which actions, done by whom, when."""
    fid = shop.order([(TEE, 2)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5), PlannedParcel("M", 0.3)])
    waiting = shop.work.waiting()
    assert [w["what"] for w in waiting] == ["Accept W-000001", "Pick 1 × T-shirt blue M for W-000001",
                                            "Pick 1 × T-shirt blue M for W-000001", "Pack W-000001 in 2 parcels"]
    assert {w["staff"] for w in waiting} == {"Staff S001"} and all(w["since"] for w in waiting)  # a name, not a code
    shop.sync()
    assert shop.work.waiting() == []


def test_a_double_tap_on_give_back_gives_back_once_and_a_second_give_back_is_its_own(shop, network):
    fid = shop.order([(TEE, 3)])
    shop.work.accept(shop.associate, fid)
    for _ in range(2):  # the same opening of the dialog: one give-back
        tapped = shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 1}, mutation_id="00000000-0000-4000-8000-000000000001")
        assert tapped.tone is Tone.OK
    assert shop.app.cache.fulfilment(fid)["lines"][0]["qty"] == 2
    shop.sync()
    served = network.client.get(f"/api/v1/fulfilments/{fid}", headers=network.admin).json()
    assert served["lines"][0]["qty"] == 2
    shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 1}, mutation_id="00000000-0000-4000-8000-000000000002")
    shop.sync()
    assert shop.app.cache.server_fulfilment(fid)["lines"][0]["qty"] == 1


def test_a_give_back_waiting_to_be_sent_says_why_in_the_associate_s_words(shop):
    fid = shop.order([(TEE, 2)])
    shop.work.reject(shop.associate, fid, "damaged", lines={TEE: 1})
    assert [w["what"] for w in shop.work.waiting()] == ["Give back some items of W-000001: Item damaged"]


def test_after_a_long_outage_the_settings_screen_says_how_many_actions_wait_not_how_many_it_lists(shop):
    """The badge says "120 to send": the list shows the oldest 100, its heading the 120."""
    for on_hand in range(120):
        shop.app.cache.enqueue("count", shop.associate.code, None, {"sku": TEE, "on_hand": on_hand})
    listed = shop.work.waiting()
    assert len(listed) == 100 and listed[0]["what"] == f"Count of {TEE}: 0"  # oldest first
    assert shop.work.waiting_said(len(listed)) == (
        "120 actions, kept on this device until the system confirms them; they are sent in this order as soon as "
        "it answers. The oldest 100 are listed.")


def test_parcels_share_the_order_s_weight_and_keep_their_boxes():
    one = [PlannedParcel("L", 1.2)]
    assert shared(one, 1.2, 2) == [PlannedParcel("L", 0.6), PlannedParcel("M", 0.6)]  # not 1.2 + 0.6
    assert shared(shared(one, 1.2, 2), 1.2, 1) == [PlannedParcel("L", 1.2)]
    assert len(shared(one, 1.2, 50)) == 20 and shared(one, 1.2, 0) == [PlannedParcel("L", 1.2)]


def test_a_pick_list_scan_goes_with_the_oldest_order_whatever_order_they_were_chosen_in(shop):
    older, newer = shop.order([(TEE, 1)]), shop.order([(TEE, 1)])
    for fid in (older, newer):
        shop.work.accept(shop.associate, fid)
    said = shop.work.scan_for_list(shop.associate, [newer, older], TEE_EAN)  # the newer ticked first
    assert said.message.endswith("(put it with W-000001)")
    assert shop.app.cache.fulfilment(older)["status"] == "picked"


def test_a_second_tap_on_void_after_the_sync_keeps_the_labels_the_first_tap_made(shop):
    # Online the engine syncs as soon as the first tap queues the void, and the outbox lets it go:
    # a second tap of the same dialog made other tracking numbers, which the core then refused.
    fid = shop.order([(TEE, 1)])
    shop.work.accept(shop.associate, fid)
    shop.work.scan(shop.associate, fid, TEE_EAN)
    shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
    shop.sync()
    mid = "00000000-0000-4000-8000-0000000000bb"
    shop.work.void_labels(shop.associate, fid, mid)
    made = shop.app.cache.fulfilment(fid)["parcels"][0]["tracking_number"]
    shop.sync()
    second = shop.work.void_labels(shop.associate, fid, mid)
    zpl = next(d.content for d in second.documents if d.media_type == "application/zpl")
    assert made.encode() in zpl  # the labels the first tap printed
    shop.sync()
    assert shop.app.cache.rejections() == []
    assert shop.app.cache.server_fulfilment(fid)["parcels"][0]["tracking_number"] == made


def test_giving_back_more_units_than_the_line_holds_is_refused_at_once(shop):
    # The core refuses it (too_many): the tablet showed the order given back until the next sync.
    fid = shop.order([(TEE, 3)])
    shop.work.accept(shop.associate, fid)
    said = shop.work.reject(shop.associate, fid, "out_of_stock", {TEE: 5})
    assert said.refused and said.message == "Only 3 × T-shirt blue M to give back in W-000001"
    assert shop.app.cache.pending_count() == 1  # the accept only
    assert shop.app.cache.fulfilment(fid)["status"] == "accepted"
