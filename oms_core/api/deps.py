"""Dependencies shared by the routes: the database, the caller and its rights."""

import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from contract.errors import Forbidden, InvalidInput, Unauthorized

from ..core.config import Settings
from ..domain.actors import Actor, Role
from ..models import Location, utcnow
from ..services import auth
from ..services.db_util import require_known

_bearer = HTTPBearer(auto_error=False, description="staff token or API key")


# Dependencies that never block are `async def`: FastAPI then calls them on the
# event loop instead of hopping to a worker thread for each one. Those every
# request needs read the engines off the app themselves: each dependency costs
# FastAPI a walk of its parameters on every request.


async def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_reader(request: Request) -> Engine:
    return request.app.state.reader


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session per request. Routes that write call session.commit() themselves,
    before they answer, so a failed commit can never follow a success reply.
    (Creating a session does no I/O; the route uses it in its worker thread.)"""
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A session for routes that only read (on SQLite it does not queue behind writers)."""
    with Session(request.app.state.reader) as session:
        yield session


class SessionRoute(APIRoute):
    """Every route of the core. A sync route runs in one hop to the thread pool,
    and gives its sessions' connections back there, as soon as it returns.

    Left to itself FastAPI would hop to the pool a second time to check a sync
    route's answer: one more handover between the event loop and a thread per
    request (the interpreter lock changes hands each time), and a connection
    held across that hop could leave every thread waiting for a connection and
    every connection waiting for a thread. The route is therefore handed to
    FastAPI as a coroutine, which has its answer checked on the event loop.
    Routes commit what they write themselves; closing rolls back the rest."""

    def __init__(self, path: str, endpoint: Callable, **kwargs) -> None:  # noqa: ANN003
        # Plain functions only: a generator (sync or async) is a streaming route.
        if not (inspect.iscoroutinefunction(endpoint) or inspect.isasyncgenfunction(endpoint)
                or inspect.isgeneratorfunction(endpoint)):
            endpoint = _in_thread_closing_sessions(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_thread_closing_sessions(endpoint: Callable) -> Callable:
    def run(kwargs: dict) -> object:
        try:
            return endpoint(**kwargs)
        finally:
            for value in kwargs.values():
                if isinstance(value, Session):
                    value.close()

    # FastAPI reads the parameters through functools.wraps (__wrapped__); it
    # passes them all by name.
    @functools.wraps(endpoint)
    async def in_thread(**kwargs) -> object:  # noqa: ANN003
        return await run_in_threadpool(run, kwargs)

    return in_thread


EngineDep = Annotated[Engine, Depends(get_engine)]
ReaderDep = Annotated[Engine, Depends(get_reader)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


# A key's or a routing version's number: an `integer` column, 32 bits on PostgreSQL.
async def get_idempotency_key(
    idempotency_key: Annotated[str | None, Header(max_length=200, description=(
        "any unique string (a UUID): the same call again with this key is answered, not done twice"))] = None,
) -> str | None:
    if idempotency_key is not None and not idempotency_key.strip():
        raise InvalidInput("invalid_idempotency_key", "Idempotency-Key must not be blank")
    return idempotency_key


IdempotencyKey = Annotated[str | None, Depends(get_idempotency_key)]
IntegerId = Annotated[int, Path(ge=1, le=2**31 - 1)]


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("missing_token", "send Authorization: Bearer <staff token or API key>")
    return credentials.credentials


async def get_bearer(credentials: Credentials) -> str:
    return _token(credentials)


async def no_store(response: Response) -> None:
    """An answer carrying a secret (a token, a key) is kept by no proxy or browser cache (RFC 6749 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


def client_address(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's --forwarded-allow-ips makes it the real one)."""
    return request.client.host if request.client else "unknown"


async def _recognised(request: Request, bearer: str) -> Actor:
    credentials: auth.CredentialCache = request.app.state.credentials
    actor = credentials.get(bearer)
    if actor is None:

        def lookup() -> auth.Recognised:
            with Session(request.app.state.reader) as session:
                return auth.authenticate(session, bearer)

        try:
            actor = credentials.put(bearer, await run_in_threadpool(lookup))
        except auth.SpentCredentials:
            raise
        except Unauthorized:
            await failed_credentials(request)
            raise
    # Kept for the request log and the audit of refusals.
    request.state.actor = actor
    return actor


async def failed_credentials(request: Request) -> None:
    """Count a failed sign-in or unknown token against the caller's address;
    the failure that locks the address is audited, and a locked address is
    answered 429 rather than 401."""
    throttle: auth.ClientThrottle = request.app.state.throttle
    auth.refuse_locked_client(await run_in_threadpool(throttle.failed, client_address(request), request.url.path))


def require(*roles: Role) -> Callable[..., Awaitable[Actor]]:
    allowed = frozenset(roles)

    # One dependency for who calls and what they may do: FastAPI walks each
    # dependency's parameters on every request.
    async def check(request: Request, credentials: Credentials) -> Actor:
        actor = await _recognised(request, _token(credentials))
        if actor.role not in allowed:
            raise Forbidden(
                "forbidden", f"a {actor.role} may not do this (needs {' or '.join(sorted(allowed))})"
            )
        return actor

    return check


ALL_ROLES = tuple(Role)
AnyActor = Annotated[Actor, Depends(require(*ALL_ROLES))]
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
Staff = Annotated[Actor, Depends(require(Role.ASSOCIATE, Role.MANAGER))]
StaffOrAdmin = Annotated[Actor, Depends(require(Role.ASSOCIATE, Role.MANAGER, Role.ADMIN))]
OrderPlacer = Annotated[Actor, Depends(require(Role.CHANNEL, Role.ADMIN, Role.ASSOCIATE, Role.MANAGER))]
StoreActor = Annotated[Actor, Depends(require(Role.ASSOCIATE, Role.MANAGER, Role.DEVICE))]
DeviceActor = Annotated[Actor, Depends(require(Role.DEVICE))]
OrderManager = Annotated[Actor, Depends(require(Role.CHANNEL, Role.ADMIN, Role.MANAGER))]
# KPIs, exports and stock alert thresholds: store managers and head office.
ManagerOrAdmin = Annotated[Actor, Depends(require(Role.MANAGER, Role.ADMIN))]


def require_store(actor: Actor, location: str) -> None:
    """Staff and devices act only for their own store; API keys for any location."""
    if actor.is_store_bound and location != actor.store:
        raise Forbidden("other_store", f"you are signed in at {actor.store}, not {location}")


def scoped_location(session: Session, actor: Actor, location: str | None) -> str | None:
    """The location a report or a list covers: staff their own store (naming
    another is refused); head office the one it names, which must exist, or the
    whole network (None)."""
    if actor.is_store_bound:
        if location is not None:
            require_store(actor, location)
        return actor.store
    if location is not None:
        require_known(session, Location.code, {location}, "unknown_location", "location")
    return location


_DEFAULT_PERIOD = timedelta(days=30)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


async def get_period(
    start: Annotated[datetime | None, Query(alias="from", description="start, included (default: 30 days before `to`)")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="end, excluded (default: now); times without a zone are UTC")] = None,
) -> Period:
    end = _utc(end, "to") if end is not None else utcnow()
    start = _utc(start, "from") if start is not None else end - _DEFAULT_PERIOD
    if start >= end:
        raise InvalidInput("invalid_period", "`from` must be before `to`")
    return Period(start, end)


# Reports reach back to the first order and a little past today; well inside both
# bounds, adding a day or a month to a moment can never leave what Python holds.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _utc(moment: datetime, name: str) -> datetime:
    try:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59:59-01:00 is past year 9999 in UTC
        moment = _LATEST
    if not _EARLIEST <= moment < _LATEST:
        raise InvalidInput("invalid_period", f"`{name}` must be between 1970 and 9000")
    return moment


PeriodDep = Annotated[Period, Depends(get_period)]
