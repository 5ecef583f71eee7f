"""The counter on the store's cache: pickup codes checked offline with the
store's key from the feed, and the counter's actions (ready on a shelf,
partial handover, a parcel scanned in) shown at once and applied once."""

import asyncio

import httpx
import pytest

from contract.errors import DomainError
from local_db.cache import LocalCache
from local_db.client import CoreClient
from local_db.counter import Counter
from local_db.engine import SyncEngine
from tests.api.conftest import TEE

API = "/api/v1"


@pytest.fixture
def counter(network, tmp_path):
    """A counter PC at PAR-02 (click & collect only), enrolled and synced once."""
    cache = LocalCache(tmp_path / "store.db")
    client = CoreClient("http://core", transport=httpx.ASGITransport(app=network.client.app))
    engine = SyncEngine(cache, client, live=False)
    staff = network.sign_in("PAR-02")
    asyncio.run(engine.enrol(staff["Authorization"].split()[1]))
    yield Counter(cache), engine, staff
    cache.close()


def sync(engine):
    assert asyncio.run(engine.sync_once())


def _picked_here(network, staff, qty=1):
    order = network.place([(TEE, qty)], method="click_collect", store="PAR-02")
    fid = order["fulfilments"][0]["id"]
    for action in ("accept", "pick"):
        assert network.act(staff, fid, action).status_code == 200
    return order, fid


def _code(network, staff, order_id):
    return network.client.get(f"{API}/orders/{order_id}/pickup", headers=staff).json()


def test_pickup_codes_are_checked_and_found_on_the_cache_alone(network, counter):
    desk, engine, staff = counter
    order, fid = _picked_here(network, staff)
    network.act(staff, fid, "ready", {"shelf": "A1"})
    sync(engine)
    code = _code(network, staff, order["id"])
    # From here on nothing talks to the core: the cache holds the store's key.
    assert desk.verify(fid, code["code"]) == "code"
    assert desk.verify(fid, code["qr_payload"]) == "qr"
    with pytest.raises(DomainError) as wrong:
        desk.verify(fid, "AAAAAA")
    assert wrong.value.code == "wrong_pickup_code"
    assert desk.pickup(order["id"]) == {"code": code["code"], "qr_payload": code["qr_payload"]}
    assert [v["id"] for v in desk.find(code["qr_payload"])] == [fid]
    assert [v["id"] for v in desk.find(order["external_ref"])] == [fid]
    assert [v["id"] for v in desk.find("ANA")] == [fid]
    assert [v["id"] for v in desk.find("0600000000")] == [fid]
    genuine = code["qr_payload"]
    forged = genuine[:-1] + ("A" if genuine[-1] != "A" else "B")  # always a different signature
    with pytest.raises(DomainError):
        desk.find(forged)
    assert [(v["id"], v["shelf"]) for v in desk.shelf()] == [(fid, "A1")]


def test_ready_on_a_shelf_and_a_partial_handover_work_offline_and_apply_once(network, counter):
    desk, engine, staff = counter
    order, fid = _picked_here(network, staff, qty=2)
    sync(engine)
    desk.ready("S001", fid, "B2")
    assert (desk.cache.fulfilment(fid)["status"], desk.cache.fulfilment(fid)["shelf"]) == ("ready_for_pickup", "B2")
    code = desk.pickup(order["id"])["code"]
    with pytest.raises(DomainError):
        desk.collect("S001", fid, code, lines={TEE: 3})  # more than waits: refused before it is queued
    desk.collect("S001", fid, code, lines={TEE: 1})
    view = desk.cache.fulfilment(fid)
    assert (view["status"], view["lines"][0]["qty"]) == ("ready_for_pickup", 1)  # before any network
    pushed = desk.cache.pending()
    sync(engine)
    assert desk.cache.pending_count() == 0 and desk.cache.rejections() == []
    core_view = network.client.get(f"{API}/fulfilments/{fid}", headers=staff).json()
    assert (core_view["status"], core_view["shelf"], core_view["lines"][0]["qty"]) == ("ready_for_pickup", "B2", 1)
    assert network.level("PAR-02", TEE)["on_hand"] == 1
    # The same intents pushed again (a retry after a lost answer) change nothing.
    token = desk.cache.get_meta("device_token")
    again = asyncio.run(engine.client.push(token, [
        {"id": m["id"], "type": m["type"], "staff": m["staff"], "fulfilment": m["fulfilment_id"], "args": m["args"]}
        for m in pushed]))
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert network.level("PAR-02", TEE)["on_hand"] == 1
    desk.collect("S001", fid, desk.pickup(order["id"])["qr_payload"])
    sync(engine)
    assert network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()["status"] == "completed"


