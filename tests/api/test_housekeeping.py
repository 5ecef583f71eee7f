"""Housekeeping forgets what is past use: changes older than the feed keeps, and the
answers kept for retries once nobody retries any more; what is recent stays."""

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from oms_core.api.main import create_app
from oms_core.core.db import session_scope
from oms_core.models import Change, FulfilmentActionKey, StockMovementKey, SyncMutation
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


def test_every_worker_runs_housekeeping_unless_turned_off(settings):
    with TestClient(create_app(settings.model_copy(update={"housekeeping_interval_seconds": 3600}))) as client:
        assert client.app.state.housekeeping is not None
    with TestClient(create_app(settings)) as client:  # the tests' settings turn it off
        assert client.app.state.housekeeping is None
