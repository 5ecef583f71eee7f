"""Scratch PostgreSQL databases for the tests and the benchmarks: created, migrated,
and dropped afterwards, whatever still holds connections to them."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine


@contextmanager
def scratch_postgres(admin: Engine, prefix: str) -> Iterator[str]:
    """A new, migrated database on `admin`'s server (an AUTOCOMMIT engine); yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(Settings(database_url=url))
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
