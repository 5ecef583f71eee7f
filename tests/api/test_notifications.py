"""Customer notifications: queued once with their cause, sent by the loop's
function with an explicit clock, retried with growing waits, shown to admins."""

import json
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from oms_core.api.main import create_app
from oms_core.core.db import session_scope
from oms_core.models import Notification, utcnow
from oms_core.services.notifications import LogSender, deliver_due

from .conftest import LYON, TEE

API = "/api/v1"


class Flaky:
    """A mail server that is down for the first `failures` messages."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list = []

    def send(self, message) -> None:  # noqa: ANN001
        if self.failures:
            self.failures -= 1
            raise ConnectionError("mail server down")
        self.sent.append(message)


def _shipped_home(network, tracking_number="BR123"):
    order = network.place([(TEE, 1)], address=LYON)
    lyon = network.sign_in("LYS-01")
    fid = order["fulfilments"][0]["id"]
    for action in ("accept", "pick", "pack"):
        network.act(lyon, fid, action)
    network.act(lyon, fid, "ship", {"carrier": "colissimo", "tracking_number": tracking_number})
    network.act(lyon, fid, "ship", {"carrier": "colissimo", "tracking_number": tracking_number})  # a retry
    return order


def _rows(network):
    with session_scope(network.engine) as session:
        return session.execute(select(Notification).order_by(Notification.id)).scalars().all()


def test_a_shipment_is_told_once_with_its_tracking_number_and_shown_to_admins(network, tmp_path):
    order = _shipped_home(network)
    (queued,) = _rows(network)
    assert (queued.kind, queued.status, queued.recipient) == ("shipped", "pending", "ana@example.com")
    assert queued.data["tracking_number"] == "BR123" and "BR123" in queued.body
    log = tmp_path / "notifications.log"
    now = utcnow()
    assert deliver_due(network.engine, LogSender(log), now, max_attempts=3) == 1
    assert deliver_due(network.engine, LogSender(log), now, max_attempts=3) == 0  # sent is sent
    (line,) = log.read_text().splitlines()
    assert json.loads(line)["data"]["tracking_number"] == "BR123"
    listed = network.client.get(f"{API}/notifications", params={"order_id": order["id"]}, headers=network.admin)
    assert [(n["kind"], n["status"], n["attempts"]) for n in listed.json()] == [("shipped", "sent", 1)]
    assert network.client.get(f"{API}/notifications", headers=network.sign_in("PAR-01")).status_code == 403
    assert network.client.get(f"{API}/notifications?status=lost", headers=network.admin).status_code == 422


def test_a_failed_send_is_retried_later_and_given_up_after_the_last_attempt(network):
    _shipped_home(network)
    flaky = Flaky(failures=1)
    now = utcnow()
    assert deliver_due(network.engine, flaky, now, max_attempts=3) == 0
    (row,) = _rows(network)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "mail server down")
    assert row.next_attempt_at > now
    assert deliver_due(network.engine, flaky, now + timedelta(seconds=1), max_attempts=3) == 0  # not due yet
    assert deliver_due(network.engine, flaky, row.next_attempt_at, max_attempts=3) == 1
    assert [m.kind for m in flaky.sent] == ["shipped"] and _rows(network)[0].status == "sent"

    _shipped_home(network, "BR124")  # a tracking number names one parcel
    down = Flaky(failures=99)
    when = utcnow()
    for _ in range(3):
        deliver_due(network.engine, down, when, max_attempts=3)
        when = _rows(network)[-1].next_attempt_at
    last = _rows(network)[-1]
    assert (last.status, last.attempts) == ("failed", 3)
    assert deliver_due(network.engine, down, when + timedelta(days=1), max_attempts=3) == 0


def test_the_core_runs_the_notifier_and_the_counter_scheduler_unless_turned_off(settings, tmp_path):
    on = settings.model_copy(update={"notify_interval_seconds": 3600, "counter_interval_seconds": 3600,
                                     "notifications_log": str(tmp_path / "notifications.log")})
    with TestClient(create_app(on)) as client:
        assert client.app.state.notifier is not None and client.app.state.counter is not None
    with TestClient(create_app(settings)) as client:  # the tests' settings turn both off
        assert client.app.state.notifier is None and client.app.state.counter is None


def test_a_shipment_in_several_parcels_is_told_with_every_tracking_number(network):
    # It gave the first parcel's only: the customer could not follow the second box.
    order = network.place([(TEE, 2)], address=LYON)
    store = network.sign_in("LYS-01")
    fid = order["fulfilments"][0]["id"]
    for action in ("accept", "pick"):
        network.act(store, fid, action)
    assert network.act(store, fid, "pack", {"parcels": [{"tracking_number": "BR000000000011"},
                                                        {"tracking_number": "BR000000000012"}]}).status_code == 200
    assert network.act(store, fid, "ship", {"carrier": "colissimo"}).status_code == 200
    (told,) = [n for n in _rows(network) if n.kind == "shipped"]
    assert "in 2 parcels, tracking numbers BR000000000011, BR000000000012" in told.body
    assert told.data["tracking_numbers"] == ["BR000000000011", "BR000000000012"]


def test_the_pickup_code_is_not_sent_for_an_order_cancelled_before_it_went(network):
    # The mail server down, the order cancelled meanwhile: "your order is ready, show this code"
    # went out once the server was back.
    store = network.sign_in("PAR-01")
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
    fid = order["fulfilments"][0]["id"]
    for action in ("accept", "pick", "ready"):
        assert network.act(store, fid, action).status_code == 200
    cancelled = network.client.post(f"{API}/orders/{order['id']}/cancel", json={"reason": "customer_request"},
                                    headers=network.channel)
    assert cancelled.status_code == 200
    server = Flaky(0)
    deliver_due(network.engine, server, utcnow(), max_attempts=3)
    assert [m.kind for m in server.sent] == []
    (ready,) = [n for n in _rows(network) if n.kind == "ready"]
    assert ready.status == "withdrawn"
    listed = network.client.get(f"{API}/notifications", params={"status": "withdrawn"}, headers=network.admin)
    assert [n["key"] for n in listed.json()] == [ready.key]
