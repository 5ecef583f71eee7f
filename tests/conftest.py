"""Shared fixtures: real databases (SQLite always, PostgreSQL when reachable),
the real core in process, and a small hand-checked network.

PostgreSQL and Chromium tests skip with a reason when those are missing;
BACKROOM_REQUIRE_SERVICES=1 (set by .ci/run) turns every such skip into a failure.
"""

import os
import queue
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from backroom.scratch import scratch_postgres
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine
from printing import Printer

PG_ADMIN_URL = os.environ.get("BACKROOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_SERVICES = os.environ.get("BACKROOM_REQUIRE_SERVICES") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip for want of a service locally; fail in CI, where every service must be there."""
    if not condition:
        if REQUIRE_SERVICES:
            pytest.fail(f"required in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test session, or None."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not available"
        admin.dispose()
        yield None
        return
    try:
        with scratch_postgres(admin, "backroom_test") as url:
            yield url
    finally:
        admin.dispose()


def _truncate_postgres(url: str) -> None:
    """Back to a freshly migrated database: empty, but for the default routing profile."""
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables if t.name != "routing_profile")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM routing_profile WHERE version > 1"))
    engine.dispose()


# Tests drive the notifier and the counter scheduler by calling them with a
# clock; a loop sending in the background would race their assertions.
QUIET = {"log_level": "WARNING", "notify_interval_seconds": 0, "counter_interval_seconds": 0,
         "housekeeping_interval_seconds": 0}


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Settings:
    """Settings for a clean database; every test using it runs on both engines."""
    if request.param == "sqlite":
        path = tmp_path / "core.db"
        shutil.copy(sqlite_template, path)
        return Settings(database_url=f"sqlite:///{path}", **QUIET)
    url = request.getfixturevalue("postgres_database")
    need(url is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    _truncate_postgres(url)
    return Settings(database_url=url, **QUIET)


@pytest.fixture
def sqlite_settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    """SQLite only, for tests about logic rather than engines."""
    path = tmp_path / "core.db"
    shutil.copy(sqlite_template, path)
    return Settings(database_url=f"sqlite:///{path}", **QUIET)


@pytest.fixture
def fake_printer() -> Iterator[tuple[Printer, "queue.Queue[bytes]"]]:
    """A TCP server that, like a label printer, reads a job until the sender closes."""
    received: queue.Queue[bytes] = queue.Queue()

    class Job(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            chunks = []
            while chunk := self.request.recv(65536):
                chunks.append(chunk)
            received.put(b"".join(chunks))

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Job) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield Printer("127.0.0.1", server.server_address[1], timeout_s=5), received
        server.shutdown()
