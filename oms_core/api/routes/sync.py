import asyncio
import json
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


# Who may listen: checked when the stream opens, and again each time it wakes.
_listener = require(Role.ASSOCIATE, Role.MANAGER, Role.DEVICE)


@router.get("/events")
async def events(
    request: Request, credentials: Credentials, actor: Annotated[Actor, Depends(_listener)]
) -> StreamingResponse:
    """Server-sent events: `changes` whenever the store has something new to pull. The stream
    ends once its session or device is revoked or expires (the tablet's reconnection is refused)."""
    live = request.app.state.live
    store = actor.store
    queue = live.subscribe(store)

    async def still_allowed() -> bool:
        # Through the same short cache as every request: a database read now and then.
        try:
            await _listener(request, credentials)
        except (DomainError, OperationalError, PoolTimeout):
            # Refused now (revoked, expired), or not to be checked (the database is away): the
            # tablet reconnects, and is answered as any request is.
            return False
        return True

    async def stream():  # noqa: ANN202
        # No polling for a disconnect: the response cancels this stream when the
        # tablet goes (or its next write fails), and `finally` unsubscribes.
        try:
            yield "retry: 2000\nevent: ready\ndata: {}\n\n"
            while not live.closing:
                try:
                    await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_S)
                    said = f"event: changes\ndata: {json.dumps({'store': store})}\n\n"
                except TimeoutError:
                    said = ": keep-alive\n\n"
                if live.closing or not await still_allowed():
                    return
                yield said
        finally:
            live.unsubscribe(store, queue)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
