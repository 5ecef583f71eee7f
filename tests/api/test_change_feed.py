"""The change feed: what stores hear about, numbered so that a reader who
follows it by number, while writers commit in parallel, never skips a change."""

import asyncio
import itertools
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from backroom.process import core_server
from oms_core.api.main import create_app

from oms_core.core.db import make_engine, session_scope
from oms_core.domain.actors import Actor, Role
from oms_core.models import Change
from oms_core.schemas import OrderIn
from oms_core.services import catalog, orders
from oms_core.services import stock as stock_service

from .conftest import TEE, Core, http_scope


def _feed(network, store):
    with session_scope(network.engine) as session:
        return [(c.entity, c.op) for c in session.execute(
            select(Change).where(Change.scope == store, Change.seq.is_not(None)).order_by(Change.seq)).scalars()]


def test_a_store_hears_of_its_fulfilments_and_stock(network):
    before = {store: len(_feed(network, store)) for store in ("LYS-01", "PAR-01")}
    order = network.place([(TEE, 1)])  # goes to LYS-01
    assert sorted(_feed(network, "LYS-01")[before["LYS-01"]:]) == [("fulfilment", "upsert"), ("stock", "upsert")]
    network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert sorted(_feed(network, "LYS-01")[before["LYS-01"] + 2:]) == [("fulfilment", "upsert"), ("stock", "upsert")]
    assert len(_feed(network, "PAR-01")) == before["PAR-01"]  # other stores hear nothing


def test_a_tablet_that_hangs_up_leaves_no_listener_behind(network):
    """The event stream ends when its tablet goes, and stops waking for that tablet."""
    headers = network.sign_in("PAR-01")
    live = network.client.app.state.live
    listening: list[int] = []
    scope = http_scope("GET", "/api/v1/sync/events", headers)

    async def connect_then_hang_up() -> None:
        hung_up = asyncio.Event()
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b""}
            await hung_up.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.body" and b"event: ready" in message.get("body", b""):
                listening.append(len(live._streams.get("PAR-01", ())))
                hung_up.set()

        await asyncio.wait_for(network.client.app(scope, receive, send), 10)  # a bound, not a synchronisation

    network.client.portal.call(connect_then_hang_up)
    assert listening == [1]
    assert not live._streams.get("PAR-01")


def test_a_reader_following_the_feed_never_skips_a_change(settings):
    engine = make_engine(settings)
    with session_scope(engine) as session:
        catalog.upsert_locations(session, [{"code": "S1", "name": "S1", "type": "store", "lat": 45, "lon": 4,
                                            "ship_from_store": True, "click_collect": True}])
        catalog.upsert_products(session, [{"sku": "X", "name": "X", "price": Decimal("1"), "barcodes": []}])
        stock_service.count(session, [stock_service.Count("S1", "X", 10_000)], "test")
    actor = Actor("feed-test", Role.CHANNEL)
    done = threading.Event()
    seen: set[int] = set()

    def follow() -> None:
        cursor = 0
        while True:
            finished = done.is_set()  # read before the last pass: it sees every commit
            with session_scope(engine) as session:
                rows = session.execute(
                    select(Change.id, Change.seq).where(Change.seq > cursor).order_by(Change.seq).limit(50)
                ).all()
            for change_id, seq in rows:
                seen.add(change_id)
                cursor = seq
            if finished and not rows:
                return

    def place(i: int) -> None:
        body = OrderIn.model_validate({
            "channel": "web", "external_ref": f"F-{i}", "customer": {"name": "C"},
            "delivery": {"method": "click_collect", "store": "S1"},
            "lines": [{"sku": "X", "qty": 1, "unit_price": 1}],
        })
        placed, _ = orders.place(engine, body, actor, None)
        # Numbered before the call returns, by its own sequencing pass or a neighbour's.
        with session_scope(engine) as session:
            ids = [f["id"] for f in placed["fulfilments"]]  # none once the store is full for the day
            assert session.execute(select(Change.id).where(
                Change.entity_id.in_(ids), Change.seq.is_(None))).first() is None

    reader = threading.Thread(target=follow)
    reader.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(place, range(200)))
    done.set()
    reader.join()
    with session_scope(engine) as session:
        every = set(session.execute(select(Change.id)).scalars())
        assert session.execute(select(Change.id).where(Change.seq.is_(None))).first() is None
    assert seen == every
    engine.dispose()


def test_a_stopping_worker_ends_its_event_streams_at_once(sqlite_settings):
    """SIGTERM (a deploy, systemd stop): the worker stops taking requests and waits
    for those in flight, but no longer for its tablets' event streams, which end
    so that the tablets reconnect to a worker that stays."""
    with TestClient(create_app(sqlite_settings)) as client:
        core = Core(client, sqlite_settings)
        core.load_network()
        headers = core.sign_in("PAR-01")
    grace = {"BACKROOM_SHUTDOWN_GRACE_SECONDS": "120"}
    with core_server(sqlite_settings.database_url, env=grace) as server:
        with httpx.Client(base_url=server.url, timeout=60) as tablet, \
                tablet.stream("GET", "/api/v1/sync/events", headers=headers) as stream:
            lines = stream.iter_lines()
            assert "event: ready" in list(itertools.takewhile(bool, lines))
            server.process.send_signal(signal.SIGTERM)
            rest = list(lines)  # ends when the worker closes the stream
        assert "event: changes" not in rest
        assert server.process.wait(timeout=60) == -signal.SIGTERM  # uvicorn ends as the signal asked, once done
    log = "".join(server.log)
    assert "Application shutdown complete" in log and "graceful shutdown exceeded" not in log
