"""No oversell under real concurrency: a real server with two worker processes,
64 clients racing for a SKU that has 10 units in the whole network. A cancel
racing a store action that makes goods leave sees them gone."""

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backroom.process import core_server
from oms_core.api.deps import SessionRoute
from oms_core.api.main import API_PREFIX, create_app
from oms_core.core.db import make_engine, session_scope
from oms_core.models import Stock, StockMovement
from oms_core.services import auth, catalog, orders
from oms_core.services import stock as stock_service

from .conftest import CAP, JNS, PARIS, TEE, Core

CLIENTS = 64
SPREAD = {"WH-A": 4, "ST-B": 3, "ST-C": 2, "ST-D": 1}  # 10 units in the network


def _prepare(engine) -> str:
    with session_scope(engine) as session:
        catalog.upsert_locations(session, [
            {"code": code, "name": code, "type": "warehouse" if code.startswith("WH") else "store",
             "lat": 45.0 + i, "lon": 2.0 + i, "ship_from_store": True, "click_collect": True,
             "opening_hours": {}, "paused": False}
            for i, code in enumerate(SPREAD)
        ])
        catalog.upsert_products(session, [{"sku": "HOT", "name": "Hot item", "price": Decimal("10"), "barcodes": []}])
        stock_service.count(session, [stock_service.Count(loc, "HOT", qty) for loc, qty in SPREAD.items()], "test")
        return auth.create_api_key(session, "race", "channel")


def _order(i: int) -> dict:
    return {
        "channel": "web",
        "external_ref": f"RACE-{i}",
        "customer": {"name": f"Customer {i}"},
        "delivery": {"method": "home", "address": {"line1": "1 rue", "city": "Lyon", "postcode": "69001",
                                                    "country": "FR", "lat": 45.5, "lon": 2.5}},
        "lines": [{"sku": "HOT", "qty": 1, "unit_price": 10}],
    }


def test_64_clients_racing_for_10_units_get_exactly_10(settings):
    engine = make_engine(settings)
    key = _prepare(engine)
    start = threading.Barrier(CLIENTS)

    with core_server(settings.database_url, workers=2) as server:
        def place(i: int) -> dict:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                start.wait()  # everybody fires at once
                response = client.post("/api/v1/orders", json=_order(i), headers={"Authorization": f"Bearer {key}"})
                assert response.status_code == 201, response.text
                return response.json()

        with ThreadPoolExecutor(CLIENTS) as pool:
            orders = list(pool.map(place, range(CLIENTS)))

    allocated = sum(l["qty"] for o in orders for f in o["fulfilments"] for l in f["lines"])
    unfulfilled = sum(u["qty"] for o in orders for u in o["unfulfilled"])
    assert (allocated, unfulfilled) == (10, CLIENTS - 10)
    with session_scope(engine) as session:
        rows = {r.location: r for r in session.execute(select(Stock)).scalars()}
        assert {loc: r.reserved for loc, r in rows.items()} == SPREAD
        assert session.execute(select(func.sum(stock_service.ATP))).scalar_one() == 0
        ledger = session.execute(select(func.sum(StockMovement.reserved_delta))).scalar_one()
        assert ledger == 10
    engine.dispose()


def test_more_callers_than_threads_and_connections_are_all_answered(sqlite_settings):
    """FastAPI would check a sync route's answer in a second hop to its thread pool. A
    route's session still holding its connection meanwhile could leave every thread
    waiting for a connection and every connection waiting for a thread, until the
    pool gave up. With one thread and one connection for several callers at once,
    every call is answered (and at once: a stuck call would give up after 5 s)."""
    settings = sqlite_settings.model_copy(update={"worker_threads": 1, "db_pool_size": 1, "db_pool_overflow": 0,
                                                  "db_pool_timeout": 5})
    with TestClient(create_app(settings)) as client:
        core = Core(client, settings)
        core.load_network()

        def availability(_: int) -> int:
            return client.get("/api/v1/availability", params={"skus": TEE}, headers=core.admin).status_code

        with ThreadPoolExecutor(4) as callers:
            assert list(callers.map(availability, range(32))) == [200] * 32


def test_every_api_route_gives_its_connections_back(sqlite_settings):
    """A router created without SessionRoute would bring the stall above back."""
    app = create_app(sqlite_settings)
    plain = [route.path for route in iter_route_contexts(app.routes)
             if route.path.startswith(API_PREFIX) and not isinstance(route.route, SessionRoute)]
    assert plain == []


def test_session_routes_stream_what_a_generator_route_yields():
    """SessionRoute runs plain sync routes in one hop to the thread pool; a route
    written as a generator streams, and must be left to FastAPI as it is."""
    router = APIRouter(route_class=SessionRoute)

    @router.get("/lines")
    async def lines():  # noqa: ANN202
        for i in range(3):
            yield {"i": i}

    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as client:
        answer = client.get("/lines")
        assert [json.loads(line) for line in answer.text.splitlines() if line] == [{"i": 0}, {"i": 1}, {"i": 2}]


