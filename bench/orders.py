"""Order capture over HTTP: throughput and latency on a seeded network.

    python bench/orders.py --stores 300 --skus 20000 --orders 4000 --concurrency 16

For each engine: a fresh database, `seed`, the core as a real server process
(uvicorn, N workers), then a closed loop of concurrent clients posting
plausible orders (httpx, asyncio). Prints what it measured; asserts nothing.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backroom.process import core_server  # noqa: E402
from backroom.traffic import OrderGenerator  # noqa: E402
from bench.common import LeanClient, database, machine, process_tree_cpu, summary  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, session_scope  # noqa: E402
from oms_core.models import ApiKey, Location, Product  # noqa: E402
from oms_core.seed import seed  # noqa: E402
from oms_core.services import auth  # noqa: E402


def prepare(url: str, stores: int, skus: int) -> tuple[str, OrderGenerator, str]:
    """A channel's key, plausible orders for the network, and how the network came to be:
    seeded now, or found (a kept database seeded by an earlier run)."""
    engine = make_engine(Settings(database_url=url))
    with session_scope(engine) as session:
        found = session.execute(select(Location.code).limit(1)).first() is not None
    started = time.perf_counter()
    if not found:
        seed(engine, stores=stores, skus=skus)
    seeded = "seeded by an earlier run" if found else f"seeded in {time.perf_counter() - started:.0f} s"
    with session_scope(engine) as session:
        key = auth.create_api_key(session, "bench", "channel")
        # Each run's order references are its own: a kept database holds earlier runs' orders.
        run = session.execute(select(func.count()).where(ApiKey.name == "bench")).scalar_one()
        products = session.execute(select(Product.sku, Product.price).order_by(Product.sku)).all()
        pickup = session.execute(select(Location.code).where(Location.click_collect.is_(True))).scalars().all()
    engine.dispose()
    # Seeded SKUs are generated bestsellers first; keep that order for popularity.
    order = {p.sku: i for i, p in enumerate(products)}
    skus_by_rank = sorted(order, key=lambda s: _rank(s))
    prices = {p.sku: float(p.price) for p in products}
    return key, OrderGenerator(skus_by_rank, prices, list(pickup), seed=3, prefix=f"BENCH{run}"), seeded


def _rank(sku: str) -> tuple[int, str]:
    return int(sku[3:7]), sku  # TEE0001-BLK-M -> model number first


async def load(url: str, key: str, orders: list[dict], concurrency: int, rate: float | None = None) -> dict:
    """Post the orders over `concurrency` keep-alive connections. With `rate`
    (orders/s) arrivals are scheduled at that pace (open loop, latency counted
    from the scheduled time); without, each connection sends as fast as it is
    answered (closed loop: the server's capacity)."""
    latencies: list[float] = []
    errors: dict[int, int] = {}
    parcels: list[int] = []
    unfulfilled = 0
    bodies = [json.dumps(order).encode() for order in orders]
    started = time.perf_counter()
    next_index = 0

    async def connection() -> None:
        nonlocal unfulfilled, next_index
        client = LeanClient(url, {"Authorization": f"Bearer {key}"})
        while next_index < len(bodies):
            index = next_index
            next_index += 1
            due = started + index / rate if rate else time.perf_counter()
            if rate and due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())  # pacing the arrivals, not synchronising
            status, body = await client.request("POST", "/api/v1/orders", bodies[index])
            latencies.append((time.perf_counter() - due) * 1000)
            if status != 201:
                errors[status] = errors.get(status, 0) + 1
                continue
            order = json.loads(body)
            parcels.append(len(order["fulfilments"]))
            unfulfilled += bool(order["unfulfilled"])
        await client.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "parcels": parcels, "unfulfilled": unfulfilled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--skus", type=int, default=20000)
    parser.add_argument("--orders", type=int, default=4000, help="orders per measured run")
    parser.add_argument("--concurrency", type=int, default=8, help="connections of the closed-loop run")
    parser.add_argument("--rates", default="100,200", help="orders/s of the open-loop runs")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    print(f"machine: {machine()}")
    print(f"network: {args.stores} stores, {args.skus} SKUs; core with {args.workers} workers; "
          f"{args.orders} orders per run\n")
    with tempfile.TemporaryDirectory() as tmp:
        for engine_name in args.engines.split(","):
            with database(engine_name, Path(tmp)) as url:
                key, generator, seeded = prepare(url, args.stores, args.skus)
                print(f"[{engine_name}] {seeded}")
                with core_server(url, workers=args.workers) as server:
                    asyncio.run(load(server.url, key, [generator.order() for _ in range(300)], args.concurrency))
                    runs = [("capacity", None, args.concurrency)] + [
                        (f"{float(r):.0f}/s offered", float(r), 64) for r in args.rates.split(",")
                    ]
                    for label, rate, connections in runs:
                        orders = [generator.order() for _ in range(args.orders)]
                        cpu_before = process_tree_cpu(server.process.pid)
                        result = asyncio.run(load(server.url, key, orders, connections, rate))
                        cpu = process_tree_cpu(server.process.pid) - cpu_before
                        ok = len(result["parcels"])
                        print(f"[{engine_name}] {label:>14}: {ok / result['elapsed']:6.1f} orders/s  "
                              f"{summary(result['latencies'])}  core CPU {cpu / max(ok, 1) * 1000:.1f} ms/order  "
                              f"errors {result['errors'] or 0}")
                print(f"[{engine_name}] parcels per order {sum(result['parcels']) / max(ok, 1):.2f}; "
                      f"orders with unfulfilled lines {result['unfulfilled'] / max(ok, 1):.1%}\n")


if __name__ == "__main__":
    main()
