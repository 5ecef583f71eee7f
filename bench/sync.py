"""Sync: how fast a new order reaches a store's tablet, and how fast a tablet
takes its first full snapshot.

    python bench/sync.py [--engines sqlite,postgres] [--orders 200]

1. Live latency: the core as a real server (1 worker on SQLite, 2 on
   PostgreSQL), a tablet's sync engine holding the event stream; for each
   order, the time from sending POST /orders to the fulfilment being in the
   tablet's SQLite cache.
2. Initial sync: a store with 50,000 stock rows and 2,000 open orders; a new
   tablet pulls its whole snapshot. Rows per second over the whole pull.
Prints what it measured; asserts nothing.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backroom.process import core_server  # noqa: E402
from bench.common import database, machine, summary  # noqa: E402
from local_db.cache import LocalCache  # noqa: E402
from local_db.client import CoreClient  # noqa: E402
from local_db.engine import SyncEngine  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, session_scope  # noqa: E402
from oms_core.domain.actors import Actor, Role  # noqa: E402
from oms_core.schemas import OrderIn  # noqa: E402
from oms_core.seed import generate_products  # noqa: E402
from oms_core.services import auth, catalog, orders  # noqa: E402
from oms_core.services import stock as stock_service  # noqa: E402

STORE = "BEN-01"


def prepare(url: str, skus: int, open_orders: int) -> str:
    engine = make_engine(Settings(database_url=url, log_level="WARNING"))
    products = generate_products(skus)
    with session_scope(engine) as session:
        catalog.upsert_locations(session, [{"code": STORE, "name": "Bench store", "type": "store", "lat": 48.86,
                                            "lon": 2.35, "ship_from_store": True, "click_collect": True,
                                            "daily_capacity": 100_000}])  # the open orders and the timed ones
        for start in range(0, len(products), 5000):
            catalog.upsert_products(session, products[start:start + 5000])
        stock_service.count(session, [stock_service.Count(STORE, p["sku"], 50) for p in products], "bench")
        auth.create_staff(session, STORE, "S001", "1234", "associate")
        key = auth.create_api_key(session, "bench", "channel")
    actor = Actor("bench", Role.CHANNEL)
    for i in range(open_orders):
        body = OrderIn.model_validate({
            "channel": "web", "external_ref": f"SYNC-{i}", "customer": {"name": "Bench"},
            "delivery": {"method": "click_collect", "store": STORE},
            "lines": [{"sku": products[(i * 7 + k) % len(products)]["sku"], "qty": 1, "unit_price": Decimal("9.90")}
                      for k in range(1 + i % 3)],
        })
        orders.place(engine, body, actor, None)
    engine.dispose()
    return key


async def initial_sync(url: str, workdir: Path) -> tuple[float, dict]:
    cache = LocalCache(workdir / f"initial-{time.monotonic_ns()}.db")
    client = CoreClient(url, timeout=60)
    engine = SyncEngine(cache, client, live=False)
    token = (await client.sign_in(STORE, "S001", "1234"))["access_token"]
    await engine.enrol(token)
    started = time.perf_counter()
    assert await engine.sync_once(), engine.status.last_error
    elapsed = time.perf_counter() - started
    counts = {"stock": cache.stock_count(), "fulfilments": len(cache.fulfilments()),
              "products": len(cache.products(_all_skus(cache)))}
    await client.aclose()
    cache.close()
    return elapsed, counts


def _all_skus(cache: LocalCache) -> list[str]:
    with cache.engine.connect() as conn:
        from local_db.schema import product

        return list(conn.execute(product.select().with_only_columns(product.c.sku)).scalars())


async def live_latency(url: str, key: str, workdir: Path, count: int) -> list[float]:
    skus = [p["sku"] for p in generate_products(1000)]
    cache = LocalCache(workdir / f"live-{time.monotonic_ns()}.db")  # a new tablet for each engine
    client = CoreClient(url)
    engine = SyncEngine(cache, client, poll_interval=3600, live=True)
    loop = asyncio.get_running_loop()
    changed = asyncio.Event()
    cache.subscribe(lambda kinds: "fulfilment" in kinds and loop.call_soon_threadsafe(changed.set))
    live = asyncio.Event()
    engine.subscribe(lambda status: status.live and live.set())
    await engine.enrol((await client.sign_in(STORE, "S001", "1234"))["access_token"])
    engine.start()
    await asyncio.wait_for(live.wait(), 30)
    await engine.sync_once()  # the snapshot is not what we time
    latencies = []
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}) as http:
        for i in range(count):
            started = time.perf_counter()
            response = await http.post("/api/v1/orders", json={
                "channel": "app", "external_ref": f"LIVE-{i}", "customer": {"name": "Live"},
                "delivery": {"method": "click_collect", "store": STORE},
                "lines": [{"sku": skus[(i * 13) % len(skus)], "qty": 1, "unit_price": 19.9}]})
            assert response.status_code == 201 and response.json()["fulfilments"], response.text
            wanted = response.json()["fulfilments"][0]["id"]
            while True:
                changed.clear()  # before looking, so a page written meanwhile still wakes us
                if cache.server_fulfilment(wanted) is not None:
                    break
                await asyncio.wait_for(changed.wait(), 30)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)  # orders arrive one by one, not in a burst
    await engine.stop()
    await client.aclose()
    cache.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--skus", type=int, default=50_000)
    parser.add_argument("--open-orders", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=200, help="orders timed for live latency")
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.engines.split(","):
            with database(name, Path(tmp)) as url:
                started = time.perf_counter()
                key = prepare(url, args.skus, args.open_orders)
                print(f"[{name}] store with {args.skus} stock rows and {args.open_orders} open orders "
                      f"prepared in {time.perf_counter() - started:.0f} s")
                workers = 2 if name == "postgres" else 1
                with core_server(url, workers=workers) as server:
                    elapsed, counts = asyncio.run(initial_sync(server.url, Path(tmp)))
                    rows = sum(counts.values())
                    print(f"[{name}] initial sync: {rows} rows ({counts}) in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s")
                    latencies = asyncio.run(live_latency(server.url, key, Path(tmp), args.orders))
                    print(f"[{name}] order -> tablet cache, live ({workers} worker(s)): {summary(latencies)}\n")


if __name__ == "__main__":
    main()
