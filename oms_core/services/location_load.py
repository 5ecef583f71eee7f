"""How busy each location is, for routing: the fulfilments given to it today,
those it has open, and the share of what it was given this past week that it
gave back (rejected or let expire).

Read without touching the fulfilments' history, whose size grows with the
business (a week at 10,000 orders a minute is 100 million fulfilments): what
was given and given back is counted as it happens, in a row per location and
day; the open ones are counted through a partial index that holds only them.

Each process adds up what its transactions committed and writes it at most
every WRITE_EVERY_S seconds, in one statement: an order sends no statement of
its own for it, and the busiest warehouse's row is not locked by every order
that goes there. What a process has not written yet is part of what it reads;
if it dies, up to that second's counts are lost (they only weigh routing).
"""

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, func, select
from sqlalchemy.pool import Pool
from sqlmodel import Session

from ..core.db import database_of, session_scope, writer_of
from ..domain.routing import NO_LOAD, LocationLoad
from ..models import OPEN_FULFILMENT, Fulfilment, LocationDay, utcnow
from .cache import ProcessCache
from .db_util import add_up

# How far back a location's rejections count, and how many fulfilments its
# rate starts from (so that one early rejection does not condemn a new store).
WINDOW_DAYS = 7
REJECT_RATE_PRIOR = 5
WRITE_EVERY_S = 1.0
_GIVEN, _GAVE_BACK = 0, 1  # places in a location's counts

log = logging.getLogger("backroom.location_load")

_PENDING = "backroom_location_counts"  # this transaction's counts, {location: [given, gave back]}
_COUNTED = "backroom_location_counted"  # it committed some: write them if it is time
_day = LocationDay.__table__
_fulfilment = Fulfilment.__table__
# Through ix_fulfilment_open, which holds the open fulfilments only.
OPEN_BY_LOCATION = (
    select(_fulfilment.c.location, func.count()).where(OPEN_FULFILMENT).group_by(_fulfilment.c.location)
)


class _Unwritten:
    """What this process's transactions committed and it has not written yet, for one database."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[tuple[date, str], list[int]] = {}
        self.written_at = time.monotonic()

    def add(self, counts: dict[tuple[date, str], list[int]]) -> None:
        with self.lock:
            for key, (given, gave_back) in counts.items():
                kept = self.counts.setdefault(key, [0, 0])
                kept[0] += given
                kept[1] += gave_back

    def take(self, force: bool) -> dict[tuple[date, str], list[int]]:
        """The counts to write, if there are some and it is time (or `force`)."""
        with self.lock:
            if not self.counts or not (force or time.monotonic() - self.written_at >= WRITE_EVERY_S):
                return {}
            counts, self.counts, self.written_at = self.counts, {}, time.monotonic()
            return counts

    def since(self, first_day: date) -> dict[tuple[date, str], list[int]]:
        with self.lock:
            return {key: list(value) for key, value in self.counts.items() if key[0] >= first_day}


_unwritten: WeakKeyDictionary[Pool, _Unwritten] = WeakKeyDictionary()
_unwritten_lock = threading.Lock()


def _unwritten_for(bind: Engine) -> _Unwritten:
    with _unwritten_lock:
        return _unwritten.setdefault(database_of(bind), _Unwritten())


def write_counted(engine: Engine, force: bool = True) -> None:
    """Write what this process counted (at shutdown, and from tests); without `force`,
    only if WRITE_EVERY_S has passed since the last time."""
    unwritten = _unwritten_for(engine)
    counts = unwritten.take(force)
    if not counts:
        return
    # In the order of their keys: two processes writing at once never wait on each other in a cycle.
    rows = [{"day": day, "location": location, "given": given, "gave_back": gave_back}
            for (day, location), (given, gave_back) in sorted(counts.items())]
    try:
        with session_scope(writer_of(engine)) as session:
            add_up(session, _day, rows, keys=("day", "location"))
    except BaseException:
        unwritten.add(counts)  # written next time
        raise


def _read(session: Session) -> dict[str, LocationLoad]:
    today = utcnow().date()
    first_day = today - timedelta(days=WINDOW_DAYS - 1)
    written = session.execute(
        select(_day.c.day, _day.c.location, _day.c.given, _day.c.gave_back).where(_day.c.day >= first_day)
    ).all()
    unwritten = _unwritten_for(session.get_bind()).since(first_day)
    given_today, given, gave_back = Counter(), Counter(), Counter()
    for day, location, given_that_day, gave_back_that_day in [
        *written, *((day, location, *counts) for (day, location), counts in unwritten.items())
    ]:
        given_today[location] += given_that_day if day == today else 0
        given[location] += given_that_day
        gave_back[location] += gave_back_that_day
    open_ = dict(session.execute(OPEN_BY_LOCATION).all())
    return {
        location: LocationLoad(given_today[location], open_.get(location, 0),
                               gave_back[location] / (given[location] + REJECT_RATE_PRIOR))
        for location in given.keys() | open_.keys()
    }


# Read every few seconds; this process counts what it gives meanwhile itself.
cache = ProcessCache(_read, check_every_s=5.0)


def given(session: Session, locations: Iterable[str]) -> None:
    """Each of `locations` was given a fulfilment (routing, in this transaction)."""
    locations = list(locations)
    for location in locations:
        _count(session, location, _GIVEN)
    cache.change(session, lambda load: _with_given(load, locations))


def gave_back(session: Session, location: str) -> None:
    """`location` rejected a fulfilment or let it expire (in this transaction)."""
    _count(session, location, _GAVE_BACK)


def _with_given(load: dict[str, LocationLoad], locations: list[str]) -> dict[str, LocationLoad]:
    load = dict(load)
    for location in locations:
        was = load.get(location, NO_LOAD)
        load[location] = replace(was, assigned_today=was.assigned_today + 1, open=was.open + 1)
    return load


def _count(session: Session, location: str, what: int) -> None:
    session.info.setdefault(_PENDING, {}).setdefault(location, [0, 0])[what] += 1


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    counts = session.info.pop(_PENDING, None)
    if counts:
        today = utcnow().date()
        _unwritten_for(session.get_bind()).add({(today, location): value for location, value in counts.items()})
        session.info[_COUNTED] = True


@event.listens_for(Session, "after_transaction_end")
def _write_if_due(session: Session, transaction) -> None:  # noqa: ANN001
    # Once the session gave its connection back (and SQLite's write lock with it).
    if transaction.parent is None and session.info.pop(_COUNTED, False):
        try:
            write_counted(session.get_bind(), force=False)
        except Exception:  # noqa: BLE001 - the caller's own work is committed: it must not hear of this
            log.warning("writing the locations' counts failed; kept for the next try", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
