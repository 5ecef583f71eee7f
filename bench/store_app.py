"""The store app in the browser: how fast a scan answers, and how fast the
queue draws with hundreds of open orders.

    python bench/store_app.py [--orders 500] [--scans 200]

The core and the store app run as real servers (SQLite), headless Chromium
drives the app exactly as the end-to-end tests do (tests/e2e/conftest.py).

1. Scan to feedback: on the pick screen of an order of many units, the time
   from the scanner's Enter to the feedback line saying the new count, over
   `--scans` scans (the browser checks every animation frame, ~16 ms).
2. Queue with `--orders` open orders: the time from pressing "Queue" (from
   another screen) to the queue drawn with every order counted; and what
   building the queue costs in the app's process (cache read + cards).
Prints what it measured; asserts nothing.
"""

import argparse
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.dates import StoreTime  # noqa: E402
from app.queue import cards  # noqa: E402
from backroom.process import core_server, store_app_server  # noqa: E402
from bench.common import machine, summary  # noqa: E402
from local_db.cache import LocalCache  # noqa: E402
from oms_core.core.config import Settings  # noqa: E402
from oms_core.core.db import make_engine, session_scope  # noqa: E402
from oms_core.models import Location  # noqa: E402
from oms_core.services import stock as stock_service  # noqa: E402
from tests.e2e.conftest import CHROMIUM, ITEMS, LYON, STORE, Screen, prepare_network  # noqa: E402

TEE = "TEE-BLU-M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--scans", type=int, default=200)
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/core.db"
        key, _ = prepare_network(database_url)
        engine = make_engine(Settings(database_url=database_url))
        with session_scope(engine) as session:  # deep and big enough for every order below
            session.execute(update(Location).where(Location.code == STORE).values(daily_capacity=args.orders + 10))
            stock_service.count(session, [stock_service.Count(STORE, sku, 10 * args.orders + args.scans) for sku in ITEMS], "bench")
        engine.dispose()
        with core_server(database_url) as core, store_app_server(core.url, f"{tmp}/store") as app, \
                sync_playwright() as playwright:
            _place(core.url, key, [(TEE, args.scans)], "W-BIG")
            for n in range(args.orders - 1):
                sku = list(ITEMS)[n % len(ITEMS)]
                _place(core.url, key, [(sku, 1)], f"W-{n:05d}")
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            screen = Screen(browser, app.url, shots=None)
            screen.sign_in()
            _tab(screen, f"To accept ({args.orders})").wait_for(timeout=120_000)
            _scan_to_feedback(screen, args.scans)
            _queue(screen, args.orders, Path(tmp) / "store" / "store.db")
            screen.close()
            browser.close()


def _tab(screen: Screen, label: str):  # noqa: ANN202
    return screen.page.get_by_role("tab", name=re.compile("^" + re.escape(label)))


def _place(core_url: str, key: str, lines: list[tuple[str, int]], ref: str) -> None:
    response = httpx.post(f"{core_url}/api/v1/orders", headers={"Authorization": f"Bearer {key}"}, json={
        "channel": "web", "external_ref": ref, "customer": {"name": "Ana Lopes"},
        "delivery": {"method": "home", "address": LYON},
        "lines": [{"sku": sku, "qty": qty, "unit_price": float(ITEMS[sku][2])} for sku, qty in lines]})
    response.raise_for_status()


def _scan_to_feedback(screen: Screen, scans: int) -> None:
    screen.button("Open", within=screen.tagged("card-W-BIG")).click()
    screen.expect(screen.page.get_by_text("Order W-BIG")).to_be_visible()
    screen.button("Accept").click()
    screen.says("feedback", "W-BIG accepted")
    screen.button("Pick").click()
    field = screen.page.get_by_role("textbox", name="Scan or type a barcode")
    took, told, silent = [], 0, 0
    astray = screen.page.get_by_text("Nothing was read: scan again")
    for n in range(1, scans + 1):
        expected = f": {n} of {scans}" if n < scans else "Everything is picked"
        for attempt in range(3):
            screen.expect(field).to_be_focused()  # the field is ready for the next scan, as in Screen.scan
            screen.expect(field).to_have_value("")
            screen.page.keyboard.type(ITEMS[TEE][1])
            started = time.perf_counter()
            screen.page.keyboard.press("Enter")
            try:
                screen.says("pick-feedback", expected)
                break
            except AssertionError:
                if attempt == 2:
                    raise
                # The code went astray (issue 5): the associate is told, or (worse) nothing happens.
                told, silent = (told + 1, silent) if astray.count() else (told, silent + 1)
        took.append((time.perf_counter() - started) * 1000)
    print(f"scan to feedback, {scans} scans: {summary(took)}; "
          f"scans lost and scanned again: {told} with the screen saying so, {silent} without a word")


def _queue(screen: Screen, orders: int, cache_file: Path) -> None:
    took = []
    for _ in range(10):
        screen.button("Settings").click()
        screen.expect(screen.page.get_by_text("Label printer (ZPL, raw TCP port 9100)")).to_be_visible()
        started = time.perf_counter()
        screen.button("Queue").click()
        _tab(screen, f"To accept ({orders - 1})").wait_for()
        took.append((time.perf_counter() - started) * 1000)
    print(f"queue drawn in the browser with {orders} open orders: {summary(took)}")

    cache = LocalCache(cache_file)
    built = []
    for _ in range(20):
        started = time.perf_counter()
        views = cache.fulfilments()
        products = cache.products({line["sku"] for v in views for line in v["lines"]})
        cards(views, products, datetime.now(UTC), StoreTime.named(cache.get_meta("timezone")))  # as Store.time
        built.append((time.perf_counter() - started) * 1000)
    cache.close()
    print(f"queue built in the app's process ({len(views)} fulfilments): {summary(built)}")


if __name__ == "__main__":
    main()
