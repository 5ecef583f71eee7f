"""The tablet's view of a fulfilment: the core's state with unconfirmed actions on top."""

from local_db.optimistic import effective

BASE = {
    "id": "f1", "status": "assigned", "delivery_method": "home", "version": 1, "parcels": [],
    "carrier": None, "tracking_number": None,
    "lines": [{"sku": "A", "qty": 2, "picked": 0}, {"sku": "B", "qty": 1, "picked": 0}],
}


def intent(kind, **args):
    return {"type": kind, "args": args}


def test_actions_show_at_once_in_order():
    view = effective(BASE, [intent("accept"), intent("pick", items=[{"sku": "A", "qty": 1}])])
    assert view["status"] == "picking"
    assert [line["picked"] for line in view["lines"]] == [1, 0]
    view = effective(BASE, [intent("accept"), intent("pick"), intent("pack", parcels=[{"weight_kg": 1.0, "box": "M"}])])
    assert view["status"] == "packed" and view["parcels"] == [{"weight_kg": 1.0, "box": "M", "service": None}]
    assert BASE["status"] == "assigned" and BASE["lines"][0]["picked"] == 0  # the core's state is untouched


def test_refused_actions_are_left_out():
    # Over-pick, wrong item and an action out of order change nothing.
    view = effective(BASE, [
        intent("accept"),
        intent("pick", items=[{"sku": "A", "qty": 3}]),
        intent("pick", items=[{"sku": "Z", "qty": 1}]),
        intent("ship"),
    ])
    assert view["status"] == "accepted" and [line["picked"] for line in view["lines"]] == [0, 0]


def test_rejection_whole_and_partial():
    assert effective(BASE, [intent("reject", reason="damaged")])["status"] == "rejected"
    view = effective(BASE, [intent("accept"), intent("pick", items=[{"sku": "A", "qty": 2}]),
                            intent("reject", reason="out_of_stock", lines=[{"sku": "B", "qty": 1}])])
    assert view["status"] == "picked" and view["lines"] == [{"sku": "A", "qty": 2, "picked": 2}]


def test_cancelled_by_the_core_wins():
    cancelled = {**BASE, "status": "cancelled"}
    assert effective(cancelled, [intent("accept"), intent("pick")])["status"] == "cancelled"
