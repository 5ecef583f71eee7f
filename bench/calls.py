"""The core's CPU per call, one call at a time, through its whole ASGI stack
(middleware, routing, dependencies, validation, the route, the answer's JSON)
but no socket: what each call type costs the server, without the noise of a
load test. PostgreSQL's CPU per call is measured beside it.

    python bench/calls.py [--stores 500] [--skus 20000] [--calls 1000] [--database-url URL]

The calls are those of bench/load.py: an order from a channel, the pull that
brings its store's tablet the new fulfilment, availability of 3 SKUs
everywhere, a promise for a cart. Asserts nothing.
"""

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import KEPT_DATABASE_HELP, database, machine, postgres_cpu  # noqa: E402
from bench.load import availability, order, promise, tablets  # noqa: E402
from bench.orders import prepare  # noqa: E402
from oms_core.api.main import create_app  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402


async def call(app, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:  # noqa: ANN001
    """One request into the app as uvicorn would hand it over."""
    target, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": target, "raw_path": target.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode()),
                    (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80),
    }
    answer: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        answer.append(message)

    await app(scope, receive, send)
    return answer[0]["status"], b"".join(m.get("body", b"") for m in answer[1:])


async def measure(url: str, key: str, generator, tokens: dict[str, str], cursor: str, count: int) -> None:  # noqa: ANN001
    logging.disable(logging.INFO)  # the access log is measured by the load test, not here
    app = create_app(Settings(database_url=url))
    cursors = dict.fromkeys(tokens, cursor)
    figures: dict[str, list[float]] = {}

    async def timed(kind: str, token: str, method: str, path: str, body: bytes = b"") -> bytes:
        pg = postgres_cpu()
        cpu = time.process_time()  # read last and first: reading PostgreSQL's figures takes CPU too
        status, answer = await call(app, method, path, token, body)
        cpu = time.process_time() - cpu
        pg = postgres_cpu() - pg
        if status not in (200, 201):
            raise SystemExit(f"{kind}: {status} {answer[:300]!r}")
        spent = figures.setdefault(kind, [0.0, 0.0, 0])
        spent[0] += cpu
        spent[1] += pg
        spent[2] += 1
        return answer

    async with app.router.lifespan_context(app):
        for round_ in range(2):  # the first round warms the caches and is not shown
            figures.clear()
            for _ in range(count):
                placed = json.loads(await timed("order", key, *order(generator)))
                for store in {f["location"] for f in placed["fulfilments"]} & tokens.keys():
                    page = json.loads(await timed("pull", tokens[store], "GET",
                                                  f"/api/v1/sync/changes?limit=500&since={cursors[store]}"))
                    cursors[store] = page["cursor"]
                await timed("availability", key, *availability(generator))
                await timed("promise", key, *promise(generator))
    for kind, (cpu, pg, n) in figures.items():
        print(f"{kind:>13}: core {cpu / n * 1000:5.2f} ms CPU per call, PostgreSQL {pg / n * 1000:5.2f} ms "
              f"({n} calls)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--skus", type=int, default=20000)
    parser.add_argument("--calls", type=int, default=1000, help="orders measured (and as many of each other call)")
    parser.add_argument("--database-url", help=KEPT_DATABASE_HELP)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp, database("postgres", Path(tmp), args.database_url) as url:
        key, generator, seeded = prepare(url, args.stores, args.skus)
        tokens, cursor = tablets(url, args.stores)
        print(f"network: {len(tokens)} stores, {len(generator.skus)} SKUs ({seeded}); PostgreSQL\n")
        asyncio.run(measure(url, key, generator, tokens, cursor, args.calls))


if __name__ == "__main__":
    main()
