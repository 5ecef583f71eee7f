from typing import Annotated

from fastapi import APIRouter, Body, Query
from sqlalchemy import select

from contract.errors import InvalidInput, NotFound

from ...models import Location
from ...schemas import BulkResult, LocationIn, LocationOut, OperationsIn
from ...services import catalog
from ..deps import Admin, AnyActor, ManagerOrAdmin, ReadSessionDep, SessionDep, SessionRoute, SettingsDep, require_store

router = APIRouter(prefix="/locations", tags=["locations"], route_class=SessionRoute)


@router.put("", response_model=BulkResult)
def upsert_locations(body: Annotated[list[LocationIn], Body()], session: SessionDep, settings: SettingsDep, _: Admin) -> dict:
    """Create or replace warehouses and stores."""
    if not body or len(body) > settings.max_bulk_items:
        raise InvalidInput("bulk_size", f"send 1 to {settings.max_bulk_items} locations per call")
    count = catalog.upsert_locations(session, [loc.model_dump(mode="json") for loc in body])
    session.commit()
    return {"upserted": count}


@router.get("", response_model=list[LocationOut])
def list_locations(
    session: ReadSessionDep,
    _: AnyActor,
    type: Annotated[str | None, Query(pattern="^(warehouse|store)$")] = None,
) -> list[Location]:
    query = select(Location).order_by(Location.code)
    if type:
        query = query.where(Location.type == type)
    return list(session.execute(query).scalars())


@router.get("/{code}", response_model=LocationOut)
def get_location(code: str, session: ReadSessionDep, _: AnyActor) -> Location:
    location = session.get(Location, code)
    if location is None:
        raise NotFound("unknown_location", f"no location {code}")
    return location


@router.patch("/{code}/operations", response_model=LocationOut)
def set_operations(code: str, body: OperationsIn, session: SessionDep, actor: ManagerOrAdmin) -> Location:
    """A store's daily capacity and its pause switch: its manager, or head office."""
    require_store(actor, code)
    location = catalog.set_operations(session, code, actor, body.daily_capacity, body.paused)
    session.commit()
    return location
