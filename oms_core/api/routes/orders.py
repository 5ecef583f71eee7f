from typing import Annotated

from fastapi import APIRouter, Query, Response

from contract.errors import InvalidInput
from contract.reasons import CANCEL_REASONS, REJECT_REASONS, RETURN_REASONS

from ...domain.actors import Actor
from ...schemas import (
    CancelIn,
    OrderIn,
    OrderOut,
    OrderPage,
    OrderSummary,
    PickupOut,
    ReturnableOut,
    TimelineEvent,
)
from ...services import counter, order_lookup, orders, returns
from ..deps import (
    AnyActor,
    EngineDep,
    IdempotencyKey,
    OrderManager,
    OrderPlacer,
    ReadSessionDep,
    SessionDep,
    SessionRoute,
    Staff,
    StaffOrAdmin,
)

router = APIRouter(tags=["orders"], route_class=SessionRoute)


@router.post("/orders", response_model=OrderOut, status_code=201)
def place_order(
    body: OrderIn,
    response: Response,
    engine: EngineDep,
    actor: OrderPlacer,
    idempotency_key: IdempotencyKey,
) -> dict:
    """Capture an order and route it. Retrying with the same Idempotency-Key and
    body returns the same order (200); the same key with another body is a 422."""
    order, created = orders.place(engine, body, actor, idempotency_key)
    if not created:
        response.status_code = 200
    return _visible(order, actor)


@router.get("/orders/lookup", response_model=list[OrderSummary])
def lookup_orders(session: ReadSessionDep, _: StaffOrAdmin,
                  q: Annotated[str, Query(min_length=1, max_length=200)]) -> list[dict]:
    """Find any order of any channel (for a return at the counter) by number, name, e-mail or phone."""
    if not q.strip():
        raise InvalidInput("query_required", "type an order number, a name, an e-mail or a phone number")
    return order_lookup.search(session, None, q.strip(), limit=20)


@router.get("/orders/{order_id}/returnable", response_model=ReturnableOut)
def returnable(order_id: str, session: ReadSessionDep, _: Staff) -> dict:
    """What of any order may come back at this counter, and at what refund (before taking it)."""
    return returns.returnable(session, order_id)


@router.get("/orders/{order_id}/pickup", response_model=PickupOut)
def pickup_code(order_id: str, session: ReadSessionDep, actor: AnyActor) -> dict:
    """The pickup code and QR payload of a click & collect order: for the pickup store's staff (a reprint),
    the integration that placed it (its own e-mails) and head office."""
    return counter.order_pickup(session, order_id, actor)


@router.get("/orders", response_model=OrderPage)
def search_orders(
    session: ReadSessionDep,
    actor: AnyActor,
    q: Annotated[str, Query(min_length=2, max_length=100, description="external reference, customer name, phone or email, or a SKU")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict:
    """Find orders, newest first; staff find their own store's, a channel those it placed."""
    found = order_lookup.search(session, actor, q.strip(), limit + 1, offset)
    return {"items": found[:limit], "next_offset": offset + limit if len(found) > limit else None}


@router.get("/orders/{order_id}/timeline", response_model=list[TimelineEvent])
def order_timeline(order_id: str, session: ReadSessionDep, actor: AnyActor) -> list[dict]:
    """Everything that happened to the order, in order: who, when, where and why."""
    return order_lookup.timeline(session, order_id, actor)


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, session: ReadSessionDep, actor: AnyActor) -> dict:
    order_lookup.require_readable(session, order_id, actor)  # a channel reads the orders it placed
    return _visible(orders.get(session, order_id), actor)


@router.post("/orders/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: str, body: CancelIn, session: SessionDep, actor: OrderManager) -> dict:
    """Cancel until anything has shipped or been collected; cancelling twice is harmless."""
    if body.reason not in CANCEL_REASONS:
        raise InvalidInput("unknown_reason", f"reason must be one of {', '.join(CANCEL_REASONS)}")
    order_lookup.require_seen(session, order_id, actor)  # a manager their store's, a channel those it placed
    orders.cancel(session, order_id, actor, body.reason)
    session.commit()
    return _visible(orders.get(session, order_id), actor)


@router.get("/reasons")
def reasons(_: AnyActor) -> dict:
    """The reasons the app offers in its lists, with their labels."""
    return {"reject": REJECT_REASONS, "cancel": CANCEL_REASONS, "return": RETURN_REASONS}


def _visible(order: dict, actor: Actor) -> dict:
    """Staff see their own store's part of an order, not other stores' work: nor how it was
    routed (the locations weighed, with their stock, backlog and reject rate)."""
    if actor.is_store_bound:
        order["fulfilments"] = [
            f for f in order["fulfilments"] if actor.store in (f["location"], f["ship_to"])
        ]
        order["routing"] = {"decisions": []}
    return order
