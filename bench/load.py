"""Mixed production load: orders, availability and promise calls from the
channels while hundreds of store tablets hold their live event stream and pull
their changes. PostgreSQL, the core with N workers, 127.0.0.1 only.

    python bench/load.py [--stores 500] [--skus 20000] [--orders-per-minute 10000]
                         [--seconds 60] [--workers 2] [--database-url URL]

Each store has one tablet: a held `GET /sync/events` stream, a pull of
`/sync/changes` whenever it signals (and every LIVE_POLL_S seconds, as the sync
engine polls while its stream is open), over a pool of connections, following
the feed from where it stood at the start. The channels offer orders at the
given rate (open loop: latency counts from the scheduled time), availability at
a fifth and promise at a tenth of that rate. Bounded in time; prints throughput, p50/p95/p99 and errors per call
type. Asserts nothing.

The load generator runs on the same 2 cores as the core: its own CPU is
reported so the figures can be read for what they are.
"""

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backroom.process import core_server  # noqa: E402
from bench.common import (  # noqa: E402
    KEPT_DATABASE_HELP,
    LeanClient,
    database,
    machine,
    postgres_cpu,
    process_tree_cpu,
    summary,
)
from bench.orders import prepare  # noqa: E402
from local_db.engine import LIVE_POLL_S  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, session_scope  # noqa: E402
from oms_core.domain.actors import Actor, Role  # noqa: E402
from oms_core.models import Change, Location  # noqa: E402
from oms_core.services import auth  # noqa: E402

PULL_CONNECTIONS = 16


class Calls:
    """Latencies and errors per call type."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.answered: dict[str, int] = {}  # with success
        self.errors: dict[str, dict[str, int]] = {}
        # Orders placed with nothing left unfulfilled: a network running out of stock (a kept
        # one, after many runs) routes less and pulls less, and its figures flatter the core.
        self.routed_in_full = 0

    def record(self, kind: str, started: float, status: int | str) -> None:
        self.latencies.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        if status in (200, 201):
            self.answered[kind] = self.answered.get(kind, 0) + 1
        else:
            self.refused(kind, str(status))

    def refused(self, kind: str, why: str) -> None:
        """An error, or a call never made: counted, but no latency (it would flatter the figures)."""
        errors = self.errors.setdefault(kind, {})
        errors[why] = errors.get(why, 0) + 1


def tablets(url: str, count: int) -> tuple[dict[str, str], str]:
    """One enrolled tablet per store, for the first `count` stores: {store: device token},
    and the feed's cursor as it stands: tablets on a running network took their first
    snapshot long ago and follow the feed from there (500 first snapshots of 20,000
    products each would be a cold start of the whole network, not its daily load)."""
    engine = make_engine(Settings(database_url=url))
    with session_scope(engine) as session:
        head = session.execute(select(func.max(Change.seq))).scalar() or 0
        stores = session.execute(select(Location.code).where(Location.type == "store").order_by(Location.code)
                                 .limit(count)).scalars().all()
        tokens = {store: auth.enrol_device(session, Actor(name="bench", role=Role.ASSOCIATE, store=store),
                                           f"bench-{store}", "bench tablet", "127.0.0.1") for store in stores}
    engine.dispose()
    return tokens, f"seq:{head}"


async def run(url: str, key: str, generator, tokens: dict[str, str], cursor: str, rate: float,  # noqa: ANN001
              seconds: float) -> Calls:
    calls = Calls()
    deadline = time.perf_counter() + seconds
    cursors: dict[str, str] = dict.fromkeys(tokens, cursor)
    wanted: asyncio.Queue[str] = asyncio.Queue()
    queued: set[str] = set()
    host, port = url.split("://", 1)[1].split(":")

    def want_pull(store: str) -> None:
        if store not in queued:
            queued.add(store)
            wanted.put_nowait(store)

    async def live(store: str, token: str) -> None:
        """A tablet's event stream: held open, each 'changes' asks for a pull."""
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(f"GET /api/v1/sync/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                             "Accept: text/event-stream\r\n\r\n".encode())
                status = int((await reader.readline()).split()[1])
                calls.record("events (connect)", started, status)
                while (line := await asyncio.wait_for(reader.readline(), deadline - time.perf_counter())):
                    if line.startswith(b"event: changes"):
                        want_pull(store)
                writer.close()
            except (TimeoutError, OSError, ValueError, IndexError):
                return

    async def poll() -> None:
        """As the sync engine does besides an open stream: every store pulls every LIVE_POLL_S."""
        stores = list(tokens)
        random.shuffle(stores)
        turn = 0
        while time.perf_counter() < deadline:
            want_pull(stores[turn % len(stores)])
            turn += 1
            # spreading the polls over the period, but not past the deadline (a few stores: a long turn)
            await asyncio.sleep(min(LIVE_POLL_S / len(stores), max(0.0, deadline - time.perf_counter())))

    async def puller() -> None:
        client = LeanClient(url, {})
        while time.perf_counter() < deadline:
            try:
                store = await asyncio.wait_for(wanted.get(), deadline - time.perf_counter())
            except TimeoutError:
                break
            queued.discard(store)
            more = True
            while more:
                client.fixed = client.fixed.split("Authorization")[0] + f"Authorization: Bearer {tokens[store]}\r\n"
                started = time.perf_counter()
                status, body = await client.request("GET", f"/api/v1/sync/changes?limit=500&since={cursors[store]}")
                calls.record("sync pull", started, status)
                if status != 200:
                    break
                page = json.loads(body)
                cursors[store] = page["cursor"]
                more = page["more"]
        await client.close()

    async def channel(kind: str, per_second: float, make) -> None:  # noqa: ANN001
        """Open loop: calls scheduled at `per_second`, latency from the scheduled time."""
        pending: set[asyncio.Task] = set()
        lanes = [LeanClient(url, {"Authorization": f"Bearer {key}"}) for _ in range(48)]
        free = list(lanes)
        start = time.perf_counter()
        n = 0

        async def one(due: float, lane: LeanClient) -> None:
            try:
                method, path, body = make()
                status, answer = await lane.request(method, path, body)
                calls.record(kind, due, status)
                calls.routed_in_full += kind == "orders" and b'"unfulfilled":[]' in answer
            except (OSError, asyncio.IncompleteReadError) as exc:
                calls.record(kind, due, exc.__class__.__name__)
                lanes.remove(lane)
                lane = LeanClient(url, {"Authorization": f"Bearer {key}"})
                lanes.append(lane)
            finally:
                free.append(lane)

        while (due := start + n / per_second) < deadline:
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())  # pacing arrivals, not synchronising
            n += 1
            if not free:
                calls.refused(kind, "generator saturated")
                continue
            task = asyncio.create_task(one(due, free.pop()))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        for lane in lanes:
            await lane.close()

    streams = [asyncio.create_task(live(store, token)) for store, token in tokens.items()]
    await asyncio.gather(
        poll(), *(puller() for _ in range(PULL_CONNECTIONS)),
        channel("orders", rate, lambda: order(generator)),
        channel("availability", rate / 5, lambda: availability(generator)),
        channel("promise", rate / 10, lambda: promise(generator)),
    )
    for stream in streams:
        stream.cancel()
    await asyncio.gather(*streams, return_exceptions=True)
    return calls


