"""Sign-in, throttling, roles and store scope."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from oms_core.core import security
from oms_core.core.db import session_scope
from oms_core.core.security import sha256
from oms_core.models import Staff, StaffToken, utcnow


def _token(core, store="PAR-01", staff="S001", pin="1234"):
    return core.client.post("/api/v1/auth/token", json={"store": store, "staff": staff, "pin": pin})


def test_staff_sign_in_gives_a_token_scoped_to_the_store(network):
    network.add_staff("PAR-01", "M001", "9876", "manager")
    response = _token(network, staff="M001", pin="9876")
    assert response.status_code == 200
    body = response.json()
    assert (body["store"], body["role"], body["token_type"]) == ("PAR-01", "manager", "bearer")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 200


def test_a_token_answer_is_not_cached(network):
    """RFC 6749 5.1: no proxy or browser cache keeps an answer carrying a bearer token."""
    network.add_staff("PAR-01")
    signed = _token(network)
    assert signed.status_code == 200
    assert signed.headers["Cache-Control"] == "no-store"


def test_a_staff_token_whose_random_part_starts_like_an_api_key_still_works(network, monkeypatch):
    """About one random token in 130,000 begins "bk_" or "bd_", as API keys and device tokens
    do: staff tokens have a prefix of their own, so such a one is still a staff token."""
    random_part = security.secrets.token_urlsafe
    monkeypatch.setattr(security.secrets, "token_urlsafe", lambda n: "bk_" + random_part(n)[3:])
    headers = network.sign_in("PAR-01")
    assert headers["Authorization"].startswith("Bearer bs_bk_")
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 200


def test_a_token_issued_before_staff_tokens_had_a_prefix_works_until_it_expires(network):
    network.add_staff("PAR-01")
    token = "OldStyleToken" + "x" * 30
    with session_scope(network.engine) as session:
        staff_id = session.execute(select(Staff.id).where(Staff.store == "PAR-01", Staff.code == "S001")).scalar_one()
        session.add(StaffToken(token_hash=sha256(token), staff_id=staff_id, store="PAR-01", role="associate",
                               expires_at=utcnow() + timedelta(hours=1)))
    headers = {"Authorization": f"Bearer {token}"}
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 200


def test_a_demoted_managers_session_loses_the_manager_rights(network):
    manager = network.sign_in("PAR-01", code="M001", role="manager")
    assert network.client.get("/api/v1/kpis", headers=manager).status_code == 200
    network.add_staff("PAR-01", "M001", role="associate")  # `backroom staff create` again, same PIN
    network.client.app.state.credentials.forget_all()  # as another worker would, auth_cache_seconds later
    assert network.client.get("/api/v1/kpis", headers=manager).status_code == 401


def test_a_manager_demoted_by_hand_in_the_database_loses_the_rights_all_the_same(network):
    manager = network.sign_in("PAR-01", code="M001", role="manager")
    with session_scope(network.engine) as session:
        session.execute(update(Staff).where(Staff.code == "M001").values(role="associate"))
    network.client.app.state.credentials.forget_all()
    assert network.client.get("/api/v1/kpis", headers=manager).status_code == 403
    assert network.client.get("/api/v1/fulfilments", headers=manager).status_code == 200


def test_a_pin_reset_ends_the_sessions_opened_with_the_old_pin(network):
    """The PIN leaked, or the person left: sessions opened with it end. The same PIN and
    role again (re-running the command to fix a name) leave the sessions be."""
    associate = network.sign_in("PAR-01")
    network.add_staff("PAR-01")
    assert network.client.get("/api/v1/fulfilments", headers=associate).status_code == 200
    network.add_staff("PAR-01", pin="987654")
    network.client.app.state.credentials.forget_all()
    assert network.client.get("/api/v1/fulfilments", headers=associate).status_code == 401
    assert _token(network, pin="987654").status_code == 200


def test_wrong_pin_unknown_staff_and_unknown_store_look_the_same(network):
    network.add_staff("PAR-01")
    answers = [_token(network, pin="0000"), _token(network, staff="S999"), _token(network, store="XXX-01")]
    assert {(a.status_code, a.json()["error"]["message"]) for a in answers} == {(401, "wrong store, staff code or PIN")}


def test_repeated_wrong_pins_lock_the_account(network):
    network.add_staff("PAR-01")
    for _ in range(network.settings.pin_max_attempts):
        assert _token(network, pin="0000").status_code == 401
    locked = _token(network)  # even the right PIN is refused for a while
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert int(locked.headers["Retry-After"]) > 0


def test_padding_the_staff_code_does_not_dodge_the_account_lockout(network):
    network.add_staff("PAR-01")
    network.client.app.state.throttle.max_failures = 10**6  # the account's lock, not the address's
    spellings = ["S001", " S001", "S001 ", "\tS001", " S001 "]
    for staff in spellings[: network.settings.pin_max_attempts]:
        assert _token(network, staff=staff, pin="0000").status_code == 401
    assert _token(network).status_code == 429


def test_concurrent_wrong_pins_get_no_more_guesses_than_the_lockout_allows(network):
    network.add_staff("PAR-01")
    network.client.app.state.throttle.max_failures = 10**6
    start = threading.Barrier(12)

    def guess(i: int):  # noqa: ANN202
        start.wait()
        return _token(network, pin=f"{5000 + i}")

    with ThreadPoolExecutor(12) as attacker:
        answers = list(attacker.map(guess, range(12)))
    assert sum(a.status_code == 401 for a in answers) <= network.settings.pin_max_attempts
    assert _token(network).status_code == 429


def _lock(network) -> None:
    for _ in range(network.settings.pin_max_attempts):
        assert _token(network, pin="0000").status_code == 401
    assert _token(network).status_code == 429


def _lock_runs_out(network) -> None:
    with session_scope(network.engine) as session:
        session.execute(update(Staff).values(locked_until=utcnow() - timedelta(seconds=1)))


def test_the_lock_time_doubles_until_a_good_sign_in(network):
    """An associate who fumbles their PIN now and then, signing in fine in between, is not
    locked 5, 10, 20 ... then 320 minutes: a good sign-in proves the owner."""
    network.add_staff("PAR-01")
    first = network.settings.pin_lockout_minutes * 60
    _lock(network)
    _lock_runs_out(network)
    for _ in range(network.settings.pin_max_attempts):  # no good sign-in in between: twice as long
        assert _token(network, pin="0000").status_code == 401
    assert first < int(_token(network).headers["Retry-After"]) <= 2 * first + 1
    _lock_runs_out(network)
    assert _token(network).status_code == 200
    for _ in range(network.settings.pin_max_attempts):
        assert _token(network, pin="0000").status_code == 401
    assert int(_token(network).headers["Retry-After"]) <= first + 1


def test_a_pin_reset_lifts_the_lock_and_its_doubling(network):
    network.add_staff("PAR-01")
    _lock(network)
    network.add_staff("PAR-01", pin="5678")
    assert _token(network, pin="5678").status_code == 200
    with session_scope(network.engine) as session:
        staff = session.execute(select(Staff).where(Staff.code == "S001")).scalar_one()
        assert (staff.failed_attempts, staff.lockouts, staff.locked_until) == (0, 0, None)


def test_requests_without_or_with_bad_credentials_are_401(network):
    assert network.client.get("/api/v1/locations").status_code == 401
    response = network.client.get("/api/v1/locations", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"
    response = network.client.get("/api/v1/locations", headers={"Authorization": "Bearer bk_nope"})
    assert response.status_code == 401


def test_expired_and_revoked_tokens_are_refused(network):
    headers = network.sign_in("PAR-01")
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 200  # now remembered
    assert network.client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 401
    headers = network.sign_in("PAR-01", code="S002")
    with session_scope(network.engine) as session:
        session.execute(update(StaffToken).values(expires_at=utcnow()))
    assert network.client.get("/api/v1/fulfilments", headers=headers).status_code == 401


def test_roles_are_enforced(network):
    associate = network.sign_in("PAR-01")
    assert network.client.put("/api/v1/products", json=[], headers=associate).status_code == 403
    assert network.client.put("/api/v1/locations", json=[], headers=network.channel).status_code == 403
    assert network.client.get("/api/v1/fulfilments", headers=network.channel).status_code == 403
    movement = {"movements": [{"location": "PAR-01", "sku": "TEE-BLU-M", "delta": 1}]}
    assert network.client.post("/api/v1/stock/movements", json=movement, headers=network.channel).status_code == 403
    response = network.client.post("/api/v1/orders/x/cancel", json={}, headers=associate)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_staff_change_stock_only_in_their_own_store(network):
    associate = network.sign_in("PAR-01")
    own = {"counts": [{"location": "PAR-01", "sku": "TEE-BLU-M", "on_hand": 9}]}
    other = {"counts": [{"location": "LYS-01", "sku": "TEE-BLU-M", "on_hand": 9}]}
    assert network.client.post("/api/v1/stock/counts", json=own, headers=associate).status_code == 201
    response = network.client.post("/api/v1/stock/counts", json=other, headers=associate)
    assert response.status_code == 403 and response.json()["error"]["code"] == "other_store"
    assert network.level("LYS-01", "TEE-BLU-M")["on_hand"] == 3


def test_revoked_api_key_is_refused_once_the_workers_cache_lapses(network):
    from oms_core.models import ApiKey

    assert network.client.get("/api/v1/locations", headers=network.channel).status_code == 200
    with session_scope(network.engine) as session:
        session.execute(update(ApiKey).where(ApiKey.name == "webshop").values(revoked_at=utcnow()))
    # Revoked from outside this worker: still known here for auth_cache_seconds...
    assert network.client.get("/api/v1/locations", headers=network.channel).status_code == 200
    network.client.app.state.credentials.seconds = 0
    network.client.app.state.credentials.forget(network.channel["Authorization"].split()[1])
    # ...and refused as soon as the worker asks the database again.
    assert network.client.get("/api/v1/locations", headers=network.channel).status_code == 401


def test_signing_out_with_an_api_key_or_a_device_token_says_how_they_are_revoked(network):
    """DELETE /auth/token ends a staff session; with an API key it ended nothing and answered 204."""
    device = network.client.post("/api/v1/auth/device", json={"id": "0190a0b1-0000-7000-8000-000000000001"},
                                 headers=network.sign_in("PAR-01")).json()
    for headers, where in ((network.channel, "/keys/{id}/revoke"),
                           ({"Authorization": f"Bearer {device['device_token']}"}, "/devices/{id}/revoke")):
        response = network.client.delete("/api/v1/auth/token", headers=headers)
        assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_session"
        assert where in response.json()["error"]["message"]
        assert network.client.get("/api/v1/locations", headers=headers).status_code == 200
