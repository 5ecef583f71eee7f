"""A screen's shift (app/session.py) against the real core in process: an offline
sign-in becomes an online one once the core answers again."""

import pytest

from app.insights import Insights
from app.session import Shift
from contract.errors import Unauthorized
from tests.api.conftest import TEE
from tests.ui.test_work import _Down

# As long as a PIN may be: a short one can turn up by chance in the cache's bytes.
PIN = "482193570164"


def _line_down(shop) -> object:  # noqa: ANN001
    """Cut the store's line to the core; returns the line, to plug it back in."""
    line = shop.app.client._http._transport
    shop.app.client._http._transport = _Down()
    return line


def test_an_offline_sign_in_goes_online_once_the_core_answers_again(shop, network):
    """The manager signed in offline while the line was down: once the core answers, the
    session gets its token and the dashboard works, with no sign-out; the PIN it used
    to get it was kept in memory only."""
    network.add_staff("LYS-01", "M001", PIN, role="manager")
    shop.run(shop.app.sign_in("LYS-01", "M001", PIN))  # once online: this device knows the manager
    shop.sync()
    line = _line_down(shop)
    shift = Shift(shop.app, shop.work, associate=shop.run(shop.app.sign_in("LYS-01", "M001", PIN)))
    insights = Insights(shop.app)
    assert shift.associate.token is None
    with pytest.raises(Unauthorized, match="You signed in offline"):
        shop.run(insights.dashboard(shift.associate.token, "today"))
    heard = []

    def screens_follow(_: Shift, name: str) -> None:  # held here: observables hold listeners weakly
        heard.append(name)

    shift.subscribe(screens_follow)

    shop.run(shift.sign_in_online())  # the badge still says Online, but the core cannot be reached
    assert shift.associate.token is None and heard == []

    shop.app.client._http._transport = line
    shop.sync()
    shop.run(shift.sign_in_online())
    assert shift.associate.token and shift.associate.pin is None and heard == ["associate"]
    assert shop.run(insights.dashboard(shift.associate.token, "today")).period == "today"
    raw = b"".join(path.read_bytes() for path in shop.app.cache.path.parent.glob("store.db*"))
    assert PIN.encode() not in raw and PIN not in repr(shift)


def test_an_offline_session_whose_pin_changed_on_the_core_is_signed_out_and_told_why(shop, network):
    """The PIN was reset on the core while the line was down: the session ends and the
    sign-in screen says why, what was done offline still reaches the core, and the old
    PIN no longer opens an offline session on this device."""
    fulfilment_id = shop.order([(TEE, 1)])
    line = _line_down(shop)
    shift = Shift(shop.app, shop.work, associate=shop.run(shop.app.sign_in("LYS-01", "S001", "1234")))
    shop.work.accept(shift.associate, fulfilment_id)
    network.add_staff("LYS-01", "S001", "5678")

    shop.app.client._http._transport = line
    shop.sync()
    shop.run(shift.sign_in_online())
    assert shift.associate is None
    assert shift.notice.message == (
        "You are signed out: the system refused the PIN you signed in with offline; it may have been changed "
        "meanwhile. What you did is kept on this device: sign in again with your current PIN")
    assert shop.app.cache.server_fulfilment(fulfilment_id)["status"] == "accepted"

    _line_down(shop)
    with pytest.raises(Unauthorized, match="never used on this device"):
        shop.run(shop.app.sign_in("LYS-01", "S001", "1234"))


def test_an_offline_session_stays_while_the_core_refuses_for_another_reason(shop, network):
    """Someone locked the account on the core with wrong PINs meanwhile: that says nothing
    about the PIN this session checked, so it stays offline and tries again later."""
    line = _line_down(shop)
    shift = Shift(shop.app, shop.work, associate=shop.run(shop.app.sign_in("LYS-01", "S001", "1234")))
    for _ in range(network.settings.pin_max_attempts):
        network.client.post("/api/v1/auth/token", json={"store": "LYS-01", "staff": "S001", "pin": "0000"})

    shop.app.client._http._transport = line
    shop.sync()
    shop.run(shift.sign_in_online())
    assert shift.associate is not None and shift.associate.token is None and shift.notice is None


@pytest.mark.parametrize("change", ["deactivated", "new PIN"])
def test_a_leaver_or_a_leaked_pin_no_longer_opens_an_offline_session_once_the_device_synced(shop, network, change):
    """The device kept what let them sign in offline: cut off from the core, a tablet still
    opened for someone head office had deactivated, or with a PIN that had leaked."""
    network.add_staff("LYS-01", "S777", PIN)
    shop.run(shop.app.sign_in("LYS-01", "S777", PIN))  # once online: this device knows them
    shop.sync()  # a device following its store's feed
    if change == "deactivated":
        assert network.client.post("/api/v1/staff/LYS-01/S777/deactivate", headers=network.admin).status_code == 200
    else:
        network.add_staff("LYS-01", "S777", "99887766")
    shop.sync()
    _line_down(shop)
    with pytest.raises(Unauthorized, match="never used on this device"):
        shop.run(shop.app.sign_in("LYS-01", "S777", PIN))
