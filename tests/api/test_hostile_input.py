"""Hostile input the core meets from the open network: odd ids, query values, cursors,
numbers and nesting, dates at the calendar's edges. Whatever comes, a clear 4xx in the
error shape (or the call succeeds), never a 500. (test_bad_input.py: the contract's checks.)"""

import uuid

import pytest

from .conftest import TEE, Core

API = "/api/v1"


def _assert_error(response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.request.method, str(response.request.url)[:200],
                                              response.status_code, response.text[:500])
    error = response.json()["error"]
    assert error["code"] and error["message"]


def _device(core: Core, store: str = "PAR-01") -> tuple[str, dict]:
    staff = core.sign_in(store, code="D001")
    device_id = str(uuid.uuid4())
    enrolled = core.client.post(f"{API}/auth/device", json={"id": device_id}, headers=staff)
    assert enrolled.status_code == 200, enrolled.text
    return device_id, {"Authorization": f"Bearer {enrolled.json()['device_token']}"}


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_order_promised_at_the_calendars_edge_breaks_no_report(network, moment):
    body = network.order_body([(TEE, 1)], promised_by=moment)
    placed = network.client.post(f"{API}/orders", json=body, headers=network.channel)
    assert placed.status_code in (201, 422), placed.text
    manager = network.sign_in("LYS-01", code="M001", role="manager")
    for path, headers in [("/kpis", network.admin), ("/kpis?series=day", manager), ("/exports/orders.csv", network.admin),
                          ("/exports/kpis.csv", network.admin), (f"/orders/{placed.json().get('id')}/timeline", network.admin)]:
        response = network.client.get(f"{API}{path}", headers=headers)
        assert response.status_code in (200, 404), (path, response.text[:300])


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_count_dated_at_the_calendars_edge_is_refused_not_a_500(network, moment):
    body = {"counts": [{"location": "PAR-01", "sku": TEE, "on_hand": 3, "counted_at": moment}]}
    _assert_error(network.client.post(f"{API}/stock/counts", json=body, headers=network.admin), 422)


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00"])
def test_a_pushed_action_dated_at_the_calendars_edge_is_not_a_500(network, moment):
    _, device = _device(network)
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-01")
    fid = order["fulfilments"][0]["id"]
    response = network.client.post(f"{API}/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "accept", "staff": "D001", "fulfilment": fid, "at": moment}]})
    assert response.status_code < 500, response.text
    timeline = network.client.get(f"{API}/orders/{order['id']}/timeline", headers=network.admin)
    assert timeline.status_code == 200, timeline.text


@pytest.mark.parametrize("cursor", ["garbage", "-1", "0", "1e9", "99999999999999999999999999", "1:2:3", "é", "%",
                                    "null", "[]", " ", "9" * 200, "seq:\u0663", "seq:1_0", "seq: 5",
                                    "seq:-0", "snap:0:stock:" + "z" * 150, "snap:0:fulfilment:%",
                                    "snap:99999999999999999999:stock:", "snap:1:nope:", "seq:9223372036854775807"])
def test_a_bad_sync_cursor_is_refused_not_a_500(network, cursor):
    staff = network.sign_in("PAR-01")
    response = network.client.get(f"{API}/sync/changes", params={"since": cursor}, headers=staff)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        _assert_error(response, 400, 409, 410, 422)


@pytest.mark.parametrize("path", ["/sync/mutations", "/routing/profile/check", "/orders", "/stock/counts"])
def test_deeply_nested_json_is_a_clear_4xx(network, path):
    depth = 200_000
    body = b'{"a": ' + b"[" * depth + b"]" * depth + b"}"
    headers = {**network.admin, "Content-Type": "application/json"}
    if path == "/sync/mutations":
        headers = {**_device(network)[1], "Content-Type": "application/json"}
    _assert_error(network.client.post(f"{API}{path}", content=body, headers=headers), 400, 422)


@pytest.mark.parametrize(("path", "body"), [
    ("/products", b'[{"sku": "NAN-1", "name": "n", "price": 1, "weight_kg": NaN}]'),
    ("/products", b'[{"sku": "NAN-2", "name": "n", "price": Infinity}]'),
    ("/locations", b'[{"code": "NAN-1", "name": "n", "type": "store", "lat": NaN, "lon": 1}]'),
    ("/routing/profile/check", b'{"name": "x", "cost": {"parcel": NaN}, "rule_sets": [{"name": "a"}]}'),
    ("/promise", (b'{"lines": [{"sku": "TEE-BLU-M", "qty": 1, "unit_price": 1}], '
                  b'"destination": {"country": "FR", "lat": NaN, "lon": -Infinity}}')),
])
def test_nan_and_infinity_are_refused(network, path, body):
    method = "PUT" if path in ("/products", "/locations") else "POST"
    response = network.client.request(method, f"{API}{path}", content=body,
                                      headers={**network.admin, "Content-Type": "application/json"})
    if path == "/routing/profile/check":
        assert response.status_code == 200 and response.json()["valid"] is False, response.text
    else:
        _assert_error(response, 400, 422)


def test_nan_in_pushed_args_is_not_a_500(network):
    _, device = _device(network)
    mutation = f'{{"id": "{uuid.uuid4()}", "type": "count", "staff": "D001", "args": {{"sku": "{TEE}", "note": NaN}}}}'
    body = f'{{"mutations": [{mutation}]}}'.encode()
    response = network.client.post(f"{API}/sync/mutations", content=body,
                                   headers={**device, "Content-Type": "application/json"})
    assert response.status_code < 500, response.text


@pytest.mark.parametrize("odd", ["x" * 10_000, "\U0001f600" * 100, "\u202e01-RAP", "\ufeffPAR-01", "\uffff",
                                 "%ED%A0%80", "..%2F..%2Fetc%2Fpasswd", "a%2Fb", "\u0301" * 50])
def test_odd_ids_in_paths_are_not_a_500(network, odd):
    staff = network.sign_in("PAR-01")
    for path, headers in [(f"/orders/{odd}", network.admin), (f"/orders/{odd}/timeline", network.admin),
                          (f"/orders/{odd}/pickup", network.admin), (f"/orders/{odd}/returnable", staff),
                          (f"/fulfilments/{odd}", staff), (f"/returns/{odd}", staff),
                          (f"/returns/{odd}/receipt", staff), (f"/locations/{odd}", network.admin),
                          (f"/products/{odd}", network.admin)]:
        response = network.client.get(f"{API}{path}", headers=headers)
        _assert_error(response, 404, 422)
    for path, headers in [(f"/fulfilments/{odd}/accept", staff), (f"/orders/{odd}/cancel", network.admin),
                          (f"/counter/shelf/{odd}/resend-code", staff), (f"/devices/{odd}/revoke", network.admin),
                          (f"/staff/PAR-01/{odd}/revoke", network.admin)]:
        response = network.client.post(f"{API}{path}", json={}, headers=headers)
        _assert_error(response, 404, 422)
    response = network.client.patch(f"{API}/locations/{odd}/operations", json={"paused": True}, headers=network.admin)
    _assert_error(response, 404, 422)


@pytest.mark.parametrize("odd", ["x" * 10_000, "\U0001f600", "\u202e", "1e999", "-0", "NaN", "\u00ff" * 5])
def test_odd_query_values_are_not_a_500(network, odd):
    staff = network.sign_in("PAR-01")
    manager = network.sign_in("PAR-01", code="M001", role="manager")
    calls = [
        ("/products", {"q": odd}, network.admin), ("/products", {"limit": odd}, network.admin),
        ("/products", {"offset": odd}, network.admin), ("/orders", {"q": odd}, network.admin),
        ("/orders/lookup", {"q": odd}, staff), ("/counter/orders", {"q": odd}, staff),
        ("/availability", {"skus": odd}, network.admin), ("/availability", {"skus": TEE, "location": odd}, network.admin),
        ("/fulfilments", {"status": odd}, staff), ("/fulfilments", {"after": odd}, staff),
        ("/fulfilments", {"limit": odd}, staff), ("/fulfilments", {"location": odd}, network.admin),
        ("/kpis", {"from": odd}, manager), ("/kpis", {"location": odd}, network.admin),
        ("/kpis", {"series": odd}, manager), ("/stock/alerts", {"location": odd}, network.admin),
        ("/exports/orders.csv", {"location": odd}, network.admin), ("/exports/orders.csv", {"to": odd}, manager),
        ("/audit", {"action": odd}, network.admin), ("/audit", {"since": odd}, network.admin),
        ("/audit", {"before_id": odd}, network.admin), ("/audit", {"limit": odd}, network.admin),
        ("/notifications", {"order_id": odd}, network.admin), ("/notifications", {"status": odd}, network.admin),
        ("/sync/changes", {"limit": odd}, staff), ("/locations", {"type": odd}, network.admin),
    ]
    for path, params, headers in calls:
        response = network.client.get(f"{API}{path}", params=params, headers=headers)
        assert response.status_code < 500, (path, params, response.text[:300])
        if response.status_code >= 400:
            _assert_error(response, 400, 403, 404, 422)


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%C0%AF", "%FF%FE", "%F4%90%80%80"])
def test_invalid_utf8_in_the_query_or_path_is_not_a_500(network, raw):
    staff = network.sign_in("PAR-01")
    for url, headers in [(f"/orders?q=a{raw}", network.admin), (f"/products?q={raw}", network.admin),
                         (f"/orders/lookup?q={raw}", staff), (f"/counter/orders?q={raw}", staff),
                         (f"/orders/{raw}", network.admin), (f"/products/{raw}", network.admin),
                         (f"/sync/changes?since=snap:0:stock:{raw}", staff)]:
        response = network.client.get(f"{API}{url}", headers=headers)
        assert response.status_code < 500, (url, response.text[:300])


def test_a_long_authorization_header_is_a_401_not_a_500(network):
    for value in ["Bearer " + "x" * 20_000, "Bearer bk_" + "y" * 20_000, "Bearer bd_" + "\u00e9" * 100,
                  "Basic dXNlcjpwYXNz", "Bearer", "bearer " + "z" * 10, "Bearer  bk_ "]:
        response = network.client.get(f"{API}/locations", headers={"Authorization": value.encode("latin-1")})
        _assert_error(response, 401)


@pytest.mark.parametrize("path", ["/routing/profile", "/routing/profile/check", "/routing/profile/dry-run"])
def test_a_deep_routing_draft_is_refused_in_words(network, path):
    deep = "[" * 300 + "]" * 300
    when = f'{{"field": "tags", "op": "in", "value": {deep}}}'
    profile = f'{{"name": "x", "rule_sets": [{{"name": "a", "when": {when}}}], "extra": {deep}}}'
    body = f'{{"profile": {profile}}}' if path.endswith("dry-run") else profile
    method = "PUT" if path == "/routing/profile" else "POST"
    response = network.client.request(method, f"{API}{path}", content=body.encode(),
                                      headers={**network.admin, "Content-Type": "application/json"})
    assert response.status_code in (200, 422), response.text[:300]


@pytest.mark.parametrize("price", ["0E+999999999", "0E-1000", "-0", "1_9.9", "١٩"])
def test_odd_decimal_spellings_of_a_price_are_not_a_500(network, price):
    put = network.client.put(f"{API}/products", headers=network.admin,
                             json=[{"sku": "ODD-1", "name": "odd", "price": price}])
    assert put.status_code in (200, 422), put.text
    if put.status_code == 200:
        got = network.client.get(f"{API}/products/ODD-1", headers=network.admin)
        assert got.status_code == 200, got.text
    body = network.order_body([(TEE, 1)])
    body["lines"][0]["unit_price"] = price
    body["delivery"]["price"] = price
    placed = network.client.post(f"{API}/orders", json=body, headers=network.channel)
    assert placed.status_code in (201, 422), placed.text
    if placed.status_code == 201:
        for path in (f"/orders/{placed.json()['id']}", "/kpis", "/exports/orders.csv"):
            assert network.client.get(f"{API}{path}", headers=network.admin).status_code == 200, path
