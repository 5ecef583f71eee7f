"""Dates as associates read them, from whatever stamp the core or the cache keeps."""

from datetime import UTC, date, datetime


from app.dates import readable
from app.insights import moment_of

TODAY = date(2026, 12, 7)



def test_a_moment_is_said_in_the_store_s_time_a_day_without_one(in_paris):
    assert readable("2026-12-05T10:03:00+00:00", TODAY) == "5 Dec 11:03"
    assert readable("2026-12-05T10:03:00Z", TODAY) == "5 Dec 11:03"
    assert readable("2026-12-05T10:03:00", TODAY) == "5 Dec 11:03"  # the core's UTC, without its zone
    assert readable(datetime(2026, 12, 5, 23, 30, tzinfo=UTC), TODAY) == "6 Dec 00:30"  # the store's day
    assert readable("2026-12-05", TODAY) == "5 Dec"
    assert readable(date(2025, 12, 31), TODAY) == "31 Dec 2025"  # another year says which


NETWORK = {"LYS-01": {"name": "Lyon Bellecour"}}


def test_the_timeline_says_what_happened_in_the_associate_s_words(in_paris):
    # A moment of this year in the store's zone (read once the zone is Paris's: on New Year's Eve
    # UTC is still in the old year for an hour).
    at = f"{date.today().year}-12-05T09:03:00+00:00"
    picked = moment_of({"kind": "fulfilment.pick", "from_status": "picking", "to_status": "picked",
                        "actor": "LYS-01/S001", "actor_role": "associate", "location": "LYS-01", "reason": None,
                        "at": at}, NETWORK)
    assert (picked.at, picked.what, picked.where, picked.why) == ("5 Dec 10:03", "Picked by S001", "Lyon Bellecour", "")
    started = moment_of({"kind": "fulfilment.pick", "to_status": "picking", "actor": "LYS-01/S001",
                         "location": "LYS-01", "at": at}, NETWORK)
    assert started.what == "Picking started by S001"
    given_back = moment_of({"kind": "fulfilment.reject", "to_status": "rejected", "actor": "LYS-01/S002",
                            "location": "LYS-01", "reason": "out_of_stock", "at": at}, NETWORK)
    assert (given_back.what, given_back.why) == ("Given back by S002", "Item not found on the shelf")
    cancelled = moment_of({"kind": "order.cancelled", "actor": "system", "location": None,
                           "reason": "not_collected", "at": at}, NETWORK)
    assert (cancelled.what, cancelled.where, cancelled.why) == (
        "Order cancelled by the system", "—", "Not collected in time")
    placed = moment_of({"kind": "order.created", "actor": "webshop", "location": None, "at": at}, NETWORK)
    assert placed.what == "Order placed by webshop"
    new_kind = moment_of({"kind": "fulfilment.gift_wrapped", "actor": "PAR-01/S007", "location": "LYS-01",
                          "at": at}, NETWORK)
    assert new_kind.what == "Gift wrapped by S007 (PAR-01)"  # no raw event name, even for one not known here
    # By name once the core gives it; staff of a store acting for the order as a whole say which store.
    named = moment_of({"kind": "fulfilment.pick", "to_status": "picked", "actor": "LYS-01/S001", "actor_name": "Hugo",
                       "location": "LYS-01", "at": at}, NETWORK)
    assert named.what == "Picked by Hugo"
    at_the_aisle = moment_of({"kind": "order.created", "actor": "LYS-01/S001", "actor_name": "Hugo",
                              "location": None, "at": at}, NETWORK)
    assert at_the_aisle.what == "Order placed by Hugo (Lyon Bellecour)"
