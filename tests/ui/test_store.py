"""The store app's process-wide part: what the screens are told to draw again."""

import asyncio
from dataclasses import replace
from datetime import date

import httpx
import pytest

from app.store import PauseSwitch, StoreApp, paused_notice, place_name
from contract.errors import DomainError
from tests.api.conftest import TEE
from tests.ui.test_work import _Down


async def _settled() -> None:
    """Let the callbacks already queued on the loop run (a sync's news comes through it)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


def test_screens_are_told_of_what_a_sync_brings_not_of_every_sync(shop, network):
    """Every screen that shows data is drawn again when told: an idle tablet's polls, and the
    sync its own actions' live events bring, bring nothing, so they must not draw anything."""
    shop.sync()

    async def scenario() -> list[set[str]]:
        heard: list[set[str]] = []
        stop = shop.app.watch(heard.append)
        try:
            assert await shop.app.engine.sync_once()
            await _settled()
            assert heard == [], "a sync that brought nothing drew the screens again"
            network.place([(TEE, 1)])
            assert await shop.app.engine.sync_once()
            await _settled()
            return heard
        finally:
            stop()

    heard = shop.run(scenario())
    assert any("fulfilment" in kinds for kinds in heard), heard


def test_a_manager_pauses_the_store_and_every_screen_can_say_so(shop, network):
    shop.sync()
    assert paused_notice(shop.app.cache.location()) is None
    network.add_staff("LYS-01", "M001", "4321", role="manager")
    manager = shop.run(shop.app.sign_in("LYS-01", "M001", "4321"))

    refused = shop.run(shop.app.set_paused(shop.associate, True))  # not an associate's switch
    assert (refused.paused, refused.done) == (False, False)
    assert refused.message.startswith("Could not pause Lyon Bellecour: ")
    assert refused.message.endswith("Lyon Bellecour still takes orders")

    paused = shop.run(shop.app.set_paused(manager, True))
    assert (paused.paused, paused.done) == (True, True)
    assert paused.message == "Lyon Bellecour is paused: the network sends it no new orders until you switch this off"
    shop.sync()
    assert paused_notice(shop.app.cache.location()) == (
        "Lyon Bellecour is paused: the network sends it no new orders. Orders already here are still to be "
        "prepared; a manager switches the pause off in Manager")

    shop.app.client._http._transport = _Down()
    down = shop.run(shop.app.set_paused(manager, False))  # the switch stays on: nothing changed
    assert (down.paused, down.done) == (True, False)
    assert "the system cannot be reached. Lyon Bellecour is still paused" in down.message
    offline = shop.run(shop.app.set_paused(replace(manager, token=None), False))
    assert (offline.paused, offline.done) == (True, False) and "signed in offline" in offline.message


def test_the_pause_switch_shows_the_core_s_answer_then_follows_the_store_as_the_sync_brings_it(shop, network):
    shop.sync()
    network.add_staff("LYS-01", "M001", "4321", role="manager")
    manager = shop.run(shop.app.sign_in("LYS-01", "M001", "4321"))
    switch = PauseSwitch()
    assert switch.shows(shop.app.cache.location()) is False

    switch.answered(shop.run(shop.app.set_paused(manager, True)), shop.app.cache.location())
    assert switch.shows(shop.app.cache.location()) is True  # before the sync brings the change: no flicking back
    shop.sync()
    assert switch.shows(shop.app.cache.location()) is True

    # Another tablet, or head office, lets the store take orders again.
    answer = network.client.patch("/api/v1/locations/LYS-01/operations", json={"paused": False}, headers=network.admin)
    assert answer.status_code == 200, answer.text
    shop.sync()
    assert switch.shows(shop.app.cache.location()) is False


