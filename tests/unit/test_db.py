"""Engines and sessions: what read-only sessions are on PostgreSQL, and how
an engine and its readers' engine live and die together."""

import gc
import weakref

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from oms_core.core.config import Settings
from oms_core.core.db import database_of, make_engine, reader, session_scope
from oms_core.models import Location
from oms_core.services import changes

from ..conftest import PG_ADMIN_URL, QUIET, need


@pytest.fixture
def postgres_engine(postgres_database):  # noqa: ANN001, ANN201
    need(postgres_database is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    engine = make_engine(Settings(database_url=postgres_database, **QUIET))
    yield engine
    engine.dispose()
    reader(engine).dispose()


@pytest.mark.postgres
def test_a_read_sends_no_begin_and_leaves_no_transaction_open(postgres_engine):
    """Reads run in autocommit: no BEGIN before them, no ROLLBACK round trip after."""
    with session_scope(reader(postgres_engine)) as session:
        session.execute(select(Location.code).limit(1)).all()
        driver = session.connection().connection.driver_connection
        assert driver.info.transaction_status == TransactionStatus.IDLE
    with session_scope(postgres_engine) as session:  # the writers' sessions still hold a transaction
        session.execute(select(Location.code).limit(1)).all()
        driver = session.connection().connection.driver_connection
        assert driver.info.transaction_status == TransactionStatus.INTRANS


@pytest.mark.postgres
def test_the_sequencing_pass_leaves_the_writers_connection_in_transactions(postgres_database):
    """It numbers the change feed in autocommit, on a writer's connection, for that checkout only."""
    need(postgres_database is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    engine = make_engine(Settings(database_url=postgres_database, db_pool_size=2, db_pool_overflow=0, **QUIET))
    try:
        changes.sequence_pending(engine, {"LYS-01"})
        assert engine.pool.checkedin() == 1  # the one writer connection, given back
        with session_scope(engine) as session:
            session.execute(select(Location.code).limit(1)).all()
            driver = session.connection().connection.driver_connection
            assert not driver.autocommit and driver.info.transaction_status == TransactionStatus.INTRANS
    finally:
        engine.dispose()
        reader(engine).dispose()


@pytest.mark.postgres
def test_a_read_only_session_cannot_write(postgres_engine):
    with session_scope(reader(postgres_engine)) as session, pytest.raises(DBAPIError, match="read-only transaction"):
        session.execute(text("UPDATE location SET name = name"))
    with session_scope(postgres_engine) as session:
        session.execute(text("UPDATE location SET name = name"))


@pytest.mark.postgres
def test_reads_keep_the_server_options_the_database_url_sets(postgres_database):
    need(postgres_database is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    engine = make_engine(Settings(database_url=f"{postgres_database}?options=-c%20statement_timeout%3D4321",
                                  **QUIET))
    try:
        with session_scope(reader(engine)) as session:
            assert session.execute(text("SHOW statement_timeout")).scalar() == "4321ms"
            assert session.execute(text("SHOW default_transaction_read_only")).scalar() == "on"
    finally:
        engine.dispose()
        reader(engine).dispose()


def test_an_engine_let_go_is_freed_with_its_readers(settings):
    engine = make_engine(settings)
    with session_scope(reader(engine)) as session:
        session.execute(select(Location.code).limit(1)).all()
    engine.dispose()
    reader(engine).dispose()
    engine_ref, reader_ref = weakref.ref(engine), weakref.ref(reader(engine))
    del engine, session
    gc.collect()  # frees the engine, which lets its readers' engine go ...
    gc.collect()  # ... and the next pass frees that one
    assert engine_ref() is None
    assert reader_ref() is None


def test_readers_and_writers_share_a_database_key_after_a_dispose(settings):
    """Process caches keep one entry per database; disposing of an engine gives it a new pool."""
    engine = make_engine(settings)
    assert database_of(reader(engine)) is database_of(engine)
    engine.dispose()
    reader(engine).dispose()
    assert database_of(reader(engine)) is database_of(engine)
