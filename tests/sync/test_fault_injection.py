"""Randomised fault injection between the real core (in process) and the real
sync engine of two store tablets.

Faults: requests that never reach the core, responses lost after the core
committed, a push cut off after the core applied part of it, duplicated
deliveries, stale pushes delivered again later, 503s, tablets restarted with
a pending outbox, and a tablet offline for a simulated day while the core
cancels orders it is working on. At the end the core and every cache agree,
and no action is lost or applied twice.

One seed in CI, so that a run is the same run every time; BACKROOM_FAULT_SEED=<n> tries
another (the seed is printed).
"""

import asyncio
import json
import os
import random
from collections import Counter
from dataclasses import dataclass, field

import httpx
from sqlalchemy import select

from contract.errors import DomainError
from local_db import optimistic
from local_db.cache import LocalCache
from local_db.client import CoreClient
from local_db.engine import SyncEngine
from oms_core.core.db import session_scope
from oms_core.models import SyncMutation
from tests.api.conftest import LYON, TEE

STORE = "LYS-01"
SKUS = [f"ITEM-{i}" for i in range(6)]
STEPS = 2000
FAULT_RATE = 0.5  # of requests
MIN_FAULTS = 500  # not counting requests refused while a tablet is offline
OFFLINE_DAY = {"tablet0": (500, 800), "tablet1": (1200, 1500)}  # steps offline, one tablet at a time


class FaultyNetwork(httpx.AsyncBaseTransport):
    """Between one tablet and the core: forwards to the in-process core, or not quite."""

    def __init__(self, app, rng: random.Random, rate: float) -> None:  # noqa: ANN001
        self.core = httpx.ASGITransport(app=app)
        self.rng = rng
        self.rate = rate
        self.offline = False
        self.faults: Counter = Counter()
        self.old_pushes: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            self.faults["offline"] += 1
            raise httpx.ConnectError("store offline", request=request)
        body = request.read()
        is_push = request.url.path.endswith("/sync/mutations")
        if is_push:
            self.old_pushes.append(_copy(request, body))
        if self.rng.random() >= self.rate:
            return await self._forward(request, body)
        fault = self.rng.choice(["unreachable", "lost_answer", "duplicate", "stale_push", "busy"]
                                + (["cut_push"] if is_push else []))
        self.faults[fault] += 1
        if fault == "unreachable":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "busy":
            return httpx.Response(503, json={"error": {"code": "unavailable", "message": "restarting"}})
        if fault == "lost_answer":
            await self._forward(request, body)  # the core commits...
            raise httpx.ReadError("connection reset", request=request)  # ...the tablet never hears
        if fault == "duplicate":
            await self._forward(request, body)
            return await self._forward(request, body)
        if fault == "stale_push":
            old = self.rng.choice(self.old_pushes) if self.old_pushes else None
            if old is not None:
                await self._forward(old, old.read())  # an old delivery turns up late
            return await self._forward(request, body)
        # cut_push: the core stops after applying part of the batch.
        mutations = json.loads(body)["mutations"]
        part = mutations[: self.rng.randint(0, len(mutations))]
        if part:
            await self._forward(request, json.dumps({"mutations": part}).encode())
        raise httpx.RemoteProtocolError("server disconnected", request=request)

    async def _forward(self, request: httpx.Request, body: bytes) -> httpx.Response:
        response = await self.core.handle_async_request(_copy(request, body))
        await response.aread()
        return response


def _copy(request: httpx.Request, body: bytes) -> httpx.Request:
    headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
    return httpx.Request(request.method, request.url, headers=headers, content=body)


@dataclass
class Tablet:
    name: str
    path: str
    network: FaultyNetwork
    cache: LocalCache = None  # type: ignore[assignment]
    engine: SyncEngine = None  # type: ignore[assignment]
    client: CoreClient = None  # type: ignore[assignment]
    enqueued: list[tuple[str, str, str | None, dict]] = field(default_factory=list)  # (id, type, fulfilment, args)

    def open(self) -> None:
        self.cache = LocalCache(self.path)
        self.client = CoreClient("http://core", transport=self.network)
        self.engine = SyncEngine(self.cache, self.client, live=False)

    async def restart(self) -> None:
        await self.client.aclose()
        self.cache.close()
        self.open()


def _next_intent(view: dict, rng: random.Random) -> tuple[str, dict] | None:
    """What an associate would plausibly do next with this fulfilment."""
    status = view["status"]
    if status == "assigned":
        return ("reject", {"reason": "damaged"}) if rng.random() < 0.1 else ("accept", {})
    if status in ("accepted", "picking"):
        if rng.random() < 0.05:
            return "reject", {"reason": "out_of_stock"}
        line = rng.choice(view["lines"])
        return "pick", {"items": [{"sku": line["sku"], "qty": 1}]}
    if status == "picked":
        return ("ready", {"shelf": "A1"}) if view["delivery_method"] == "click_collect" else ("pack", {})
    if status == "packed":
        return "ship", {"carrier": "colissimo"}
    if status == "ready_for_pickup":
        return "collect", {}
    return None


