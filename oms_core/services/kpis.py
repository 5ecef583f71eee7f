"""KPIs of a period: the cohort of orders placed in it, read back from the
record batch by batch (so a long period never sits in memory whole) and
folded by domain/kpis.py."""

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from ..domain.kpis import FulfilmentFacts, Kpis, KpiTally, OrderHistory, Step
from ..models import Event, Fulfilment, FulfilmentLine, Location, OrderLine, utcnow
from . import routing_profiles

_BATCH = 500  # orders read per round trip; also under every bind-parameter limit

_events = Event.__table__


@dataclass(frozen=True)
class Report:
    total: Kpis
    days: dict[date, Kpis]  # by the network's local day; empty unless a daily series was asked for


def report(session: Session, location: str | None, start: datetime, end: datetime, daily: bool) -> Report:
    """KPIs of the orders placed in [start, end), for one location or the network."""
    as_of = utcnow()
    total = KpiTally(location, as_of)
    days: dict[date, KpiTally] = {}
    # The network's days, as its promises and stores count them (midnight in its time zone, not UTC).
    zone = routing_profiles.network_zone(session)
    for history in histories(session, location, start, end):
        total.add(history)
        if daily:
            day = history.created.at.astimezone(zone).date()
            days.setdefault(day, KpiTally(location, as_of)).add(history)
    return Report(total.result(), {day: tally.result() for day, tally in sorted(days.items())})


def as_json(kpis: Kpis) -> dict:
    return asdict(kpis)


def histories(session: Session, location: str | None, start: datetime, end: datetime) -> Iterator[OrderHistory]:
    """The timelines of the orders placed in [start, end) (those the location
    was given a fulfilment of), oldest first."""
    after: tuple[datetime, str] | None = None
    while True:
        batch = session.execute(_cohort(location, start, end, after).limit(_BATCH)).all()
        if not batch:
            return
        yield from _load(session, [order_id for _, order_id in batch])
        after = tuple(batch[-1])  # type: ignore[assignment]
        if len(batch) < _BATCH:
            return


def _load(session: Session, order_ids: list[str]) -> Iterator[OrderHistory]:
    units = dict(session.execute(
        select(OrderLine.order_id, func.sum(OrderLine.qty)).where(OrderLine.order_id.in_(order_ids))
        .group_by(OrderLine.order_id)
    ).all())
    facts: dict[str, dict[str, FulfilmentFacts]] = {order_id: {} for order_id in order_ids}
    for row in session.execute(
        select(Fulfilment.id, Fulfilment.order_id, Fulfilment.location, Fulfilment.delivery_method,
               Fulfilment.arrived_from, Location.type, func.coalesce(func.sum(FulfilmentLine.qty), 0))
        .join(Location, Location.code == Fulfilment.location)
        .outerjoin(FulfilmentLine, FulfilmentLine.fulfilment_id == Fulfilment.id)
        .where(Fulfilment.order_id.in_(order_ids))
        .group_by(Fulfilment.id, Fulfilment.order_id, Fulfilment.location, Fulfilment.delivery_method,
                  Fulfilment.arrived_from, Location.type)
    ):
        fid, order_id, location, method, arrived_from, location_type, fulfilment_units = row
        facts[order_id][fid] = FulfilmentFacts(location, location_type == "store", method, int(fulfilment_units),
                                               arrived_from)
    steps: dict[str, list[Step]] = {order_id: [] for order_id in order_ids}
    for e in session.execute(
        select(_events).where(_events.c.order_id.in_(order_ids)).order_by(_events.c.at, _events.c.id)
    ).mappings():
        steps[e["order_id"]].append(Step(e["kind"], e["at"], e["fulfilment_id"], e["to_status"], e["actor"],
                                         e["actor_role"], e["reason"], e["details"]))
    for order_id in order_ids:
        yield OrderHistory(order_id, int(units.get(order_id, 0)), facts[order_id], steps[order_id])


def _cohort(location: str | None, start: datetime, end: datetime, after: tuple[datetime, str] | None):  # noqa: ANN202
    created = _events.c
    query = (
        select(created.at, created.order_id)
        .where(created.kind == "order.created", created.at >= start, created.at < end)
        .order_by(created.at, created.order_id)
    )
    if after is not None:
        query = query.where(or_(created.at > after[0], and_(created.at == after[0], created.order_id > after[1])))
    if location is not None:
        given = aliased(_events)
        query = query.where(exists().where(
            given.c.order_id == created.order_id, given.c.kind == "fulfilment.assigned", given.c.location == location
        ))
    return query
