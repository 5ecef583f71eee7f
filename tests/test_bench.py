"""Each benchmark in bench/ run once, at toy sizes, as `python bench/X.py` would be: it
starts, runs to its end and prints each of its figure lines. What the figures say is not
looked at: benchmarks are measured, not asserted (CI times nothing). This is only so that a
change to the code they call cannot leave one broken unnoticed.

PostgreSQL benches make their own scratch database on the tests' server (bench/common.py);
they and the browser bench skip with a reason when that is missing (fail in CI)."""

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_ADMIN_URL, need
from tests.e2e.conftest import CHROMIUM

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _postgres_reachable() -> bool:
    admin = create_engine(PG_ADMIN_URL)
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    finally:
        admin.dispose()


def _need_postgres() -> None:
    need(_postgres_reachable(), f"PostgreSQL not reachable at {PG_ADMIN_URL}")


def _bench(tmp_path: Path, script: str, *args: str) -> str:
    """The bench's output, once it has exited 0."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args], cwd=ROOT, capture_output=True, text=True, timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(tmp_path)})  # its scratch files under tmp_path
    assert run.returncode == 0, f"bench/{script} exited {run.returncode}:\n{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
    return run.stdout


def _says(out: str, *patterns: str) -> None:
    for pattern in patterns:
        assert re.search(pattern, out, re.MULTILINE), f"never said {pattern!r}:\n{out}"


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("engine", ENGINES)
def test_orders(tmp_path, engine):
    if engine == "postgres":
        _need_postgres()
    out = _bench(tmp_path, "orders.py", "--engines", engine, "--stores", "2", "--skus", "20", "--orders", "5",
                 "--concurrency", "2", "--rates", "500", "--workers", "1")
    _says(out, r"^machine: .+ cores, Python ", r"^network: 2 stores, 20 SKUs; core with 1 workers; 5 orders per run$",
          rf"^\[{engine}\] seeded in \d+ s$",
          rf"^\[{engine}\] +capacity: .+ orders/s +p50 .+ p95 .+ p99 .+ mean .+ core CPU .+ ms/order +errors ",
          rf"^\[{engine}\] +500/s offered: .+ orders/s +p50 .+ core CPU .+ ms/order +errors ",
          rf"^\[{engine}\] parcels per order .+; orders with unfulfilled lines ")


def test_routing(tmp_path):
    out = _bench(tmp_path, "routing.py", "--stores", "2", "--skus", "20", "--orders", "50", "--sample", "10")
    _says(out, r"^machine: ", r"^network: \d+ warehouses \+ 2 stores = \d+ locations, 20 SKUs, \d+ stock rows; seeded in",
          r"^orders: 50; .+ click & collect; .+ lines and .+ units per order; .+ ship-together set$",
          r"^ +per order +parcels +fulfilments +cost +km +served$",
          r"^ +Backroom \(default profile\) +\S+ +\S+ +\S+ +\S+ +\S+$",
          r"^ +first location in priority order +\S+ +\S+ +\S+ +\S+ +\S+$",
          r"^ +location with most stock +\S+ +\S+ +\S+ +\S+ +\S+$",
          r"^ +optimum \(\d+ orders\) +\S+ +\S+ +\S+ +\S+ +\S+$",
          r"^ +Backroom vs optimum on the \d+ orders where the exhaustive search finished: average cost ",
          r"^decision \(ProfileRouter\.plan on the order's network view\): .+ decisions/s; p50 ",
          r"^decision with the stock read from SQLite \(allocation\.route, 10 orders\): p50 ",
          r"^promise \(services\.promise on SQLite, \d+ carts\): p50 .+; options per cart: ")


@pytest.mark.parametrize("engine", ENGINES)
def test_sync(tmp_path, engine):
    if engine == "postgres":
        _need_postgres()
    out = _bench(tmp_path, "sync.py", "--engines", engine, "--skus", "30", "--open-orders", "3", "--orders", "3")
    _says(out, r"^machine: ", rf"^\[{engine}\] store with 30 stock rows and 3 open orders prepared in \d+ s$",
          rf"^\[{engine}\] initial sync: \d+ rows \(.+\) in .+ s = .+ rows/s$",
          rf"^\[{engine}\] order -> tablet cache, live \(\d worker\(s\)\): p50 ")


@pytest.mark.postgres
def test_location_load(tmp_path):
    _need_postgres()
    out = _bench(tmp_path, "location_load.py", "--stores", "2", "--history", "0,50", "--orders", "3")
    _says(out, r"^machine: ", r"^network: 2 stores \(seeded in \d+ s\), 3 real orders; PostgreSQL$")
    reads = re.findall(r"^ *[\d,]+ fulfilments \([\d,]+ open\), \d+ locations: read in .+ ms \(median of 30\)$",
                       out, re.MULTILINE)
    assert len(reads) == 2, out  # one for each size of the history


@pytest.mark.postgres
def test_calls(tmp_path):
    _need_postgres()
    out = _bench(tmp_path, "calls.py", "--stores", "2", "--skus", "20", "--calls", "3")
    _says(out, r"^machine: ", r"^network: \d+ stores, 20 SKUs \(seeded in \d+ s\); PostgreSQL$",
          *(rf"^ +{kind}: core .+ ms CPU per call, PostgreSQL .+ ms \(\d+ calls\)$"
            for kind in ("order", "availability", "promise")))  # and "pull" when an order went to a store


@pytest.mark.postgres
def test_load(tmp_path):
    _need_postgres()
    out = _bench(tmp_path, "load.py", "--stores", "2", "--skus", "20", "--orders-per-minute", "600", "--seconds", "2",
                 "--workers", "1")
    _says(out, r"^machine: ",
          r"^network: 2 stores with a tablet each, 20 SKUs \(.+\); core with 1 workers on PostgreSQL; 2 s offered ",
          *(rf"^ +{re.escape(kind)}: .+/s ok +p50 .+ p95 .+ p99 .+ mean .+ errors "
            for kind in ("availability", "events (connect)", "orders", "promise", "sync pull")),
          r"^orders per minute sustained: \d+ \(.+ of them routed in full\)$",
          r"^CPU over \d+ s: core .+ s, PostgreSQL .+ s, load generator .+ s \(of .+ s on 2 cores\)$")


@pytest.mark.browser
def test_store_app(tmp_path):
    need(Path(CHROMIUM).exists(), f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    out = _bench(tmp_path, "store_app.py", "--orders", "2", "--scans", "2")
    _says(out, r"^.+ cores, Python ", r"^scan to feedback, 2 scans: p50 .+; scans lost and scanned again: ",
          r"^queue drawn in the browser with 2 open orders: p50 ",
          r"^queue built in the app's process \(\d+ fulfilments\): p50 ")
