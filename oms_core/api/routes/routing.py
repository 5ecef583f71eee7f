from typing import Annotated

from fastapi import APIRouter, Body

from ...schemas import RoutingProfileOut
from ...services import routing_profiles
from ..deps import Admin, AnyActor, ReadSessionDep, SessionDep

router = APIRouter(prefix="/routing", tags=["routing"])


@router.get("/profile", response_model=RoutingProfileOut)
def get_profile(session: ReadSessionDep, _: AnyActor) -> dict:
    """The routing profile in force and its version."""
    return routing_profiles.current(session)


@router.put("/profile", response_model=RoutingProfileOut)
def put_profile(body: Annotated[dict, Body()], session: SessionDep, actor: Admin) -> dict:
    """Validate a routing profile and put it in force as a new version; a bad
    profile is a 422 that names every field at fault."""
    saved = routing_profiles.save(session, body, actor)
    session.commit()
    return saved
