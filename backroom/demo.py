"""`backroom demo`: a fresh demo network on SQLite, the core, a stream of
plausible orders, and the store app served to the browser; prints where to go."""

import argparse
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select

from backroom.process import store_app_server
from backroom.traffic import OrderGenerator
from oms_core.api.main import create_app
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.models import Product, Stock
from oms_core.seed import seed
from oms_core.services import auth

# Who can sign in to the demo (store, staff code, PIN, role, name).
DEMO_STAFF = [
    ("PAR-01", "S001", "1234", "associate", "Ana"),
    ("PAR-01", "M001", "9999", "manager", "Marc"),
    ("PAR-02", "S001", "1234", "associate", "Chloe"),
    ("LYS-01", "S001", "1234", "associate", "Hugo"),
    ("MRS-01", "S001", "1234", "associate", "Lea"),
]
DEMO_CITIES = ["Paris", "Lyon", "Marseille"]
# The store whose tablet the demo opens, and the click & collect orders it finds waiting:
# without them its queue would stay empty until the stream happens to route one there.
DEMO_STORE = "PAR-01"
WAITING_AT_OPENING = 4


def run(args: argparse.Namespace) -> int:
    data = Path(args.data_dir)
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    settings = Settings(database_url=f"sqlite:///{data / 'backroom.db'}", log_level="WARNING", log_format="text")
    engine = make_engine(settings)
    migrate.upgrade(engine)
    summary = seed(engine, stores=24, skus=600, warehouses=3, store_coverage=0.35)
    with session_scope(engine) as session:
        admin_key = auth.create_api_key(session, "demo-admin", "admin")
        channel_key = auth.create_api_key(session, "demo-webshop", "channel")
        for store, code, pin, role, name in DEMO_STAFF:
            auth.create_staff(session, store, code, pin, role, name)
        products = session.execute(select(Product.sku, Product.price).order_by(Product.sku)).all()
        on_the_shelves = session.execute(select(Stock.sku).where(
            Stock.location == DEMO_STORE, Stock.on_hand - Stock.reserved - Stock.safety >= 2)).scalars().all()
    engine.dispose()

    core_url = f"http://127.0.0.1:{args.port}"
    # Ctrl+C: the core ends the app's event stream itself; the bound is for anything else held open.
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=args.port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    prices = {p.sku: float(p.price) for p in products}
    generator = OrderGenerator(_by_popularity(p.sku for p in products), prices,
                               pickup_stores=sorted({store for store, *_ in DEMO_STAFF}), cities=DEMO_CITIES, seed=None)
    waiting = OrderGenerator(_by_popularity(on_the_shelves), prices, pickup_stores=[DEMO_STORE],
                             click_collect_share=1.0, prefix=f"DEMO-{DEMO_STORE.replace('-', '')}", seed=1)
    opening = [waiting.order() for _ in range(WAITING_AT_OPENING)]
    stop = threading.Event()
    threading.Thread(target=_order_stream, args=(server, core_url, channel_key, generator, opening, args, stop),
                     daemon=True).start()

    # The store app is a device of one store, enrolled by its first sign-in: a tablet of PAR-01 here.
    print("Starting the store app…", flush=True)
    with store_app_server(core_url, str(data / "store-app"), port=args.app_port) as app:
        _welcome(summary, app.url, core_url, admin_key, channel_key, args, data)
        try:
            server.run()
        except KeyboardInterrupt:
            pass  # uvicorn raises Ctrl+C again once it has shut down; it is how the demo ends
        finally:
            stop.set()
    print("Demo stopped.", flush=True)
    return 0


def _by_popularity(skus: Iterable[str]) -> list[str]:
    """Bestsellers first, as the seed ranks them (SKU-0001-… sells most)."""
    return sorted(skus, key=lambda sku: (int(sku[3:7]), sku))


def _welcome(summary, app_url: str, core_url: str, admin_key: str, channel_key: str,  # noqa: ANN001
             args: argparse.Namespace, data: Path) -> None:
    print(f"""
Backroom demo: {summary.warehouses} warehouses, {summary.stores} stores, {summary.skus} products.

  Store app      {app_url}   (open it in a browser; sign in as {DEMO_STORE} / S001 / 1234)
  Core API       {core_url}/docs

  Sign in (store / staff / PIN):""")
    for store, code, pin, role, name in DEMO_STAFF:
        print(f"    {store} / {code} / {pin}   {name}, {role}")
    print(f"""
  The store app serves one store, the one its first sign-in names. For another
  store run: backroom app --web --port 8551 --data-dir var/store-LYS-01

  Admin API key     {admin_key}
  Channel API key   {channel_key}

  {WAITING_AT_OPENING} click & collect orders wait at {DEMO_STORE} already; about {args.orders_per_minute:g} new
  orders a minute arrive from web, app and marketplace.
  Press Ctrl+C to stop. The demo database is {data / 'backroom.db'} (recreated each run).
""", flush=True)


def _order_stream(server: uvicorn.Server, core_url: str, key: str, generator: OrderGenerator, opening: list[dict],
                  args: argparse.Namespace, stop: threading.Event) -> None:
    """The orders waiting at opening, then a new one every so often, placed as a web shop would."""
    interval = 60.0 / args.orders_per_minute if args.orders_per_minute > 0 else None
    while not server.started and not stop.wait(0.1):
        pass
    with httpx.Client(base_url=core_url, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        for body in opening:
            _place(client, body)
        while interval is not None and not stop.is_set():
            _place(client, generator.order())
            stop.wait(generator.rng.expovariate(1 / interval))


def _place(client: httpx.Client, body: dict) -> None:
    try:
        response = client.post("/api/v1/orders", json=body)
        if response.status_code == 201:
            order = response.json()
            where = ", ".join(f["location"] for f in order["fulfilments"]) or "nowhere (unfulfilled)"
            print(f"  new {order['channel']} order {order['external_ref']} -> {where}", flush=True)
        else:
            print(f"  order refused: {response.json()['error']['message']}", flush=True)
    except httpx.HTTPError as exc:
        print(f"  order stream: {exc}", flush=True)