def order(generator) -> tuple[str, str, bytes]:  # noqa: ANN001
    """A channel's call: (method, path, body)."""
    return "POST", "/api/v1/orders", json.dumps(generator.order()).encode()


def availability(generator) -> tuple[str, str, bytes]:  # noqa: ANN001
    skus = ",".join(random.sample(generator.skus[:2000], 3))
    return "GET", f"/api/v1/availability?skus={skus}", b""


def promise(generator) -> tuple[str, str, bytes]:  # noqa: ANN001
    body = generator.order()
    address = body["delivery"].get("address") or {"country": "FR", "lat": 48.85, "lon": 2.35}
    return "POST", "/api/v1/promise", json.dumps({
        "lines": body["lines"],
        "destination": {"country": address["country"], "lat": address["lat"], "lon": address["lon"]}}).encode()


def _error_of(log_line: str) -> str:
    """What the core logged as an error, without the time and request id (so that they add up)."""
    try:
        entry = json.loads(log_line)
    except ValueError:
        return log_line.strip()[:200]
    exception = entry.get("exception", "").strip().splitlines()
    return f"{entry.get('message', '').strip()}: {exception[-1] if exception else ''}"[:300]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--skus", type=int, default=20000)
    parser.add_argument("--orders-per-minute", type=float, default=10000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help=KEPT_DATABASE_HELP)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp, database("postgres", Path(tmp), args.database_url) as url:
        key, generator, seeded = prepare(url, args.stores, args.skus)
        tokens, cursor = tablets(url, args.stores)
        print(f"network: {len(tokens)} stores with a tablet each, {len(generator.skus)} SKUs ({seeded}); "
              f"core with {args.workers} workers on PostgreSQL; {args.seconds:.0f} s offered "
              f"{args.orders_per_minute:.0f} orders/min\n")
        with core_server(url, workers=args.workers) as server:
            core_cpu, pg_cpu, own_cpu = process_tree_cpu(server.process.pid), postgres_cpu(), time.process_time()
            started = time.perf_counter()
            calls = asyncio.run(run(server.url, key, generator, tokens, cursor, args.orders_per_minute / 60,
                                    args.seconds))
            elapsed = time.perf_counter() - started
            core_cpu = process_tree_cpu(server.process.pid) - core_cpu
            pg_cpu = postgres_cpu() - pg_cpu
            own_cpu = time.process_time() - own_cpu
            server_errors = Counter(_error_of(line) for line in server.log if '"ERROR"' in line)
    for kind, latencies in sorted(calls.latencies.items()):
        ok = calls.answered.get(kind, 0)
        print(f"{kind:>17}: {ok / elapsed:7.1f}/s ok  {summary(latencies)}  errors {calls.errors.get(kind) or 0}")
    placed = calls.answered.get("orders", 0)
    print(f"\norders per minute sustained: {placed / elapsed * 60:.0f} "
          f"({calls.routed_in_full / max(placed, 1):.0%} of them routed in full)")
    print(f"CPU over {elapsed:.0f} s: core {core_cpu:.0f} s, PostgreSQL {pg_cpu:.0f} s, load generator "
          f"{own_cpu:.0f} s (of {2 * elapsed:.0f} s on 2 cores)")
    for line, count in server_errors.most_common(5):
        print(f"core logged {count} times: {line}")


if __name__ == "__main__":
    main()
