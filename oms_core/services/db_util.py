"""Small helpers shared by services: portable bulk upsert, counters, existence checks,
deletes in batches, and the fingerprint that tells a retried request from another one."""

import hashlib
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache

from sqlalchemy import Column, ColumnElement, Engine, Select, Table, bindparam, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from contract.errors import InvalidInput

from ..core.db import session_scope


def _insert_for(session: Session, table: Table):
    if session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


def upsert(session: Session, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE every other given column."""
    if not rows:
        return
    stmt = _insert_for(session, table)
    updated = [c for c in rows[0] if c not in keys]
    if updated:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in updated}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(stmt, list(rows))


@lru_cache(maxsize=None)
def _adding(dialect: str, table: Table, keys: tuple[str, ...], counted: tuple[str, ...]):
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={c: table.c[c] + stmt.excluded[c] for c in counted})


def add_up(session: Session, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE: every other given column is added to
    what the row holds (counters). The statement is built once per table and engine kind."""
    if rows:
        counted = tuple(c for c in rows[0] if c not in keys)
        session.execute(_adding(session.get_bind().dialect.name, table, tuple(keys), counted), list(rows))


def insert_missing(session: Session, table: Table, rows: Sequence[dict], keys: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO NOTHING."""
    if rows:
        stmt = _insert_for(session, table).on_conflict_do_nothing(index_elements=list(keys))
        session.execute(stmt, list(rows))


@lru_cache(maxsize=None)
def _present(column: Column) -> Select:
    """Which of the given values the column holds: built once, as every order asks it."""
    return select(column).where(column.in_(bindparam("values", expanding=True)))


def require_known(session: Session, column, values: Iterable[str], code: str, what: str) -> None:
    """Raise InvalidInput naming every value that the column does not hold."""
    wanted = set(values)
    if not wanted:
        return
    found: set[str] = set()
    ordered = sorted(wanted)
    present = _present(column.table.c[column.key])  # the bare table column: no ORM layer on the way
    for start in range(0, len(ordered), 500):  # stay under bind-parameter limits
        found.update(session.execute(present, {"values": ordered[start : start + 500]}).scalars())
    refuse_unknown(wanted - found, code, what)


def refuse_unknown(missing: Iterable[str], code: str, what: str) -> None:
    """Raise InvalidInput naming the values that are not known, if any."""
    missing = sorted(missing)
    if missing:
        raise InvalidInput(code, f"unknown {what}: {', '.join(missing[:20])}", missing=missing[:100])


def request_hash(asked: object) -> str:
    """A fingerprint of what a request asked (its JSON form, keys sorted): a retry under
    the same key has the same one; another request under that key does not."""
    return hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def delete_in_batches(engine: Engine, table: Table, where: ColumnElement[bool], oldest_first: Column,
                      batch: int) -> int:
    """Delete the rows `where` holds, `batch` at a time (oldest first), each batch in a short
    transaction of its own: a big delete in one would hold its locks, grow the WAL and keep
    vacuum back meanwhile. Returns how many went."""
    # Rows picked by primary key in a subquery: PostgreSQL has no DELETE ... LIMIT, and a
    # row's own id (rowid, ctid) differs from one engine to the other.
    key = list(table.primary_key.columns)
    picked = select(*key).where(where).order_by(oldest_first).limit(batch)
    forget = delete(table).where((tuple_(*key) if len(key) > 1 else key[0]).in_(picked))
    deleted = 0
    while True:
        with session_scope(engine) as session:
            went = session.execute(forget).rowcount
        deleted += went
        if went < batch:
            return deleted
