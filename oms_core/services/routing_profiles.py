"""The routing profile in force and its versions.

Every `save` validates the profile and stores it as a new version; the
highest version routes. Each process keeps the router of the version in force
and looks at most once a second whether a newer one was saved elsewhere.
Migration 0002 installs the default profile as version 1.
"""

from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlmodel import Session

from contract.errors import Conflict, InvalidInput, NotFound

from ..domain.actors import Actor
from ..domain.orchestration.engine import ProfileRouter
from ..domain.orchestration.profile import parse_profile
from ..models import RoutingProfile, utcnow
from . import audit
from .cache import ProcessCache

_profiles = RoutingProfile.__table__
_LATEST = select(_profiles).order_by(_profiles.c.version.desc()).limit(1)


def _load_router(session: Session) -> ProfileRouter:
    latest = _latest(session)
    return ProfileRouter(parse_profile(latest["body"]), latest["version"])


_routers = ProcessCache(_load_router, stamp=select(func.max(RoutingProfile.version)))


def router(session: Session) -> ProfileRouter:
    """The engine of the profile in force."""
    return _routers.get(session)


def network_zone(session: Session) -> ZoneInfo:
    """The network's time zone (the profile's promise.timezone): its days and the times it prints."""
    return ZoneInfo(router(session).profile.promise.timezone)


def current(session: Session) -> dict:
    return _view(_latest(session))


def problems(body: dict) -> list[dict]:
    """Every problem of a draft (none: it can be put in force), for editing as you go."""
    try:
        parse_profile(body)
    except InvalidInput as exc:
        return exc.details.get("errors") or [{"field": "", "message": exc.message}]
    return []


def save(session: Session, body: dict, actor: Actor) -> dict:
    """Validate and store `body` as the next version (InvalidInput names every bad field)."""
    profile = parse_profile(body)
    version = session.execute(select(func.max(RoutingProfile.version))).scalar_one() or 0
    row = {"version": version + 1, "name": profile.name, "body": body, "created_at": utcnow(), "created_by": actor.label}
    # A concurrent save of the same version fails on the primary key (409, retry).
    session.execute(insert(_profiles), [row])
    audit.record(session, "routing.changed", actor=actor, target=f"routing profile v{row['version']}",
                 name=profile.name, previous_version=version)
    _routers.forget()
    return _view(row)


def versions(session: Session) -> list[dict]:
    """Every version, newest first; the first is the one in force."""
    rows = session.execute(select(_profiles).order_by(_profiles.c.version.desc())).mappings().all()
    return [{**_view(row), "active": i == 0} for i, row in enumerate(rows)]


def activate(session: Session, version: int, actor: Actor) -> dict:
    """Put an earlier version back in force (a rollback), as a new version with
    the same body, so the history keeps who did it and when."""
    row = session.execute(select(_profiles).where(_profiles.c.version == version)).mappings().first()
    if row is None:
        raise NotFound("version_not_found", f"no routing profile version {version}")
    latest = _latest(session)
    if latest["version"] == version:
        return _view(latest)  # already in force
    return save(session, row["body"], actor)


def _view(row) -> dict:  # noqa: ANN001
    return {"version": row["version"], "name": row["name"], "created_at": row["created_at"],
            "created_by": row["created_by"], "profile": row["body"]}


def _latest(session: Session):  # noqa: ANN202
    row = session.execute(_LATEST).mappings().first()
    if row is None:
        raise Conflict("no_routing_profile", "no routing profile is installed; run `backroom db upgrade`")
    return row
