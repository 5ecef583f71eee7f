"""The `backroom` command on a fresh database, as an operator would use it."""

import os
import socket
import subprocess
import sys

from datetime import timedelta

import httpx
from sqlalchemy import create_engine, func, select, update
from sqlmodel import Session

from backroom.process import core_server, free_port
from oms_core.models import AuditEntry, Barcode, Location, Product, Staff, StaffToken, Stock, StockMovement, utcnow
from oms_core.seed import ean13


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "BACKROOM_DATABASE_URL": db_url, "BACKROOM_LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "backroom", *args], env=env, capture_output=True, text=True, timeout=120)


def test_seed_keys_staff_and_serve(tmp_path):
    db_url = f"sqlite:///{tmp_path}/cli.db"
    seeded = _run(db_url, "seed", "--stores", "12", "--skus", "300")
    assert seeded.returncode == 0, seeded.stderr
    assert "12 stores, 300 SKUs" in seeded.stdout

    engine = create_engine(db_url)
    with Session(engine) as session:
        stores = session.execute(select(Location).where(Location.type == "store")).scalars().all()
        assert len(stores) == 12 and all(-90 <= s.lat <= 90 for s in stores)
        assert session.execute(select(func.count()).select_from(Product)).scalar_one() == 300
        for code in session.execute(select(Barcode.code)).scalars():
            assert len(code) == 13 and ean13(code[:12]) == code
        # The ledger balances from day one.
        stock = session.execute(select(func.sum(Stock.on_hand))).scalar_one()
        assert stock == session.execute(select(func.sum(StockMovement.on_hand_delta))).scalar_one() > 0
        warehouse_rows = session.execute(
            select(func.count()).select_from(Stock).where(Stock.location.like("WH-%"))
        ).scalar_one()
        assert warehouse_rows > 0
        store = stores[0].code
    engine.dispose()

    again = _run(db_url, "seed", "--stores", "1", "--skus", "1")
    assert again.returncode != 0 and "not empty" in again.stderr

    key = _run(db_url, "keys", "create", "--role", "channel", "--name", "webshop")
    assert key.returncode == 0 and key.stdout.strip().startswith("bk_")
    staff = _run(db_url, "staff", "create", "--store", store, "--code", "S001", "--pin", "1234")
    assert staff.returncode == 0, staff.stderr
    bad = _run(db_url, "staff", "create", "--store", "WH-PAR", "--code", "S001", "--pin", "1234")
    assert bad.returncode == 2 and "not a store" in bad.stderr

    with core_server(db_url) as server:
        token = httpx.post(f"{server.url}/api/v1/auth/token", json={"store": store, "staff": "S001", "pin": "1234"})
        assert token.status_code == 200
        # The store's tablet gets its pickup key with its location: the counter checks codes with it.
        snapshot = httpx.get(f"{server.url}/api/v1/sync/changes?limit=10",
                             headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        (location,) = [item["data"] for item in snapshot.json()["items"] if item["entity"] == "location"]
        assert location["code"] == store and location["pickup_secret"]
        products = httpx.get(f"{server.url}/api/v1/products?q=T-shirt&limit=5",
                             headers={"Authorization": f"Bearer {key.stdout.strip()}"})
        assert products.status_code == 200 and len(products.json()) == 5


def test_staff_who_are_locked_out_or_leave(tmp_path):
    db_url = f"sqlite:///{tmp_path}/staff.db"
    assert _run(db_url, "seed", "--stores", "1", "--skus", "1").returncode == 0
    engine = create_engine(db_url)
    with Session(engine) as session:
        store = session.execute(select(Location.code).where(Location.type == "store")).scalar_one()
    assert _run(db_url, "staff", "create", "--store", store, "--code", "S001", "--pin", "1234").returncode == 0
    with Session(engine) as session:  # wrong PINs locked the account; a session is open elsewhere
        staff_id = session.execute(select(Staff.id)).scalar_one()
        session.execute(update(Staff).values(locked_until=utcnow() + timedelta(minutes=5)))
        session.add(StaffToken(token_hash="0" * 64, staff_id=staff_id, store=store, role="associate",
                               expires_at=utcnow() + timedelta(hours=1)))
        session.commit()

    unlocked = _run(db_url, "staff", "unlock", "--store", store, "--code", "S001")
    assert (unlocked.returncode, unlocked.stdout.strip()) == (0, f"{store}/S001 can sign in again")
    deactivated = _run(db_url, "staff", "deactivate", "--store", store, "--code", "S001")
    assert (deactivated.returncode, deactivated.stdout.strip()) == (
        0, f"{store}/S001 can no longer sign in; 1 session(s) ended")
    unknown = _run(db_url, "staff", "deactivate", "--store", store, "--code", "S999")
    assert unknown.returncode == 2 and f"no staff S999 at {store}" in unknown.stderr

    with Session(engine) as session:
        staff = session.execute(select(Staff)).scalar_one()
        assert (staff.locked_until, staff.active) == (None, False)
        assert session.execute(select(StaffToken.revoked_at)).scalar_one() is not None
        audited = session.execute(select(AuditEntry.action, AuditEntry.target, AuditEntry.client)
                                  .where(AuditEntry.action.startswith("staff.")).order_by(AuditEntry.id)).all()
    engine.dispose()
    assert [tuple(row) for row in audited] == [
        ("staff.created", f"{store}/S001", "cli"), ("staff.unlocked", f"{store}/S001", "cli"),
        ("staff.deactivated", f"{store}/S001", "cli")]


def test_a_database_that_does_not_answer_is_one_line_and_status_1():
    # Under systemd this is what the journal shows while PostgreSQL is down; the unit restarts the core.
    db_url = f"postgresql+psycopg://backroom:s3cret@127.0.0.1:{free_port()}/backroom"
    for command in (["core", "--port", str(free_port())], ["core", "--no-migrate", "--port", str(free_port())],
                    ["db", "upgrade"], ["keys", "create", "--role", "admin", "--name", "ops"]):
        done = _run(db_url, *command)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.startswith("error: database unreachable at postgresql+psycopg://backroom:***@127.0.0.1:")
        assert "Traceback" not in done.stderr and "s3cret" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_core_restarted_on_the_socket_systemd_holds_answers_what_came_in_meanwhile(tmp_path):
    """With socket activation (packaging/core/backroom-core.socket) the listening socket outlives
    the core: a call made while the core restarts waits in the socket's queue and is answered
    by the new core, where a core that opened its own port would have it refused."""
    db_url = f"sqlite:///{tmp_path}/core.db"
    assert _run(db_url, "db", "upgrade").returncode == 0
    with socket.socket() as listening:  # what systemd opens and keeps (ListenStream=)
        listening.bind(("127.0.0.1", 0))
        listening.listen(64)
        address = listening.getsockname()
        with core_server(db_url, workers=2, listening=listening) as server:
            assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
        # Stopped as systemd stops it; before the next one starts, a tablet calls.
        with socket.create_connection(address, timeout=60) as call:
            call.sendall(b"GET /healthz HTTP/1.1\r\nHost: core\r\nConnection: close\r\n\r\n")
            with core_server(db_url, listening=listening):
                answer = b""
                while chunk := call.recv(4096):
                    answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b'{"status":"ok"}')
