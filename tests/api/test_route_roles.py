"""Who may call what: every route of the app, called by every kind of caller,
against one explicit table. A route missing from the table fails the test, so
nobody adds a route without deciding who may call it.

Callers: nobody (no credentials), a channel key (of the integration that
placed the order walked with), an admin key, an associate and a manager of
PAR-01, PAR-01's enrolled store app (device), an associate of another store
(LYS-01), and another integration's channel key. "Allowed" means the call got past
authentication and authorisation (anything but 401/403: a 422 for the empty
body, a 404 for an unknown id, a 409 for a state conflict are all fine).
Otherwise it must be exactly 401 without credentials and 403 for a wrong role,
unless the table names another answer (another store's fulfilment, another
integration's order is a 404: its existence is not disclosed).
"""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from oms_core.api.main import create_app
from oms_core.core.config import Settings

from .conftest import TEE, Core, http_scope

ACTORS = ("none", "channel", "admin", "associate", "manager", "device", "other_store", "other_channel")
EVERYONE = "none channel admin associate manager device other_store other_channel"
SIGNED_IN = "channel admin associate manager device other_store other_channel"
STAFF = "associate manager other_store"
# An order's own routes: an integration reaches the orders it placed only.
ORDER_READERS = "channel admin associate manager device other_store other_channel:404"

# (method, path): who is allowed, then "actor:status" for a refusal other than 401/403.
ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/openapi.json"): EVERYONE,
    ("GET", "/docs"): EVERYONE,
    ("GET", "/docs/oauth2-redirect"): EVERYONE,
    ("GET", "/redoc"): EVERYONE,
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("POST", "/api/v1/auth/token"): EVERYONE,
    ("DELETE", "/api/v1/auth/token"): "associate manager other_store",  # keys and devices: head office revokes
    ("POST", "/api/v1/auth/device"): STAFF,
    ("PUT", "/api/v1/products"): "admin",
    ("GET", "/api/v1/products"): SIGNED_IN,
    ("GET", "/api/v1/products/{sku}"): SIGNED_IN,
    ("PUT", "/api/v1/locations"): "admin",
    ("GET", "/api/v1/locations"): SIGNED_IN,
    ("GET", "/api/v1/locations/{code}"): SIGNED_IN,
    ("PATCH", "/api/v1/locations/{code}/operations"): "admin manager",
    ("POST", "/api/v1/stock/movements"): "admin associate manager",
    ("POST", "/api/v1/stock/counts"): "admin associate manager",
    ("GET", "/api/v1/availability"): SIGNED_IN,
    ("POST", "/api/v1/promise"): "channel other_channel admin " + STAFF,
    ("POST", "/api/v1/orders"): "channel other_channel admin " + STAFF,
    ("GET", "/api/v1/orders/{order_id}"): ORDER_READERS,  # staff see only their store's part
    ("POST", "/api/v1/orders/{order_id}/cancel"): "channel admin manager other_channel:404",
    ("GET", "/api/v1/reasons"): SIGNED_IN,
    ("GET", "/api/v1/fulfilments"): "admin " + STAFF,  # staff: their own store's
    ("GET", "/api/v1/fulfilments/{fulfilment_id}"): "admin associate manager other_store:404",
    **{
        ("POST", f"/api/v1/fulfilments/{{fulfilment_id}}/{action}"): "associate manager other_store:404"
        for action in ("accept", "reject", "pick", "pack", "ship", "ready", "collect")
    },
    ("GET", "/api/v1/routing/profile"): SIGNED_IN,
    ("PUT", "/api/v1/routing/profile"): "admin",
    ("GET", "/api/v1/sync/changes"): "associate manager device other_store",
    ("POST", "/api/v1/sync/mutations"): "device",
    ("GET", "/api/v1/sync/events"): "associate manager device other_store",
    ("POST", "/api/v1/keys"): "admin",
    ("GET", "/api/v1/keys"): "admin",
    ("POST", "/api/v1/keys/{key_id}/revoke"): "admin",
    ("POST", "/api/v1/staff/{store}/{code}/revoke"): "admin",
    ("POST", "/api/v1/staff/{store}/{code}/deactivate"): "admin",
    ("POST", "/api/v1/staff/{store}/{code}/unlock"): "admin",
    ("POST", "/api/v1/devices/{device_id}/revoke"): "admin",
    ("GET", "/api/v1/audit"): "admin",
    # Manager and head office
    ("GET", "/api/v1/kpis"): "admin manager",
    ("GET", "/api/v1/exports/{export}.csv"): "admin manager",
    ("GET", "/api/v1/orders"): SIGNED_IN,  # staff find their store's orders
    ("GET", "/api/v1/orders/{order_id}/timeline"): ORDER_READERS,
    ("PUT", "/api/v1/stock/alerts"): "admin manager",
    ("GET", "/api/v1/stock/alerts"): "admin " + STAFF,
    ("POST", "/api/v1/routing/profile/check"): "admin",
    ("POST", "/api/v1/routing/profile/dry-run"): "admin",
    ("GET", "/api/v1/routing/profile/versions"): SIGNED_IN,
    ("POST", "/api/v1/routing/profile/versions/{version}/activate"): "admin",
    # The counter: click & collect, arrivals, returns
    ("GET", "/api/v1/counter/orders"): STAFF,
    ("GET", "/api/v1/counter/shelf"): STAFF,
    ("POST", "/api/v1/counter/shelf/{fulfilment_id}/resend-code"): "associate manager other_store:404",
    ("GET", "/api/v1/counter/arrivals"): STAFF,
    ("POST", "/api/v1/counter/arrivals"): STAFF,
    ("GET", "/api/v1/orders/lookup"): "admin " + STAFF,  # any order of any channel, for a return
    ("GET", "/api/v1/orders/{order_id}/pickup"): ORDER_READERS,
    ("GET", "/api/v1/orders/{order_id}/returnable"): STAFF,  # any order, at any counter
    ("POST", "/api/v1/returns"): STAFF,
    ("GET", "/api/v1/returns/{return_id}"): "admin " + STAFF,
    ("GET", "/api/v1/returns/{return_id}/receipt"): "admin " + STAFF,
    ("GET", "/api/v1/notifications"): "admin",
}

