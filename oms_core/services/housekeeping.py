"""Forgetting what is past use, so that the tables that grow with every order do not grow
for ever. Every worker's scheduler runs it: a delete by age is the same whichever runs it."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete

from ..core.config import Settings
from ..core.db import session_scope
from ..models import FulfilmentActionKey, StockMovementKey, SyncMutation
from . import sync

# The answers kept so that a retry is answered as the first call was.
_RETRY_ANSWERS = {"tablet pushes": SyncMutation.__table__, "store action keys": FulfilmentActionKey.__table__,
                  "stock movement keys": StockMovementKey.__table__}


def forget_past_use(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Changes older than the feed keeps, and retry answers older than they are kept;
    returns how many of each were forgotten (none: an empty dict)."""
    forgotten: dict[str, int] = {}
    with session_scope(engine) as session:
        forgotten["changes"] = sync.prune(session, now - timedelta(days=settings.feed_keep_days))
        before = now - timedelta(days=settings.retry_answers_keep_days)
        for what, table in _RETRY_ANSWERS.items():
            forgotten[what] = session.execute(delete(table).where(table.c.at < before)).rowcount
    return {what: count for what, count in forgotten.items() if count}
