import asyncio
import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from contract.errors import DomainError
from contract.events import HEARTBEAT_S

from ...domain.actors import Actor, Role
from ...schemas import FeedPage, MutationsIn, MutationsOut
from ...services import sync
from ..answers import as_built
from ..deps import (
    Credentials,
    DeviceActor,
    EngineDep,
    ReadSessionDep,
    SessionRoute,
    SettingsDep,
    StoreActor,
    require,
)

router = APIRouter(prefix="/sync", tags=["sync"], route_class=SessionRoute)


@router.get("/changes", response_model=FeedPage)
def changes(
    session: ReadSessionDep,
    settings: SettingsDep,
    actor: StoreActor,
    since: Annotated[str | None, Query(max_length=200, description="the cursor of the last page; none for a snapshot")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    """The store's changes after `since`, in pages (a full snapshot first)."""
    assert actor.store is not None
    return as_built(sync.pull(session, actor.store, since, limit, settings.currency))


@router.post("/mutations", response_model=MutationsOut)
def mutations(body: MutationsIn, engine: EngineDep, device: DeviceActor) -> dict:
    """Apply the device's queued actions in order; retried ones are answered, not redone."""
    return {"results": sync.push(engine, device, body.mutations)}


# Who may listen: checked when the stream opens, and again as it goes on (below).
_listener = require(Role.ASSOCIATE, Role.MANAGER, Role.DEVICE)
# An open stream's credentials are checked again at each change it tells of (the tablet
# pulls then anyway), and otherwise at a heartbeat every so often: 500 tablets checked at
# every 3 s heartbeat were ~50 database reads a second.
RECHECK_S = 30.0


@router.get("/events")
async def events(
    request: Request, credentials: Credentials, actor: Annotated[Actor, Depends(_listener)]
) -> StreamingResponse:
    """Server-sent events: `changes` whenever the store has something new to pull. The stream
    ends once its session or device is revoked or expires (the tablet's reconnection is refused)."""
    live = request.app.state.live
    store = actor.store
    queue = live.subscribe(store)

    checked_at = time.monotonic()

    async def still_allowed(change: bool) -> bool:
        nonlocal checked_at
        if not change and time.monotonic() - checked_at < RECHECK_S:
            return True
        checked_at = time.monotonic()
        try:
            await _listener(request, credentials)  # through the credentials cache every request uses
        except DomainError:
            return False  # revoked, deactivated or expired: the tablet's reconnection is refused
        except (OperationalError, PoolTimeout):
            # Not to be checked now (the database is away or busy): a stream allowed so far goes on,
            # rather than 500 tablets reconnecting at once onto a busy core.
            return True
        return True

    async def stream():  # noqa: ANN202
        # No polling for a disconnect: the response cancels this stream when the
        # tablet goes (or its next write fails), and `finally` unsubscribes.
        try:
            yield "retry: 2000\nevent: ready\ndata: {}\n\n"
            while not live.closing:
                try:
                    await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_S)
                    said, change = f"event: changes\ndata: {json.dumps({'store': store})}\n\n", True
                except TimeoutError:
                    said, change = ": keep-alive\n\n", False
                if live.closing or not await still_allowed(change):
                    return
                yield said
        finally:
            live.unsubscribe(store, queue)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
