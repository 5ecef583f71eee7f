"""How busy each location is, as routing reads it (every 5 s per worker),
against the size of the fulfilments' history: the read must not grow with it.

    python bench/location_load.py [--stores 500] [--history 0,100000,1000000] [--open-share 0.02]

PostgreSQL, a fresh network. Real orders placed through the core in process
give fulfilments to copy; the history grows by copies of them spread over the
past week (shipped, a share still open, a few rejected), then VACUUM ANALYZE
(as autovacuum would; it is off on the development machine). The counts per
location and day are what a week of counting leaves: seven rows a location,
whatever the volume. Prints the read's time at each size; asserts nothing.
"""

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.calls import call  # noqa: E402
from bench.common import database, machine  # noqa: E402
from bench.load import order  # noqa: E402
from bench.orders import prepare  # noqa: E402
from oms_core.api.main import create_app  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, session_scope  # noqa: E402
from oms_core.models import Fulfilment, Location  # noqa: E402
from oms_core.services import location_load  # noqa: E402

_REPLACED = {
    "id": "gen_random_uuid()::text",
    "status": "CASE WHEN random() < :open_share THEN 'accepted' WHEN random() < 0.03 THEN 'rejected' "
              "ELSE 'shipped' END",
    "created_at": "now() - random() * interval '7 days'",
    "arrived_from": "NULL",
}


async def place_orders(url: str, key: str, generator, count: int) -> None:  # noqa: ANN001
    logging.disable(logging.INFO)  # the access log
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        for _ in range(count):
            method, path, body = order(generator)
            status, answer = await call(app, method, path, key, body)
            if status != 201:
                raise SystemExit(f"order: {status} {json.loads(answer)}")


def grow_history(url: str, to: int, open_share: float) -> None:
    """Copies of the fulfilments placed for real until there are `to` of them."""
    columns = [c.name for c in Fulfilment.__table__.columns]
    chosen = ", ".join(_REPLACED.get(c, c) for c in columns)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        have = connection.execute(select(func.count()).select_from(Fulfilment.__table__)).scalar_one()
        while have < to:
            batch = min(to - have, 200_000)
            inserted = connection.execute(text(
                f"INSERT INTO fulfilment ({', '.join(columns)}) SELECT {chosen} FROM "
                f"fulfilment AS f, generate_series(1, :copies) LIMIT :batch"
            ), {"batch": batch, "copies": -(-batch // have), "open_share": open_share}).rowcount
            have += inserted
        connection.execute(text("VACUUM ANALYZE fulfilment"))
    engine.dispose()


def a_week_of_counts(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(
            "INSERT INTO location_day (day, location, given, gave_back) "
            "SELECT current_date - d, code, 200, 4 FROM location, generate_series(0, 6) AS d "
            "ON CONFLICT (day, location) DO NOTHING"
        ))
        connection.execute(text("VACUUM ANALYZE location_day"))
    engine.dispose()


def time_the_read(url: str, reads: int = 30) -> tuple[float, int, int, int]:
    """Median ms of a read from the database (not the kept value), fulfilments, open ones, locations."""
    engine = make_engine(Settings(database_url=url))
    spent = []
    with session_scope(engine) as session:
        for _ in range(reads):
            location_load.cache.forget()
            started = time.perf_counter()
            load = location_load.cache.get(session)
            spent.append((time.perf_counter() - started) * 1000)
        fulfilments = session.execute(select(func.count()).select_from(Fulfilment.__table__)).scalar_one()
        locations = session.execute(select(func.count()).select_from(Location.__table__)).scalar_one()
    engine.dispose()
    return statistics.median(spent), fulfilments, sum(each.open for each in load.values()), locations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--history", default="0,100000,1000000", help="fulfilments in the past week, comma-separated")
    parser.add_argument("--open-share", type=float, default=0.02, help="share of the history still open")
    parser.add_argument("--orders", type=int, default=200, help="real orders placed first")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp, database("postgres", Path(tmp)) as url:
        key, generator, seeded = prepare(url, args.stores, 500)
        asyncio.run(place_orders(url, key, generator, args.orders))
        a_week_of_counts(url)
        print(f"network: {args.stores} stores ({seeded}), {args.orders} real orders; PostgreSQL\n")
        for size in sorted(int(size) for size in args.history.split(",")):
            grow_history(url, size, args.open_share)
            median_ms, fulfilments, open_, locations = time_the_read(url)
            print(f"{fulfilments:>10,} fulfilments ({open_:,} open), {locations} locations: "
                  f"read in {median_ms:6.2f} ms (median of 30)")


if __name__ == "__main__":
    main()
