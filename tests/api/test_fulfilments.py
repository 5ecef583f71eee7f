"""What a store does with its fulfilments, through the API."""

import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.sync.test_core_feed import enrol

from .conftest import CAP, CAP_EAN, JNS, PARIS, TEE, TEE_EAN


def _order_at(network, at, lines, **kw):
    order = network.place(lines, **kw)
    (fulfilment,) = [f for f in order["fulfilments"] if f["location"] == at]
    return order, fulfilment["id"]


def test_ship_from_store_journey_moves_stock_once(network):
    store = network.sign_in("LYS-01")
    order, fid = _order_at(network, "LYS-01", [(TEE, 2)])
    assert network.act(store, fid, "accept").json()["status"] == "accepted"
    r = network.act(store, fid, "pick", {"items": [{"code": TEE_EAN}]})
    assert (r.json()["status"], r.json()["lines"][0]["picked"]) == ("picking", 1)
    r = network.act(store, fid, "pick", {"items": [{"sku": TEE}]})
    assert (r.json()["status"], r.json()["lines"][0]["picked"]) == ("picked", 2)
    r = network.act(store, fid, "pack", {"parcels": [{"weight_kg": 0.5, "box": "S"}], "carrier": "colissimo"})
    (parcel,) = r.json()["parcels"]
    assert r.json()["status"] == "packed" and (parcel["weight_kg"], parcel["box"]) == (0.5, "S")
    assert parcel["tracking_number"].startswith("BR")  # made by the core: the store sent none
    r = network.act(store, fid, "ship", {"manifest": "M-1"})
    assert r.json()["status"] == "shipped"
    assert (r.json()["carrier"], r.json()["tracking_number"]) == ("colissimo", parcel["tracking_number"])
    level = network.level("LYS-01", TEE)
    assert (level["on_hand"], level["reserved"]) == (1, 0)
    # Retrying the last step changes nothing.
    again = network.act(store, fid, "ship", {"carrier": "colissimo"})
    assert again.status_code == 200 and again.json()["version"] == r.json()["version"]
    assert network.level("LYS-01", TEE)["on_hand"] == 1
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    assert order["status"] == "completed"


