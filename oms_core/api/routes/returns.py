from fastapi import APIRouter, Response

from ...schemas import ReturnIn, ReturnOut
from ...services import returns
from ..deps import EngineDep, IdempotencyKey, ReadSessionDep, SessionRoute, SettingsDep, Staff, StaffOrAdmin

router = APIRouter(prefix="/returns", tags=["returns"], route_class=SessionRoute)


@router.post("", response_model=ReturnOut, status_code=201)
def create_return(
    body: ReturnIn,
    response: Response,
    engine: EngineDep,
    settings: SettingsDep,
    actor: Staff,
    idempotency_key: IdempotencyKey,
) -> dict:
    """Take back items of any order at this store: refund, restock what is resellable,
    set aside what is damaged. The same return id or Idempotency-Key again returns
    the first return (200); with another body it is a 422."""
    record, created = returns.create(engine, body, actor, idempotency_key, settings.currency)
    if not created:
        response.status_code = 200
    return record


@router.get("/{return_id}", response_model=ReturnOut)
def get_return(return_id: str, session: ReadSessionDep, actor: StaffOrAdmin) -> dict:
    return returns.get(session, return_id, actor)


@router.get("/{return_id}/receipt", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the return receipt (80 mm PDF)"}})
def return_receipt(return_id: str, session: ReadSessionDep, settings: SettingsDep, actor: StaffOrAdmin) -> Response:
    return Response(returns.receipt_pdf(session, return_id, actor, settings.currency), media_type="application/pdf")
