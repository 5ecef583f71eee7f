"""The sync engine and the store cache against the real core in process."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from local_db.cache import LocalCache
from local_db.client import CoreClient, CoreUnavailable
from local_db.engine import SyncEngine
from oms_core.core.db import session_scope
from oms_core.services import sync
from tests.api.conftest import TEE


@pytest.fixture
def tablet(network, tmp_path):
    cache = LocalCache(tmp_path / "store.db")
    client = CoreClient("http://core", transport=httpx.ASGITransport(app=network.client.app))
    engine = SyncEngine(cache, client, live=False)
    staff_token = network.sign_in("LYS-01")["Authorization"].split()[1]
    asyncio.run(engine.enrol(staff_token))
    yield cache, engine
    cache.close()


def run(coro):  # noqa: ANN001, ANN201
    return asyncio.run(coro)


def test_actions_show_at_once_and_are_confirmed_by_the_core(network, tablet):
    cache, engine = tablet
    fid = network.place([(TEE, 2)])["fulfilments"][0]["id"]
    assert run(engine.sync_once())
    assert cache.fulfilment(fid)["status"] == "assigned"
    cache.enqueue("accept", "S001", fid, {})
    cache.enqueue("pick", "S001", fid, {"items": [{"sku": TEE, "qty": 1}]})
    assert cache.fulfilment(fid)["status"] == "picking"  # before any network
    assert cache.server_fulfilment(fid)["status"] == "assigned"
    assert engine.status.pending == 0 or cache.pending_count() == 2
    assert run(engine.sync_once())
    assert cache.pending_count() == 0
    assert cache.server_fulfilment(fid)["status"] == "picking"
    assert cache.server_fulfilment(fid)["lines"][0]["picked"] == 1


def test_the_core_wins_and_the_associate_is_told_why(network, tablet):
    cache, engine = tablet
    order = network.place([(TEE, 1)])
    fid = order["fulfilments"][0]["id"]
    run(engine.sync_once())
    cache.enqueue("accept", "S001", fid, {})
    assert cache.fulfilment(fid)["status"] == "accepted"
    # Meanwhile customer service cancels the order.
    network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=network.channel)
    assert run(engine.sync_once())
    assert cache.fulfilment(fid)["status"] == "cancelled"  # the local action rolled back
    (refused,) = cache.rejections()
    assert refused["type"] == "accept" and refused["error"]["code"] == "invalid_transition"
    cache.acknowledge(refused["id"])
    assert cache.rejections() == []


def test_an_expired_cursor_takes_a_new_snapshot(network, tablet):
    cache, engine = tablet
    first = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    run(engine.sync_once())
    second = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    sync.prune(network.engine, before=datetime.now(UTC) + timedelta(seconds=1), batch=2)
    assert run(engine.sync_once())
    assert cache.server_fulfilment(first) and cache.server_fulfilment(second)
    assert cache.get_meta("cursor").startswith("seq:")


def test_a_cursor_ahead_of_the_feed_takes_a_new_snapshot(network, tablet):
    """After the core's database is restored from an older backup, the tablets' cursors
    are ahead of its feed: following them would skip every change up to them."""
    cache, engine = tablet
    assert run(engine.sync_once())
    cache.set_meta(cursor="seq:1000000")  # what a restore to an older backup looks like from the tablet
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    assert run(engine.sync_once())
    assert cache.server_fulfilment(fid) is not None
    assert int(cache.get_meta("cursor").removeprefix("seq:")) < 1000000


def _hold_the_first_pull(engine: SyncEngine) -> tuple[asyncio.Event, asyncio.Event]:
    """The engine's next pull waits, once it has its page, until `go_on` is set."""
    pull, page_read, go_on = engine.client.pull, asyncio.Event(), asyncio.Event()

    async def held(*args):  # noqa: ANN002, ANN202
        page = await pull(*args)
        if not page_read.is_set():
            page_read.set()
            await go_on.wait()
        return page

    engine.client.pull = held
    return page_read, go_on