def test_the_network_s_names_are_kept_on_the_device_for_a_restart_with_the_line_down(shop, tmp_path):
    """Read at an online sign-in, the locations' names survive the app's restart: a tablet
    restarted during an outage still says "Lyon warehouse", not a code, on its offline screens."""
    shop.sync()
    assert shop.app.network["WH-LYS"]["name"] == "Lyon warehouse"
    shop.app.cache.close()
    restarted = StoreApp("http://core", tmp_path, transport=_Down(), live=False)
    try:
        associate = shop.run(restarted.sign_in("LYS-01", "S001", "1234"))  # offline: the core cannot be reached
        assert associate.token is None
        assert place_name("WH-LYS", restarted.network) == "Lyon warehouse"
        assert place_name("LYS-01", restarted.network) == "Lyon Bellecour"
    finally:
        restarted.cache.close()


def test_money_is_shown_in_the_network_s_currency_which_each_sync_tells(shop, network, tmp_path):
    """BACKROOM_CURRENCY on the core: the tablet learns it with its next sync, and keeps it offline."""
    assert shop.app.currency == "EUR"  # the default, before the core says otherwise
    network.settings.currency = "GBP"
    shop.sync()
    assert shop.app.currency == "GBP"
    shop.app.cache.close()
    restarted = StoreApp("http://core", tmp_path, transport=_Down(), live=False)
    try:
        assert restarted.currency == "GBP"
    finally:
        restarted.cache.close()


def test_the_store_s_days_are_the_network_s_which_each_sync_tells(shop, network, tmp_path, on_a_utc_machine):
    """The store PC runs in UTC; the routing profile puts the network in Europe/Paris. The tablet
    counts its days and says its times in the network's zone once a sync has told it, keeps it
    offline, and follows head office's change of zone at its next sync."""
    moment, today = "2026-12-05T23:30:00+00:00", date(2026, 12, 7)
    assert shop.app.time.readable(moment, today) == "5 Dec 23:30"  # before any sync: the device's own zone
    shop.sync()
    assert shop.app.time.readable(moment, today) == "6 Dec 00:30"  # Paris: already Sunday
    profile = network.client.get("/api/v1/routing/profile", headers=network.admin).json()["profile"]
    profile["promise"]["timezone"] = "America/Guadeloupe"  # a network in the French West Indies (UTC-4)
    assert network.client.put("/api/v1/routing/profile", json=profile, headers=network.admin).status_code == 200
    shop.sync()
    assert shop.app.time.readable(moment, today) == "5 Dec 19:30"
    shop.app.cache.close()
    restarted = StoreApp("http://core", tmp_path, transport=_Down(), live=False)
    try:
        assert restarted.time.readable(moment, today) == "5 Dec 19:30"  # offline, as last told
    finally:
        restarted.cache.close()


class _EnrolmentLost:
    """The line drops on the way back from enrolling the device; everything else reaches the core."""

    def __init__(self, core) -> None:  # noqa: ANN001
        self.core = httpx.ASGITransport(app=core)

    async def handle_async_request(self, request):  # noqa: ANN001, ANN201
        if request.url.path.endswith("/auth/device"):
            raise httpx.ReadTimeout("timed out", request=request)
        return await self.core.handle_async_request(request)


def test_a_first_sign_in_whose_enrolment_is_lost_says_so_and_the_next_one_enrols(network, tmp_path):
    network.add_staff("LYS-01", "S001", "1234")
    app = StoreApp("http://core", tmp_path, transport=_EnrolmentLost(network.client.app), live=False)
    try:
        with pytest.raises(DomainError, match="could not enrol with the system .*: sign in again") as refused:
            asyncio.run(app.sign_in("LYS-01", "S001", "1234"))
        assert refused.value.code == "not_enrolled" and app.cache.get_meta("device_token") is None
        app.client._http._transport = httpx.ASGITransport(app=network.client.app)
        signed_in = asyncio.run(app.sign_in("LYS-01", "S001", "1234"))
        assert signed_in.token and app.cache.get_meta("device_token")
    finally:
        app.cache.close()
