"""Per-process caches of rarely changing data (locations, their load, the routing profile)."""

import threading

from oms_core.core.db import make_engine, reader, session_scope
from oms_core.services.cache import ProcessCache


def test_read_only_sessions_share_what_the_writers_keep(settings):
    """Availability and delivery promises are answered in read-only sessions: they see
    the value kept for the database and this process's own changes to it."""
    engine = make_engine(settings)
    loads: list[int] = []
    cache = ProcessCache(lambda session: loads.append(1) or len(loads), check_every_s=3600)
    with session_scope(engine) as session:
        assert cache.get(session) == 1
        cache.change(session, lambda kept: kept + 10)
    for _ in range(3):
        with session_scope(reader(engine)) as session:
            assert cache.get(session) == 11
    assert len(loads) == 1
    cache.forget()
    with session_scope(reader(engine)) as session:
        assert cache.get(session) == 2


def test_one_thread_reads_again_while_the_others_use_the_kept_value(sqlite_settings):
    """Under load every request thread found the value stale at the same moment and
    read it again, each one: one is enough, the others go on with what is kept."""
    engine = make_engine(sqlite_settings)
    reading, go_on = threading.Event(), threading.Event()
    loads: list[int] = []

    def load(session) -> int:  # noqa: ANN001
        loads.append(1)
        if len(loads) == 2:  # the second read (the value has gone stale) is slow
            reading.set()
            go_on.wait(10)
        return len(loads)

    cache = ProcessCache(load, check_every_s=0)  # stale as soon as it is kept
    with session_scope(reader(engine)) as session:
        assert cache.get(session) == 1

    def slow_reader() -> None:
        with session_scope(reader(engine)) as session:
            assert cache.get(session) == 2

    thread = threading.Thread(target=slow_reader)
    thread.start()
    try:
        assert reading.wait(10)
        with session_scope(reader(engine)) as session:
            assert cache.get(session) == 1  # the kept value, not a third read
    finally:
        go_on.set()
        thread.join(10)
    assert len(loads) == 2
    with session_scope(reader(engine)) as session:
        assert cache.get(session) == 3  # stale again, and nobody is reading it: this thread does
    engine.dispose()
