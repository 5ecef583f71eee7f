from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...services import auth, kpis
from ..deps import ManagerOrAdmin, PeriodDep, ReadSessionDep, SessionRoute, scoped_location

router = APIRouter(tags=["kpis"], route_class=SessionRoute)


@router.get("/kpis")
def get_kpis(
    session: ReadSessionDep,
    actor: ManagerOrAdmin,
    period: PeriodDep,
    location: Annotated[str | None, Query(max_length=32, description="managers: their store; head office: any, or none for the network")] = None,
    series: Annotated[Literal["day"] | None, Query(description="`day` adds one set of KPIs per day the orders were placed")] = None,
) -> dict:
    """KPIs of the orders placed in the period, recomputed from their recorded events."""
    where = scoped_location(session, actor, location)
    result = kpis.report(session, where, period.start, period.end, daily=series == "day")
    body = {"location": where, "from": period.start, "to": period.end, **kpis.as_json(result.total),
            "associate_names": auth.staff_names(session, result.total.orders_per_associate)}
    if series == "day":
        body["series"] = [{"day": day, **kpis.as_json(day_kpis)} for day, day_kpis in result.days.items()]
    return body