async def _running(engine: SyncEngine, done, during) -> bool:  # noqa: ANN001
    """Start the engine; once its first pull read the feed, do `during()`; True when
    `done()` comes true within 10 s (no poll will come: poll_interval is an hour)."""
    engine.poll_interval = 3600
    page_read, go_on = _hold_the_first_pull(engine)
    engine.start()
    await asyncio.wait_for(page_read.wait(), timeout=10)
    during()
    arrived = asyncio.Event()
    engine.subscribe(lambda status: arrived.set() if done() else None)
    go_on.set()
    try:
        await asyncio.wait_for(arrived.wait(), timeout=10)
        return True
    except TimeoutError:
        return False
    finally:
        await engine.stop()


def test_a_change_announced_during_a_sync_brings_another_sync(network, tablet):
    """The live stream says the feed moved while a sync runs, after it read the feed."""
    cache, engine = tablet
    assert run(engine.sync_once())
    placed = []

    def an_order_comes_in() -> None:
        placed.append(network.place([(TEE, 1)])["fulfilments"][0]["id"])
        engine.request_sync()

    assert run(_running(engine, lambda: cache.server_fulfilment(placed[0]), an_order_comes_in)), \
        "the order waited for the next poll"


def test_an_action_taken_during_a_sync_brings_another_sync(network, tablet):
    cache, engine = tablet
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    assert run(engine.sync_once())
    assert run(_running(engine, lambda: cache.server_fulfilment(fid)["status"] == "accepted",
                        lambda: cache.enqueue("accept", "S001", fid, {}))), "the accept waited for the next poll"


def test_a_failed_sync_waits_its_backoff_whatever_asked_for_it(network, tablet):
    """The associate taps "sync now" with an action waiting while the core is down: the
    failed sync is retried after its backoff (at least 0.8 s the first time), not at once."""
    cache, engine = tablet
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    attempts = []

    async def scenario() -> None:
        first_failed, second_try = asyncio.Event(), asyncio.Event()

        async def core_down(*_):  # noqa: ANN002, ANN202
            attempts.append(1)
            if len(attempts) > 1:
                second_try.set()
            raise CoreUnavailable("the core cannot be reached")

        engine.client.push = core_down
        engine.subscribe(lambda status: first_failed.set() if status.last_error else None)
        cache.enqueue("accept", "S001", fid, {})
        engine.request_sync()
        engine.start()
        try:
            await asyncio.wait_for(first_failed.wait(), timeout=10)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(second_try.wait(), timeout=0.5)
        finally:
            await engine.stop()

    run(scenario())
    assert len(attempts) == 1


def test_a_snapshot_drops_what_the_core_no_longer_sends(network, tablet):
    cache, engine = tablet
    run(engine.sync_once())
    cache.apply_page({"items": [{"entity": "fulfilment", "id": "ghost", "op": "upsert", "data": {
        "id": "ghost", "status": "assigned", "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00", "version": 1, "lines": []}}],
        "cursor": cache.get_meta("cursor"), "more": False, "snapshot": None}, 0.0)
    assert cache.server_fulfilment("ghost") is not None
    cache.set_meta(cursor=None)  # e.g. after a cursor expiry
    assert run(engine.sync_once())
    assert cache.server_fulfilment("ghost") is None
    assert cache.stock_level(TEE)["on_hand"] == 3


def test_a_revoked_device_stops_and_asks_for_a_sign_in(network, tablet):
    from sqlalchemy import update

    from oms_core.models import Device, utcnow

    cache, engine = tablet
    with session_scope(network.engine) as session:
        session.execute(update(Device).values(revoked_at=utcnow()))
    network.client.app.state.credentials.seconds = 0
    network.client.app.state.credentials.forget(cache.get_meta("device_token"))
    assert not run(engine.sync_once())
    assert engine.status.enrolled is False and cache.get_meta("device_token") is None


