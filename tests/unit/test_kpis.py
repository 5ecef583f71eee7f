"""KPI arithmetic on hand-written timelines, without HTTP or a database."""

from datetime import UTC, datetime, timedelta

from oms_core.domain.kpis import FulfilmentFacts, KpiTally, OrderHistory, Step

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def shipped(order_id: str, location: str, from_store: bool, ship_at: float, promised_by: float | None = None):
    created = {"promised_by": at(promised_by).isoformat()} if promised_by is not None else {}
    return OrderHistory(order_id, 1, {f"f-{order_id}": FulfilmentFacts(location, from_store, "home", 1)}, [
        Step("order.created", at(0), details=created),
        Step("fulfilment.assigned", at(0), f"f-{order_id}"),
        Step("fulfilment.ship", at(ship_at), f"f-{order_id}", "shipped"),
    ])


def waiting(order_id: str, promised_by: float):
    return OrderHistory(order_id, 1, {f"f-{order_id}": FulfilmentFacts("PAR-01", True, "home", 1)}, [
        Step("order.created", at(0), details={"promised_by": at(promised_by).isoformat()}),
        Step("fulfilment.assigned", at(0), f"f-{order_id}"),
    ])


def tally(*histories: OrderHistory, location: str | None = None, as_of: float = 600) -> KpiTally:
    kpis = KpiTally(location, at(as_of))
    for history in histories:
        kpis.add(history)
    return kpis


def test_warehouse_parcels_do_not_count_as_shipped_from_store():
    result = tally(shipped("a", "PAR-01", True, 30), shipped("b", "WH-LYS", False, 30),
                   shipped("c", "WH-LYS", False, 30)).result()
    assert (result.shipped_from_store.count, result.shipped_from_store.of) == (1, 3)


def test_a_promise_counts_once_kept_or_once_it_has_passed():
    late = shipped("late", "PAR-01", True, ship_at=300, promised_by=240)
    kept = shipped("kept", "PAR-01", True, ship_at=60, promised_by=240)
    overdue, ahead = waiting("overdue", promised_by=120), waiting("ahead", promised_by=900)
    result = tally(late, kept, overdue, ahead, as_of=600).result()
    assert (result.promise_kept.count, result.promise_kept.of) == (1, 3)


def test_on_time_is_within_the_prepare_window_of_being_given():
    result = tally(shipped("a", "PAR-01", True, 240), shipped("b", "PAR-01", True, 241)).result()
    assert (result.otif.count, result.otif.of) == (1, 2)


def test_a_location_counts_only_orders_it_was_given():
    result = tally(shipped("a", "PAR-01", True, 30), shipped("b", "LYS-01", True, 30), location="LYS-01").result()
    assert (result.orders, result.units_ordered, result.units_shipped) == (1, 1, 1)
