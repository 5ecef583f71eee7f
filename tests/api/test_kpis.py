"""KPIs on a small history played through the real API on a controlled clock,
with answers worked out by hand."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from oms_core.domain.actors import SYSTEM
from oms_core.models import Event
from oms_core.services import events

from .conftest import CAP, PARIS, TEE

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}


class Clock:
    """The events' clock (what the KPIs read), set by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, now: datetime = T0) -> None:
        self.now = now
        monkeypatch.setattr(events, "utcnow", lambda: self.now)

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)

    def set(self, now: datetime) -> None:
        self.now = now


@pytest.fixture
def history(network, monkeypatch):
    """Five orders placed on 2 March (and one the day before), worked by PAR-01 and LYS-01:

    A  home, TEE 2, promised by +3h   PAR-01 S001: accept +10, picked +40, ship +60   (on time, in full)
    B  C&C at PAR-01, TEE 1           PAR-01 S001: accept +80, picked +90, ready +120, collected +300
    C  home, TEE 1, promised by +6h   PAR-01 M001 rejects (out_of_stock) at +125; LYS-01 L001 accepts +180,
                                      picked +200, ships +420 (4h55 after it was given: late; promise missed)
    D  home, TEE 1                    cancelled by the customer at +190
    E  home, TEE 2                    PAR-01 S001: accept +250, pick 1, gives 1 back (damaged) at +260, ships +270
    """
    core = network
    clock = Clock(monkeypatch)
    s001 = core.sign_in("PAR-01", "S001")
    m001 = core.sign_in("PAR-01", "M001", role="manager")
    l001 = core.sign_in("LYS-01", "L001")

    def ok(headers, fid, action, body=None):
        response = core.act(headers, fid, action, body)
        assert response.status_code == 200, response.text

    def place(minutes, lines, **kwargs):
        clock.at(minutes)
        order = core.place(lines, **kwargs)
        return order, order["fulfilments"][0]["id"]

    clock.at(-24 * 60)
    core.place([(TEE, 1)], method="click_collect", store="PAR-02")  # the day before: outside the period

    a, fa = place(0, [(TEE, 2)], address=PARIS, promised_by=(T0 + timedelta(hours=3)).isoformat())
    assert a["fulfilments"][0]["location"] == "PAR-01"
    for minutes, action in [(10, "accept"), (40, "pick"), (50, "pack"), (60, "ship")]:
        clock.at(minutes)
        ok(s001, fa, action)

    b, fb = place(60, [(TEE, 1)], method="click_collect", store="PAR-01")
    for minutes, action in [(80, "accept"), (90, "pick"), (120, "ready"), (300, "collect")]:
        clock.at(minutes)
        ok(s001, fb, action)

    c, fc = place(120, [(TEE, 1)], address=PARIS, promised_by=(T0 + timedelta(hours=6)).isoformat())
    clock.at(125)
    ok(m001, fc, "reject", {"reason": "out_of_stock"})
    again = core.client.get(f"/api/v1/orders/{c['id']}", headers=core.admin).json()["fulfilments"][-1]
    assert again["location"] == "LYS-01"
    for minutes, action in [(180, "accept"), (200, "pick"), (210, "pack"), (420, "ship")]:
        clock.at(minutes)
        ok(l001, again["id"], action)

    d, _ = place(180, [(TEE, 1)], address=PARIS)
    clock.at(190)
    assert core.client.post(f"/api/v1/orders/{d['id']}/cancel", json={"reason": "customer_request"},
                            headers=core.channel).status_code == 200

    e, fe = place(240, [(TEE, 2)], address=PARIS)
    clock.at(250)
    ok(s001, fe, "accept")
    clock.at(255)
    ok(s001, fe, "pick", {"items": [{"sku": TEE, "qty": 1}]})
    clock.at(260)
    ok(s001, fe, "reject", {"reason": "damaged", "lines": [{"sku": TEE, "qty": 1}]})
    for minutes, action in [(265, "pack"), (270, "ship")]:
        clock.at(minutes)
        ok(s001, fe, action)

    # Returns are not built yet; the KPI already counts their events.
    with core.engine.begin() as conn:
        conn.execute(insert(Event.__table__), [events.event(a["id"], "return.received", SYSTEM)])
    core.m001 = m001
    core.s001 = s001
    return core


