from typing import Annotated

from fastapi import APIRouter, Body

from ...schemas import DryRunIn, ProfileCheckOut, RoutingProfileOut, RoutingVersionOut
from ...services import routing_profiles, routing_trial
from ..deps import Admin, AnyActor, IntegerId, ReadSessionDep, SessionDep, SessionRoute

router = APIRouter(prefix="/routing", tags=["routing"], route_class=SessionRoute)


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


@router.post("/profile/check", response_model=ProfileCheckOut)
def check_profile(body: Annotated[dict, Body()], _: Admin) -> dict:
    """Validate a draft without saving it: every field at fault, by its path (an
    editor checks the draft as the admin edits; a bad draft is still a 200 here)."""
    found = routing_profiles.problems(body)
    return {"valid": not found, "problems": found}


@router.post("/profile/dry-run")
def dry_run(body: DryRunIn, session: ReadSessionDep, _: Admin) -> dict:
    """Replay the most recent orders with a draft profile: per order, where the
    profile in force and the draft would send it today, and at what cost.
    Nothing is reserved or saved."""
    return routing_trial.dry_run(session, body.profile, body.orders)


@router.get("/profile/versions", response_model=list[RoutingVersionOut])
def list_versions(session: ReadSessionDep, _: AnyActor) -> list[dict]:
    """Every version of the profile, newest first."""
    return routing_profiles.versions(session)


@router.post("/profile/versions/{version}/activate", response_model=RoutingProfileOut)
def activate_version(version: IntegerId, session: SessionDep, actor: Admin) -> dict:
    """Roll back: put an earlier version in force again (as a new version)."""
    saved = routing_profiles.activate(session, version, actor)
    session.commit()
    return saved
