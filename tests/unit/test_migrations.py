"""The migrations build exactly the schema the models declare, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
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


def test_a_percent_encoded_password_reaches_the_migrations_as_written():
    from oms_core.core import migrate

    engine = create_engine("postgresql+psycopg://backroom:p%40ss%25w@127.0.0.1:5432/backroom")  # p@ss%w
    url = migrate.alembic_config(engine).get_main_option("sqlalchemy.url")
    assert url == "postgresql+psycopg://backroom:p%40ss%25w@127.0.0.1:5432/backroom"
    engine.dispose()
