"""New orders reach a tablet's cache through the event stream, without polling,
against a real server: one worker on SQLite, two on PostgreSQL (where the
worker holding the stream hears other workers' changes through LISTEN/NOTIFY)."""

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text

from backroom.process import core_server
from contract.events import SILENCE_S
from local_db.cache import LocalCache
from local_db.client import CoreClient
from local_db.engine import SyncEngine, SyncStatus
from oms_core.api.live import LiveChanges
from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.services import auth, catalog, changes
from oms_core.services import stock as stock_service
from tests.conftest import PG_ADMIN_URL, need

WAIT_S = 20  # an upper bound for a slow CI machine, not a synchronisation
# How soon the badge must leave Live once the line is dead: the silence the stream
# allows, and a little for a loaded machine. Not TCP's minutes, nor the next poll.
PROMPTLY_S = SILENCE_S + 2


def _prepare(settings) -> tuple[str, str]:  # noqa: ANN001
    engine = make_engine(settings)
    with session_scope(engine) as session:
        catalog.upsert_locations(session, [{"code": "LIV-01", "name": "Live store", "type": "store", "lat": 48.85,
                                            "lon": 2.35, "ship_from_store": True, "click_collect": True}])
        catalog.upsert_products(session, [{"sku": "LIVE", "name": "Live item", "price": Decimal("5"), "barcodes": []}])
        stock_service.count(session, [stock_service.Count("LIV-01", "LIVE", 100)], "test")
        auth.create_staff(session, "LIV-01", "S001", "1234", "associate")
        key = auth.create_api_key(session, "live-test", "channel")
    engine.dispose()
    return key, "LIV-01"


@asynccontextmanager
async def _tablet(url: str, store: str, tmp_path, **timing) -> AsyncIterator[tuple[SyncEngine, LocalCache]]:  # noqa: ANN001, ANN003
    """A store's tablet on the core at `url`: enrolled, its sync engine running with its event
    stream (polling as `timing` says), stopped and closed after."""
    cache = LocalCache(tmp_path / "store.db")
    client = CoreClient(url)
    engine = SyncEngine(cache, client, live=True, **timing)
    await engine.enrol((await client.sign_in(store, "S001", "1234"))["access_token"])
    engine.start()
    try:
        yield engine, cache
    finally:
        await engine.stop()
        await client.aclose()
        cache.close()


def test_a_new_order_reaches_the_tablet_through_the_event_stream(settings, tmp_path):
    key, store = _prepare(settings)
    workers = 2 if settings.database_url.startswith("postgresql") else 1
    with core_server(settings.database_url, workers=workers) as server:
        asyncio.run(_scenario(server.url, key, store, tmp_path))


async def _scenario(url: str, key: str, store: str, tmp_path) -> None:  # noqa: ANN001
    # Polling every hour: only the event stream can bring the order in time.
    async with _tablet(url, store, tmp_path, poll_interval=3600) as (engine, cache):
        arrived = asyncio.Event()
        loop = asyncio.get_running_loop()
        cache.subscribe(lambda kinds: "fulfilment" in kinds and loop.call_soon_threadsafe(arrived.set))
        await _until(engine, lambda status: status.live, WAIT_S)
        await engine.sync_once()
        async with httpx.AsyncClient(base_url=url) as http:
            for i in range(4):  # a few orders: on two workers some land on the other one
                response = await http.post("/api/v1/orders", headers={"Authorization": f"Bearer {key}"}, json={
                    "channel": "web", "external_ref": f"LIVE-{i}", "customer": {"name": "Ana"},
                    "delivery": {"method": "click_collect", "store": store},
                    "lines": [{"sku": "LIVE", "qty": 1, "unit_price": 5}]})
                assert response.status_code == 201, response.text
                ids = {f["id"] for f in response.json()["fulfilments"]}
                while True:
                    arrived.clear()  # before looking, so a page written meanwhile still wakes us
                    if ids <= {f["id"] for f in cache.fulfilments()}:
                        break
                    await asyncio.wait_for(arrived.wait(), WAIT_S)


