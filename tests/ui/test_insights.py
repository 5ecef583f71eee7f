"""Manager and head-office data (app/insights.py) against the real core in process."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.dates import StoreTime
from app.insights import Insights, Trial, _params, dashboard_of
from app.profile_draft import set_at
from app.store import StoreApp
from contract.errors import DomainError, Forbidden

from ..api.conftest import CAP, PARIS, TEE
from ..api.test_kpis import PARIS_TZ, Clock, local


def _ship(shop, fulfilment_id: str, headers: dict) -> None:
    core = shop.core
    assert core.act(headers, fulfilment_id, "accept").status_code == 200
    assert core.act(headers, fulfilment_id, "pick", {"items": [{"sku": TEE}]}).status_code == 200
    assert core.act(headers, fulfilment_id, "pack", {"parcels": [{"weight_kg": 0.5}], "carrier": "colissimo"}).status_code == 200
    assert core.act(headers, fulfilment_id, "ship", {"manifest": "M-1"}).json()["status"] == "shipped"


@pytest.fixture
def manager(shop):
    shop.core.add_staff("LYS-01", "M001", "4321", role="manager")
    return shop.run(shop.app.sign_in("LYS-01", "M001", "4321"))


def test_the_manager_sees_the_store_kpis_and_team(shop, manager):
    headers = shop.core.sign_in("LYS-01", "S002", "1111")
    shipped = shop.order([(TEE, 1)])
    _ship(shop, shipped, headers)
    rejected = shop.order([(CAP, 1)])
    assert shop.core.act(headers, rejected, "reject", {"reason": "damaged"}).status_code == 200

    dashboard = shop.run(Insights(shop.app).dashboard(manager.token, "today"))
    tiles = {t.key: t for t in dashboard.tiles}
    assert dashboard.location == "LYS-01"
    assert tiles["orders"].value == "2"
    assert tiles["shipped"].value == "1"
    assert (tiles["rejection"].label, tiles["rejection"].detail) == ("Given back", "1 of 2")
    assert dashboard.rejections == (("Item damaged", 1),)
    assert dashboard.team == (("Staff S002", 2),)  # by name: the manager knows people, not codes
    assert [d.orders for d in dashboard.days] == [2]


def test_associates_are_refused_the_dashboard(shop):
    with pytest.raises(Forbidden):
        shop.run(Insights(shop.app).dashboard(shop.associate.token, "7d"))


def test_stock_alerts_thresholds_and_exports(shop, manager):
    insights = Insights(shop.app)
    assert "alert at 5" in shop.run(insights.set_threshold(manager.token, "LYS-01", "tee-blu-m", "5"))
    low = shop.run(insights.stock_alerts(manager.token))["low_stock"]
    assert [(a["sku"], a["atp"], a["threshold"]) for a in low] == [(TEE, 3, 5)]
    with pytest.raises(DomainError, match="whole number"):
        shop.run(insights.set_threshold(manager.token, "LYS-01", TEE, "five"))

    shop.order([(TEE, 1)])
    document = shop.run(insights.export(manager.token, "orders", "7d"))
    assert document.media_type == "text/csv" and document.filename.startswith("orders-")
    assert document.title == "Orders"  # the button says "Download Orders (CSV)"
    assert document.content.count(b"\n") >= 2  # a header and the order
    assert shop.app.documents.get(document.id) is document


def test_search_and_timeline(shop):
    fulfilment_id = shop.order([(TEE, 1)], ref="W-SEARCH-1")
    headers = shop.core.sign_in("LYS-01", "S002", "1111")
    assert shop.core.act(headers, fulfilment_id, "reject", {"reason": "damaged"}).status_code == 200
    insights = Insights(shop.app)
    (found,) = shop.run(insights.search_orders(shop.associate.token, "W-SEARCH"))
    moments = shop.run(insights.timeline(shop.associate.token, found["id"]))
    assert moments[0].what == "Order placed by webshop"
    rejection = next(m for m in moments if m.what.startswith("Given back"))
    assert (rejection.what, rejection.where, rejection.why) == ("Given back by Staff S002", "Lyon Bellecour",
                                                                "Item damaged")
    with pytest.raises(DomainError, match="at least 2"):
        shop.run(insights.search_orders(shop.associate.token, "W"))


def test_head_office_edits_tries_and_rolls_back_the_profile(shop):
    insights = Insights(shop.app)
    channel = shop.core.channel["Authorization"].split()[1]
    with pytest.raises(Forbidden):
        shop.run(insights.head_office(channel))
    office = shop.run(insights.head_office(shop.core.admin["Authorization"].split()[1]))
    shop.order([(TEE, 1)])
    current = shop.run(insights.profile(office.key))
    draft = set_at(current["profile"], "rule_sets[1].split.max_parcels", 1)
    assert shop.run(insights.check(office.key, draft)) == {}
    assert shop.run(insights.check(office.key, set_at(draft, "rule_sets[1].filters.max_distance_km", "far"))) == {
        "rule_sets[1].filters.max_distance_km": "must be a number from 0 to 40000"}
    trial = shop.run(insights.dry_run(office.key, draft, orders=10))
    assert trial.orders == 1 and len(trial.rows) == 1 and trial.summary("EUR").startswith("1 recent order:")
    with pytest.raises(DomainError, match="max_parcels"):
        shop.run(insights.put_in_force(office.key, set_at(draft, "rule_sets[1].split.max_parcels", "two")))
    saved = shop.run(insights.put_in_force(office.key, draft))
    assert saved["version"] == current["version"] + 1
    assert shop.run(insights.activate(office.key, current["version"]))["version"] == saved["version"] + 1
    versions = shop.run(insights.versions(office.key))
    assert [v["active"] for v in versions][:2] == [True, False]


def test_offline_sign_ins_are_told_to_sign_in_online(shop, tmp_path):
    with pytest.raises(DomainError, match="offline"):
        shop.run(Insights(StoreApp("http://nowhere", tmp_path / "other")).search_orders(None, "W-1"))


def test_the_manager_sets_the_capacity_and_leaves_the_pause_as_it_stands(shop, manager):
    insights = Insights(shop.app)
    assert shop.run(shop.app.set_paused(manager, True)).done  # from another tablet, say
    said = shop.run(insights.set_capacity(manager.token, "LYS-01", " 30 "))
    assert said == "Lyon Bellecour: up to 30 orders a day, paused: no new orders are sent here"
    with pytest.raises(DomainError, match="whole number"):
        shop.run(insights.set_capacity(manager.token, "LYS-01", "lots"))
    location = shop.core.client.get("/api/v1/locations/LYS-01", headers=shop.core.admin).json()
    assert (location["daily_capacity"], location["paused"]) == (30, True)
    shop.sync()
    assert shop.app.cache.location()["paused"] is True  # the tablet hears it through its feed


def test_a_dry_run_says_its_routing_costs_in_the_network_s_currency():
    assert Trial(3, 1, 12.3, 12.1).summary("EUR") == ("3 recent orders: 1 would go elsewhere; cost €12.30 in force, "
                                                      "€12.10 with the draft (-€0.20)")
    assert Trial(1, 0, 5, 5.25).summary("GBP").endswith("cost £5.00 in force, £5.25 with the draft (+£0.25)")


# --- the periods: whole days of the network (its routing profile's time zone) ---------------------------

PARIS_TIME = StoreTime.named("Europe/Paris")  # as the sync says it


@pytest.mark.parametrize("placed, now, today", [
    # The clocks go forward at 02:00: orders at 23:30 on Saturday 28 March and 09:00 on Sunday.
    ([datetime(2026, 3, 28, 23, 30), datetime(2026, 3, 29, 9, 0)], datetime(2026, 3, 29, 12, 0), 1),
    # The clocks go back at 03:00: orders at 00:30 and 09:00 on Sunday 25 October.
    ([datetime(2026, 10, 25, 0, 30), datetime(2026, 10, 25, 9, 0)], datetime(2026, 10, 25, 12, 0), 2),
], ids=["spring-forward", "fall-back"])
def test_today_starts_at_the_local_midnight_on_the_days_the_clocks_change(network, monkeypatch, on_a_utc_machine,
                                                                          placed, now, today):
    """The manager's "Today", at noon on the Sunday the clocks change (Paris). On 29 March the Orders
    tile reads 2: Saturday's 23:30 order counts as today, "today" starting at 23:00 on Saturday. On
    25 October it reads 1: the 00:30 order is left out, "today" starting at 01:00. Right: 1 and 2,
    "today" is from 00:00 local time (app/insights.py takes midnight at the offset of noon)."""
    clock = Clock(monkeypatch)
    for at in placed:
        clock.set(at.replace(tzinfo=PARIS_TZ).astimezone(UTC))
        network.place([(TEE, 1)], address=PARIS)
    params = _params("today", PARIS_TIME, now.replace(tzinfo=PARIS_TZ).astimezone(UTC))
    response = network.client.get("/api/v1/kpis", params={**params, "series": "day"}, headers=network.admin)
    assert response.status_code == 200, response.text
    tiles = {tile.key: tile.value for tile in dashboard_of(response.json(), "today").tiles}
    assert tiles["orders"] == str(today)


def test_the_7_day_chart_shows_7_whole_days(network, monkeypatch, on_a_utc_machine):
    """Two orders a day (09:00 and 16:00, Paris) from Wednesday 4 to Wednesday 11 March, the
    manager looks at "7 days" at noon on the 11th. The chart of orders per day has 8 bars, the first
    one (4 March) showing 1 order for a day that had 2: "7 days" is the last 168 hours, which starts
    at noon a week ago, and the daily series cuts that day in half. Right: 7 bars, 5 to 11 March,
    each day whole (today so far)."""
    clock = Clock(monkeypatch)
    first = date(2026, 3, 4)
    for n in range(8):
        for hour in (9, 16):
            placed = local(first + timedelta(days=n), hour)
            if placed < local(date(2026, 3, 11), 12):
                clock.set(placed.astimezone(UTC))
                network.place([(TEE, 1)], address=PARIS)
    params = _params("7d", PARIS_TIME, local(date(2026, 3, 11), 12).astimezone(UTC))
    response = network.client.get("/api/v1/kpis", params={**params, "series": "day"}, headers=network.admin)
    assert response.status_code == 200, response.text
    days = [(d.day, d.orders) for d in dashboard_of(response.json(), "7d").days]
    assert days == [((first + timedelta(days=n)).isoformat(), 2) for n in range(1, 7)] + [("2026-03-11", 1)]


def test_the_manager_s_7_days_are_the_network_s_whatever_the_zone_of_the_machine_running_the_app(
        shop, manager, monkeypatch, on_a_utc_machine):
    """The store PC serving the tablets runs in UTC; the network's routing profile says Europe/Paris.
    Orders at LYS-01 at 00:30 and 23:30 (Paris) on Thursday 5 March, and at 09:00 on Wednesday 11th;
    the manager looks at "7 days" at noon on the 11th. The chart read 5 March with 1 order and the
    Orders tile 2: "7 days" started at midnight UTC, 01:00 in Paris, leaving out the 00:30 order
    that the core counts in 5 March. Right: 3 orders, 2 on 5 March, as the core counts Paris days."""
    clock = Clock(monkeypatch)
    for placed in (local(date(2026, 3, 5), 0, 30), local(date(2026, 3, 5), 23, 30), local(date(2026, 3, 11), 9)):
        clock.set(placed.astimezone(UTC))
        shop.order([(TEE, 1)])  # to Lyon, prepared at LYS-01; and the tablet syncs: the network's zone comes with the feed
    noon = local(date(2026, 3, 11), 12).astimezone(UTC)
    dashboard = shop.run(Insights(shop.app).dashboard(manager.token, "7d", now=noon))
    assert {t.key: t.value for t in dashboard.tiles}["orders"] == "3"
    assert [(d.day, d.orders) for d in dashboard.days] == [("2026-03-05", 2), ("2026-03-11", 1)]


# --- stock alerts ------------------------------------------------------------------------------------


def test_units_missing_twice_of_one_sku_are_one_sku(network):
    """Two orders at PAR-01, one T-shirt each; both times the associate finds none on the shelf and
    gives the order back with the units missing. The manager's stock alerts say "2 SKUs reported
    missing at pick in the last 7 days": each report is counted as a SKU. Right: 1 SKU (the same
    T-shirt, reported twice)."""
    from app.views.manager import _alerts

    s001 = network.sign_in("PAR-01", "S001")
    manager = network.sign_in("PAR-01", "M001", role="manager")
    for _ in range(2):
        order = network.place([(TEE, 1)], address=PARIS)
        (fulfilment,) = order["fulfilments"]
        assert fulfilment["location"] == "PAR-01"
        assert network.act(s001, fulfilment["id"], "reject",
                           {"reason": "out_of_stock", "stock_missing": True}).status_code == 200
    response = network.client.get("/api/v1/stock/alerts", params=_params("7d", PARIS_TIME), headers=manager)
    assert response.status_code == 200, response.text
    alerts = response.json()
    assert [(d["sku"], d["units"]) for d in alerts["discrepancies"]] == [(TEE, 1), (TEE, 1)]
    said = [c.value for c in _alerts(alerts).content.controls if isinstance(getattr(c, "value", None), str)]
    assert "1 SKU reported missing at pick in the last 7 days" in said, said


def test_a_sku_is_watched_as_the_catalog_spells_it(shop, manager):
    # It was put in capitals, and a SKU in lower case was then unknown.
    assert shop.core.client.put("/api/v1/products", json=[{"sku": "gift-card-50", "name": "Gift card", "price": 50}],
                                headers=shop.core.admin).status_code == 200
    said = shop.run(Insights(shop.app).set_threshold(manager.token, "LYS-01", " gift-card-50 ", "2"))
    assert said == "gift-card-50: alert at 2 units or fewer"


@pytest.mark.parametrize("typed", ["²", "٣", "1.5", "-1"])
def test_a_threshold_or_a_capacity_in_anything_but_0_to_9_is_refused_in_words(shop, manager, typed):
    insights = Insights(shop.app)
    with pytest.raises(DomainError, match="whole number"):  # "²" passed str.isdigit, then int() failed
        shop.run(insights.set_threshold(manager.token, "LYS-01", TEE, typed))
    with pytest.raises(DomainError, match="whole number"):
        shop.run(insights.set_capacity(manager.token, "LYS-01", typed))
