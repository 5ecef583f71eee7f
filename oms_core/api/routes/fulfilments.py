from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from contract.errors import InvalidInput
from contract.fulfilment import Action, FulfilmentStatus
from ...schemas import AcceptIn, CollectIn, FulfilmentOut, PackIn, PickIn, ReadyIn, RejectIn, ShipIn
from ...services import fulfilments
from ..deps import IdempotencyKey, ReadSessionDep, SessionDep, SessionRoute, Staff, StaffOrAdmin, scoped_location

router = APIRouter(prefix="/fulfilments", tags=["fulfilments"], route_class=SessionRoute)


_NEXT_PAGE = {"headers": {"Link": {
    "description": 'the next page, as `<path?query>; rel="next"`; absent on the last page',
    "schema": {"type": "string"}}}}


@router.get("", response_model=list[FulfilmentOut], responses={200: _NEXT_PAGE})
def list_fulfilments(
    request: Request,
    response: Response,
    session: ReadSessionDep,
    actor: StaffOrAdmin,
    status: Annotated[list[FulfilmentStatus] | None, Query()] = None,
    location: Annotated[str | None, Query(max_length=32, description="staff: their store; head office: the one it names")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    after: Annotated[str | None, Query(max_length=64, description="the last id of the previous page")] = None,
) -> list[dict]:
    """The fulfilments of the caller's store (an admin names the location), oldest first, a page
    at a time: when more follow, the answer's `Link` header gives the next page (rel="next")."""
    where = scoped_location(session, actor, location)
    if where is None:
        raise InvalidInput("location_required", "give ?location= to list a location's fulfilments")
    page, more = fulfilments.list_for_location(session, where, [s.value for s in status] if status else None,
                                               limit, after)
    if more:
        following = request.url.include_query_params(after=page[-1]["id"])
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
    return page


@router.get("/{fulfilment_id}", response_model=FulfilmentOut)
def get_fulfilment(fulfilment_id: str, session: ReadSessionDep, actor: StaffOrAdmin) -> dict:
    return fulfilments.get(session, fulfilment_id, actor)


def _action(action: Action, body_model: type):
    def endpoint(
        fulfilment_id: str,
        session: SessionDep,
        actor: Staff,
        idempotency_key: IdempotencyKey,
        body: Annotated[body_model | None, Body()] = None,  # type: ignore[valid-type]
    ) -> dict:
        if body is None:
            if body_model is RejectIn:
                raise InvalidInput("reason_required", "a rejection needs a reason")
            body = body_model()
        result = fulfilments.act(session, fulfilment_id, action, actor, body, idempotency_key)
        session.commit()
        return result

    endpoint.__name__ = f"{action.value}_fulfilment"
    return endpoint


for _act, _model, _doc in [
    (Action.ACCEPT, AcceptIn, "The store takes the order."),
    (Action.REJECT, RejectIn, "Give back all or some lines, with a reason; they are routed elsewhere at once."),
    (Action.PICK, PickIn, "Count picked units (by SKU or scanned code); an empty body picks what is left."),
    (Action.PACK, PackIn, "Record parcels (count, box, weight)."),
    (Action.SHIP, ShipIn, "Hand the parcels to the carrier: stock leaves the location."),
    (Action.READY, ReadyIn, "Click & collect: ready for the customer, on a shelf."),
    (Action.COLLECT, CollectIn, "Click & collect: the customer has the goods."),
]:
    router.add_api_route(
        f"/{{fulfilment_id}}/{_act.value}",
        _action(_act, _model),
        methods=["POST"],
        response_model=FulfilmentOut,
        summary=f"{_act.value.capitalize()} a fulfilment",
        description=_doc,
    )
