"""The core's side of sync: device enrolment, the store's feed, pushed mutations."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from sqlalchemy import update

from oms_core.core.db import session_scope
from oms_core.models import Event

from tests.api.conftest import CAP, PARIS, TEE, TEE_EAN

from .conftest import Core


def enrol(core: Core, store: str) -> tuple[dict, str]:
    staff = core.sign_in(store)
    device_id = str(uuid.uuid4())
    response = core.client.post("/api/v1/auth/device", json={"id": device_id, "name": "till 1"}, headers=staff)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['device_token']}"}, device_id


def pull_all(core: Core, device: dict, since: str | None = None, limit: int = 1000) -> tuple[list[dict], str, list]:
    items, marks = [], []
    while True:
        params = {"limit": limit} | ({"since": since} if since else {})
        page = core.client.get("/api/v1/sync/changes", params=params, headers=device)
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        marks.append(body["snapshot"])
        since = body["cursor"]
        if not body["more"]:
            return items, since, marks


def test_snapshot_then_changes(network):
    device, _ = enrol(network, "LYS-01")
    order = network.place([(TEE, 1)])  # routed to LYS-01
    items, cursor, marks = pull_all(network, device, limit=2)
    assert marks[0] == "start" and "end" in marks
    kinds = {(i["entity"], i["id"]) for i in items}
    assert ("location", "LYS-01") in kinds
    assert ("stock", TEE) in kinds and ("stock", CAP) in kinds
    assert ("product", TEE) in kinds
    fulfilment = next(i["data"] for i in items if i["entity"] == "fulfilment")
    assert fulfilment["order"]["external_ref"] == order["external_ref"]
    assert fulfilment["lines"] == [{"sku": TEE, "qty": 1, "picked": 0, "ship_together": None}]
    # Nothing new: an empty page at the same cursor.
    again, same, _ = pull_all(network, device, cursor)
    assert again == [] and same == cursor
    # A cancellation reaches the store as the fulfilment's new state.
    network.client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=network.channel)
    items, _, _ = pull_all(network, device, cursor)
    assert {(i["entity"], i["data"]["status"] if i["entity"] == "fulfilment" else None) for i in items} >= {
        ("fulfilment", "cancelled")
    }


def test_a_page_brings_each_product_it_names_once(network):
    device, _ = enrol(network, "LYS-01")
    _, cursor, _ = pull_all(network, device)
    order = network.place([(TEE, 1)])  # a fulfilment at LYS-01 and its stock change, both naming TEE
    items, _, _ = pull_all(network, device, cursor)
    assert {(i["entity"], i["id"]) for i in items} >= {("fulfilment", order["fulfilments"][0]["id"]), ("stock", TEE)}
    products = [i["id"] for i in items if i["entity"] == "product"]
    assert products == [TEE]
    # The first snapshot too: every product of the store's stock, once each.
    snapshot, _, _ = pull_all(network, device, limit=5000)
    products = [i["id"] for i in snapshot if i["entity"] == "product"]
    assert len(products) == len(set(products)) and set(products) >= {TEE, CAP}


def test_the_feed_is_the_stores_own(network):
    device, _ = enrol(network, "PAR-01")
    network.place([(TEE, 1)])  # to LYS-01
    items, _, _ = pull_all(network, device)
    assert [i for i in items if i["entity"] == "fulfilment"] == []
    assert {i["id"] for i in items if i["entity"] == "location"} == {"PAR-01"}


def test_pushed_mutations_apply_once_and_rejections_are_recorded(network):
    device, _ = enrol(network, "LYS-01")
    fid = network.place([(TEE, 2)])["fulfilments"][0]["id"]
    batch = [
        {"id": str(uuid.uuid4()), "type": "accept", "staff": "S001", "fulfilment": fid},
        {"id": str(uuid.uuid4()), "type": "pick", "staff": "S001", "fulfilment": fid, "args": {"items": [{"code": TEE_EAN}]}},
        {"id": str(uuid.uuid4()), "type": "pick", "staff": "S001", "fulfilment": fid, "args": {"items": [{"sku": CAP}]}},
        {"id": str(uuid.uuid4()), "type": "pack", "staff": "S001", "fulfilment": fid},
    ]
    first = network.client.post("/api/v1/sync/mutations", json={"mutations": batch}, headers=device).json()["results"]
    assert [r["status"] for r in first] == ["applied", "applied", "rejected", "rejected"]
    assert first[2]["error"]["code"] == "wrong_item"
    assert first[3]["error"]["code"] == "invalid_transition"
    again = network.client.post("/api/v1/sync/mutations", json={"mutations": batch}, headers=device).json()["results"]
    assert [(r["status"], r["outcome"]) for r in again] == [
        ("duplicate", "applied"), ("duplicate", "applied"), ("duplicate", "rejected"), ("duplicate", "rejected")
    ]
    assert again[2]["error"]["code"] == "wrong_item"
    line = network.client.get(f"/api/v1/fulfilments/{fid}", headers=network.sign_in("LYS-01"))
    assert line.json()["lines"][0]["picked"] == 1  # picked once, not twice


def test_mutations_name_active_staff_of_the_devices_store(network):
    device, _ = enrol(network, "LYS-01")
    fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
    result = network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "accept", "staff": "NOBODY", "fulfilment": fid}]}).json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "unknown_staff"


def test_a_device_counts_its_own_store_only(network):
    device, device_id = enrol(network, "LYS-01")
    before = network.level("PAR-01", TEE)["on_hand"]
    other_store = {"mutations": [{"id": str(uuid.uuid4()), "type": "count", "staff": "S001",
                                  "args": {"location": "PAR-01", "sku": TEE, "on_hand": 0}}]}
    result = network.client.post("/api/v1/sync/mutations", headers=device, json=other_store).json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "other_store"
    assert network.level("PAR-01", TEE)["on_hand"] == before
    # Audited as the same refusal over HTTP is, once: a retry is answered, not refused again.
    assert network.client.post("/api/v1/sync/mutations", headers=device, json=other_store).status_code == 200
    refused = network.client.get("/api/v1/audit", params={"action": "access.refused"}, headers=network.admin).json()
    assert [(e["actor"], e["store"], e["target"], e["details"]["code"]) for e in refused] == [
        (f"LYS-01/device:{device_id}", "LYS-01", "sync count", "other_store")]
    result = network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "count", "staff": "S001", "args": {"sku": TEE, "on_hand": 7}}]}).json()
    assert result["results"][0]["status"] == "applied"
    assert network.level("LYS-01", TEE)["on_hand"] == 7


@pytest.mark.parametrize("depth", [5, 300, 950])
def test_arguments_nested_deeper_than_any_actions_are_refused_in_words(network, depth):
    """An action's arguments are shallow JSON. Deep ones broke the fingerprint that tells a retry
    from another action (a 500, and a tablet answered 500 sends its batch again for ever): the
    batch is a 422 naming the action, which the store app then pushes alone to have it refused."""
    device, _ = enrol(network, "LYS-01")
    args = "[" * depth + "]" * depth
    accept = f'{{"id": "{uuid.uuid4()}", "type": "accept", "staff": "S001", "fulfilment": "x"}}'
    deep = f'{{"id": "{uuid.uuid4()}", "type": "count", "staff": "S001", "args": {{"sku": {args}}}}}'
    response = network.client.post("/api/v1/sync/mutations", content=f'{{"mutations": [{accept}, {deep}]}}'.encode(),
                                   headers={**device, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "mutations.1.args: an action's arguments nest 4 levels deep at most"


def test_a_mutation_id_sent_again_with_another_action_is_refused(network):
    device, _ = enrol(network, "LYS-01")
    fid = network.place([(TEE, 2)])["fulfilments"][0]["id"]
    mutation_id = str(uuid.uuid4())
    accept = {"id": mutation_id, "type": "accept", "staff": "S001", "fulfilment": fid}
    first = network.client.post("/api/v1/sync/mutations", json={"mutations": [accept]}, headers=device).json()
    assert first["results"][0]["status"] == "applied"
    retried = {**accept, "at": "2026-12-07T10:00:00Z"}  # the same action, stamped: a retry
    again = network.client.post("/api/v1/sync/mutations", json={"mutations": [retried]}, headers=device).json()
    assert (again["results"][0]["status"], again["results"][0]["outcome"]) == ("duplicate", "applied")
    pick = {"id": mutation_id, "type": "pick", "staff": "S001", "fulfilment": fid, "args": {"items": [{"sku": TEE}]}}
    reused = network.client.post("/api/v1/sync/mutations", json={"mutations": [pick]}, headers=device).json()
    assert reused["results"][0]["status"] == "rejected"
    assert reused["results"][0]["error"]["code"] == "mutation_id_reused"
    line = network.client.get(f"/api/v1/fulfilments/{fid}", headers=network.sign_in("LYS-01"))
    assert line.json()["lines"][0]["picked"] == 0


def test_only_devices_push_and_staff_cannot_read_other_feeds(network):
    staff = network.sign_in("LYS-01")
    body = {"mutations": [{"id": str(uuid.uuid4()), "type": "accept", "staff": "S001", "fulfilment": "x"}]}
    assert network.client.post("/api/v1/sync/mutations", json=body, headers=staff).status_code == 403
    assert network.client.get("/api/v1/sync/changes", headers=network.channel).status_code == 403
    assert network.client.get("/api/v1/sync/changes?since=garbage", headers=staff).status_code == 422


def test_a_cursor_the_feed_did_not_give_is_refused(network):
    device, _ = enrol(network, "LYS-01")
    for cursor in ("garbage", "seq:", "seq:ten", "seq:-5", "seq:9223372036854775808", "snap:1", "snap:x:stock:",
                   "snap:1:orders:", "snap::location:", "snap:-1:stock:"):
        response = network.client.get("/api/v1/sync/changes", params={"since": cursor}, headers=device)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_cursor", cursor
    # Those it gives are taken, whatever phase a snapshot stopped in.
    for cursor in ("seq:0", "snap:0:location:", "snap:0:stock:", f"snap:0:fulfilment:{'z' * 8}"):
        assert network.client.get("/api/v1/sync/changes", params={"since": cursor}, headers=device).status_code == 200


def test_an_expired_cursor_asks_for_a_new_snapshot(network):
    from datetime import timedelta

    from oms_core.services import sync

    device, _ = enrol(network, "LYS-01")
    _, cursor, _ = pull_all(network, device)
    network.place([(TEE, 1)])
    network.place([(TEE, 1)])
    assert sync.prune(network.engine, before=datetime.now(UTC) + timedelta(seconds=1), batch=2) > 0
    response = network.client.get(f"/api/v1/sync/changes?since={cursor}", headers=device)
    assert response.status_code == 409 and response.json()["error"]["code"] == "cursor_expired"


def test_an_action_done_offline_is_dated_when_it_was_done_within_what_the_timeline_allows(network):
    """Accepted offline at 09:00, synced at 11:00: the timeline (and time to accept) says 09:00.
    Never later than the core's now, nor before what the fulfilment's timeline already holds."""
    device, _ = enrol(network, "LYS-01")
    order = network.place([(TEE, 2)])
    fid = order["fulfilments"][0]["id"]
    now = datetime.now(UTC)
    with session_scope(network.engine) as session:  # the order came in three hours ago
        session.execute(update(Event).where(Event.order_id == order["id"]).values(at=now - timedelta(hours=3)))

    def push(kind: str, at: datetime, **args) -> None:  # noqa: ANN003
        (result,) = network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
            {"id": str(uuid.uuid4()), "type": kind, "staff": "S001", "fulfilment": fid, "args": args,
             "at": at.isoformat()}]}).json()["results"]
        assert result["status"] == "applied", result

    push("accept", now - timedelta(hours=2))
    push("pick", now - timedelta(hours=4), items=[{"sku": TEE, "qty": 1}])  # a clock set back by hand
    push("pick", now + timedelta(hours=1), items=[{"sku": TEE, "qty": 1}])  # a clock set ahead
    timeline = network.client.get(f"/api/v1/orders/{order['id']}/timeline", headers=network.admin).json()
    dated = {(e["kind"], e["at"]) for e in timeline if e.get("fulfilment_id") == fid and e["actor"] != "system"}
    at = sorted(datetime.fromisoformat(when) for kind, when in dated if kind == "fulfilment.pick")
    accepted = next(datetime.fromisoformat(when) for kind, when in dated if kind == "fulfilment.accept")
    assert abs(accepted - (now - timedelta(hours=2))) < timedelta(seconds=1)
    assert at[0] == accepted  # not before the accept it followed
    assert now <= at[1] <= datetime.now(UTC)  # not in the future


def test_lines_given_back_offline_are_given_to_the_next_store_when_the_core_hears_of_it(network):
    """PAR-01 gives an order back on a tablet offline at 08:00; the tablet syncs at 10:00 and the
    core sends the order to LYS-01, which accepts it at once. LYS-01's time to accept reads
    120 minutes (its `fulfilment.assigned` is dated 08:00, when PAR-01 acted, not when LYS-01 was
    given it). Right: about 0 minutes, LYS-01 had the order for seconds."""
    device, _ = enrol(network, "PAR-01")
    l001 = network.sign_in("LYS-01", "L001")
    order = network.place([(TEE, 1)], address=PARIS)
    fid = order["fulfilments"][0]["id"]
    assert order["fulfilments"][0]["location"] == "PAR-01"
    now = datetime.now(UTC)
    with session_scope(network.engine) as session:  # the order came in three hours ago
        session.execute(update(Event).where(Event.order_id == order["id"]).values(at=now - timedelta(hours=3)))
    (result,) = network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "reject", "staff": "S001", "fulfilment": fid,
         "args": {"reason": "out_of_stock"}, "at": (now - timedelta(hours=2)).isoformat()}]}).json()["results"]
    assert result["status"] == "applied", result
    again = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.admin).json()["fulfilments"][-1]
    assert again["location"] == "LYS-01"
    assert network.act(l001, again["id"], "accept").status_code == 200
    response = network.client.get("/api/v1/kpis", headers=network.admin, params={
        "from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat(),
        "location": "LYS-01"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["time_to_accept"]["count"] == 1
    assert body["time_to_accept"]["p50_minutes"] < 5, body["time_to_accept"]
