"""Engine and sessions. Both engines give services/ the same guarantees.

SQLite (embedded): WAL mode; a write transaction takes the database write lock
at BEGIN (IMMEDIATE), so a transaction that reads stock and then reserves it
never finds the row changed under it. Writers queue on a lock of our own
first (threads and worker processes alike), so a waiting writer is handed
the database at once instead of sleeping in SQLite's busy handler. Read-only
sessions (`reader()`) begin a plain deferred transaction beside writers.

PostgreSQL (production): a connection pool; atomicity comes from conditional
updates and row locks in services/. Read-only sessions have a pool of their
own, in autocommit and read-only for the whole connection: a read needs no
BEGIN and no ROLLBACK round trip (at READ COMMITTED, a transaction would not
give its statements one snapshot anyway), and a write there is refused.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import Pool
from sqlmodel import Session

from .config import Settings

try:
    import fcntl
except ImportError:  # Windows: threads still queue; processes fall back on SQLite's busy wait
    fcntl = None  # type: ignore[assignment]

_READ_ONLY = "backroom_read_only"
_WRITER = "backroom_writer"
_WRITE_LOCK_TIMEOUT_S = 30

# PostgreSQL: an engine of make_engine's -> its readers' engine, and back (weakly:
# neither keeps the other alive).
_readers: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()
_writers: WeakKeyDictionary[Engine, weakref.ref[Engine]] = WeakKeyDictionary()


def make_engine(settings: Settings) -> Engine:
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": settings.db_pool_size, "max_overflow": settings.db_pool_overflow,
                "pool_timeout": settings.db_pool_timeout} if path else {}
        engine = create_engine(
            settings.database_url,
            connect_args={"check_same_thread": False, "timeout": _WRITE_LOCK_TIMEOUT_S},
            # Python's sqlite3 opens transactions lazily and late; we open them ourselves.
            isolation_level=None,
            **pool,
        )
        _configure_sqlite(engine, path)
        return engine
    # A worker's connections, split between the writers' pool and the readers'.
    pool = {"pool_size": _half(settings.db_pool_size), "max_overflow": _half(settings.db_pool_overflow),
            "pool_timeout": settings.db_pool_timeout, "pool_pre_ping": True}
    engine = create_engine(settings.database_url, **pool)
    # Added to the URL's own server options, which connect_args would replace.
    options = f"{engine.url.query.get('options', '')} -c default_transaction_read_only=on".strip()
    read_only = create_engine(settings.database_url, isolation_level="AUTOCOMMIT",
                              connect_args={"options": options}, **pool)
    _readers[engine] = read_only
    _writers[read_only] = weakref.ref(engine)
    return engine


def _half(connections: int) -> int:
    return (connections + 1) // 2


def reader(engine: Engine) -> Engine:
    """The same database for sessions that only read (an engine of make_engine's)."""
    if engine.dialect.name == "postgresql":
        return _readers[engine]
    return engine.execution_options(**{_READ_ONLY: True})


def writer_of(bind: Engine) -> Engine:
    """The engine that writes the database `bind` reads (itself, for a writer)."""
    writer = _writers.get(bind)
    return (writer and writer()) or bind


def database_of(bind: Engine) -> Pool:
    """One key for a database, whether a session reads or writes it: the writers' pool
    (as it is now: disposing of an engine gives it a new one)."""
    return writer_of(bind).pool


@contextmanager
def streaming(engine: Engine) -> Iterator[Connection]:
    """A connection of a read-only engine for a server-side cursor, which needs a
    transaction: on PostgreSQL the readers' connections otherwise run in autocommit."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="READ COMMITTED")
        yield connection


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine, path: Path | None) -> None:
    writers = _WriterLock(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={_WRITE_LOCK_TIMEOUT_S * 1000}")
        cur.close()
        # SQLite's lower() folds ASCII only: 'ÉCHARPE' would not match 'écharpe' in a search
        # (ilike), as it does on PostgreSQL.
        dbapi_conn.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        writers.acquire()
        conn.info[_WRITER] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)
            raise

    def _release(connection) -> None:  # noqa: ANN001
        try:
            info = connection.info
        except (AttributeError, NotImplementedError):  # a raw or ad-hoc connection: never a writer
            return
        if info.pop(_WRITER, False):
            writers.release()

    # Hand the lock on only once COMMIT/ROLLBACK has run (the "commit" event
    # fires before it), so the next writer never meets a busy database.
    dialect = engine.dialect
    for name in ("do_commit", "do_rollback"):
        finish = getattr(dialect, name)

        def finish_then_release(connection, _finish=finish) -> None:  # noqa: ANN001
            try:
                _finish(connection)
            finally:
                _release(connection)

        setattr(dialect, name, finish_then_release)


class _WriterLock:
    """One writer at a time: threads of this process queue on a lock, and
    processes sharing the file queue on an advisory file lock next to it.
    Waiters wake as soon as the holder is done (no polling, no sleeps)."""

    def __init__(self, path: Path | None) -> None:
        self._threads = threading.Lock()
        self._file = None
        if path is not None and fcntl is not None:
            self._file = open(f"{path}.writelock", "a+b")  # noqa: SIM115 - held for the engine's life

    def acquire(self) -> None:
        if not self._threads.acquire(timeout=_WRITE_LOCK_TIMEOUT_S):
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database write lock timeout"))
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._threads.release()
                raise

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose transaction commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
