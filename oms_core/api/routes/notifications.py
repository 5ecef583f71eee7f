from typing import Annotated

from fastapi import APIRouter, Query

from ...schemas import NotificationOut
from ...services import notifications
from ..deps import Admin, ReadSessionDep, SessionRoute

router = APIRouter(prefix="/notifications", tags=["notifications"], route_class=SessionRoute)


@router.get("", response_model=list[NotificationOut])
def list_notifications(
    session: ReadSessionDep,
    _: Admin,
    order_id: Annotated[str | None, Query(max_length=36)] = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed|withdrawn)$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list:
    """What customers were told (or are about to be), newest first."""
    return list(notifications.listing(session, order_id, status, limit))
