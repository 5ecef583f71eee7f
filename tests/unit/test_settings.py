"""The core's settings: where its SQLite file is (BACKROOM_DATABASE_URL, as SQLAlchemy reads it), its currency."""

from pathlib import Path

import pytest

from oms_core.core.config import Settings
from oms_core.core.db import make_engine


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///var/backroom.db", Path("var/backroom.db")),
        ("sqlite:////srv/backroom/core.db", Path("/srv/backroom/core.db")),
        ("sqlite:///var/backroom.db?timeout=30", Path("var/backroom.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://backroom@db/backroom", None),
    ],
)
def test_the_sqlite_file_is_the_urls_database_part(url, path):
    assert Settings(database_url=url).sqlite_path() == path


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_gets_an_engine(url):
    engine = make_engine(Settings(database_url=url))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
    engine.dispose()


def test_the_currency_is_an_iso_4217_code(monkeypatch):
    monkeypatch.setenv("BACKROOM_CURRENCY", "gbp")
    assert Settings().currency == "GBP"
    monkeypatch.setenv("BACKROOM_CURRENCY", "euro")  # a typo stops the core at start, not a receipt later
    with pytest.raises(ValueError, match="currency"):
        Settings()
