"""Sign-in, throttling, roles and store scope."""

from sqlalchemy import update

from oms_core.core.db import session_scope
from oms_core.models import StaffToken, utcnow


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
