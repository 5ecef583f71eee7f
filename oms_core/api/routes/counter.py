"""The click & collect counter of the caller's store."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from ...schemas import CodeResentOut, CounterOrderOut, FulfilmentOut, ReceiveIn
from ...services import counter
from ..deps import ReadSessionDep, SessionDep, SessionRoute, SettingsDep, Staff

router = APIRouter(prefix="/counter", tags=["counter"], route_class=SessionRoute)


@router.get("/orders", response_model=list[CounterOrderOut])
def find(session: ReadSessionDep, actor: Staff, q: Annotated[str, Query(min_length=1, max_length=200)]) -> list[dict]:
    """This store's click & collect orders by order number, customer name or phone, or scanned pickup QR."""
    assert actor.store is not None
    return counter.lookup(session, actor.store, q)


@router.get("/shelf", response_model=list[CounterOrderOut])
def shelf(session: ReadSessionDep, actor: Staff) -> list[dict]:
    """What waits for customers, on which shelf, since when (oldest first)."""
    assert actor.store is not None
    return counter.shelf(session, actor.store)


@router.post("/shelf/{fulfilment_id}/resend-code", response_model=CodeResentOut)
def resend_code(fulfilment_id: str, session: SessionDep, actor: Staff, settings: SettingsDep) -> dict:
    """Send the customer the e-mail with their pickup code and QR again, for an order waiting on this
    store's shelf. One copy per order every `BACKROOM_PICKUP_CODE_RESEND_MINUTES` (2) at most: asked
    sooner (a double tap), it answers 200 with `queued: false` and when the last copy went, and sends
    nothing more."""
    answer = counter.send_code_again(session, fulfilment_id, actor,
                                     timedelta(minutes=settings.pickup_code_resend_minutes))
    session.commit()
    return answer


@router.get("/arrivals", response_model=list[FulfilmentOut])
def expected(session: ReadSessionDep, actor: Staff) -> list[dict]:
    """Parcels on their way to this store for click & collect customers, not scanned in yet."""
    assert actor.store is not None
    return counter.inbound(session, actor.store)


@router.post("/arrivals", response_model=FulfilmentOut, status_code=201)
def receive(body: ReceiveIn, session: SessionDep, actor: Staff) -> dict:
    """Scan a parcel in by its tracking number: it is ready for the customer (scanning again is harmless)."""
    view = counter.receive(session, body, actor)
    session.commit()
    return view
