"""KPIs on a small history played through the real API on a controlled clock,
with answers worked out by hand."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from oms_core.domain.actors import SYSTEM
from oms_core.models import Event
from oms_core.services import events

from .conftest import PARIS, TEE

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERIOD = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = T0
        monkeypatch.setattr(events, "utcnow", lambda: self.now)

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)


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
