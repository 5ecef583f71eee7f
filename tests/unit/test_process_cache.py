"""Per-process caches of rarely changing data (locations, their load, the routing profile)."""

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