# Bodies valid enough to reach the store or integration boundary (which is checked after the body).
BODIES: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/orders/{order_id}/cancel"): {},
    ("POST", "/api/v1/stock/movements"): {"movements": [{"location": "PAR-01", "sku": TEE, "delta": 1}]},
    ("POST", "/api/v1/fulfilments/{fulfilment_id}/reject"): {"reason": "out_of_stock"},
    ("POST", "/api/v1/stock/counts"): {"counts": [{"location": "PAR-01", "sku": TEE, "on_hand": 5}]},
}
# Calls that end the caller's own session get fresh credentials, so the walk goes on.
ENDS_SESSION = {("DELETE", "/api/v1/auth/token")}


def expected(route: tuple[str, str], actor: str) -> int | None:
    """None when the actor is allowed, else the status it must get."""
    words = ROUTES[route].split()
    if actor in words:
        return None
    for word in words:
        if word.startswith(f"{actor}:"):
            return int(word.split(":")[1])
    return 401 if actor == "none" else 403


def app_routes(app) -> list[tuple[str, str]]:  # noqa: ANN001
    return sorted(
        (method, route.path)
        for route in iter_route_contexts(app.routes)
        for method in (getattr(route, "methods", None) or ())
        if method != "HEAD"  # Starlette answers HEAD wherever GET is; it is not a route of its own
    )


def test_every_route_is_in_the_table(sqlite_settings: Settings):
    app = create_app(sqlite_settings)
    routes = app_routes(app)
    assert sorted(set(routes) - set(ROUTES)) == [], "new routes: add them to ROUTES with who may call them"
    assert sorted(set(ROUTES) - set(routes)) == [], "ROUTES names routes the app no longer has"


