"""A core on SQLite moves its write-ahead log into the database on a schedule,
not in whichever order's commit crosses SQLite's threshold (that commit held
the write lock ~10 ms while every other order waited)."""

from sqlmodel import Session

from oms_core.core.config import Settings
from oms_core.core.db import checkpoint_in_background, make_engine


def _write_pages(engine, commits: int) -> None:
    for i in range(commits):
        with Session(engine) as session:
            session.connection().exec_driver_sql(
                "INSERT INTO filler (body) VALUES (?)", [(f"{i}-{n}".ljust(4000, "x"),) for n in range(20)]
            )
            session.commit()


def test_commits_leave_the_log_to_the_scheduled_checkpoint(tmp_path):
    path = tmp_path / "core.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    checkpoint = checkpoint_in_background(engine)
    with Session(engine) as session:
        session.connection().exec_driver_sql("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
        session.commit()
    checkpoint()
    before = path.stat().st_size

    _write_pages(engine, commits=100)  # ~2,000 pages: twice SQLite's own threshold
    assert path.stat().st_size == before  # no commit copied the log into the database

    checkpoint()
    assert path.stat().st_size > before + 2_000 * 4_000  # the scheduled checkpoint did
    engine.dispose()


def test_postgresql_has_no_log_to_checkpoint():
    engine = make_engine(Settings(database_url="postgresql+psycopg://backroom@127.0.0.1:1/none"))
    assert checkpoint_in_background(engine) is None
