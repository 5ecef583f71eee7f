"""Housekeeping forgets what is past use: changes older than the feed keeps, and the
answers kept for retries once nobody retries any more; what is recent stays."""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, update

from oms_core.api.main import create_app
from oms_core.core.db import session_scope
from oms_core.models import Change, FeedRetention, FulfilmentActionKey, StockMovementKey, SyncMutation
from oms_core.services import db_util, sync
from oms_core.services.housekeeping import forget_past_use
from tests.sync.test_core_feed import enrol, pull_all

from .conftest import TEE


def _count(network, table) -> int:  # noqa: ANN001
    with session_scope(network.engine) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_what_is_past_use_is_forgotten_and_what_is_recent_stays(network, settings):
    device, _ = enrol(network, "LYS-01")
    _, cursor, _ = pull_all(network, device)
    store = network.sign_in("LYS-01")
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "accept", "staff": "S001", "fulfilment": fid}]})
    network.client.post(f"/api/v1/fulfilments/{fid}/pick", json={"items": [{"sku": TEE, "qty": 1}]},
                        headers={**store, "Idempotency-Key": "pick-1"})
    receipt = {"movements": [{"location": "PAR-01", "sku": TEE, "delta": 1, "kind": "receipt"}]}
    network.client.post("/api/v1/stock/movements", json=receipt, headers={**network.admin, "Idempotency-Key": "r-1"})
    now = datetime.now(UTC)
    assert forget_past_use(network.engine, settings, now) == {}  # everything is recent

    long_ago = now - timedelta(days=settings.retry_answers_keep_days + 1)
    with session_scope(network.engine) as session:
        for table in (Change, SyncMutation, FulfilmentActionKey, StockMovementKey):
            session.execute(update(table).values(at=long_ago))
    changes = _count(network, Change)
    network.place([(TEE, 1)])  # recent: stays
    forgotten = forget_past_use(network.engine, settings, now + timedelta(seconds=1))
    assert forgotten == {"changes": changes, "tablet pushes": 1, "store action keys": 1, "stock movement keys": 1}
    assert _count(network, Change) > 0
    # A tablet behind what the feed keeps takes a new snapshot.
    behind = network.client.get(f"/api/v1/sync/changes?since={cursor}", headers=device)
    assert behind.status_code == 409 and behind.json()["error"]["code"] == "cursor_expired"


def _keys(network, table) -> set[tuple]:  # noqa: ANN001
    with session_scope(network.engine) as session:
        return set(session.execute(select(*table.__table__.primary_key.columns)).all())


def test_housekeeping_forgets_in_batches_everything_old_and_nothing_recent(network, settings):
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=max(settings.feed_keep_days, settings.retry_answers_keep_days) + 1)
    for _ in range(3):
        network.place([(TEE, 1)])
    with session_scope(network.engine) as session:
        session.execute(update(Change).values(at=long_ago))
        old_through = session.execute(select(func.max(Change.seq))).scalar_one()
    old_changes = _count(network, Change)
    network.place([(TEE, 1)])  # its changes are recent: they stay
    with session_scope(network.engine) as session:
        recent_changes = set(session.execute(select(Change.id).where(Change.at > long_ago)).all())
    # Old answers in each table, in batches of 3: 7 is three batches, 6 ends on a full one.
    answers = {
        SyncMutation: lambda key, at: {"device_id": "d", "mutation_id": key, "type": "accept", "status": "applied",
                                       "result": {}, "at": at},
        FulfilmentActionKey: lambda key, at: {"client": "c", "key": key, "fulfilment_id": "f", "action": "pick",
                                              "request_hash": "h", "at": at},
        StockMovementKey: lambda key, at: {"client": "c", "key": key, "request_hash": "h", "answer": {}, "at": at},
    }
    old = {SyncMutation: 7, FulfilmentActionKey: 6, StockMovementKey: 3}
    with session_scope(network.engine) as session:
        for table, answer in answers.items():
            session.execute(insert(table), [answer(f"old-{i}", long_ago) for i in range(old[table])]
                            + [answer(f"new-{i}", now) for i in range(2)])

    forgotten = forget_past_use(network.engine, settings, now, batch=3)
    assert forgotten == {"changes": old_changes, "tablet pushes": 7, "store action keys": 6, "stock movement keys": 3}
    assert _keys(network, Change) == recent_changes
    for table in answers:
        assert {key[-1] for key in _keys(network, table)} == {"new-0", "new-1"}
    with session_scope(network.engine) as session:
        assert session.get(FeedRetention, 1).pruned_through == old_through
    assert forget_past_use(network.engine, settings, now, batch=3) == {}


def test_a_tablet_behind_a_feed_pruned_halfway_takes_a_new_snapshot(network, monkeypatch):
    """The worker stopped after the first batch: the changes left are not all the tablet missed."""
    device, _ = enrol(network, "LYS-01")
    _, cursor, _ = pull_all(network, device)
    pulled = datetime.now(UTC)
    for _ in range(2):
        network.place([(TEE, 1)])
    sync.prune(network.engine, pulled, batch=100)  # the tablet is right at the start of the feed
    assert network.client.get(f"/api/v1/sync/changes?since={cursor}", headers=device).status_code == 200
    batches, real_scope = 0, db_util.session_scope

    @contextmanager
    def stopping_after_the_first_batch(engine):  # noqa: ANN001, ANN202
        nonlocal batches
        batches += 1
        if batches > 1:
            raise RuntimeError("worker stopped")
        with real_scope(engine) as session:
            yield session

    monkeypatch.setattr(db_util, "session_scope", stopping_after_the_first_batch)
    with pytest.raises(RuntimeError):
        sync.prune(network.engine, datetime.now(UTC) + timedelta(seconds=1), batch=3)
    monkeypatch.undo()
    assert _count(network, Change) > 0  # what the first batch left
    behind = network.client.get(f"/api/v1/sync/changes?since={cursor}", headers=device)
    assert behind.status_code == 409 and behind.json()["error"]["code"] == "cursor_expired"


def test_every_worker_runs_housekeeping_unless_turned_off(settings):
    with TestClient(create_app(settings.model_copy(update={"housekeeping_interval_seconds": 3600}))) as client:
        assert client.app.state.housekeeping is not None
    with TestClient(create_app(settings)) as client:  # the tests' settings turn it off
        assert client.app.state.housekeeping is None


def test_the_feed_numbers_on_after_everything_in_it_was_old(network):
    """On SQLite a change's number is its row id: an emptied feed would number the next change
    under where the tablets stand, and they would never see it."""
    device, _ = enrol(network, "LYS-01")
    network.place([(TEE, 1)])
    _, cursor, _ = pull_all(network, device)
    with session_scope(network.engine) as session:
        session.execute(update(Change).values(at=datetime.now(UTC) - timedelta(days=30)))
    assert sync.prune(network.engine, datetime.now(UTC), batch=3) > 0
    assert _count(network, Change) == 1  # the newest stays
    placed = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    items, _, _ = pull_all(network, device, since=cursor)
    assert ("fulfilment", placed) in {(i["entity"], i["id"]) for i in items}