def test_offline_sign_in_uses_a_verifier_never_the_pin(tmp_path):
    cache = LocalCache(tmp_path / "store.db")
    # A PIN as long as allowed: a short one can turn up by chance in the salt or digest, written in hex.
    pin = "482193570164"
    cache.remember_staff("LYS-01", "S001", "Hugo", "associate", pin)
    assert cache.verify_staff("LYS-01", "S001", pin)["name"] == "Hugo"
    assert cache.verify_staff("LYS-01", "S001", "482193570165") is None
    assert cache.verify_staff("LYS-01", "S002", pin) is None
    raw = (tmp_path / "store.db").read_bytes() + (tmp_path / "store.db-wal").read_bytes()
    assert pin.encode() not in raw


def test_a_malformed_intent_is_refused_alone(network, tablet):
    cache, engine = tablet
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    run(engine.sync_once())
    bad = cache.enqueue("pick", "S001", fid, {"items": [{"sku": TEE, "qty": 0}]})  # qty must be > 0
    cache.enqueue("accept", "S001", fid, {})
    assert run(engine.sync_once())
    assert [r["id"] for r in cache.rejections()] == [bad]
    assert cache.server_fulfilment(fid)["status"] == "accepted"
    assert str(uuid.UUID(bad))


def test_a_core_that_does_not_say_its_time_still_syncs(network, tablet):
    """`now` in a feed page is new: a tablet updated before its core still syncs (the clock
    offset measured before stands) instead of its sync loop dying on the missing field."""
    cache, engine = tablet
    assert run(engine.sync_once())
    offset = cache.get_meta("core_clock_offset")
    assert offset is not None
    pull = engine.client.pull

    async def older_core(*args):  # noqa: ANN002, ANN202
        page = await pull(*args)
        del page["now"]
        return page

    engine.client.pull = older_core
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    assert run(engine.sync_once())
    assert cache.fulfilment(fid)["status"] == "assigned"
    assert cache.get_meta("core_clock_offset") == offset


def test_an_action_is_sent_dated_on_the_core_s_clock(network, tablet):
    """The core dates an action done offline by when the device says it was done: on the
    core's clock, not on a tablet's that runs an hour ahead."""
    cache, engine = tablet
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    assert run(engine.sync_once())
    cache.set_meta(core_clock_offset="-3600")
    mutation_id = cache.enqueue("accept", "S001", fid, {})
    done = datetime.fromisoformat(cache.outbox_entries([mutation_id])[mutation_id]["created_at"])
    push, sent = engine.client.push, []

    async def watched(token, mutations):  # noqa: ANN001, ANN202
        sent.extend(mutations)
        return await push(token, mutations)

    engine.client.push = watched
    assert run(engine.sync_once())
    assert datetime.fromisoformat(sent[0]["at"]) == done - timedelta(hours=1)


def _said(answer) -> str:  # noqa: ANN001
    """What the store app says when the line or the core answers like `answer` (a request handler)."""
    async def ask() -> str:
        client = CoreClient("http://core", transport=httpx.MockTransport(answer))
        try:
            await client.request("GET", "/health")
        except CoreUnavailable as exc:
            return str(exc)
        finally:
            await client.aclose()
        return "no error"

    return asyncio.run(ask())


@pytest.mark.parametrize(("failure", "said"), [
    (httpx.ConnectError("refused"), "cannot reach the system: the system or the network is down, or the system's "
                                    "address is wrong (ConnectError)"),
    (httpx.UnsupportedProtocol("ftp"), "cannot reach the system: the system's address is not an http(s) URL "
                                       "(UnsupportedProtocol)"),
    (httpx.ReadTimeout("slow"), "cannot reach the system: it did not answer in time (ReadTimeout)"),
    (httpx.RemoteProtocolError("cut"), "cannot reach the system: the connection broke (RemoteProtocolError)"),
])
def test_a_broken_line_is_said_in_words_a_store_can_act_on(failure, said):
    """What the badge's tooltip and the settings screen show as the last error."""
    def broken(request: httpx.Request) -> httpx.Response:
        raise failure

    assert _said(broken) == said


def test_a_failing_core_is_said_as_such():
    assert _said(lambda _: httpx.Response(503, text="oops")) == "the system is busy or failing (it answered 503)"
    assert _said(lambda _: httpx.Response(404, text="oops")) == ("the system's address answered 404 without saying "
                                                                 "why (is the address right?)")
