from datetime import UTC, datetime, timedelta

import pytest

from app.dates import StoreTime
from app.queue import Stage, Urgency, cards, countdown, stage_of, to_pick_together
from contract.fulfilment import TRANSITIONS, Action
from contract.fulfilment import FulfilmentStatus as S

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
PARIS = StoreTime.named("Europe/Paris")  # the network's time zone, as the sync says it


def view(fid, status, created_minutes_ago=30, accept_in=None, updated=NOW):
    created = NOW - timedelta(minutes=created_minutes_ago)
    return {
        "id": fid, "status": status, "delivery_method": "home",
        "created_at": created.isoformat(), "updated_at": updated.isoformat(),
        "accept_by": (NOW + timedelta(minutes=accept_in)).isoformat() if accept_in is not None else None,
        "lines": [{"sku": "A", "qty": 2, "picked": 0}],
        "order": {"external_ref": f"W-{fid}", "customer": {"name": "Ana"}},
    }


def test_stages_and_urgency():
    queue = cards([
        view("1", "assigned", accept_in=40),
        view("2", "assigned", accept_in=10),
        view("3", "assigned", accept_in=-5),
        view("4", "picking", created_minutes_ago=60),
        view("5", "packed", created_minutes_ago=250),
        view("6", "shipped"),
        view("7", "shipped", updated=NOW - timedelta(days=1)),
        view("8", "cancelled"),
    ], {"A": {"name": "Jeans"}}, NOW, PARIS)
    assert [c.order_ref for c in queue[Stage.TO_ACCEPT]] == ["W-3", "W-2", "W-1"]  # most urgent first
    assert [(c.urgency, c.countdown) for c in queue[Stage.TO_ACCEPT]] == [
        (Urgency.LATE, "5 min late"), (Urgency.SOON, "10 min left"), (Urgency.CALM, "40 min left")]
    assert [c.order_ref for c in queue[Stage.TO_PICK]] == ["W-4"]
    assert queue[Stage.TO_PICK][0].countdown == "3 h 00 left"
    assert queue[Stage.TO_HAND_OVER][0].urgency is Urgency.LATE
    assert [c.order_ref for c in queue[Stage.DONE_TODAY]] == ["W-8", "W-6"]  # yesterday's has left
    assert queue[Stage.TO_ACCEPT][0].lines == (("Jeans", 2),)


def test_countdown_without_a_due_time_is_calm():
    assert countdown(None, NOW) == (Urgency.CALM, "")


PARCEL_STAGES = {  # home delivery, or shipped to the customer's pickup store: packed, then to the carrier
    S.ASSIGNED: Stage.TO_ACCEPT, S.ACCEPTED: Stage.TO_PICK, S.PICKING: Stage.TO_PICK, S.PICKED: Stage.TO_PACK,
    S.PACKED: Stage.TO_HAND_OVER, S.SHIPPED: Stage.DONE_TODAY,
    S.REJECTED: Stage.DONE_TODAY, S.EXPIRED: Stage.DONE_TODAY, S.CANCELLED: Stage.DONE_TODAY,
}
PICKUP_STAGES = {  # click & collect here: made ready on the pickup shelf, then to the customer
    S.ASSIGNED: Stage.TO_ACCEPT, S.ACCEPTED: Stage.TO_PICK, S.PICKING: Stage.TO_PICK, S.PICKED: Stage.TO_MAKE_READY,
    S.READY_FOR_PICKUP: Stage.READY_FOR_PICKUP, S.COLLECTED: Stage.DONE_TODAY,
    S.REJECTED: Stage.DONE_TODAY, S.EXPIRED: Stage.DONE_TODAY, S.CANCELLED: Stage.DONE_TODAY,
}


def _reachable(collected_here: bool) -> set[S]:
    """Every status the state machine lets a fulfilment of this kind reach."""
    reached = {S.ASSIGNED}
    for action, rule in TRANSITIONS.items():
        if (rule.home_only and collected_here) or (rule.pickup_only and not collected_here):
            continue
        reached |= {S.PICKING, S.PICKED} if action is Action.PICK else {rule.target}
    return reached


@pytest.mark.parametrize(("method", "expected"), [
    ("home", PARCEL_STAGES), ("ship_to_store", PARCEL_STAGES), ("click_collect", PICKUP_STAGES)])
def test_each_status_of_each_kind_waits_in_its_stage(method, expected):
    assert set(expected) == _reachable(method == "click_collect")  # a new status needs a stage here
    stages = {status: stage_of({**view("1", status), "delivery_method": method}, NOW, PARIS) for status in expected}
    assert stages == expected


def test_a_picked_click_and_collect_order_is_made_ready_not_packed():
    queue = cards([{**view("1", "picked"), "delivery_method": "click_collect"}, view("2", "picked")], {}, NOW, PARIS)
    assert [c.order_ref for c in queue[Stage.TO_MAKE_READY]] == ["W-1"]
    assert [c.order_ref for c in queue[Stage.TO_PACK]] == ["W-2"]


def test_orders_to_pick_together_come_most_urgent_first_with_what_is_left():
    later, sooner = view("1", "accepted", created_minutes_ago=30), view("2", "picking", created_minutes_ago=200)
    sooner["lines"] = [{"sku": "A", "qty": 2, "picked": 1}, {"sku": "B", "qty": 1, "picked": 0}]
    assert [said for _, said in to_pick_together([later, sooner], NOW)] == [
        "W-2 · 2 items to pick · 40 min left", "W-1 · 2 items to pick · 3 h 30 left"]


def test_done_today_is_the_network_s_day_whatever_the_machine_s_zone(on_a_utc_machine):
    # 01:10 in Paris on 24 Nov (00:10 UTC): an order shipped at 00:30 Paris time is today's; one
    # shipped at 23:50 Paris time the day before is not (it was by the UTC day of the machine).
    now = datetime(2026, 11, 24, 0, 10, tzinfo=UTC)
    shipped = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert stage_of(view("1", "shipped", updated=shipped), now, PARIS) is Stage.DONE_TODAY
    assert stage_of(view("2", "shipped", updated=datetime(2026, 11, 23, 22, 50, tzinfo=UTC)),
                    datetime(2026, 11, 23, 23, 20, tzinfo=UTC), PARIS) is None
