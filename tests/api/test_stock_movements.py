"""Stock movements sent by a WMS or an ERP, which retry after a timeout: a receipt
sent again under its Idempotency-Key is received once."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from .conftest import JNS, TEE

API = "/api/v1"
RECEIPT = {"movements": [{"location": "PAR-01", "sku": TEE, "delta": 10, "kind": "receipt"}]}


def _move(network, headers, body=RECEIPT):
    return network.client.post(f"{API}/stock/movements", json=body, headers=headers)


def test_a_receipt_sent_again_with_its_key_is_received_once(network):
    keyed = {**network.admin, "Idempotency-Key": "asn-4711"}
    first, again = _move(network, keyed), _move(network, keyed)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == first.json() == {"applied": 1}
    assert network.level("PAR-01", TEE)["on_hand"] == 15  # 5 + 10, once

    other = _move(network, keyed, {"movements": [{"location": "PAR-01", "sku": TEE, "delta": 12, "kind": "receipt"}]})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    # Without a key, each call is a movement of its own.
    assert [_move(network, network.admin).status_code for _ in range(2)] == [201, 201]
    assert network.level("PAR-01", TEE)["on_hand"] == 35


def test_keys_are_per_caller(network):
    erp = {**network.admin, "Idempotency-Key": "batch-1"}
    wms = {**network.api_key("admin", "wms"), "Idempotency-Key": "batch-1"}
    assert (_move(network, erp).status_code, _move(network, wms).status_code) == (201, 201)
    assert network.level("PAR-01", TEE)["on_hand"] == 25


def test_a_refused_batch_keeps_no_key(network):
    keyed = {**network.admin, "Idempotency-Key": "damage-1"}
    too_many = {"movements": [{"location": "PAR-01", "sku": TEE, "delta": -9, "kind": "damage"}]}
    assert _move(network, keyed, too_many).json()["error"]["code"] == "insufficient_stock"
    # The caller corrects the batch and sends it again under the same key: it is applied.
    fixed = {"movements": [{"location": "PAR-01", "sku": TEE, "delta": -2, "kind": "damage"}]}
    assert _move(network, keyed, fixed).status_code == 201
    assert network.level("PAR-01", TEE)["on_hand"] == 3


def test_a_receipt_sent_several_times_at_once_is_received_once(network):
    """Retries racing the first try: one applies the receipt, the others are answered with it."""
    keyed = {**network.admin, "Idempotency-Key": "asn-race"}
    start = threading.Barrier(4)

    def send(_: int):
        start.wait()
        return _move(network, keyed)

    with ThreadPoolExecutor(4) as integrations:
        answers = list(integrations.map(send, range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert {a.text for a in answers} == {'{"applied":1}'}
    assert network.level("PAR-01", TEE)["on_hand"] == 15


def test_a_dated_count_sent_again_needs_no_key(network):
    """A count is absolute and as of when it was counted: sent again after a move, the move stands."""
    counted_at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    count = {"counts": [{"location": "LYS-01", "sku": JNS, "on_hand": 12, "counted_at": counted_at}]}
    assert network.client.post(f"{API}/stock/counts", json=count, headers=network.admin).status_code == 201
    damaged = {"movements": [{"location": "LYS-01", "sku": JNS, "delta": -1, "kind": "damage"}]}
    assert _move(network, network.admin, damaged).status_code == 201
    assert network.client.post(f"{API}/stock/counts", json=count, headers=network.admin).status_code == 201
    assert network.level("LYS-01", JNS)["on_hand"] == 11


def test_receipts_of_the_same_new_skus_in_opposite_orders_do_not_deadlock(network):
    # Two feeds receive the same new collection at once, lines in another order: new stock rows
    # were inserted in the order sent, so on PostgreSQL each could wait on the other's.
    for round_ in range(4):
        skus = [f"NEW{round_}-{i:03d}" for i in range(300)]
        assert network.client.put(f"{API}/products", json=[{"sku": s, "name": f"New {s}", "price": 1} for s in skus],
                                  headers=network.admin).status_code == 200
        start = threading.Barrier(2)

        def send(skus, start=start):
            start.wait()
            return _move(network, network.admin,
                         {"movements": [{"location": "WH-LYS", "sku": s, "delta": 1, "kind": "receipt"} for s in skus]})

        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(send, [skus, skus[::-1]]))
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
