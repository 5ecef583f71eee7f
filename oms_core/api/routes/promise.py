from fastapi import APIRouter

from ...models import utcnow
from ...schemas import PromiseIn, PromiseOut
from ...services import promise as promise_service
from ..deps import OrderPlacer, ReadSessionDep, SessionRoute

router = APIRouter(tags=["promise"], route_class=SessionRoute)


@router.post("/promise", response_model=PromiseOut)
def promise(body: PromiseIn, session: ReadSessionDep, _: OrderPlacer) -> dict:
    """The delivery options a checkout may show for this cart and destination:
    home standard and express, click & collect at the nearest stores, express
    pickup where a store holds the cart itself; each with date, cost and carbon."""
    return promise_service.promise(session, body, utcnow())
