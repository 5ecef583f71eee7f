"""The change feed: every change a store must hear about, numbered in commit
order, so that a reader following it by number can never skip one.

Services call `record()`. The rows are written in the same transaction as the
change itself, without a number; numbering ("sequencing") happens once they
are committed:

- SQLite: writers are serialised, so the rows are numbered just before the
  commit, in the same transaction.
- PostgreSQL: transactions commit in parallel, so numbers taken inside them
  would not follow commit order. Right after each commit, the worker numbers
  every committed, unnumbered row under an advisory lock; sequencers run one
  at a time and each sees all earlier commits, so numbers only ever grow in
  the order readers can see them. One sequencer pass serves every commit that
  happened meanwhile, and no order transaction waits on another.
"""

import json
import threading
from collections.abc import Callable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, insert, text, update
from sqlalchemy.pool import Pool
from sqlmodel import Session

from ..models import Change, utcnow

NETWORK = "*"
NOTIFY_CHANNEL = "backroom_changes"
_SEQUENCER_LOCK = 7_204_201  # any constant shared by all workers
_PENDING = "backroom_pending_changes"
_COMMITTED = "backroom_committed_scopes"

# Called with the scopes that changed once their changes are numbered (live sync hooks in here).
_sequenced_hooks: list[Callable[[set[str]], None]] = []

# Lock, number and notify in one round trip (migration 0011), in a transaction of its own.
_SEQUENCE_POSTGRES = text("SELECT backroom_sequence_changes(:lock_key, :channel, :scopes)")
_change = Change.__table__
# SQLite serialises writers: the commit's rows take their ids as numbers. On the
# table's own columns, so that it skips the ORM's bulk-update layer.
_NUMBER_SQLITE = update(_change).where(_change.c.seq.is_(None)).values(seq=_change.c.id)


def record(session: Session, scope: str, entity: str, entity_id: str, op: str = "upsert") -> None:
    pending = session.info.setdefault(_PENDING, {})
    # One row per entity and transaction: the feed says "look again", not how.
    pending[(scope, entity, entity_id)] = op


def on_sequenced(hook: Callable[[set[str]], None]) -> Callable[[], None]:
    """Call `hook(scopes)` in this process after changes are numbered; returns the way to stop."""
    _sequenced_hooks.append(hook)
    return lambda: _sequenced_hooks.remove(hook)


def sequence_pending(engine: Engine, scopes: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    """Number committed changes that have no number yet (PostgreSQL; also run at start-up
    to finish the work of a worker that stopped between commit and sequencing), and
    tell every worker's live streams which stores changed."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection:
        # Autocommit for this checkout only: an engine made with the option on each
        # call cost about a quarter of the pass's CPU.
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(
            _SEQUENCE_POSTGRES,
            {"lock_key": _SEQUENCER_LOCK, "channel": NOTIFY_CHANNEL,
             "scopes": json.dumps(sorted(scopes)) if scopes else None},
        )


class _Passes:
    """Sequencing passes of this process on one database, one at a time. A commit
    waits for a pass that began after it; one pass serves every commit made before
    it began. Under load many commits find their rows numbered by a neighbour's
    pass and skip their own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the counters and scopes
        self._one_at_a_time = threading.Lock()
        self._committed = 0  # commits announced
        self._numbered = 0  # commits whose rows a finished pass numbered
        self._scopes: set[str] = set()

    def after_commit(self, engine: Engine, scopes: set[str]) -> None:
        with self._lock:
            self._committed += 1
            mine = self._committed
            self._scopes |= scopes
        with self._one_at_a_time:
            if self._numbered >= mine:
                return
            with self._lock:
                upto, todo, self._scopes = self._committed, self._scopes, set()
            try:
                sequence_pending(engine, todo)
            except BaseException:
                with self._lock:
                    self._scopes |= todo  # told by the next pass
                raise
            self._numbered = upto


_passes: WeakKeyDictionary[Pool, _Passes] = WeakKeyDictionary()
_passes_lock = threading.Lock()


def _passes_for(engine: Engine) -> _Passes:
    with _passes_lock:
        return _passes.setdefault(engine.pool, _Passes())


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    pending = session.info.get(_PENDING)
    if not pending:
        return
    now = utcnow()
    session.execute(
        insert(_change),
        [
            {"scope": scope, "entity": entity, "entity_id": entity_id, "op": op, "at": now}
            for (scope, entity, entity_id), op in pending.items()
        ],
    )
    if session.get_bind().dialect.name != "postgresql":
        session.execute(_NUMBER_SQLITE)
    session.info[_COMMITTED] = {scope for scope, _, _ in pending}
    pending.clear()


@event.listens_for(Session, "after_transaction_end")
def _sequence(session: Session, transaction) -> None:  # noqa: ANN001
    # After the commit *and* after the session gave its connection back, so
    # that sequencing never needs a second connection from the pool.
    if transaction.parent is not None:
        return
    scopes = session.info.pop(_COMMITTED, None)
    if scopes:
        engine = session.get_bind()
        if engine.dialect.name == "postgresql":
            _passes_for(engine).after_commit(engine, scopes)
        for hook in list(_sequenced_hooks):
            hook(scopes)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_COMMITTED, None)
