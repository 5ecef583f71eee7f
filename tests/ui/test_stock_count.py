"""Stock counts on the tablet against the real core in process: scans and typed
quantities, a count recorded offline that reaches the core's ledger once synced,
a double tap and a retried push that count once, and the core's refusal said;
counts dated by the core's clock, and kept in sight until the core answers."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from app.session import Shift
from app.stock_count import CountSheet, Outcome, StockCounting
from app.views.common import TONE_COLOURS
from app.views.shell import _banners
from app.work import Tone, refusal_message
from oms_core.core.db import session_scope
from oms_core.models import Staff, StockMovement
from tests.api.conftest import CAP, CAP_EAN, JNS_EAN, TEE, TEE_EAN

from .conftest import Shop


class Line(httpx.AsyncBaseTransport):
    """The store's line to the core in process: up, down, or cut just after the core
    committed a push and before its answer reached the tablet."""

    def __init__(self, app) -> None:  # noqa: ANN001
        self.core = httpx.ASGITransport(app=app)
        self.state = "up"

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.state == "down":
            raise httpx.ConnectError("store offline", request=request)
        response = await self.core.handle_async_request(request)
        if self.state == "answer_lost" and request.url.path.endswith("/sync/mutations"):
            await response.aread()
            raise httpx.ReadError("connection reset", request=request)
        return response


@pytest.fixture
def line(shop, network) -> Line:
    line = Line(network.client.app)
    shop.app.client._http._transport = line
    return line


@pytest.fixture
def counting(shop) -> StockCounting:
    shop.sync()  # the store's stock and products, as the core has them
    return StockCounting(shop.app)


def _counts_by_the_associate(network, sku: str) -> list[int]:
    """What the core's ledger recorded of this associate's counts of `sku` at LYS-01."""
    with session_scope(network.engine) as session:
        return list(session.execute(select(StockMovement.on_hand_delta).where(
            StockMovement.location == "LYS-01", StockMovement.sku == sku, StockMovement.kind == "count",
            StockMovement.actor == "LYS-01/S001")).scalars())


def _counted(counting: StockCounting, codes: list[str], sheet: CountSheet | None = None) -> CountSheet:
    sheet = sheet or CountSheet()
    for code in codes:
        sheet, said = counting.scan(sheet, code)
        assert not said.refused, said.message
    return sheet


def test_each_scan_counts_one_and_a_typed_quantity_replaces_the_scans(shop, counting):
    sheet, said = counting.scan(CountSheet(), TEE_EAN)
    assert (said.tone, said.message) == (Tone.OK, "T-shirt blue M: 1 counted (the system says 3 on hand)")
    sheet = _counted(counting, [TEE_EAN, TEE], sheet)  # a typed SKU counts too
    assert [(line.sku, line.counted) for line in sheet.lines] == [(TEE, 3)]
    sheet, said = counting.set_quantities(sheet, {TEE: "40"})
    assert (said.message, sheet.line(TEE).counted) == ("T-shirt blue M: 40 counted", 40)
    sheet, said = counting.scan(sheet, TEE_EAN)
    assert said.message.startswith("T-shirt blue M: 41 counted")
    same, said = counting.set_quantities(sheet, {TEE: "forty"})
    assert said.tone is Tone.ERROR and same == sheet
    sheet, said = counting.remove(_counted(counting, [CAP_EAN], sheet), CAP)
    assert said.tone is Tone.WARNING and [line.sku for line in sheet.lines] == [TEE]


def test_an_unknown_barcode_is_refused_loudly_and_nothing_is_counted(shop, counting):
    sheet = _counted(counting, [TEE_EAN])
    for code in ("0000000000000", JNS_EAN):  # JNS is in the catalog, but this store has never held it
        same, said = counting.scan(sheet, code)
        assert said.tone is Tone.ERROR and said.message.startswith(f"Unknown barcode {code}")
        assert same == sheet
    assert shop.app.cache.pending_count() == 0


def test_a_count_recorded_offline_reaches_the_core_ledger_once_synced(shop, network, counting, line):
    line.state = "down"
    sheet = counting.set_quantities(_counted(counting, [TEE_EAN, CAP_EAN]), {TEE: "7", CAP: "0"})[0]
    sheet, said = counting.record(shop.associate, sheet)
    assert said.tone is Tone.DONE and said.message.startswith("Count recorded for 2 products, 2 differ")
    assert sheet.lines == ()
    assert [(c.sku, c.counted, c.system, c.difference) for c in sheet.recorded] == [(TEE, 7, 3, 4), (CAP, 0, 1, -1)]
    assert not shop.run(shop.app.engine.sync_once())  # offline: kept for later
    assert {outcome for outcome, _ in counting.outcomes(sheet.recorded).values()} == {Outcome.WAITING}
    assert shop.app.cache.pending_count() == 2 and network.level("LYS-01", TEE)["on_hand"] == 3

    line.state = "up"
    shop.sync()
    assert (network.level("LYS-01", TEE)["on_hand"], network.level("LYS-01", CAP)["on_hand"]) == (7, 0)
    assert _counts_by_the_associate(network, TEE) == [4] and _counts_by_the_associate(network, CAP) == [-1]
    assert {outcome for outcome, _ in counting.outcomes(sheet.recorded).values()} == {Outcome.ACCEPTED}
    assert counting.on_hand(TEE) == 7  # the cache has the core's figure back


def test_a_double_tap_and_a_retried_push_count_once(shop, network, counting, line):
    sheet = counting.set_quantities(_counted(counting, [TEE_EAN]), {TEE: "9"})[0]
    after, _ = counting.record(shop.associate, sheet)
    assert counting.record(shop.associate, after) == (after, None)  # the second tap finds a new, empty sheet
    counting.record(shop.associate, sheet)  # or the sheet it drew, with the same id: the same count
    assert shop.app.cache.pending_count() == 1

    line.state = "answer_lost"
    assert not shop.run(shop.app.engine.sync_once())  # the core applied it; the tablet never heard
    assert network.level("LYS-01", TEE)["on_hand"] == 9 and shop.app.cache.pending_count() == 1
    # Before the retry, a unit leaves the store another way: the retried count must not put it back.
    moved = network.client.post("/api/v1/stock/movements", headers=network.admin, json={
        "movements": [{"location": "LYS-01", "sku": TEE, "delta": -1, "kind": "damage"}]})
    assert moved.status_code < 300, moved.text
    line.state = "up"
    shop.sync()
    assert network.level("LYS-01", TEE)["on_hand"] == 8
    assert _counts_by_the_associate(network, TEE) == [6]
    (count,) = after.recorded
    assert counting.outcomes(after.recorded)[count.mutation_id] == (Outcome.ACCEPTED, None)


def test_a_count_the_core_refuses_is_said_and_changes_nothing(shop, network, counting):
    with session_scope(network.engine) as session:  # the associate left the store meanwhile
        session.execute(update(Staff).where(Staff.store == "LYS-01", Staff.code == "S001").values(active=False))
    sheet, _ = counting.record(shop.associate, _counted(counting, [TEE_EAN]))
    shop.sync()
    (count,) = sheet.recorded
    outcome, why = counting.outcomes(sheet.recorded)[count.mutation_id]
    assert outcome is Outcome.REFUSED and why == "S001 is not active staff of LYS-01"
    (refused,) = shop.app.cache.rejections()  # the shell's banner shows it until someone has read it
    assert refusal_message(refused, {}) == ("The system refused your count of TEE-BLU-M (1 on hand): S001 is not "
                                            "active staff of LYS-01. The stock shows what the system says")
    assert network.level("LYS-01", TEE)["on_hand"] == 3 and _counts_by_the_associate(network, TEE) == []


@pytest.mark.parametrize("clock_off_by", [timedelta(hours=1), timedelta(hours=-1)], ids=["fast", "slow"])
def test_a_tablet_whose_clock_is_wrong_dates_its_counts_by_the_cores(network, tmp_path, clock_off_by):
    """An hour fast, its counts would be refused as counted in the future; an hour slow, superseded by
    every count since. Each sync tells it how far its clock is from the core's, and it corrects it."""
    shop = Shop(network, tmp_path, clock=lambda: datetime.now(UTC) + clock_off_by)
    try:
        shop.sync()
        counting = StockCounting(shop.app)
        sheet = counting.set_quantities(_counted(counting, [TEE_EAN]), {TEE: "4"})[0]  # one more than the system's 3
        assert abs(sheet.line(TEE).counted_at - datetime.now(UTC)) < timedelta(seconds=5)
        # A parcel leaves after the shelf was counted, before the count reaches the core.
        store = network.sign_in("LYS-01", "S002")
        fid = network.place([(TEE, 1)])["fulfilments"][0]["id"]
        for action in ("accept", "pick", "pack", "ship"):
            assert network.act(store, fid, action).status_code == 200
        sheet, _ = counting.record(shop.associate, sheet)
        shop.sync()
        (count,) = sheet.recorded
        assert counting.outcomes(sheet.recorded)[count.mutation_id] == (Outcome.ACCEPTED, None)
        assert network.level("LYS-01", TEE)["on_hand"] == 3  # 4 counted, 1 shipped since
        assert _counts_by_the_associate(network, TEE) == [1]
    finally:
        shop.app.cache.close()