def _cancel_while_held(network: Core, monkeypatch: pytest.MonkeyPatch, order_id: str,
                       store_action: Callable[[], httpx.Response]) -> tuple[httpx.Response, httpx.Response]:
    """Run `store_action` and hold it just before it commits, with its rows locked; cancel
    the order meanwhile, and let the action commit once the cancel waits on one of its
    locks (as PostgreSQL's own isolation tests do, by watching pg_blocking_pids): the
    cancel has then read all it reads before the goods left. Returns both answers."""
    holding, go_on = threading.Event(), threading.Event()
    backend: list[int] = []
    refresh_status = orders.refresh_status

    def held_before_commit(session, order_id):  # the store action's last step before its commit
        status = refresh_status(session, order_id)
        if not holding.is_set():
            backend.append(session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            holding.set()
            go_on.wait()
        return status

    monkeypatch.setattr(orders, "refresh_status", held_before_commit)
    with ThreadPoolExecutor(2) as callers:
        acting = callers.submit(store_action)
        assert holding.wait(30), "the store action never got to its commit"
        cancelling = callers.submit(network.client.post, f"/api/v1/orders/{order_id}/cancel", json={},
                                    headers=network.channel)
        try:
            # In autocommit: a transaction would see pg_stat_activity as it was at its first look.
            with network.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
                deadline = time.monotonic() + 30
                while not watcher.exec_driver_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                        (backend[0],)).scalar_one():
                    assert time.monotonic() < deadline and not cancelling.done(), "the cancel never waited on a lock"
                    time.sleep(0.01)
        finally:
            go_on.set()
        return acting.result(), cancelling.result()


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)  # SQLite runs one writer at a time
def test_a_cancel_racing_the_shipment_is_refused_and_releases_nothing(network, monkeypatch):
    store = network.sign_in("PAR-01")
    network.load_network({("PAR-01", JNS): 0})  # the jeans come from the warehouse: two parcels
    order = network.place([(CAP, 1), (JNS, 1)], address=PARIS)
    network.place([(CAP, 1)], address=PARIS)  # another customer's cap, reserved at the same store
    parcel, rest = (next(f for f in order["fulfilments"] if f["location"] == "PAR-01"),
                    next(f for f in order["fulfilments"] if f["location"] == "WH-LYS"))
    for action in ("accept", "pick", "pack"):
        assert network.act(store, parcel["id"], action).status_code == 200

    shipped, cancel = _cancel_while_held(network, monkeypatch, order["id"],
                                         lambda: network.act(store, parcel["id"], "ship"))

    assert shipped.status_code == 200, shipped.text
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "already_shipped", cancel.text
    now = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.admin).json()
    assert {f["id"]: f["status"] for f in now["fulfilments"]} == {parcel["id"]: "shipped", rest["id"]: "assigned"}
    cap = network.level("PAR-01", CAP)
    assert (cap["on_hand"], cap["reserved"]) == (2, 1)  # the other customer's cap is still held


@pytest.mark.postgres
@pytest.mark.parametrize("settings", ["postgres"], indirect=True)  # SQLite runs one writer at a time
def test_a_cancel_racing_the_handover_at_the_counter_is_refused_and_releases_nothing(network, monkeypatch):
    counter = network.sign_in("PAR-02")
    network.load_network({("PAR-01", TEE): 0, ("LYS-01", TEE): 0})  # the cap is sent to PAR-02: two fulfilments
    order = network.place([(TEE, 1), (CAP, 1)], method="click_collect", store="PAR-02")
    network.place([(TEE, 1)], method="click_collect", store="PAR-02")  # another customer's, same shelf stock
    waiting, rest = (next(f for f in order["fulfilments"] if f["location"] == "PAR-02"),
                     next(f for f in order["fulfilments"] if f["location"] == "PAR-01"))
    for action in ("accept", "pick", "ready"):
        assert network.act(counter, waiting["id"], action).status_code == 200

    collected, cancel = _cancel_while_held(network, monkeypatch, order["id"],
                                           lambda: network.act(counter, waiting["id"], "collect"))

    assert collected.status_code == 200, collected.text
    assert cancel.status_code == 409 and cancel.json()["error"]["code"] == "already_shipped", cancel.text
    now = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.admin).json()
    assert {f["id"]: f["status"] for f in now["fulfilments"]} == {waiting["id"]: "collected", rest["id"]: "assigned"}
    tee = network.level("PAR-02", TEE)
    assert (tee["on_hand"], tee["reserved"]) == (1, 1)  # the other customer's tee is still held
