from datetime import UTC, datetime, timedelta

from app.queue import Stage, Urgency, cards, countdown

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


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
    ], {"A": {"name": "Jeans"}}, NOW)
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
