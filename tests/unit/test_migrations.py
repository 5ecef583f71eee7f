"""The migrations build exactly the schema the models declare, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from oms_core import models  # noqa: F401
from oms_core.core.db import make_engine


def test_migrations_match_the_models(settings):
    engine = make_engine(settings)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_upgrade_twice_is_harmless(settings):
    from oms_core.core import migrate

    engine = make_engine(settings)
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    engine.dispose()
