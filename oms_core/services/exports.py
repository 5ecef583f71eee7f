"""CSV exports for head office and store managers.

Rows stream from a server-side cursor (PostgreSQL) or SQLite's own
incremental cursor, `_BATCH` at a time, and leave as CSV text batch by batch:
an export of a year holds no more in memory than one batch.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, fields
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine, func, or_, select
from sqlmodel import Session

from ..core.db import streaming
from ..domain.kpis import Durations, Kpis, Ratio
from ..models import Event, Fulfilment, FulfilmentLine, Order, OrderLine
from . import kpis
from .order_lookup import seen_by

_BATCH = 1000
# Text a spreadsheet would run as a formula (a customer named =HYPERLINK(...), say). A phone
# number or an amount with its sign ("+33 6 12", "-5.00") is left as it is.
_FORMULA = re.compile(r"[=@\t\r]|[+-](?![\d\s().]*$)")


class Export(StrEnum):
    ORDERS = "orders"
    FULFILMENTS = "fulfilments"
    KPIS = "kpis"
    RETURNS = "returns"


def stream(engine: Engine, export: Export, location: str | None, start: datetime, end: datetime) -> Iterator[str]:
    """The export as CSV text, in pieces."""
    if export is Export.KPIS:
        return _csv(_KPI_HEADER, _kpi_rows(engine, location, start, end))
    header, query = _QUERIES[export](location, start, end)
    return _csv(header, _rows(engine, query))


def _orders(location: str | None, start: datetime, end: datetime):  # noqa: ANN202
    o = Order.__table__.c
    units = (select(OrderLine.order_id, func.sum(OrderLine.qty).label("units"))
             .group_by(OrderLine.order_id).subquery())
    query = (
        select(o.id, o.channel, o.external_ref, o.status, o.created_at, o.delivery_method, o.pickup_store,
               o.customer["name"].as_string(), o.customer["email"].as_string(), o.customer["phone"].as_string(),
               units.c.units, o.total_value, o.delivery_price)
        .join_from(Order.__table__, units, units.c.order_id == o.id)
        .where(o.created_at >= start, o.created_at < end)
        .order_by(o.created_at, o.id)
    )
    if location is not None:
        query = query.where(seen_by(location))
    header = ["order_id", "channel", "external_ref", "status", "created_at", "delivery_method", "pickup_store",
              "customer_name", "customer_email", "customer_phone", "units", "total_value", "delivery_price"]
    return header, query


def _fulfilments(location: str | None, start: datetime, end: datetime):  # noqa: ANN202
    f = Fulfilment.__table__.c
    lines = (select(FulfilmentLine.fulfilment_id, func.sum(FulfilmentLine.qty).label("units"),
                    func.sum(FulfilmentLine.picked).label("picked"))
             .group_by(FulfilmentLine.fulfilment_id).subquery())
    query = (
        select(f.id, f.order_id, Order.external_ref, f.location, f.status, f.delivery_method, f.ship_to,
               func.coalesce(lines.c.units, 0), func.coalesce(lines.c.picked, 0), f.carrier, f.tracking_number,
               f.created_at, f.updated_at)
        .join_from(Fulfilment.__table__, Order.__table__, Order.id == f.order_id)
        .outerjoin(lines, lines.c.fulfilment_id == f.id)
        .where(f.created_at >= start, f.created_at < end)
        .order_by(f.created_at, f.id)
    )
    if location is not None:
        query = query.where(or_(f.location == location, f.ship_to == location))
    header = ["fulfilment_id", "order_id", "external_ref", "location", "status", "delivery_method", "ship_to",
              "units", "picked", "carrier", "tracking_number", "created_at", "updated_at"]
    return header, query


def _returns(location: str | None, start: datetime, end: datetime):  # noqa: ANN202
    e = Event.__table__.c
    query = (
        select(e.at, e.order_id, e.kind, e.location, e.actor, e.reason, e.details)
        .where(e.kind.like("return.%"), e.at >= start, e.at < end)
        .order_by(e.at, e.id)
    )
    if location is not None:
        query = query.where(e.location == location)
    return ["at", "order_id", "kind", "location", "actor", "reason", "details"], query


_QUERIES = {Export.ORDERS: _orders, Export.FULFILMENTS: _fulfilments, Export.RETURNS: _returns}


def _rows(engine: Engine, query) -> Iterator[Sequence]:  # noqa: ANN001
    with streaming(engine) as conn:
        yield from conn.execution_options(stream_results=True, yield_per=_BATCH).execute(query)


def _kpi_columns() -> list[str]:
    """One column per figure: rates and durations flattened (`otif_rate`, `time_to_pick_p50_minutes`)."""
    columns = []
    for f in fields(Kpis):
        if f.type is Ratio:
            columns += [f"{f.name}_count", f"{f.name}_of", f"{f.name}_rate"]
        elif f.type is Durations:
            columns += [f"{f.name}_count", f"{f.name}_average_minutes", f"{f.name}_p50_minutes"]
        else:
            columns.append(f.name)
    return columns


_KPI_HEADER = ["day", *_kpi_columns()]


def _kpi_rows(engine: Engine, location: str | None, start: datetime, end: datetime) -> Iterator[list]:
    with Session(engine) as session:
        report = kpis.report(session, location, start, end, daily=True)
    for day, day_kpis in report.days.items():
        row: list = [day]
        for f in fields(Kpis):
            value = getattr(day_kpis, f.name)
            row += list(astuple(value)) if isinstance(value, Ratio | Durations) else [value]
        yield row


def _csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if n % _BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value  # a spreadsheet shows it as text instead of running it
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value