def test_listing_shows_only_the_stores_own_fulfilments_by_status(network):
    lyon, paris = network.sign_in("LYS-01"), network.sign_in("PAR-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    _, other = _order_at(network, "PAR-01", [(CAP, 1)], address=PARIS)
    assert [f["id"] for f in network.client.get("/api/v1/fulfilments", headers=lyon).json()] == [fid]
    assert [f["id"] for f in network.client.get("/api/v1/fulfilments", headers=paris).json()] == [other]
    network.act(lyon, fid, "accept")
    assert network.client.get("/api/v1/fulfilments?status=assigned", headers=lyon).json() == []
    assert len(network.client.get("/api/v1/fulfilments?status=accepted&status=picking", headers=lyon).json()) == 1


def _next_page(response) -> str | None:
    link = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return link.group(1) if link else None


def test_listing_pages_through_a_long_history_in_order(network):
    lyon, paris = network.sign_in("LYS-01"), network.sign_in("PAR-01")
    network.load_network({("LYS-01", TEE): 50})
    placed = [_order_at(network, "LYS-01", [(TEE, 1)])[1] for _ in range(5)]
    first = network.client.get("/api/v1/fulfilments?limit=2", headers=lyon)
    assert [f["id"] for f in first.json()] == placed[:2]
    seen, url = [f["id"] for f in first.json()], _next_page(first)
    # Created while the caller pages through: it comes last, not in the page being read.
    placed.append(_order_at(network, "LYS-01", [(TEE, 1)])[1])
    while url is not None:
        page = network.client.get(url, headers=lyon)
        assert page.status_code == 200 and len(page.json()) <= 2
        seen += [f["id"] for f in page.json()]
        url = _next_page(page)
    assert seen == placed
    # The last page says so by having no next link; a whole listing fits the default page.
    everything = network.client.get("/api/v1/fulfilments", headers=lyon)
    assert [f["id"] for f in everything.json()] == placed and _next_page(everything) is None
    # Filters carry over to the next page.
    network.act(lyon, placed[0], "accept")
    assigned = network.client.get("/api/v1/fulfilments?status=assigned&limit=4", headers=lyon)
    assert [f["id"] for f in assigned.json()] == placed[1:5]
    rest = network.client.get(_next_page(assigned), headers=lyon).json()
    assert [f["id"] for f in rest] == placed[5:]
    # A cursor this listing did not give is refused, not taken as "from the start".
    for after in ("nope", placed[0]):
        r = network.client.get(f"/api/v1/fulfilments?after={after}", headers=paris)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"
    for limit in ("0", "1001", "ten"):
        assert network.client.get(f"/api/v1/fulfilments?limit={limit}", headers=lyon).status_code == 422


def test_a_store_cannot_see_or_touch_another_stores_fulfilment(network):
    paris = network.sign_in("PAR-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    assert network.client.get(f"/api/v1/fulfilments/{fid}", headers=paris).status_code == 404
    r = network.act(paris, fid, "accept")
    assert r.status_code == 404 and r.json()["error"]["code"] == "fulfilment_not_found"
    # Nor is it in the order as Paris sees it.
    order_id = network.client.get(f"/api/v1/fulfilments/{fid}", headers=network.admin).json()["order_id"]
    assert network.client.get(f"/api/v1/orders/{order_id}", headers=paris).json()["fulfilments"] == []
    # Asking for Lyon's list by name is refused, not answered with Paris's own.
    listed = network.client.get("/api/v1/fulfilments", params={"location": "LYS-01"}, headers=paris)
    assert listed.status_code == 403 and listed.json()["error"]["code"] == "other_store"


def test_head_office_lists_a_location_that_exists(network):
    for path in ("/api/v1/fulfilments", "/api/v1/stock/alerts", "/api/v1/kpis"):
        response = network.client.get(path, params={"location": "NOWHERE"}, headers=network.admin)
        assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_location", path


def test_wrong_item_and_over_pick_are_refused_and_not_counted(network):
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    network.act(store, fid, "accept")
    wrong = network.act(store, fid, "pick", {"items": [{"code": CAP_EAN}]})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_item"
    unknown = network.act(store, fid, "pick", {"items": [{"code": "0000000000000"}]})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_code"
    over = network.act(store, fid, "pick", {"items": [{"sku": TEE, "qty": 2}]})
    assert over.status_code == 409 and over.json()["error"]["code"] == "over_pick"
    current = network.client.get(f"/api/v1/fulfilments/{fid}", headers=store).json()
    assert (current["status"], current["lines"][0]["picked"]) == ("accepted", 0)


def test_a_pick_retried_with_its_idempotency_key_is_counted_once(network):
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 2)])
    network.act(store, fid, "accept")
    keyed = {**store, "Idempotency-Key": "pick-1"}
    first = network.act(keyed, fid, "pick", {"items": [{"sku": TEE}]})
    again = network.act(keyed, fid, "pick", {"items": [{"sku": TEE}]})  # the answer was lost: sent again
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["lines"][0]["picked"] == again.json()["lines"][0]["picked"] == 1
    other = network.act(keyed, fid, "pick", {"items": [{"code": TEE_EAN}]})  # same key, another scan
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    blank = network.act({**store, "Idempotency-Key": " "}, fid, "pick", {"items": [{"sku": TEE}]})
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "invalid_idempotency_key"
    second = network.act({**store, "Idempotency-Key": "pick-2"}, fid, "pick", {"items": [{"sku": TEE}]})
    assert (second.json()["status"], second.json()["lines"][0]["picked"]) == ("picked", 2)
    # A key is the caller's: another associate's "pick-1" is their own.
    _, other_fid = _order_at(network, "LYS-01", [(TEE, 1)])
    colleague = network.sign_in("LYS-01", code="S002", pin="1111")
    network.act(colleague, other_fid, "accept")
    picked = network.act({**colleague, "Idempotency-Key": "pick-1"}, other_fid, "pick", {"items": [{"sku": TEE}]})
    assert picked.json()["status"] == "picked"


