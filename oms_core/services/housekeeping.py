"""Forgetting what is past use, so that the tables that grow with every order do not grow
for ever. Every worker's scheduler runs it: a delete by age is the same whichever runs it."""

from datetime import datetime, timedelta

from sqlalchemy import Engine

from ..core.config import Settings
from ..models import FulfilmentActionKey, StockMovementKey, SyncMutation
from . import sync
from .db_util import delete_in_batches

# Rows forgotten per statement and transaction: an hour of a busy network is hundreds of
# thousands of rows, too many for one.
BATCH = 5_000

# The answers kept so that a retry is answered as the first call was.
_RETRY_ANSWERS = {"tablet pushes": SyncMutation.__table__, "store action keys": FulfilmentActionKey.__table__,
                  "stock movement keys": StockMovementKey.__table__}


def forget_past_use(engine: Engine, settings: Settings, now: datetime, batch: int = BATCH) -> dict[str, int]:
    """Changes older than the feed keeps, and retry answers older than they are kept;
    returns how many of each were forgotten (none: an empty dict)."""
    forgotten = {"changes": sync.prune(engine, now - timedelta(days=settings.feed_keep_days), batch)}
    before = now - timedelta(days=settings.retry_answers_keep_days)
    for what, table in _RETRY_ANSWERS.items():
        forgotten[what] = delete_in_batches(engine, table, table.c.at < before, table.c.at, batch)
    return {what: count for what, count in forgotten.items() if count}
