"""Fulfilments not accepted in time expire and are routed again, by the
scheduler's function called with an explicit clock."""

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from oms_core.api.main import create_app
from oms_core.core.db import session_scope
from oms_core.models import Event, utcnow
from oms_core.services.fulfilments import expire_overdue

from .conftest import LYON, TEE


def _order(network, order_id):
    return network.client.get(f"/api/v1/orders/{order_id}", headers=network.channel).json()


def test_a_fulfilment_not_accepted_in_time_expires_and_is_routed_elsewhere(network):
    order = network.place([(TEE, 2)], address=LYON)  # LYS-01, 60 minutes to accept
    accept_by = order["fulfilments"][0]["accept_by"]
    assert expire_overdue(network.engine, utcnow() + timedelta(minutes=59)) == 0
    later = utcnow() + timedelta(minutes=61)
    assert expire_overdue(network.engine, later) == 1
    order = _order(network, order["id"])
    assert [(f["location"], f["status"]) for f in order["fulfilments"]] == [("LYS-01", "expired"), ("WH-LYS", "assigned")]
    assert order["status"] == "allocated" and accept_by
    assert network.level("LYS-01", TEE)["reserved"] == 0 and network.level("WH-LYS", TEE)["reserved"] == 2
    decision = order["routing"]["decisions"][-1]
    assert (decision["reason"], decision["given_back_by"], decision["because"]) == (
        "reallocation", "LYS-01", "not accepted in time")
    # The new fulfilment has its own time limit from then: running again at the same time does nothing.
    assert expire_overdue(network.engine, later) == 0


def test_an_accepted_fulfilment_never_expires(network):
    store = network.sign_in("LYS-01")
    order = network.place([(TEE, 1)], address=LYON)
    network.act(store, order["fulfilments"][0]["id"], "accept")
    assert expire_overdue(network.engine, utcnow() + timedelta(days=2)) == 0
    assert _order(network, order["id"])["fulfilments"][0]["status"] == "accepted"


def test_the_expiry_is_recorded_as_done_by_the_system(network):
    order = network.place([(TEE, 1)], address=LYON)
    expire_overdue(network.engine, utcnow() + timedelta(hours=2))
    with session_scope(network.engine) as session:
        kinds = session.execute(select(Event.kind, Event.actor, Event.reason).where(Event.order_id == order["id"])
                                .order_by(Event.id)).all()
    assert ("fulfilment.expire", "system", "not accepted in time") in kinds
    assert ("order.rerouted", "system", "not accepted in time") in kinds


def test_several_workers_expire_each_fulfilment_once(network):
    orders = [network.place([(TEE, 1)], address=LYON) for _ in range(3)]  # the 3 TEE of LYS-01
    later = utcnow() + timedelta(minutes=61)
    start = threading.Barrier(2)
    counts: list[int] = []

    def worker() -> None:
        start.wait()
        counts.append(expire_overdue(network.engine, later))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 3
    with session_scope(network.engine) as session:
        expiries = session.execute(select(func.count()).select_from(Event).where(Event.kind == "fulfilment.expire")).scalar()
    assert expiries == 3
    for order in orders:
        assert [f["status"] for f in _order(network, order["id"])["fulfilments"]] == ["expired", "assigned"]


def test_the_core_runs_the_expiry_scheduler_unless_turned_off(core, settings):
    task = core.client.app.state.expiry
    assert task is not None and not task.done()
    with TestClient(create_app(settings.model_copy(update={"expiry_interval_seconds": 0}))) as client:
        assert client.app.state.expiry is None
