"""Dates as associates read them, from whatever stamp the core or the cache keeps."""

from datetime import UTC, date, datetime

from app.dates import StoreTime
from app.insights import moment_of
from app.work import PlannedParcel
from tests.api.conftest import TEE, TEE_EAN
from tests.printing.conftest import page_text, write
from tests.ui.conftest import Shop

TODAY = date(2026, 12, 7)
PARIS = StoreTime.named("Europe/Paris")  # the network's time zone, as the sync says it


def test_a_moment_is_said_in_the_store_s_time_a_day_without_one(on_a_utc_machine):
    readable = PARIS.readable
    assert readable("2026-12-05T10:03:00+00:00", TODAY) == "5 Dec 11:03"
    assert readable("2026-12-05T10:03:00Z", TODAY) == "5 Dec 11:03"
    assert readable("2026-12-05T10:03:00", TODAY) == "5 Dec 11:03"  # the core's UTC, without its zone
    assert readable(datetime(2026, 12, 5, 23, 30, tzinfo=UTC), TODAY) == "6 Dec 00:30"  # the store's day
    assert readable("2026-12-05", TODAY) == "5 Dec"
    assert readable(date(2025, 12, 31), TODAY) == "31 Dec 2025"  # another year says which


def test_the_store_s_today_is_the_network_s_whatever_the_machine_s_zone(on_a_utc_machine):
    """23:30 UTC on New Year's Eve is already 1 January in Paris: the store's today, and this
    year's dates said without their year."""
    paris = StoreTime.named("Europe/Paris", clock=lambda: datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert paris.today() == date(2027, 1, 1)
    assert paris.readable("2027-01-01T08:00:00+00:00") == "1 Jan 09:00"
    assert paris.midnight(date(2027, 1, 1)) == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)


def test_before_a_first_sync_the_device_s_own_zone_stands_in(in_paris):
    """No zone from the core yet (or one this device has no data for): the device's own."""
    for zone in (None, "Mars/Olympus_Mons"):
        assert StoreTime.named(zone).readable("2026-12-05T10:03:00Z", TODAY) == "5 Dec 11:03"
    # By the device's own rules on that day (summer time then, whatever the season now).
    assert StoreTime.named(None).midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


NETWORK = {"LYS-01": {"name": "Lyon Bellecour"}}


def test_the_timeline_says_what_happened_in_the_associate_s_words(on_a_utc_machine):
    # A moment of this year in the store's zone (on New Year's Eve UTC is still in the old year for an hour).
    at = f"{PARIS.today().year}-12-05T09:03:00+00:00"
    picked = moment_of({"kind": "fulfilment.pick", "from_status": "picking", "to_status": "picked",
                        "actor": "LYS-01/S001", "actor_role": "associate", "location": "LYS-01", "reason": None,
                        "at": at}, NETWORK, PARIS)
    assert (picked.at, picked.what, picked.where, picked.why) == ("5 Dec 10:03", "Picked by S001", "Lyon Bellecour", "")
    started = moment_of({"kind": "fulfilment.pick", "to_status": "picking", "actor": "LYS-01/S001",
                         "location": "LYS-01", "at": at}, NETWORK, PARIS)
    assert started.what == "Picking started by S001"
    given_back = moment_of({"kind": "fulfilment.reject", "to_status": "rejected", "actor": "LYS-01/S002",
                            "location": "LYS-01", "reason": "out_of_stock", "at": at}, NETWORK, PARIS)
    assert (given_back.what, given_back.why) == ("Given back by S002", "Item not found on the shelf")
    cancelled = moment_of({"kind": "order.cancelled", "actor": "system", "location": None,
                           "reason": "not_collected", "at": at}, NETWORK, PARIS)
    assert (cancelled.what, cancelled.where, cancelled.why) == (
        "Order cancelled by the system", "—", "Not collected in time")
    placed = moment_of({"kind": "order.created", "actor": "webshop", "location": None, "at": at}, NETWORK, PARIS)
    assert placed.what == "Order placed by webshop"
    new_kind = moment_of({"kind": "fulfilment.gift_wrapped", "actor": "PAR-01/S007", "location": "LYS-01",
                          "at": at}, NETWORK, PARIS)
    assert new_kind.what == "Gift wrapped by S007 (PAR-01)"  # no raw event name, even for one not known here
    # By name once the core gives it; staff of a store acting for the order as a whole say which store.
    named = moment_of({"kind": "fulfilment.pick", "to_status": "picked", "actor": "LYS-01/S001", "actor_name": "Hugo",
                       "location": "LYS-01", "at": at}, NETWORK, PARIS)
    assert named.what == "Picked by Hugo"
    at_the_aisle = moment_of({"kind": "order.created", "actor": "LYS-01/S001", "actor_name": "Hugo",
                              "location": None, "at": at}, NETWORK, PARIS)
    assert at_the_aisle.what == "Order placed by Hugo (Lyon Bellecour)"


def test_the_carrier_manifest_is_numbered_and_dated_by_the_network_s_day(network, tmp_path, on_a_utc_machine):
    """Half past midnight in Paris on 24 November (23:30 UTC on the 23rd), on a store PC set to UTC:
    the manifest the driver signs is the 24th's."""
    shop = Shop(network, tmp_path, clock=lambda: datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    try:
        fid = shop.order([(TEE, 1)])  # and the sync tells the network's zone
        shop.work.accept(shop.associate, fid)
        shop.work.scan(shop.associate, fid, TEE_EAN)
        shop.work.pack(shop.associate, fid, [PlannedParcel("M", 0.5)])
        (parcel,) = shop.app.cache.fulfilment(fid)["parcels"]
        shop.work.scan_parcel(shop.associate, parcel["tracking_number"])
        (manifest,) = shop.work.manifests.open()
        assert manifest["id"].startswith("M20261124-")
        closed = shop.work.close_manifest(shop.associate, manifest["id"])
        text = " ".join(page_text(write(tmp_path, closed.documents[0].content), 1).split())
        assert "Date 2026-11-24" in text
    finally:
        shop.app.cache.close()
