"""The sync badge, always in sight: how the line is, what waits to be sent, when it last synced."""

from datetime import UTC, datetime, timedelta

from app.dates import StoreTime
from app.views.common import sync_badge
from local_db.engine import SyncStatus


def _said(status: SyncStatus) -> tuple[str, str]:
    container = sync_badge(status, StoreTime.named("Europe/Paris")).content
    (_, text) = container.content.controls
    return text.value, container.tooltip


def test_the_badge_says_the_line_what_waits_and_when_it_last_synced():
    five_minutes_ago = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    live = SyncStatus(online=True, live=True, last_sync_at=five_minutes_ago, enrolled=True)
    assert _said(live) == ("Live · all sent · synced 5 min ago",
                           "Orders and actions are in sync with the system · tap to sync now")
    down = SyncStatus(online=False, pending=5, last_sync_at=five_minutes_ago, enrolled=True,
                      last_error="cannot reach the system: the connection broke (ReadError)")
    # Offline, "synced 5 min ago" would read as if it still were: it is the last time it did.
    assert _said(down) == ("Offline · 5 to send · last synced 5 min ago",
                           "cannot reach the system: the connection broke (ReadError) · tap to sync now")
    assert _said(SyncStatus()) == ("Not enrolled · all sent", "This device is not enrolled with the system: an "
                                                               "associate signs in online to enrol it")
    revoked = SyncStatus(last_error="this device was revoked")  # the core refused its token: say why
    assert _said(revoked)[1] == ("This device is not enrolled with the system (this device was revoked): an "
                                 "associate signs in online to enrol it")
