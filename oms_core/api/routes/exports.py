from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ...services import exports
from ..deps import ManagerOrAdmin, PeriodDep, ReadSessionDep, ReaderDep, SessionRoute, scoped_location

router = APIRouter(tags=["exports"], route_class=SessionRoute)


@router.get("/exports/{export}.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "the rows, streamed"}})
def export_csv(
    export: exports.Export, session: ReadSessionDep, engine: ReaderDep, actor: ManagerOrAdmin, period: PeriodDep,
    location: str | None = None,
) -> StreamingResponse:
    """Orders, fulfilments, daily KPIs or returns of the period as CSV (managers: their store)."""
    where = scoped_location(session, actor, location)
    name = f"{export.value}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return StreamingResponse(
        exports.stream(engine, export, where, period.start, period.end),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