def kpis(core, headers, **params):
    response = core.client.get("/api/v1/kpis", params={**PERIOD, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def ratio(body, name):
    return body[name]["count"], body[name]["of"]


def ok(core, headers, fid, action, body=None) -> dict:
    response = core.act(headers, fid, action, body)
    assert response.status_code == 200, response.text
    return response.json()


def order_view(core, order_id) -> dict:
    return core.client.get(f"/api/v1/orders/{order_id}", headers=core.admin).json()


def around_now() -> dict:
    """A period of two hours around now (for orders placed on the real clock)."""
    now = datetime.now(UTC)
    return {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}


def test_network_kpis_for_head_office(history):
    body = kpis(history, history.admin)
    assert body["location"] is None
    assert body["orders"] == 5
    assert (body["units_shipped"], body["units_ordered"]) == (5, 7)
    assert ratio(body, "fill_rate") == (5, 7)
    assert body["fill_rate"]["rate"] == round(5 / 7, 4)
    # Ended: A, B, C at PAR-01 (rejected), C at LYS-01 (late), E (a unit given back); D was cancelled.
    assert ratio(body, "otif") == (2, 5)
    assert ratio(body, "cancellation") == (1, 5)
    assert body["cancellation_reasons"] == {"customer_request": 1}
    # Given: A, B, C twice, D, E and E's returned unit (still waiting elsewhere).
    assert ratio(body, "rejection") == (2, 7)
    assert body["rejection_reasons"] == {"damaged": 1, "out_of_stock": 1}
    assert ratio(body, "expiry") == (0, 7)
    assert body["click_collect_order_to_ready"] == {"count": 1, "average_minutes": 60.0, "p50_minutes": 60.0}
    assert body["click_collect_ready_to_collected"] == {"count": 1, "average_minutes": 180.0, "p50_minutes": 180.0}
    assert ratio(body, "shipped_from_store") == (3, 3)
    assert ratio(body, "promise_kept") == (1, 2)
    # Accept: A 10, B 20, C at LYS-01 55, E 10 -> mean 23.75, median 15.
    assert body["time_to_accept"] == {"count": 4, "average_minutes": 23.75, "p50_minutes": 15.0}
    # Pick: A 30, B 10, C at LYS-01 20, E 10 (picked once the rest was given back) -> mean 17.5, median 15.
    assert body["time_to_pick"] == {"count": 4, "average_minutes": 17.5, "p50_minutes": 15.0}
    assert body["orders_per_associate"] == {"LYS-01/L001": 1, "PAR-01/M001": 1, "PAR-01/S001": 3}
    assert ratio(body, "returns") == (1, 5)


def test_a_manager_sees_the_own_store(history):
    body = kpis(history, history.m001)
    assert body["location"] == "PAR-01"
    assert body["orders"] == 5
    # Given to PAR-01: A 2, B 1, C 1, D 1, E 2; left: A 2, B 1, E 1.
    assert (body["units_shipped"], body["units_ordered"]) == (4, 7)
    assert ratio(body, "otif") == (2, 4)
    assert ratio(body, "rejection") == (2, 5)
    assert ratio(body, "promise_kept") == (1, 2)
    assert body["orders_per_associate"] == {"PAR-01/M001": 1, "PAR-01/S001": 3}
    assert kpis(history, history.admin, location="PAR-01") == body


def test_daily_series(history):
    body = kpis(history, history.admin, series="day", **{"from": "2026-03-01T00:00:00Z"})
    assert [(day["day"], day["orders"]) for day in body["series"]] == [("2026-03-01", 1), ("2026-03-02", 5)]
    assert body["orders"] == 6
    assert body["series"][1]["otif"] == {"count": 2, "of": 5, "rate": 0.4}


def test_a_period_with_no_orders_measures_nothing(network):
    body = kpis(network, network.admin)
    assert body["orders"] == 0
    assert body["otif"] == {"count": 0, "of": 0, "rate": None}
    assert body["time_to_accept"] == {"count": 0, "average_minutes": None, "p50_minutes": None}


def test_who_may_read_kpis(network):
    associate = network.sign_in("PAR-01", "S001")
    manager = network.sign_in("PAR-01", "M001", role="manager")
    get = network.client.get
    assert get("/api/v1/kpis", headers=associate).status_code == 403
    assert get("/api/v1/kpis", headers=network.channel).status_code == 403
    other = get("/api/v1/kpis", params={"location": "LYS-01"}, headers=manager)
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_store"
    assert get("/api/v1/kpis", params={"location": "PAR-01"}, headers=manager).status_code == 200


@pytest.mark.parametrize("params, code", [
    ({"from": "2026-03-02", "to": "2026-03-01"}, "invalid_period"),
    ({"from": "yesterday"}, "invalid_request"),
    ({"series": "week"}, "invalid_request"),
    ({"location": "NOPE"}, "unknown_location"),
])
def test_bad_input_is_a_clear_422(network, params, code):
    response = network.client.get("/api/v1/kpis", params=params, headers=network.admin)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_the_daily_kpis_export_as_csv(history):
    response = history.client.get("/api/v1/exports/kpis.csv", params=PERIOD, headers=history.m001)
    assert response.status_code == 200, response.text
    [day] = list(csv.DictReader(io.StringIO(response.text)))
    assert (day["day"], day["orders"], day["otif_count"], day["otif_of"], day["otif_rate"]) == (
        "2026-03-02", "5", "2", "4", "0.5")
    assert day["rejection_reasons"] == '{"damaged":1,"out_of_stock":1}'
    assert day["time_to_pick_p50_minutes"] == "10.0"  # PAR-01: A 30, B 10, E 10


# --- who is on a store's team ------------------------------------------------------------


def test_a_store_that_gave_an_order_back_is_not_on_the_next_stores_team(network):
    """PAR-01's manager gives an order back; it is sent to LYS-01, whose associate prepares it.
    LYS-01's manager sees on the team chart `PAR-01/M001: 1` next to `LYS-01/L001: 1`: another
    store's associate, counted for work done at PAR-01. Right: only LYS-01/L001."""
    m001 = network.sign_in("PAR-01", "M001", role="manager")
    l001 = network.sign_in("LYS-01", "L001")
    lys_manager = network.sign_in("LYS-01", "LM01", role="manager")
    order = network.place([(TEE, 1)], address=PARIS)
    ok(network, m001, order["fulfilments"][0]["id"], "reject", {"reason": "out_of_stock"})
    again = order_view(network, order["id"])["fulfilments"][-1]
    assert again["location"] == "LYS-01"
    ok(network, l001, again["id"], "accept")
    body = kpis(network, lys_manager, **around_now())
    assert body["location"] == "LYS-01"
    assert body["orders_per_associate"] == {"LYS-01/L001": 1}


def test_an_endless_aisle_order_is_not_on_the_preparing_stores_team(network):
    """A PAR-02 associate places an endless-aisle order for a cap (PAR-02 has none); PAR-01 prepares
    it. PAR-01's manager sees `PAR-02/S007: 1` on the team chart, next to their own associate: the
    order's placing counts as another store's associate working on PAR-01's fulfilment. Right:
    only PAR-01/S001."""
    s007 = network.sign_in("PAR-02", "S007")
    s001 = network.sign_in("PAR-01", "S001")
    par_manager = network.sign_in("PAR-01", "M001", role="manager")
    body = network.order_body([(CAP, 1)], channel="store", address=PARIS)
    response = network.client.post("/api/v1/orders", json=body, headers=s007)
    assert response.status_code == 201, response.text
    (fulfilment,) = order_view(network, response.json()["id"])["fulfilments"]
    assert fulfilment["location"] == "PAR-01"
    ok(network, s001, fulfilment["id"], "accept")
    body = kpis(network, par_manager, **around_now())
    assert body["orders_per_associate"] == {"PAR-01/S001": 1}


# --- click & collect shipped to the pickup store ------------------------------------------------


def _shipped_to_pickup_store(network, clock, *, promised_by=None, arrives=timedelta(hours=3)):
    """A click & collect order for PAR-02 of a cap (PAR-02 has none), placed at T0: PAR-01 prepares
    it and ships it to PAR-02 within the hour, PAR-02 scans it in `arrives` after the order and the
    customer collects it an hour later."""
    par01 = network.sign_in("PAR-01", "S001")
    par02 = network.sign_in("PAR-02", "P001")
    clock.at(0)
    order = network.place([(CAP, 1)], method="click_collect", store="PAR-02", promised_by=promised_by)
    (parcel,) = order["fulfilments"]
    assert (parcel["location"], parcel["delivery_method"], parcel["ship_to"]) == ("PAR-01", "ship_to_store", "PAR-02")
    for minutes, action in [(10, "accept"), (20, "pick"), (30, "pack"), (40, "ship")]:
        clock.at(minutes)
        shipped = ok(network, par01, parcel["id"], action)
    clock.set(T0 + arrives)
    arrival = network.client.post("/api/v1/counter/arrivals", json={"tracking_number": shipped["tracking_number"]},
                                  headers=par02)
    assert arrival.status_code == 201, arrival.text
    clock.set(T0 + arrives + timedelta(hours=1))
    assert ok(network, par02, arrival.json()["id"], "collect")["status"] == "collected"
    return order


def test_a_cap_shipped_to_the_pickup_store_and_collected_counts_once(network, monkeypatch):
    """One unit ordered, shipped from PAR-01 to the pickup store and collected there. Head office
    reads 2 units shipped for 1 ordered (fill rate 200%), 2 fulfilments ended of which 1 on time
    (OTIF 50%) and 2 fulfilments given: the parcel and its arrival at PAR-02 both count as a
    fulfilment that left. Right: 1 unit shipped of 1 (fill rate 100%), OTIF 1 of 1, 1 given."""
    _shipped_to_pickup_store(network, Clock(monkeypatch))
    body = kpis(network, network.admin)
    assert body["orders"] == 1
    assert (body["units_shipped"], body["units_ordered"]) == (1, 1)
    assert body["fill_rate"] == {"count": 1, "of": 1, "rate": 1.0}
    assert body["otif"] == {"count": 1, "of": 1, "rate": 1.0}
    assert body["rejection"]["of"] == 1


def test_click_and_collect_lead_times_include_orders_shipped_to_the_pickup_store(network, monkeypatch):
    """The same order: ready at PAR-02 3 hours after it was placed, collected an hour later. Head
    office's click & collect lead times count no order at all (order -> ready: count 0, shown as
    "—"). Right: one order, 180 minutes to ready, 60 minutes ready -> collected."""
    _shipped_to_pickup_store(network, Clock(monkeypatch))
    body = kpis(network, network.admin)
    assert body["click_collect_order_to_ready"] == {"count": 1, "average_minutes": 180.0, "p50_minutes": 180.0}
    assert body["click_collect_ready_to_collected"] == {"count": 1, "average_minutes": 60.0, "p50_minutes": 60.0}


def test_a_click_and_collect_promise_is_kept_when_the_order_is_ready_at_the_pickup_store(network, monkeypatch):
    """Promised for pickup 6 hours after the order; the parcel left PAR-01 after 40 minutes but
    reached the pickup store only the next day (30 hours). Promise kept reads 1 of 1: the
    parcel's departure to the store is taken for the hand-over. Right: 0 of 1, the customer could
    not collect it before the day after the promise."""
    _shipped_to_pickup_store(network, Clock(monkeypatch), promised_by=(T0 + timedelta(hours=6)).isoformat(),
                             arrives=timedelta(hours=30))
    body = kpis(network, network.admin)
    assert body["promise_kept"] == {"count": 0, "of": 1, "rate": 0.0}


def test_a_pickup_store_is_not_given_what_another_store_ships_to_it(network, monkeypatch):
    """Two T-shirts for collection at PAR-02: it is given both, finds one damaged and gives it back;
    PAR-01 ships a replacement to PAR-02, which scans it in, and the customer collects. PAR-02's
    manager reads 3 units ordered for a 2-unit order, given back 1 of 2 fulfilments and OTIF 0 of 2:
    the parcel that arrived from PAR-01 counts as a second fulfilment given to PAR-02 (one it "ended"
    late, having never been given it). Right: PAR-02 was given 2 units in 1 fulfilment and gave
    part of it back (1 of 1; OTIF 0 of 1)."""
    clock = Clock(monkeypatch)
    par01 = network.sign_in("PAR-01", "S001")
    par02 = network.sign_in("PAR-02", "P001")
    order = network.place([(TEE, 2)], method="click_collect", store="PAR-02")
    (own,) = order["fulfilments"]
    assert own["location"] == "PAR-02"
    clock.at(10)
    ok(network, par02, own["id"], "accept")
    ok(network, par02, own["id"], "reject", {"reason": "damaged", "lines": [{"sku": TEE, "qty": 1}]})
    parcel = next(f for f in order_view(network, order["id"])["fulfilments"] if f["id"] != own["id"])
    assert (parcel["location"], parcel["delivery_method"], parcel["ship_to"]) == ("PAR-01", "ship_to_store", "PAR-02")
    for minutes, action in [(20, "pick"), (30, "ready")]:
        clock.at(minutes)
        ok(network, par02, own["id"], action)
    for minutes, action in [(40, "accept"), (50, "pick"), (60, "pack"), (70, "ship")]:
        clock.at(minutes)
        shipped = ok(network, par01, parcel["id"], action)
    clock.at(5 * 60)
    arrival = network.client.post("/api/v1/counter/arrivals", json={"tracking_number": shipped["tracking_number"]},
                                  headers=par02)
    assert arrival.status_code == 201, arrival.text
    clock.at(6 * 60)
    ok(network, par02, own["id"], "collect")
    ok(network, par02, arrival.json()["id"], "collect")
    manager = network.sign_in("PAR-02", "M002", role="manager")
    body = kpis(network, manager)
    assert body["units_ordered"] == 2
    assert body["rejection"] == {"count": 1, "of": 1, "rate": 1.0}
    assert body["otif"] == {"count": 0, "of": 1, "rate": 0.0}


# --- a partial handover at the counter --------------------------------------------------------------


def _ready_at_par01(network, clock, promised_by=None):
    """Two T-shirts for collection at PAR-01, placed at T0, ready an hour after the order."""
    s001 = network.sign_in("PAR-01", "S001")
    clock.at(0)
    order = network.place([(TEE, 2)], method="click_collect", store="PAR-01", promised_by=promised_by)
    (fulfilment,) = order["fulfilments"]
    assert fulfilment["location"] == "PAR-01"
    for minutes, action in [(10, "accept"), (20, "pick"), (60, "ready")]:
        clock.at(minutes)
        ok(network, s001, fulfilment["id"], action)
    return order, fulfilment["id"], s001


def test_units_still_on_the_shelf_after_a_partial_handover_are_not_shipped(network, monkeypatch):
    """Two T-shirts ready at PAR-01; the customer takes one and leaves the other on the shelf for
    later. The manager reads 2 units shipped of 2 (fill rate 100%): the unit still waiting on the
    shelf counts as gone. Right: 1 of 2 (50%)."""
    clock = Clock(monkeypatch)
    _, fid, s001 = _ready_at_par01(network, clock)
    clock.at(2 * 60)
    left = ok(network, s001, fid, "collect", {"lines": [{"sku": TEE, "qty": 1}]})
    assert left["status"] == "ready_for_pickup" and [line["qty"] for line in left["lines"]] == [1]
    body = kpis(network, network.admin, location="PAR-01")
    assert (body["units_shipped"], body["units_ordered"]) == (1, 2)
    assert body["fill_rate"]["rate"] == 0.5


def test_a_partial_handover_of_an_order_ready_on_time_is_on_time(network, monkeypatch):
    """Two T-shirts ready at PAR-01 an hour after the order (well within the 4 hours); the customer
    takes one two hours later and the rest is cancelled. The manager reads OTIF 0 of 1: the
    collected part is split off onto a new fulfilment with no assignment and no `ready` of its own,
    so it never counts as handed over in time. Right: 1 of 1 (ready in time, nothing given back)."""
    clock = Clock(monkeypatch)
    _, fid, s001 = _ready_at_par01(network, clock)
    clock.at(2 * 60)
    rest = ok(network, s001, fid, "collect",
              {"lines": [{"sku": TEE, "qty": 1}], "rest": "cancel", "reason": "customer_request"})
    assert rest["status"] == "cancelled"
    body = kpis(network, network.admin, location="PAR-01")
    assert body["otif"] == {"count": 1, "of": 1, "rate": 1.0}


def test_a_promise_is_kept_when_the_whole_order_was_ready_in_time_and_partly_collected(network, monkeypatch):
    """Two T-shirts promised for pickup 3 hours after the order, ready after 1 hour; the customer
    takes one after 2 hours and leaves the other for later. Once the promise has passed, promise
    kept reads 0 of 1: the collected unit, split off onto a fulfilment of its own, is no longer
    counted as handed over. Right: 1 of 1, both units were ready for the customer by the promise."""
    clock = Clock(monkeypatch)
    _, fid, s001 = _ready_at_par01(network, clock, promised_by=(T0 + timedelta(hours=3)).isoformat())
    clock.at(2 * 60)
    ok(network, s001, fid, "collect", {"lines": [{"sku": TEE, "qty": 1}]})
    body = kpis(network, network.admin)
    assert body["promise_kept"] == {"count": 1, "of": 1, "rate": 1.0}


# --- promise kept ------------------------------------------------------------------------------------


def test_an_order_cancelled_after_its_promise_had_passed_missed_it(network, monkeypatch):
    """Two orders promised for the same evening. One is shipped in time. The other is accepted by
    PAR-01 but never leaves; two days later, past its promise, it is cancelled (no stock anywhere).
    Promise kept reads 1 of 1 (100%): the order that missed its promise drops out of the count
    because it was cancelled afterwards. Right: 1 of 2 (50%); only an order cancelled before its
    promise came due has nothing to measure."""
    clock = Clock(monkeypatch)
    s001 = network.sign_in("PAR-01", "S001")
    promised_by = (T0 + timedelta(hours=10)).isoformat()
    kept = network.place([(TEE, 1)], address=PARIS, promised_by=promised_by)["fulfilments"][0]["id"]
    late = network.place([(TEE, 1)], address=PARIS, promised_by=promised_by)
    for minutes, action in [(10, "accept"), (20, "pick"), (30, "pack"), (40, "ship")]:
        clock.at(minutes)
        ok(network, s001, kept, action)
    ok(network, s001, late["fulfilments"][0]["id"], "accept")
    clock.set(T0 + timedelta(days=2))
    cancelled = network.client.post(f"/api/v1/orders/{late['id']}/cancel", json={"reason": "out_of_stock"},
                                    headers=network.admin)
    assert cancelled.status_code == 200, cancelled.text
    body = kpis(network, network.admin)
    assert body["promise_kept"] == {"count": 1, "of": 2, "rate": 0.5}


# --- days in the network's time zone -----------------------------------------------------------------

PARIS_TZ = ZoneInfo("Europe/Paris")  # the network's time zone (routing profile: promise.timezone)
# A day in Paris: an ordinary one, and the days the clocks go forward and back.
PARIS_DAYS = [date(2026, 3, 3), date(2026, 3, 29), date(2026, 10, 25)]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """That time on that day in Paris."""
    return datetime.combine(day, dtime(hour, minute), tzinfo=PARIS_TZ)


def orders_through_a_paris_day(network, monkeypatch, day: date) -> dict:
    """Three orders placed on `day` in Paris: at 00:30, 12:00 and 23:30 local time. Returns the
    day's bounds as a period (local midnight to local midnight, 23, 24 or 25 hours apart)."""
    clock = Clock(monkeypatch)
    for hour, minute in [(0, 30), (12, 0), (23, 30)]:
        clock.set(local(day, hour, minute).astimezone(UTC))
        network.place([(TEE, 1)], address=PARIS)
    start = local(day, 0).astimezone(UTC)
    end = local(day + timedelta(days=1), 0).astimezone(UTC)
    return {"from": start.isoformat(), "to": end.isoformat()}


@pytest.mark.parametrize("day", PARIS_DAYS, ids=str)
def test_orders_per_day_are_counted_on_the_paris_day_they_were_placed(network, monkeypatch, day):
    """Three orders placed on one Paris day (00:30, 12:00, 23:30 local), asked for that day with
    the daily series. The chart shows two bars: one order on the day before (the 00:30 one, which
    is still the previous day in UTC) and two on the day. Right: one bar, the day, 3 orders."""
    period = orders_through_a_paris_day(network, monkeypatch, day)
    body = kpis(network, network.admin, series="day", **period)
    assert body["orders"] == 3
    assert [(d["day"], d["orders"]) for d in body["series"]] == [(day.isoformat(), 3)]
