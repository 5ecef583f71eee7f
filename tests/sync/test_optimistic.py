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


def test_giving_back_part_of_a_set_gives_back_the_whole_set_as_the_core_does():
    kit = {**BASE, "status": "picking", "lines": [
        {"sku": "A", "qty": 2, "picked": 2, "ship_together": "SET-1 + SET-2"},
        {"sku": "B", "qty": 1, "picked": 0, "ship_together": None},
        {"sku": "C", "qty": 1, "picked": 0, "ship_together": "SET-1 + SET-2"},
    ]}
    view = effective(kit, [intent("reject", reason="out_of_stock", lines=[{"sku": "C", "qty": 1}])])
    assert view["status"] == "picking" and view["lines"] == [{"sku": "B", "qty": 1, "picked": 0, "ship_together": None}]
    # A line in no set goes back alone.
    view = effective(kit, [intent("reject", reason="damaged", lines=[{"sku": "B", "qty": 1}])])
    assert [(line["sku"], line["qty"]) for line in view["lines"]] == [("A", 2), ("C", 1)]
    # A set that is all the order: the order is given back.
    whole = {**kit, "lines": [kit["lines"][0], kit["lines"][2]]}
    given_back = effective(whole, [intent("reject", reason="damaged", lines=[{"sku": "A", "qty": 1}])])
    assert given_back["status"] == "rejected"


def test_cancelled_by_the_core_wins():
    cancelled = {**BASE, "status": "cancelled"}
    assert effective(cancelled, [intent("accept"), intent("pick")])["status"] == "cancelled"


READY = {**BASE, "status": "ready_for_pickup", "delivery_method": "click_collect", "shelf": "A1",
         "lines": [{"sku": "A", "qty": 2, "picked": 2}, {"sku": "B", "qty": 1, "picked": 1}]}


def test_a_partial_handover_leaves_the_rest_waiting_or_cancels_it():
    view = effective(READY, [intent("collect", lines=[{"sku": "A", "qty": 1}])])
    assert view["status"] == "ready_for_pickup"
    assert view["lines"] == [{"sku": "A", "qty": 1, "picked": 1}, {"sku": "B", "qty": 1, "picked": 1}]
    view = effective(READY, [intent("collect", lines=[{"sku": "A", "qty": 2}], rest="cancel", reason="customer_request")])
    assert view["status"] == "cancelled" and view["lines"] == [{"sku": "B", "qty": 1, "picked": 1}]
    # Without a reason the rest cannot be cancelled; too many is refused: nothing changes.
    assert effective(READY, [intent("collect", lines=[{"sku": "A", "qty": 1}], rest="cancel")]) == READY
    assert effective(READY, [intent("collect", lines=[{"sku": "A", "qty": 3}])]) == READY
    assert effective(READY, [intent("collect")])["status"] == "collected"


def test_ready_puts_it_on_the_shelf_and_moving_it_keeps_it_ready():
    picked = {**READY, "status": "picked", "shelf": None}
    assert effective(picked, [intent("ready", shelf="B4")])["shelf"] == "B4"
    moved = effective(READY, [intent("ready", shelf="C9")])
    assert (moved["status"], moved["shelf"]) == ("ready_for_pickup", "C9")
    assert effective(READY, [intent("receive", tracking_number="BR1")]) == READY  # the cache shows arrivals itself
