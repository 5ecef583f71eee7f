"""The real core in process (FastAPI TestClient) on a real database, with a
small network whose routing answers can be checked by hand:

    WH-LYS  warehouse near Lyon        TEE 50, JNS 20
    PAR-01  store, ships, C&C (Paris)  TEE 5,  JNS 1, CAP 3
    PAR-02  store, C&C only (Paris)    TEE 2
    LYS-01  store, ships, C&C (Lyon)   TEE 3,  CAP 1
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from oms_core.api.main import create_app
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import session_scope
from oms_core.seed import ean13
from oms_core.services import auth

TEE, JNS, CAP = "TEE-BLU-M", "JNS-BLK-32", "CAP-RED-U"
TEE_EAN, JNS_EAN, CAP_EAN = ean13("360123456789"), ean13("360123456790"), ean13("360123456791")

LOCATIONS = [
    {"code": "WH-LYS", "name": "Lyon warehouse", "type": "warehouse", "lat": 45.6453, "lon": 5.1117},
    {"code": "PAR-01", "name": "Paris Rivoli", "type": "store", "lat": 48.8606, "lon": 2.3476,
     "ship_from_store": True, "click_collect": True, "returns": True, "daily_capacity": 80},
    {"code": "PAR-02", "name": "Paris Opera", "type": "store", "lat": 48.8719, "lon": 2.3316,
     "click_collect": True, "returns": True},
    {"code": "LYS-01", "name": "Lyon Bellecour", "type": "store", "lat": 45.7578, "lon": 4.8320,
     "ship_from_store": True, "click_collect": True, "returns": True},
]
PRODUCTS = [
    {"sku": TEE, "name": "T-shirt blue M", "barcodes": [TEE_EAN], "price": 19.9, "weight_kg": 0.2},
    {"sku": JNS, "name": "Jeans black 32", "barcodes": [JNS_EAN], "price": 59.9, "weight_kg": 0.7},
    {"sku": CAP, "name": "Cap red", "barcodes": [CAP_EAN], "price": 14.9, "weight_kg": 0.1},
]
STOCK = {
    ("WH-LYS", TEE): 50, ("WH-LYS", JNS): 20,
    ("PAR-01", TEE): 5, ("PAR-01", JNS): 1, ("PAR-01", CAP): 3,
    ("PAR-02", TEE): 2,
    ("LYS-01", TEE): 3, ("LYS-01", CAP): 1,
}
PARIS = {"line1": "2 rue de Rivoli", "city": "Paris", "postcode": "75004", "country": "FR", "lat": 48.8556, "lon": 2.3580}
LYON = {"line1": "2 rue X", "city": "Lyon", "postcode": "69002", "country": "FR", "lat": 45.76, "lon": 4.83}


class Core:
    """The core in process with an admin key and shortcuts for the usual calls."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.engine = client.app.state.engine
        self.admin = self.api_key("admin", "head-office")
        self.channel = self.api_key("channel", "webshop")
        self._refs = 0

    def api_key(self, role: str, name: str) -> dict:
        with session_scope(self.engine) as session:
            return {"Authorization": f"Bearer {auth.create_api_key(session, name, role)}"}

    def add_staff(self, store: str, code: str = "S001", pin: str = "1234", role: str = "associate") -> None:
        with session_scope(self.engine) as session:
            auth.create_staff(session, store, code, pin, role, f"Staff {code}")

    def sign_in(self, store: str, code: str = "S001", pin: str = "1234", role: str = "associate") -> dict:
        self.add_staff(store, code, pin, role)
        response = self.client.post("/api/v1/auth/token", json={"store": store, "staff": code, "pin": pin})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def load_network(self, stock: dict | None = None) -> None:
        assert self.client.put("/api/v1/locations", json=LOCATIONS, headers=self.admin).status_code == 200
        assert self.client.put("/api/v1/products", json=PRODUCTS, headers=self.admin).status_code == 200
        counts = [{"location": loc, "sku": sku, "on_hand": qty} for (loc, sku), qty in (stock or STOCK).items()]
        assert self.client.post("/api/v1/stock/counts", json={"counts": counts}, headers=self.admin).status_code == 201

    def give_postcodes(self) -> None:
        """Each location's address, whose postcode places a destination sent without coordinates."""
        postcodes = {"WH-LYS": "69720", "PAR-01": "75001", "PAR-02": "75009", "LYS-01": "69002"}
        addressed = [loc | {"address": {"line1": "1 rue X", "postcode": postcodes[loc["code"]], "city": "X"}}
                     for loc in LOCATIONS]
        assert self.client.put("/api/v1/locations", json=addressed, headers=self.admin).status_code == 200

    def order_body(self, lines: list[tuple[str, int]], *, method: str = "home", store: str | None = None,
                   address: dict | None = None, channel: str = "web", ref: str | None = None,
                   promised_by: str | None = None) -> dict:
        self._refs += 1
        delivery: dict = {"method": method}
        if method == "home":
            delivery["address"] = address or LYON
        else:
            delivery["store"] = store
        return {
            "channel": channel,
            "external_ref": ref or f"W-{self._refs:06d}",
            "customer": {"name": "Ana Lopes", "email": "ana@example.com", "phone": "+33600000000"},
            "delivery": delivery,
            "lines": [{"sku": sku, "qty": qty, "unit_price": 19.9} for sku, qty in lines],
            **({"promised_by": promised_by} if promised_by else {}),
        }

    def place(self, lines: list[tuple[str, int]], headers: dict | None = None, **kwargs) -> dict:
        response = self.client.post("/api/v1/orders", json=self.order_body(lines, **kwargs), headers=headers or self.channel)
        assert response.status_code == 201, response.text
        return response.json()

    def atp(self, location: str, sku: str) -> int:
        body = self.client.get(f"/api/v1/availability?skus={sku}&location={location}", headers=self.admin).json()
        return sum(level["atp"] for level in body["locations"])

    def level(self, location: str, sku: str) -> dict:
        body = self.client.get(f"/api/v1/availability?skus={sku}&location={location}", headers=self.admin).json()
        return body["locations"][0]

    def act(self, headers: dict, fulfilment_id: str, action: str, body: dict | None = None):  # noqa: ANN201
        return self.client.post(f"/api/v1/fulfilments/{fulfilment_id}/{action}", json=body, headers=headers)


def http_scope(method: str, path: str, headers: dict) -> dict:
    """An ASGI request as a server hands it over: for streams, which a test drives
    by hand (when to hang up)."""
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("testclient", 50000), "server": ("testserver", 80), "state": {},
    }


@pytest.fixture
def core(settings: Settings) -> Iterator[Core]:
    app = create_app(settings)
    migrate.upgrade(app.state.engine)
    with TestClient(app) as client:
        yield Core(client, settings)


@pytest.fixture
def network(core: Core) -> Core:
    core.load_network()
    return core
