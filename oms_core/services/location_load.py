"""How busy each location is, for routing: the fulfilments given to it today,
those it has open, and the share of what it was given this past week that it
gave back (rejected or let expire).

Read without touching the fulfilments' history, whose size grows with the
business (a week at 10,000 orders a minute is 100 million fulfilments): what
was given and given back is counted as it happens, a row per location and day;
the open ones are counted through a partial index that holds only them.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import case, event, func, select
from sqlmodel import Session

from ..domain.routing import NO_LOAD, LocationLoad
from ..models import OPEN_FULFILMENT, Fulfilment, LocationDay, utcnow
from .cache import ProcessCache
from .db_util import add_up

# How far back a location's rejections count, and how many fulfilments its
# rate starts from (so that one early rejection does not condemn a new store).
WINDOW_DAYS = 7
REJECT_RATE_PRIOR = 5

_PENDING = "backroom_location_day"  # this transaction's counts, written just before it commits
_day = LocationDay.__table__
_fulfilment = Fulfilment.__table__


# Through ix_fulfilment_open, which holds the open fulfilments only.
OPEN_BY_LOCATION = (
    select(_fulfilment.c.location, func.count()).where(OPEN_FULFILMENT).group_by(_fulfilment.c.location)
)


def _read(session: Session) -> dict[str, LocationLoad]:
    today = utcnow().date()
    week = session.execute(
        select(_day.c.location, func.sum(case((_day.c.day == today, _day.c.given), else_=0)),
               func.sum(_day.c.given), func.sum(_day.c.gave_back))
        .where(_day.c.day > today - timedelta(days=WINDOW_DAYS))
        .group_by(_day.c.location)
    ).all()
    open_ = dict(session.execute(OPEN_BY_LOCATION).all())
    load = {location: LocationLoad(open=int(count)) for location, count in open_.items()}
    for location, today_given, given, gave_back in week:
        load[location] = LocationLoad(int(today_given), int(open_.get(location, 0)),
                                      int(gave_back) / (int(given) + REJECT_RATE_PRIOR))
    return load


# Read every few seconds; this process counts what it gives meanwhile itself.
cache = ProcessCache(_read, check_every_s=5.0)


def given(session: Session, locations: Iterable[str]) -> None:
    """Each of `locations` was given a fulfilment (routing, in this transaction)."""
    locations = list(locations)
    for location in locations:
        _count(session, location, "given")
    cache.change(session, lambda load: _with_given(load, locations))


def gave_back(session: Session, location: str) -> None:
    """`location` rejected a fulfilment or let it expire (in this transaction)."""
    _count(session, location, "gave_back")


def _with_given(load: dict[str, LocationLoad], locations: list[str]) -> dict[str, LocationLoad]:
    load = dict(load)
    for location in locations:
        was = load.get(location, NO_LOAD)
        load[location] = replace(was, assigned_today=was.assigned_today + 1, open=was.open + 1)
    return load


def _count(session: Session, location: str, what: str) -> None:
    counts = session.info.setdefault(_PENDING, {})
    counts.setdefault(location, {"given": 0, "gave_back": 0})[what] += 1


@event.listens_for(Session, "before_commit")
def _write_counts(session: Session) -> None:
    counts = session.info.pop(_PENDING, None)
    if not counts:
        return
    # Last, and in the order of the locations: a busy warehouse's row stays locked
    # only until the commit, and transactions counting the same locations lock
    # their rows in the same order (they queue, never deadlock).
    session.flush()
    today = utcnow().date()
    add_up(session, _day, [{"day": today, "location": location, **counted}
                           for location, counted in sorted(counts.items())], keys=("day", "location"))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