class Callers:
    """The core with one caller of each kind, and an order whose fulfilment is at PAR-01."""

    def __init__(self, core: Core) -> None:
        self.core = core
        core.load_network()
        order = core.place([(TEE, 1)], method="click_collect", store="PAR-01")
        self.ids = {
            "order_id": order["id"],
            "fulfilment_id": order["fulfilments"][0]["id"],
            "sku": TEE,
            "code": "PAR-01",
            # Revocations aim at nobody that exists: the walk must not end its own callers' access.
            "key_id": "999999",
            "store": "PAR-01",
            "device_id": "no-such-device",
            "export": "orders",
            "version": "1",
            "return_id": "no-such-return",
        }
        core.add_staff("PAR-01", "S001")
        core.add_staff("PAR-01", "M001", role="manager")
        core.add_staff("LYS-01", "S001")
        self.headers = self.fresh()

    def fresh(self) -> dict[str, dict]:
        core = self.core
        associate = self._sign_in("PAR-01", "S001")
        device = core.client.post("/api/v1/auth/device", json={"id": str(uuid.uuid4())}, headers=associate)
        assert device.status_code == 200, device.text
        return {
            "none": {},
            # Named as the key that placed the order: keys of one name are one integration.
            "channel": core.api_key("channel", "webshop"),
            "admin": core.api_key("admin", f"office-{uuid.uuid4().hex[:6]}"),
            "associate": associate,
            "manager": self._sign_in("PAR-01", "M001"),
            "device": {"Authorization": f"Bearer {device.json()['device_token']}"},
            "other_store": self._sign_in("LYS-01", "S001"),
            "other_channel": core.api_key("channel", "marketplace"),
        }

    def _sign_in(self, store: str, code: str) -> dict:
        response = self.core.client.post("/api/v1/auth/token", json={"store": store, "staff": code, "pin": "1234"})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def path(self, template: str) -> str:
        # {code} is a location code, except in the staff paths where it names staff.
        if "/staff/{store}/{code}/" in template:
            return template.format(store="PAR-01", code="NOBODY")
        return template.format(**self.ids)

    def status(self, method: str, template: str, headers: dict) -> int:
        path = self.path(template)
        if template.endswith("/sync/events"):
            return self._stream_status(path, headers)
        body = BODIES.get((method, template))
        return self.core.client.request(method, path, json=body, headers=headers).status_code

    def _stream_status(self, path: str, headers: dict) -> int:
        """The event stream never ends by itself: hang up as soon as it starts."""
        started: list[int] = []
        requested = False

        async def receive() -> dict:
            nonlocal requested
            if requested:
                return {"type": "http.disconnect"}
            requested = True
            return {"type": "http.request", "body": b""}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.append(message["status"])

        self.core.client.portal.call(self.core.client.app, http_scope("GET", path, headers), receive, send)
        return started[0]


@pytest.fixture
def callers(sqlite_settings: Settings) -> Iterator[Callers]:
    app = create_app(sqlite_settings)
    with TestClient(app) as client:
        yield Callers(Core(client, sqlite_settings))


def test_each_caller_gets_what_the_table_says(callers: Callers):
    wrong = []
    for route in app_routes(callers.core.client.app):
        for actor in ACTORS:
            headers = callers.fresh()[actor] if route in ENDS_SESSION else callers.headers[actor]
            status = callers.status(*route, headers)
            want = expected(route, actor)
            if want is None and (status in (401, 403) or status >= 500):
                wrong.append(f"{route} {actor}: allowed, but got {status}")
            elif want is not None and status != want:
                wrong.append(f"{route} {actor}: expected {want}, got {status}")
    assert wrong == [], "\n".join(wrong)


def test_refusals_are_audited(callers: Callers):
    core = callers.core
    response = core.client.post("/api/v1/stock/counts", json=BODIES[("POST", "/api/v1/stock/counts")],
                                headers=callers.headers["other_store"])
    assert response.status_code == 403
    entries = core.client.get("/api/v1/audit?action=access", headers=core.admin).json()
    assert entries[0]["action"] == "access.refused"
    assert (entries[0]["actor"], entries[0]["target"]) == ("LYS-01/S001", "POST /api/v1/stock/counts")