def _shipped_here(network, staff, boxes=1):
    """An order PAR-02 gives back: PAR-01 ships it there for collection, in `boxes` parcels."""
    sender = network.sign_in("PAR-01")
    order = network.place([(TEE, 1)], method="click_collect", store="PAR-02")
    network.act(staff, order["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    (parcel,) = [f for f in network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()[
        "fulfilments"] if f["delivery_method"] == "ship_to_store"]
    packed = {"parcels": [{"weight_kg": 0.2}] * boxes}
    for action, body in (("accept", None), ("pick", None), ("pack", packed), ("ship", None)):
        assert network.act(sender, parcel["id"], action, body).status_code == 200
    return order, parcel


def test_a_parcel_scanned_in_offline_is_ready_at_once_and_applied_once(network, counter):
    desk, engine, staff = counter
    order, parcel = _shipped_here(network, staff)
    sync(engine)
    (coming,) = desk.inbound()
    tracking = coming["tracking_number"]
    with pytest.raises(DomainError):
        desk.receive("S001", "BRNOTHING")
    arrival = desk.receive("S001", tracking.lower(), shelf="C1")
    assert desk.receive("S001", tracking) == arrival  # a second scan is the same arrival
    assert desk.inbound() == []
    assert [(v["id"], v["shelf"], v["status"]) for v in desk.shelf()] == [(arrival, "C1", "ready_for_pickup")]
    assert [v["id"] for v in desk.find(order["external_ref"])] == [arrival]  # not the parcel it arrived in too
    desk.collect("S001", arrival, desk.pickup(order["id"])["code"])
    assert desk.cache.fulfilment(arrival)["status"] == "collected"
    sync(engine)
    assert desk.cache.pending_count() == 0 and desk.cache.rejections() == []
    assert [v["id"] for v in desk.find(desk.pickup(order["id"])["qr_payload"])] == [arrival]
    core_view = network.client.get(f"{API}/fulfilments/{arrival}", headers=staff).json()
    assert (core_view["status"], core_view["arrived_from"], core_view["shelf"]) == ("collected", parcel["id"], "C1")
    assert desk.cache.server_fulfilment(arrival)["status"] == "collected"
    assert network.client.get(f"{API}/orders/{order['id']}", headers=network.admin).json()["status"] == "completed"


def test_every_box_of_a_shipment_in_several_parcels_is_the_one_arrival(network, counter):
    desk, engine, staff = counter
    _shipped_here(network, staff, boxes=3)
    sync(engine)
    (coming,) = desk.inbound()
    first, second, third = [p["tracking_number"] for p in coming["parcels"]]
    arrival = desk.receive("S001", second, shelf="C1")  # the boxes come off the van in any order
    assert desk.receive("S001", first) == arrival and desk.cache.pending_count() == 1  # offline: scanned in once
    sync(engine)
    assert desk.receive("S001", third) == arrival
    assert desk.cache.pending_count() == 0 and desk.cache.rejections() == []
    assert [(v["id"], v["tracking_number"], v["shelf"]) for v in desk.shelf()] == [(arrival, second, "C1")]


def test_a_scan_the_core_cannot_match_is_refused_and_shown_not_dropped(network, counter):
    desk, engine, _ = counter
    token = desk.cache.get_meta("device_token")
    (result,) = asyncio.run(engine.client.push(token, [
        {"id": "0190cccc-0000-7000-8000-000000000001", "type": "receive", "staff": "S001",
         "fulfilment": "0190cccc-0000-7000-8000-000000000002", "args": {"tracking_number": "BRNOWHERE"}}]))
    assert (result["status"], result["error"]["code"]) == ("rejected", "unknown_parcel")
    (bad,) = asyncio.run(engine.client.push(token, [
        {"id": "0190cccc-0000-7000-8000-000000000003", "type": "receive", "staff": "S001",
         "fulfilment": "0190cccc-0000-7000-8000-000000000004", "args": {"parcel": "x"}}]))
    assert (bad["status"], bad["error"]["code"]) == ("rejected", "invalid_request")
