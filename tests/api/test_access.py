"""Production access control: lockouts, revocation by head office, the audit
log, readiness and request ids, with the real core in process."""

import asyncio
import gc
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from contract.events import HEARTBEAT_S
from oms_core.api.main import create_app
from oms_core.api.routes import sync as sync_routes
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.services import auth

from ..conftest import PG_ADMIN_URL, need
from .conftest import PARIS, TEE, Core, http_scope


def _sign_in(core: Core, store: str = "PAR-01", staff: str = "S001", pin: str = "1234"):  # noqa: ANN202
    return core.client.post("/api/v1/auth/token", json={"store": store, "staff": staff, "pin": pin})


def _audit(core: Core, action: str) -> list[dict]:
    response = core.client.get("/api/v1/audit", params={"action": action}, headers=core.admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_one_address_guessing_across_accounts_is_locked_out(network):
    network.add_staff("PAR-01")
    throttle = network.client.app.state.throttle
    now = [datetime(2030, 1, 1, 9, tzinfo=UTC)]
    throttle.clock = lambda: now[0]
    throttle.max_failures = 3
    working = network.sign_in("PAR-01", code="S002")
    # A different account each time, so no account locks; the third failure locks the address.
    assert [_sign_in(network, staff=s).status_code for s in ("S101", "S102", "S103")] == [401, 401, 429]
    refused = _sign_in(network)  # the right PIN, from the locked address
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "client_locked_out"
    assert int(refused.headers["Retry-After"]) > 0
    unknown_key = network.client.get("/api/v1/locations", headers={"Authorization": "Bearer bk_guess"})
    assert unknown_key.status_code == 429
    # A tablet already signed in behind the same address keeps working.
    assert network.client.get("/api/v1/fulfilments", headers=working).status_code == 200
    assert [e["client"] for e in _audit(network, "client.locked_out")] == ["testclient"]
    now[0] += timedelta(seconds=throttle.lockout_seconds)
    assert _sign_in(network).status_code == 200


def test_guesses_from_one_ipv6_network_are_counted_together(network):
    """One line holds a whole IPv6 /64: a guesser taking a fresh address for each try is
    locked out all the same, and the addresses of another /64 are not."""
    network.client.app.state.throttle.max_failures = 3

    def guess(address: str, staff: str) -> int:
        guesser = TestClient(network.client.app, client=(address, 50000))
        return guesser.post("/api/v1/auth/token", json={"store": "PAR-01", "staff": staff, "pin": "1234"}).status_code

    assert [guess(f"2001:db8:0:1::{i}", f"S10{i}") for i in range(1, 5)] == [401, 401, 429, 429]
    assert guess("2001:db8:0:2::1", "S201") == 401
    [locked] = _audit(network, "client.locked_out")
    assert (locked["client"], locked["details"]["locked"]) == ("2001:db8:0:1::3", "2001:db8:0:1::/64")


def test_hammering_a_locked_account_counts_against_the_callers_address(network):
    """Tries at a locked account are refused, and counted against the address like wrong PINs:
    one caller cannot go on trying (and writing the audit log) while the account stays locked."""
    network.add_staff("PAR-01")
    throttle = network.client.app.state.throttle
    throttle.max_failures = network.settings.pin_max_attempts + 5
    for _ in range(network.settings.pin_max_attempts):
        assert _sign_in(network, pin="0000").status_code == 401
    codes = [_sign_in(network, pin="0000").json()["error"]["code"] for _ in range(10)]
    # The fifth try reaches the account, and its failure locks the address.
    assert codes == ["locked_out"] * 4 + ["client_locked_out"] * 6
    assert len(_audit(network, "sign_in.locked_out")) == 5


def test_tokens_that_were_good_once_lock_no_address(network):
    """A store's tablets behind one address presenting last shift's tokens are no guesses."""
    network.client.app.state.throttle.max_failures = 3
    spent = []
    for _ in range(3):
        headers = network.sign_in("PAR-01")
        assert network.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
        spent.append(headers)
    revoked_key = network.client.post("/api/v1/keys", json={"name": "old-shop", "role": "channel"},
                                      headers=network.admin).json()
    network.client.post(f"/api/v1/keys/{revoked_key['id']}/revoke", headers=network.admin)
    spent.append({"Authorization": f"Bearer {revoked_key['key']}"})
    for headers in spent * 3:
        response = network.client.get("/api/v1/locations", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    assert _sign_in(network).status_code == 200
    assert _audit(network, "client.locked_out") == []


def test_guesses_spread_over_the_workers_lock_the_address_all_the_same(settings):
    """Two workers of one core (two apps on one database): each sees every failure."""
    workers = [create_app(settings) for _ in range(2)]
    migrate.upgrade(workers[0].state.engine)
    with TestClient(workers[0]) as first, TestClient(workers[1]) as second:
        for worker in workers:
            worker.state.throttle.max_failures = 4
        guesses = [client.post("/api/v1/auth/token", json={"store": "PAR-01", "staff": f"S10{i}", "pin": "1234"})
                   for i, client in enumerate([first, second, first, second])]
        assert [g.status_code for g in guesses] == [401, 401, 401, 429]
        assert first.post("/api/v1/auth/token", json={"store": "PAR-01", "staff": "S001", "pin": "1234"}).status_code == 429
        assert second.get("/api/v1/locations", headers={"Authorization": "Bearer bk_guess"}).status_code == 429


def test_sign_ins_and_their_failures_are_audited(network):
    network.add_staff("PAR-01")
    assert _sign_in(network, pin="0000").status_code == 401
    assert _sign_in(network).status_code == 200
    signed = _audit(network, "sign_in")
    assert [(e["action"], e["target"]) for e in signed] == [("sign_in", "PAR-01/S001"), ("sign_in.failed", "PAR-01/S001")]
    assert signed[1]["details"]["reason"] == "wrong_pin"


def test_head_office_ends_a_staff_members_sessions(network):
    token = network.sign_in("PAR-01")
    assert network.client.get("/api/v1/fulfilments", headers=token).status_code == 200
    response = network.client.post("/api/v1/staff/PAR-01/S001/revoke", headers=network.admin)
    assert response.status_code == 200 and response.json()["sessions_revoked"] == 1
    assert network.client.get("/api/v1/fulfilments", headers=token).status_code == 401
    assert network.client.post("/api/v1/staff/PAR-01/NOBODY/revoke", headers=network.admin).status_code == 404
    [entry] = _audit(network, "staff.revoked")
    assert (entry["actor"], entry["target"], entry["details"]["sessions"]) == ("head-office", "PAR-01/S001", 1)


def test_head_office_deactivates_someone_who_leaves(network):
    """No more sign-ins, their sessions end, and what a store app pushes in their name (done
    offline before, or by a colleague with their code) is refused."""
    token = network.sign_in("PAR-01")
    device = _device(network)
    assert _push_count(network, device)["status"] == "applied"
    response = network.client.post("/api/v1/staff/PAR-01/S001/deactivate", headers=network.admin)
    assert response.json() == {"store": "PAR-01", "staff": "S001", "sessions_revoked": 2}
    assert network.client.get("/api/v1/fulfilments", headers=token).status_code == 401
    assert _sign_in(network).status_code == 401
    refused = _push_count(network, device)
    assert (refused["status"], refused["error"]["code"]) == ("rejected", "unknown_staff")
    # Done offline on their last shift, before head office deactivated them: it counts.
    last_shift = _push_count(network, device, at=datetime.now(UTC) - timedelta(minutes=5))
    assert last_shift["status"] == "applied", last_shift
    assert network.client.post("/api/v1/staff/PAR-01/NOBODY/deactivate", headers=network.admin).status_code == 404
    [entry] = _audit(network, "staff.deactivated")
    assert (entry["actor"], entry["target"], entry["details"]["sessions"]) == ("head-office", "PAR-01/S001", 2)
    network.add_staff("PAR-01", pin="5678")  # back again: `backroom staff create`
    assert _sign_in(network, pin="5678").status_code == 200


def _device(core: Core) -> dict:
    """PAR-01's store app, enrolled by S001."""
    staff = core.sign_in("PAR-01")
    enrolled = core.client.post("/api/v1/auth/device", json={"id": str(uuid.uuid4())}, headers=staff)
    return {"Authorization": f"Bearer {enrolled.json()['device_token']}"}


def _push_count(core: Core, device: dict, at: datetime | None = None) -> dict:
    mutation = {"id": str(uuid.uuid4()), "type": "count", "staff": "S001", "args": {"sku": TEE, "on_hand": 4}}
    if at is not None:
        mutation["at"] = at.isoformat()
    response = core.client.post("/api/v1/sync/mutations", json={"mutations": [mutation]}, headers=device)
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def test_head_office_unlocks_a_locked_out_associate(network):
    network.add_staff("PAR-01")
    for _ in range(network.settings.pin_max_attempts):
        assert _sign_in(network, pin="0000").status_code == 401
    assert _sign_in(network).status_code == 429
    assert network.client.post("/api/v1/staff/PAR-01/S001/unlock", headers=network.admin).status_code == 204
    assert _sign_in(network).status_code == 200
    assert network.client.post("/api/v1/staff/PAR-01/NOBODY/unlock", headers=network.admin).status_code == 404
    [entry] = _audit(network, "staff.unlocked")
    assert (entry["actor"], entry["target"], entry["client"]) == ("head-office", "PAR-01/S001", "testclient")
    assert entry["details"]["locked_until"] is not None


def test_enrolling_a_device_is_audited(network):
    """A device token never expires: who enrolled which install, when and from where, is
    kept as its revocation is."""
    staff = network.sign_in("PAR-01")
    device_id = str(uuid.uuid4())
    enrolled = network.client.post("/api/v1/auth/device", json={"id": device_id, "name": "till 2"}, headers=staff)
    assert enrolled.headers["Cache-Control"] == "no-store"
    [entry] = _audit(network, "device")
    assert (entry["action"], entry["actor"], entry["target"], entry["client"], entry["details"]["name"]) == (
        "device.enrolled", "PAR-01/S001", f"device:{device_id}", "testclient", "till 2")


def test_head_office_creates_and_revokes_api_keys(network):
    created = network.client.post("/api/v1/keys", json={"name": "marketplace", "role": "channel"}, headers=network.admin)
    assert created.status_code == 201, created.text
    assert created.headers["Cache-Control"] == "no-store"  # the key is in the answer (RFC 6749 5.1)
    key = {"Authorization": f"Bearer {created.json()['key']}"}
    assert network.client.get("/api/v1/locations", headers=key).status_code == 200
    listed = network.client.get("/api/v1/keys", headers=network.admin).json()
    assert all("key" not in k or k["key"] is None for k in listed)  # a key is shown once only
    revoked = network.client.post(f"/api/v1/keys/{created.json()['id']}/revoke", headers=network.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert network.client.get("/api/v1/locations", headers=key).status_code == 401
    assert [e["action"] for e in _audit(network, "key")][:2] == ["key.revoked", "key.created"]


def test_head_office_revokes_a_lost_tablet(network):
    staff = network.sign_in("PAR-01")
    device_id = str(uuid.uuid4())
    enrolled = network.client.post("/api/v1/auth/device", json={"id": device_id}, headers=staff).json()
    device = {"Authorization": f"Bearer {enrolled['device_token']}"}
    assert network.client.get("/api/v1/sync/changes?limit=1", headers=device).status_code == 200
    assert network.client.post(f"/api/v1/devices/{device_id}/revoke", headers=network.admin).status_code == 200
    assert network.client.get("/api/v1/sync/changes?limit=1", headers=device).status_code == 401


@pytest.mark.parametrize(("revoked", "wake"), [("staff", "change"), ("device", "change"), ("staff", "heartbeat")])
def test_an_open_event_stream_ends_once_its_session_or_device_is_revoked(network, monkeypatch, revoked, wake):
    """The event stream a lost tablet opened before head office revoked it would go on telling
    it of the store's changes: at the next change it tells of, or a heartbeat once RECHECK_S
    have passed since the last check (0 here), it ends."""
    monkeypatch.setattr(sync_routes, "RECHECK_S", 0.0)
    staff = network.sign_in("PAR-01")
    headers, revoke = staff, "/api/v1/staff/PAR-01/S001/revoke"
    if revoked == "device":
        device_id = str(uuid.uuid4())
        enrolled = network.client.post("/api/v1/auth/device", json={"id": device_id}, headers=staff).json()
        headers, revoke = {"Authorization": f"Bearer {enrolled['device_token']}"}, f"/api/v1/devices/{device_id}/revoke"
    said_after: list[bytes] = []

    async def listen() -> None:
        requested, revoked_now, hang_up = False, False, asyncio.Event()

        async def receive() -> dict:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b""}
            await hang_up.wait()  # only if the stream goes on: it should end by itself
            return {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            nonlocal revoked_now
            body = message.get("body", b"")
            if message["type"] != "http.response.body" or not body:
                return
            if b"event: ready" in body:
                def revoke_then_order() -> None:
                    assert network.client.post(revoke, headers=network.admin).status_code == 200
                    if wake == "change":
                        network.place([(TEE, 1)], method="click_collect", store="PAR-01")  # news for the store
                await asyncio.to_thread(revoke_then_order)
                revoked_now = True
            elif revoked_now:
                said_after.append(body)
                hang_up.set()

        stream = network.client.app(http_scope("GET", "/api/v1/sync/events", headers), receive, send)
        await asyncio.wait_for(stream, HEARTBEAT_S * 3)  # a bound for a slow machine, not a synchronisation

    network.client.portal.call(listen)
    assert said_after == []


def test_routing_changes_and_store_rejections_are_audited(network):
    profile = network.client.get("/api/v1/routing/profile", headers=network.admin).json()
    assert network.client.put("/api/v1/routing/profile", json=profile["profile"], headers=network.admin).status_code == 200
    [change] = _audit(network, "routing")
    assert change["actor"] == "head-office" and change["target"] == f"routing profile v{profile['version'] + 1}"
    order = network.place([("TEE-BLU-M", 1)], method="click_collect", store="PAR-01")
    staff = network.sign_in("PAR-01")
    rejected = network.act(staff, order["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    assert rejected.status_code == 200, rejected.text
    [entry] = _audit(network, "fulfilment.rejected")
    assert (entry["actor"], entry["store"], entry["details"]["reason"]) == ("PAR-01/S001", "PAR-01", "damaged")


def test_readiness_needs_the_database_at_the_codes_schema(core):
    ready = core.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["schema"] == migrate.head_revision()
    head = migrate.head_revision()
    with core.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
    try:
        behind = core.client.get("/readyz")
    finally:  # the PostgreSQL database outlives this test
        with core.engine.begin() as connection:
            connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{head}'")
    assert behind.status_code == 503 and "0001" in behind.json()["problem"]
    assert core.client.get("/healthz").status_code == 200  # alive all the same: no restart loop


def test_a_database_gone_mid_flight_answers_503_with_retry_after(postgres_database):
    """PostgreSQL disappears under a running core (here: its database is dropped):
    calls get a clear, retryable 503, never a 500, and the core stays alive."""
    need(postgres_database is not None, f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"backroom_gone_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        settings = Settings(database_url=url)
        migrate.upgrade(make_engine(settings))
        with TestClient(create_app(settings)) as client:
            with session_scope(client.app.state.engine) as session:
                headers = {"Authorization": f"Bearer {auth.create_api_key(session, 'webshop', 'channel')}"}
            assert client.get("/api/v1/orders/nope", headers=headers).status_code == 404
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            for call in (client.get("/api/v1/orders/nope", headers=headers),
                         client.post("/api/v1/orders", headers=headers, json={"channel": "web", "external_ref": "W1",
                                     "customer": {"name": "Ana"}, "delivery": {"method": "home", "address": PARIS},
                                     "lines": [{"sku": TEE, "qty": 1, "unit_price": 19.9}]})):
                assert call.status_code == 503, call.text
                assert call.json()["error"]["code"] == "database_unavailable"
                assert call.headers["Retry-After"] == "5"
            assert client.get("/healthz").status_code == 200
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_a_running_core_keeps_its_loaded_code_out_of_full_collections(settings):
    # A full pass over everything loaded held an order (and SQLite's write lock) ~100 ms
    # every few thousand orders: the core freezes what it loaded while it runs.
    with TestClient(create_app(settings)):
        assert gc.get_freeze_count() > 50_000
    assert gc.get_freeze_count() == 0  # and lets it go when it stops


def test_a_request_keeps_its_id_or_gets_one(core):
    sent = core.client.get("/healthz", headers={"X-Request-ID": "till-7.42"})
    assert sent.headers["X-Request-ID"] == "till-7.42"
    made = core.client.get("/api/v1/locations", headers={"X-Request-ID": "bad id; rm -rf"})
    assert made.status_code == 401 and len(made.headers["X-Request-ID"]) == 32


def test_cors_is_closed_unless_origins_are_configured(core):
    asked = core.client.options(
        "/api/v1/locations", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in asked.headers