def test_a_count_not_yet_sent_shows_over_the_systems_figure_until_the_core_has_it(shop, counting, line):
    line.state = "down"
    counting.record(shop.associate, counting.set_quantities(_counted(counting, [TEE_EAN]), {TEE: "7"})[0])
    assert not shop.run(shop.app.engine.sync_once())
    (kept,) = counting.kept().values()  # on this sheet, the next one that scans it, or the screen opened again
    assert (kept.sku, kept.name, counting.on_hand(TEE), str(kept)) == (
        TEE, "T-shirt blue M", 3, "Counted 7 · waiting to be sent")
    line.state = "up"
    shop.sync()
    assert counting.kept() == {} and counting.on_hand(TEE) == 7  # the system's figure is the count now


def test_a_count_superseded_by_a_later_one_says_so_until_it_is_seen(shop, network, counting, line):
    line.state = "down"
    typed = counting.set_quantities(_counted(counting, [TEE_EAN]), {TEE: "5"})[0]
    sheet, _ = counting.record(shop.associate, typed)
    # The shelf counted again a moment later, from a handheld. (Dated: the tablet dates its count by
    # the core's clock as it knows it, within a few milliseconds, so "now" could fall just before it.)
    again = (typed.lines[0].counted_at + timedelta(seconds=1)).isoformat()
    recount = {"counts": [{"location": "LYS-01", "sku": TEE, "on_hand": 6, "counted_at": again}]}
    assert network.client.post("/api/v1/stock/counts", json=recount, headers=network.admin).status_code == 201
    line.state = "up"
    shop.sync()
    (count,) = sheet.recorded
    assert counting.outcomes(sheet.recorded)[count.mutation_id] == (Outcome.SUPERSEDED, None)
    assert str(counting.kept()[TEE]) == "Counted 5 · superseded by a later count"
    assert network.level("LYS-01", TEE)["on_hand"] == 6 and counting.on_hand(TEE) == 6
    (superseded,) = shop.app.cache.rejections()
    assert refusal_message(superseded, {}) == ("Your count of TEE-BLU-M (5 on hand) was superseded: the shelf was "
                                               "counted again after it, and the stock shows that later count")
    (banner,) = _banners(Shift(shop.app, shop.work, associate=shop.associate))
    assert banner.content.bgcolor == TONE_COLOURS[Tone.WARNING][0]  # news, not a fault: not the red of a refusal
    shop.app.cache.acknowledge(superseded["id"])
    assert counting.kept() == {}
