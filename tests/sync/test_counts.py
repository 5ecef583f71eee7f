"""Counts pushed from a tablet apply as of when the shelf was counted (contract/counts.py):
the moves made before they reach the core stay made, a later count of the same shelf
stands over an earlier one that arrives late (a batch applies the rest), and a count
dated ahead of the core's clock is refused, alone and cleanly."""

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import event, select

from oms_core.core.db import session_scope
from oms_core.models import StockMovement
from tests.api.conftest import CAP, TEE

from .conftest import Core
from .test_core_feed import enrol


def _count(on_hand: int, counted_at: datetime | str | None, mutation_id: str | None = None) -> dict:
    args = {"sku": TEE, "on_hand": on_hand}
    if counted_at is not None:
        args["counted_at"] = counted_at if isinstance(counted_at, str) else counted_at.isoformat()
    return {"id": mutation_id or str(uuid.uuid4()), "type": "count", "staff": "S001", "args": args}


def _push(core: Core, device: dict, *mutations: dict) -> list[dict]:
    response = core.client.post("/api/v1/sync/mutations", json={"mutations": list(mutations)}, headers=device)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _ship_one(core: Core) -> None:
    """A parcel of one TEE leaves LYS-01 (3 on hand)."""
    store = core.sign_in("LYS-01")
    fid = core.place([(TEE, 1)])["fulfilments"][0]["id"]
    for action in ("accept", "pick", "pack", "ship"):
        assert core.act(store, fid, action).status_code == 200
    assert core.level("LYS-01", TEE)["on_hand"] == 2


def _count_corrections(core: Core) -> list[int]:
    with session_scope(core.engine) as session:
        return list(session.execute(select(StockMovement.on_hand_delta).where(
            StockMovement.location == "LYS-01", StockMovement.sku == TEE, StockMovement.kind == "count",
            StockMovement.actor == "LYS-01/S001")).scalars())


def test_a_parcel_shipped_before_the_count_reached_the_core_stays_shipped(network):
    device, _ = enrol(network, "LYS-01")
    counted_at = datetime.now(UTC)  # 4 on the shelf (one more than the system's 3), the parcel's unit among them
    _ship_one(network)  # then the parcel leaves, before the tablet syncs
    (result,) = _push(network, device, _count(4, counted_at))
    assert result["status"] == "applied" and result["result"] == {"sku": TEE, "counted": 4, "on_hand": 3}
    assert network.level("LYS-01", TEE)["on_hand"] == 3  # 4 counted, 1 shipped since: not 4
    assert _count_corrections(network) == [1]  # the unit found, not the one shipped


def _packed_one(core: Core) -> str:
    """A parcel of one TEE packed at LYS-01 (3 on hand, 1 of them reserved for it)."""
    store = core.sign_in("LYS-01")
    fid = core.place([(TEE, 1)])["fulfilments"][0]["id"]
    for action in ("accept", "pick", "pack"):
        assert core.act(store, fid, action).status_code == 200
    return fid


def _ship(fid: str, at: datetime) -> dict:
    return {"id": str(uuid.uuid4()), "type": "ship", "staff": "S001", "fulfilment": fid, "args": {},
            "at": at.isoformat()}


def test_a_parcel_shipped_offline_before_the_count_is_not_taken_off_again(network):
    # Offline, the parcel leaves, then the shelf is counted (2: the parcel is gone); both reach
    # the core later, in that order. The ship was dated when the core heard of it, after the
    # count, so the count took it off again (1).
    device, _ = enrol(network, "LYS-01")
    fid = _packed_one(network)
    shipped_at = datetime.now(UTC)
    results = _push(network, device, _ship(fid, shipped_at), _count(2, shipped_at + timedelta(microseconds=1)))
    assert [r["status"] for r in results] == ["applied", "applied"]
    level = network.level("LYS-01", TEE)
    assert (level["on_hand"], level["reserved"]) == (2, 0)


def test_a_parcel_shipped_offline_and_synced_after_a_later_count_is_in_that_count(network):
    # The same from two devices: the shelf counted on a handheld that syncs at once, after the
    # parcel left from a tablet that syncs later. The count saw the shelf without the parcel.
    tablet, _ = enrol(network, "LYS-01")
    handheld, _ = enrol(network, "LYS-01")
    fid = _packed_one(network)
    shipped_at = datetime.now(UTC)
    (counted,) = _push(network, handheld, _count(2, shipped_at + timedelta(microseconds=1)))
    assert counted["status"] == "applied"
    (shipped,) = _push(network, tablet, _ship(fid, shipped_at))
    assert shipped["status"] == "applied"
    level = network.level("LYS-01", TEE)
    assert (level["on_hand"], level["reserved"]) == (2, 0)  # the parcel's reservation goes; its unit went already
    with session_scope(network.engine) as session:
        (moved,) = session.execute(select(StockMovement.on_hand_delta, StockMovement.reserved_delta).where(
            StockMovement.reference == fid, StockMovement.kind == "ship")).all()
    assert tuple(moved) == (0, -1)  # the ledger still sums to the stock


def test_a_later_count_stands_over_an_earlier_one_that_arrives_late(network):
    offline, _ = enrol(network, "LYS-01")
    online, _ = enrol(network, "LYS-01")
    first = _count(5, datetime.now(UTC))  # counted on a tablet that is offline
    (later,) = _push(network, online, _count(6, datetime.now(UTC)))  # counted again, on another, synced at once
    assert later["status"] == "applied"
    (late,) = _push(network, offline, first)
    assert (late["status"], late["error"]["code"]) == ("rejected", "count_superseded")
    assert late["error"]["message"].startswith("TEE-BLU-M at LYS-01 was counted again later (")
    assert network.level("LYS-01", TEE)["on_hand"] == 6 and _count_corrections(network) == [3]
    (retried,) = _push(network, offline, first)  # the answer was lost: the retry gets the same one
    assert (retried["status"], retried["outcome"], retried["error"]) == ("duplicate", "rejected", late["error"])
    assert network.level("LYS-01", TEE)["on_hand"] == 6