def test_nothing_lost_nothing_applied_twice(network, tmp_path):
    seed = int(os.environ.get("BACKROOM_FAULT_SEED", 20261207))
    print(f"fault-injection seed: {seed}")
    rng = random.Random(seed)
    core = network
    core.client.put("/api/v1/products", headers=core.admin,
                    json=[{"sku": s, "name": f"Item {s}", "price": 10, "barcodes": []} for s in SKUS])
    counts = [{"location": STORE, "sku": s, "on_hand": 10_000} for s in SKUS]
    assert core.client.post("/api/v1/stock/counts", json={"counts": counts}, headers=core.admin).status_code == 201
    staff_token = core.sign_in(STORE)["Authorization"].split()[1]
    for code in ("S002", "S003"):
        core.add_staff(STORE, code)

    asyncio.run(_run(core, tmp_path, rng, staff_token))


async def _run(core, tmp_path, rng: random.Random, staff_token: str) -> None:  # noqa: ANN001
    tablets = [Tablet(f"tablet{i}", str(tmp_path / f"tablet{i}.db"), FaultyNetwork(core.client.app, rng, FAULT_RATE))
               for i in range(2)]
    for tablet in tablets:
        tablet.open()
        tablet.network.rate = 0  # enrol cleanly, then the weather turns
        await tablet.engine.enrol(staff_token, tablet.name)
        tablet.network.rate = FAULT_RATE
    orders: list[str] = []

    for step in range(STEPS):
        roll = rng.random()
        tablet = rng.choice(tablets)
        for each in tablets:
            start, end = OFFLINE_DAY[each.name]
            if step == start:
                # A simulated day offline, while the core cancels what this tablet works on.
                each.network.offline = True
                mine = [v["order_id"] for v in each.cache.fulfilments() if v["status"] not in ("shipped", "collected")]
                for order_id in rng.sample(mine, min(3, len(mine))):
                    core.client.post(f"/api/v1/orders/{order_id}/cancel", json={}, headers=core.channel)
            elif step == end:
                each.network.offline = False
        if roll < 0.12:
            sku = rng.choice(SKUS)
            body = core.order_body([(sku, rng.randint(1, 3))], address=LYON,
                                   **({"method": "click_collect", "store": STORE} if rng.random() < 0.3 else {}))
            response = core.client.post("/api/v1/orders", json=body, headers=core.channel)
            assert response.status_code == 201, response.text
            orders.append(response.json()["id"])
        elif roll < 0.16 and orders:
            # The server is authoritative: customer service cancels while tablets work.
            core.client.post(f"/api/v1/orders/{rng.choice(orders)}/cancel", json={}, headers=core.channel)
        elif roll < 0.55:
            views = [v for v in tablet.cache.fulfilments() if v["location"] == STORE]
            if views:
                view = rng.choice(views)
                intent = _next_intent(view, rng)
                if intent is not None:
                    kind, args = intent
                    try:  # the app checks an action against the rules before queueing it
                        optimistic.apply(dict(view, lines=[dict(line) for line in view["lines"]]), kind, args)
                    except DomainError:
                        continue
                    staff = rng.choice(["S001", "S002", "S003"])
                    mutation_id = tablet.cache.enqueue(kind, staff, view["id"], args)
                    tablet.enqueued.append((mutation_id, kind, view["id"], args))
        elif roll < 0.97:
            for _attempt in range(3):  # as the engine's own loop does: try again after a failure
                if await tablet.engine.sync_once():
                    break
        else:
            await tablet.restart()  # the app is killed with whatever is pending

    faults = sum((t.network.faults for t in tablets), Counter())
    print(f"faults injected: {dict(faults)}")
    assert sum(faults.values()) - faults["offline"] >= MIN_FAULTS

    # Fair weather: everything settles.
    for tablet in tablets:
        tablet.network.offline, tablet.network.rate = False, 0.0
        for _ in range(5):
            assert await tablet.engine.sync_once()
        assert tablet.cache.pending_count() == 0
    for tablet in tablets:  # a last pull sees what the other tablet's pushes changed
        assert await tablet.engine.sync_once()

    _check_agreement(core, tablets)


def _check_agreement(core, tablets: list[Tablet]) -> None:  # noqa: ANN001
    staff = core.sign_in(STORE, code="S009")
    every = core.client.get("/api/v1/fulfilments", headers=staff).json()
    assert every, "the run produced no fulfilments"
    for tablet in tablets:
        for view in every:
            cached = tablet.cache.server_fulfilment(view["id"])
            assert cached is not None, f"{tablet.name} never heard of {view['id']}"
            assert {k: cached[k] for k in view} == view, f"{tablet.name} disagrees on {view['id']}"
            assert tablet.cache.fulfilment(view["id"])["status"] == view["status"]  # no intent left on top

    with session_scope(core.engine) as session:
        records = {(r.device_id, r.mutation_id): r for r in session.execute(select(SyncMutation)).scalars()}
    picks_applied: Counter = Counter()
    for tablet in tablets:
        device_id = tablet.cache.device_id()
        for mutation_id, kind, fulfilment_id, args in tablet.enqueued:
            record = records.get((device_id, mutation_id))
            assert record is not None, f"{kind} {mutation_id} of {tablet.name} never reached the core"
            if kind == "pick" and record.status == "applied":
                picks_applied[(fulfilment_id, args["items"][0]["sku"])] += 1
        assert len([key for key in records if key[0] == device_id]) == len(tablet.enqueued)
    # Every unit the core counts as picked is one applied pick intent: none counted twice.
    for view in every:
        for line in view["lines"]:
            assert line["picked"] == picks_applied[(view["id"], line["sku"])], (view["id"], line)
    assert TEE  # the shared network stays loaded; this run adds its own items