def test_a_worker_whose_listener_was_cut_off_wakes_every_stream_once_back(postgres_database):
    """Changes announced while a worker's LISTEN connection was down are not heard by
    it: once back, it tells every stream it holds to pull, or its tablets would wait
    for their next poll."""
    need(postgres_database is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    engine = make_engine(Settings(database_url=postgres_database))

    async def scenario() -> None:
        live = LiveChanges()
        live.start(engine)
        stream = live.subscribe("LIV-01")
        try:
            assert await asyncio.to_thread(live.listening.wait, WAIT_S)
            with engine.connect() as connection:
                cut = connection.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query = :listen"
                ), {"listen": f"LISTEN {changes.NOTIFY_CHANNEL}"}).scalar_one()
            assert cut >= 1  # ours (an earlier test's listener may still be on its way out)
            assert stream.empty()  # nothing changed: only the reconnection can signal
            await asyncio.wait_for(stream.get(), WAIT_S)
        finally:
            live.stop()

    try:
        asyncio.run(scenario())
    finally:
        engine.dispose()


def test_a_tablet_whose_event_stream_drops_syncs_at_once(sqlite_settings, tmp_path):
    """While the stream is open the tablet hardly polls; when it drops, changes may go
    unsignalled, so the tablet syncs at once (here: finds the core gone and says so)
    instead of waiting for its next poll."""
    _, store = _prepare(sqlite_settings)

    async def scenario(server) -> None:  # noqa: ANN001
        async with _tablet(server.url, store, tmp_path, poll_interval=3600, live_poll_interval=3600) as (engine, _):
            await _until(engine, lambda status: status.live and status.online, WAIT_S)
            server.process.kill()  # the core goes away (a crash, a cable): no goodbye on the stream
            # The stream says offline by itself; the sync's own words show that a sync ran.
            await _until(engine, lambda status: not status.live and not status.online
                         and status.last_error.startswith("cannot reach the system"), WAIT_S)

    with core_server(sqlite_settings.database_url) as server:
        asyncio.run(scenario(server))


def test_the_badge_leaves_live_within_seconds_of_a_frozen_or_stopped_core_and_stays_live_meanwhile(
        sqlite_settings, tmp_path):
    """A frozen core (its connections stay open and silent, as when a cable or a router drops
    them) and a stopped one are said offline within seconds; a healthy stream, which only the
    core's heartbeats keep talking, stays Live for as long as it lasts."""
    _, store = _prepare(sqlite_settings)

    def live(status: SyncStatus) -> bool:
        return status.live and status.online

    def offline(status: SyncStatus) -> bool:
        return not status.live and not status.online

    async def scenario(server) -> None:  # noqa: ANN001
        # No polls to notice anything: only the event stream can tell.
        async with _tablet(server.url, store, tmp_path, poll_interval=3600, live_poll_interval=3600) as (engine, _):
            await _until(engine, live, WAIT_S)
            with pytest.raises(TimeoutError):  # longer than the stream may stay silent: no drop
                await _until(engine, lambda status: not live(status), SILENCE_S + 1)
            server.process.send_signal(signal.SIGSTOP)
            try:
                await _until(engine, offline, PROMPTLY_S)
            finally:
                server.process.send_signal(signal.SIGCONT)
            await _until(engine, live, WAIT_S)  # back as soon as the core answers again
            server.process.terminate()  # stopped (a deploy, a restart): it ends its streams first
            await _until(engine, offline, PROMPTLY_S)

    with core_server(sqlite_settings.database_url) as server:
        asyncio.run(scenario(server))


async def _until(engine: SyncEngine, holds: Callable[[SyncStatus], bool], timeout: float) -> None:
    """Wait until the engine's state `holds`, for at most `timeout` seconds (TimeoutError after)."""
    reached = asyncio.Event()
    stop = engine.subscribe(lambda status: holds(status) and reached.set())
    try:
        if not holds(engine.status):
            await asyncio.wait_for(reached.wait(), timeout)
    finally:
        stop()