def test_a_pick_sent_several_times_at_once_is_counted_once(network):
    """Retries racing the first try: each waits for the fulfilment's lock, then finds its key."""
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 2)])
    network.act(store, fid, "accept")
    start = threading.Barrier(4)

    def scan(_: int):  # noqa: ANN202
        start.wait()
        return network.act({**store, "Idempotency-Key": "scan-7"}, fid, "pick", {"items": [{"code": TEE_EAN}]})

    with ThreadPoolExecutor(4) as tablets:
        answers = list(tablets.map(scan, range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    current = network.client.get(f"/api/v1/fulfilments/{fid}", headers=store).json()
    assert (current["status"], current["lines"][0]["picked"]) == ("picking", 1)


def test_actions_out_of_order_are_conflicts(network):
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    r = network.act(store, fid, "pick")
    assert r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
    assert network.act(store, fid, "ship").status_code == 409
    assert network.act(store, fid, "ready").json()["error"]["code"] == "wrong_delivery_method"


def test_reject_releases_excludes_the_store_and_reroutes(network):
    store = network.sign_in("LYS-01")
    order, fid = _order_at(network, "LYS-01", [(TEE, 2)])
    r = network.act(store, fid, "reject", {"reason": "damaged"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert network.level("LYS-01", TEE)["reserved"] == 0
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    assert [(f["location"], f["status"]) for f in order["fulfilments"]] == [("LYS-01", "rejected"), ("WH-LYS", "assigned")]
    assert order["status"] == "allocated"
    assert order["routing"]["decisions"][-1]["reason"] == "reallocation"


def test_reject_needs_a_known_reason(network):
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    assert network.act(store, fid, "reject").json()["error"]["code"] == "reason_required"
    r = network.act(store, fid, "reject", {"reason": "bored"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_reason"
    reasons = network.client.get("/api/v1/reasons", headers=store).json()
    assert "out_of_stock" in reasons["reject"]
    r = network.act(store, fid, "reject", {"reason": "out_of_stock", "lines": []})  # names nothing: no rejection
    assert r.status_code == 422 and network.level("LYS-01", TEE)["reserved"] == 1


def test_partial_reject_keeps_the_rest_and_reroutes_the_lines(network):
    store = network.sign_in("PAR-01")
    order, fid = _order_at(network, "PAR-01", [(TEE, 2), (CAP, 1)], address=PARIS)
    network.act(store, fid, "accept")
    network.act(store, fid, "pick", {"items": [{"sku": TEE}, {"sku": TEE}]})
    r = network.act(store, fid, "reject", {"reason": "out_of_stock", "lines": [{"sku": CAP, "qty": 1}]})
    assert r.status_code == 200
    # What is left (2 TEE) was all picked already.
    assert r.json()["status"] == "picked"
    assert r.json()["lines"] == [{"sku": TEE, "qty": 2, "picked": 2, "ship_together": None}]
    assert network.level("PAR-01", CAP)["reserved"] == 0
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    assert [(f["location"], [l["sku"] for l in f["lines"]]) for f in order["fulfilments"]] == [
        ("PAR-01", [TEE]), ("LYS-01", [CAP])
    ]


def test_last_unit_rejected_everywhere_leaves_the_order_unfulfilled(network):
    paris, lyon = network.sign_in("PAR-01"), network.sign_in("LYS-01")
    order, fid = _order_at(network, "PAR-01", [(JNS, 1), (CAP, 1)], address=PARIS)
    network.act(paris, fid, "reject", {"reason": "out_of_stock"})
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    # JNS from the warehouse, CAP from Lyon; Paris is not asked again.
    assert {f["location"] for f in order["fulfilments"] if f["status"] == "assigned"} == {"WH-LYS", "LYS-01"}
    (lyon_fid,) = [f["id"] for f in order["fulfilments"] if f["location"] == "LYS-01" and f["status"] == "assigned"]
    network.act(lyon, lyon_fid, "reject", {"reason": "damaged"})
    order = network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()
    assert order["unfulfilled"] == [{"sku": CAP, "qty": 1}]
    assert order["status"] == "partially_allocated"


def test_click_and_collect_at_the_store(network):
    store = network.sign_in("PAR-02")
    order, fid = _order_at(network, "PAR-02", [(TEE, 1)], method="click_collect", store="PAR-02")
    network.act(store, fid, "accept")
    network.act(store, fid, "pick")
    assert network.act(store, fid, "pack").json()["error"]["code"] == "wrong_delivery_method"
    assert network.act(store, fid, "ready", {"shelf": "A3"}).json()["status"] == "ready_for_pickup"
    assert network.act(store, fid, "collect").json()["status"] == "collected"
    assert network.level("PAR-02", TEE)["on_hand"] == 1
    assert network.client.get(f"/api/v1/orders/{order['id']}", headers=network.channel).json()["status"] == "completed"


def test_every_transition_is_recorded_with_who_and_where(network):
    from sqlalchemy import select

    from oms_core.core.db import session_scope
    from oms_core.models import Event

    store = network.sign_in("LYS-01", code="S042")
    order, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    network.act(store, fid, "accept")
    network.act(store, fid, "accept")  # a retry records nothing more
    with session_scope(network.engine) as session:
        events = session.execute(select(Event).where(Event.order_id == order["id"]).order_by(Event.id)).scalars().all()
        assert [(e.kind, e.to_status, e.actor, e.location) for e in events] == [
            ("order.created", None, "webshop", None),
            ("fulfilment.assigned", "assigned", "webshop", "LYS-01"),
            ("fulfilment.accept", "accepted", "LYS-01/S042", "LYS-01"),
        ]


def test_channels_cannot_act_on_fulfilments(network):
    _, fid = _order_at(network, "LYS-01", [(TEE, 1)])
    assert network.act(network.channel, fid, "accept").status_code == 403
    assert network.act(network.admin, fid, "accept").status_code == 403


def test_packing_again_replaces_voided_labels(network):
    store = network.sign_in("LYS-01")
    _, fid = _order_at(network, "LYS-01", [(TEE, 2)])
    network.act(store, fid, "accept")
    network.act(store, fid, "pick")
    first = network.act(store, fid, "pack", {"parcels": [{"tracking_number": "BR000000000001"}]}).json()
    same = network.act(store, fid, "pack", {"parcels": [{"tracking_number": "BR000000000001"}]}).json()
    assert same["version"] == first["version"]  # a retry changes nothing
    relabelled = network.act(store, fid, "pack", {"parcels": [{"tracking_number": "BR000000000002"},
                                                               {"tracking_number": "BR000000000003"}]}).json()
    assert relabelled["status"] == "packed"
    assert [p["tracking_number"] for p in relabelled["parcels"]] == ["BR000000000002", "BR000000000003"]
    tapped_twice = network.act(store, fid, "pack", {"parcels": [{}, {}]}).json()  # numbers left to the core
    assert (tapped_twice["version"], tapped_twice["parcels"]) == (relabelled["version"], relabelled["parcels"])
    bad = network.act(store, fid, "pack", {"parcels": [{"tracking_number": "not a number!"}]})
    assert bad.status_code == 422


def _two_picked(network, store):
    """Two orders picked at LYS-01, ready to pack."""
    orders = [_order_at(network, "LYS-01", [(TEE, 1)]) for _ in range(2)]
    for _, fid in orders:
        network.act(store, fid, "accept")
        network.act(store, fid, "pick")
    return orders


def test_a_tracking_number_is_on_one_fulfilments_parcels_only(network):
    store = network.sign_in("LYS-01")
    (first, fid), (_, other) = _two_picked(network, store)
    assert network.act(store, fid, "pack", {"parcels": [{"tracking_number": "DUP-1"}]}).status_code == 200
    taken = network.act(store, other, "pack", {"parcels": [{"tracking_number": "NEW-1"},
                                                           {"tracking_number": "DUP-1"}]})
    assert taken.status_code == 409
    error = taken.json()["error"]
    assert (error["code"], error["message"], error["details"]["order_id"]) == (
        "tracking_number_in_use", f"tracking number DUP-1 is already on a parcel of order {first['external_ref']}",
        first["id"])
    assert network.client.get(f"/api/v1/fulfilments/{other}", headers=store).json()["status"] == "picked"
    # The fulfilment that has the label packs again as it likes; a label it voids is free for another.
    again = network.act(store, fid, "pack", {"parcels": [{"tracking_number": "DUP-1"}, {"tracking_number": "DUP-2"}]})
    assert again.status_code == 200, again.text
    assert network.act(store, fid, "pack", {"parcels": [{"tracking_number": "DUP-2"}]}).status_code == 200
    assert network.act(store, other, "pack", {"parcels": [{"tracking_number": "DUP-1"}]}).status_code == 200
    # Shipping under another parcel's number is refused too; under its own, it ships.
    shipped = network.act(store, other, "ship", {"tracking_number": "DUP-2"})
    assert shipped.status_code == 409 and shipped.json()["error"]["code"] == "tracking_number_in_use"
    assert network.act(store, other, "ship", {"tracking_number": "DUP-1"}).json()["status"] == "shipped"
    assert network.act(store, fid, "pack", {"parcels": [{"tracking_number": "DUP-1"}]}).status_code == 409


def test_the_labels_of_a_cancelled_orders_parcels_go_on_other_parcels(network):
    """Packed, then the order is cancelled: its parcels never leave, so their pre-printed labels are used again."""
    store = network.sign_in("LYS-01")
    (first, fid), (_, other) = _two_picked(network, store)
    assert network.act(store, fid, "pack", {"parcels": [{"tracking_number": "PRE-1"}]}).status_code == 200
    assert network.act(store, other, "pack", {"parcels": [{"tracking_number": "PRE-1"}]}).status_code == 409
    cancelled = network.client.post(f"/api/v1/orders/{first['id']}/cancel", json={}, headers=network.channel)
    assert cancelled.json()["fulfilments"][0]["status"] == "cancelled"
    packed = network.act(store, other, "pack", {"parcels": [{"tracking_number": "PRE-1"}]})
    assert packed.status_code == 200, packed.text
    assert network.act(store, other, "ship").json()["tracking_number"] == "PRE-1"


def test_the_store_app_packing_under_a_number_in_use_is_told_why(network):
    store = network.sign_in("LYS-01")
    device, _ = enrol(network, "LYS-01")
    (first, fid), (_, other) = _two_picked(network, store)
    network.act(store, fid, "pack", {"parcels": [{"tracking_number": "DUP-1"}]})
    pushed = network.client.post("/api/v1/sync/mutations", headers=device, json={"mutations": [
        {"id": str(uuid.uuid4()), "type": "pack", "staff": "S001", "fulfilment": other,
         "args": {"parcels": [{"tracking_number": "DUP-1"}]}}]}).json()["results"][0]
    assert (pushed["status"], pushed["error"]["code"]) == ("rejected", "tracking_number_in_use")
    assert pushed["error"]["details"]["order_id"] == first["id"]
    assert network.client.get(f"/api/v1/fulfilments/{other}", headers=store).json()["parcels"] == []
