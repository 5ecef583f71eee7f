"""Offline sign-ins in a real browser, once the core answers again: the session goes
online by itself, or ends and says why when the core refuses its PIN."""

from oms_core.core.config import Settings
from oms_core.core.db import make_engine, session_scope
from oms_core.services import auth

from .conftest import STORE, Screen


def _signed_in_offline(shop, screen: Screen, staff: str, pin: str, shown: str) -> None:  # noqa: ANN001
    """Sign in once online (the device then knows the PIN), sign out, and in again with the line down."""
    screen.sign_in(staff=staff, pin=pin)
    screen.says("sync-badge", "Live", timeout=20_000)
    screen.page.get_by_role("button", name="Sign out").click()
    shop.stop_core()
    screen.sign_in(staff=staff, pin=pin)
    screen.expect(screen.tagged("associate")).to_have_text(f"{shown} · offline sign-in")


def test_a_manager_signed_in_offline_gets_the_dashboard_once_the_core_answers(shop, browser):
    screen = Screen(browser, shop.app_url)
    try:
        _signed_in_offline(shop, screen, "M001", "4321", "Maud · manager")
        screen.button("Manager").click()
        screen.says("feedback", "You signed in offline: this shows once the badge no longer says Offline")
        screen.expect(screen.tagged("reading")).to_have_count(0)  # the numbers are not coming: no spinner
        screen.snap("manager-signed-in-offline")
    finally:
        shop.start_core()
    screen.says("kpi-orders", "Orders", timeout=30_000)  # no sign-out and in again
    screen.expect(screen.tagged("associate")).to_have_text("Maud · manager")
    screen.says("sync-badge", "Live", timeout=20_000)
    screen.snap("manager-online-again")
    screen.close()


def test_an_offline_sign_in_whose_pin_was_changed_meanwhile_is_signed_out_and_told_why(shop, browser):
    screen = Screen(browser, shop.app_url)
    try:
        _signed_in_offline(shop, screen, "S001", "1234", "Hugo · associate")
        engine = make_engine(Settings(database_url=shop.database_url))
        with session_scope(engine) as session:  # the manager resets Hugo's PIN at head office
            auth.create_staff(session, STORE, "S001", "5678", "associate", "Hugo")
        engine.dispose()
    finally:
        shop.start_core()
    screen.says("sign-in-error", "You are signed out: the system refused the PIN you signed in with offline",
                timeout=30_000)
    screen.snap("sign-in-offline-pin-refused")
    screen.sign_in(staff="S001", pin="5678")
    screen.expect(screen.tagged("associate")).to_have_text("Hugo · associate")
    screen.close()