def test_a_count_dated_ahead_of_the_cores_clock_is_refused_alone(network):
    device, _ = enrol(network, "LYS-01")
    ahead = datetime.now(UTC) + timedelta(hours=1)  # a tablet whose clock is an hour fast
    results = _push(network, device, _count(9, ahead), _count(8, "2026-12-07T10:00:00"),
                    _count(7, datetime.now(UTC) + timedelta(seconds=30)))
    assert [(r["status"], (r["error"] or {}).get("code")) for r in results] == [
        ("rejected", "counted_in_the_future"), ("rejected", "invalid_request"),  # a time without its zone
        ("applied", None)]  # a clock a little fast is within what a tablet can know of the core's
    assert "later than the core's clock" in results[0]["error"]["message"]
    assert network.level("LYS-01", TEE)["on_hand"] == 7


def test_a_count_dated_more_than_a_week_ago_is_refused_rather_than_adding_up_the_ledger_since(network):
    """A tablet whose clock was reset (1970) would otherwise add every move the shelf ever had."""
    device, _ = enrol(network, "LYS-01")
    results = _push(network, device, _count(5, datetime(1970, 1, 1, tzinfo=UTC)),
                    _count(6, datetime.now(UTC) - timedelta(days=8)), _count(7, datetime.now(UTC)))
    assert [(r["status"], (r["error"] or {}).get("code")) for r in results] == [
        ("rejected", "count_too_old"), ("rejected", "count_too_old"), ("applied", None)]
    assert "count it again" in results[0]["error"]["message"]


def test_an_older_app_builds_count_applies_as_counted_when_it_arrives(network):
    """Without counted_at, a count is taken as made when the core gets it: it sets on hand to
    what was counted, and stands over a count dated before it that arrives after it."""
    device, _ = enrol(network, "LYS-01")
    dated = _count(5, datetime.now(UTC))
    _ship_one(network)
    (undated,) = _push(network, device, _count(4, None))
    assert undated["status"] == "applied" and network.level("LYS-01", TEE)["on_hand"] == 4
    (late,) = _push(network, device, dated)
    assert (late["status"], late["error"]["code"]) == ("rejected", "count_superseded")
    assert network.level("LYS-01", TEE)["on_hand"] == 4


def test_a_late_count_reads_its_shelfs_moves_through_the_ledgers_index(network):
    """The moves since a count are found by (location, sku, time), not by reading the whole ledger."""
    device, _ = enrol(network, "LYS-01")
    statements = []

    def seen(_connection: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        if "sum(stock_movement.on_hand_delta)" in statement:
            statements.append((statement, parameters))

    event.listen(network.engine, "before_cursor_execute", seen)
    try:
        _push(network, device, _count(4, datetime.now(UTC)))
    finally:
        event.remove(network.engine, "before_cursor_execute", seen)
    (statement, parameters), = statements
    with network.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        else:  # a tiny table is read whole whatever the indexes: ask whether the index can serve
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
    assert "ix_stock_movement_location_sku_at" in str(plan), plan


def test_counts_sent_over_http_follow_the_same_rules(network):
    """A handheld's or head office's counts (POST /stock/counts) are dated the same way."""
    counted_at = datetime.now(UTC)
    _ship_one(network)

    def post(on_hand: int, at: datetime, *others: dict) -> httpx.Response:
        count = {"location": "LYS-01", "sku": TEE, "on_hand": on_hand, "counted_at": at.isoformat()}
        return network.client.post("/api/v1/stock/counts", json={"counts": [count, *others]}, headers=network.admin)

    assert post(4, counted_at).json() == {"counted": 1, "superseded": []}
    assert network.level("LYS-01", TEE)["on_hand"] == 3
    # A nightly file from a handheld, one of its shelves counted again since on a tablet:
    # that one is left out and said, the rest of the file applies.
    older = post(9, counted_at - timedelta(minutes=5), {"location": "LYS-01", "sku": CAP, "on_hand": 6})
    assert older.status_code == 201
    (superseded,) = older.json()["superseded"]
    assert older.json()["counted"] == 1 and (superseded["location"], superseded["sku"]) == ("LYS-01", TEE)
    assert datetime.fromisoformat(superseded["counted_again_at"]) == counted_at
    assert (network.level("LYS-01", TEE)["on_hand"], network.level("LYS-01", CAP)["on_hand"]) == (3, 6)
    # The safety stock a superseded count sets is a setting, not a count: it holds.
    count = {"location": "LYS-01", "sku": TEE, "on_hand": 9, "safety": 2,
             "counted_at": (counted_at - timedelta(minutes=5)).isoformat()}
    safety = network.client.post("/api/v1/stock/counts", json={"counts": [count]}, headers=network.admin)
    assert (safety.status_code, safety.json()["counted"], len(safety.json()["superseded"])) == (201, 0, 1)
    assert (network.level("LYS-01", TEE)["on_hand"], network.level("LYS-01", TEE)["safety"]) == (3, 2)
    ahead = post(9, datetime.now(UTC) + timedelta(hours=1), {"location": "LYS-01", "sku": CAP, "on_hand": 8})
    assert (ahead.status_code, ahead.json()["error"]["code"]) == (422, "counted_in_the_future")
    assert (network.level("LYS-01", TEE)["on_hand"], network.level("LYS-01", CAP)["on_hand"]) == (3, 6)
