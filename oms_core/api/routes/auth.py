from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.concurrency import run_in_threadpool

from contract.errors import Unauthorized

from ...schemas import DeviceIn, DeviceOut, TokenIn, TokenOut
from ...services import auth
from ..deps import (
    AnyActor,
    EngineDep,
    SessionDep,
    SessionRoute,
    SettingsDep,
    Staff,
    client_address,
    failed_credentials,
    get_bearer,
    no_store,
)

router = APIRouter(prefix="/auth", tags=["auth"], route_class=SessionRoute)


@router.post("/token", response_model=TokenOut, dependencies=[Depends(no_store)])
async def sign_in(body: TokenIn, request: Request, engine: EngineDep, settings: SettingsDep) -> dict:
    """Staff sign-in: store code, staff code and PIN give a bearer token for that store."""
    client = client_address(request)
    await run_in_threadpool(request.app.state.throttle.refuse_if_locked, client)
    try:
        token, staff, expires = await run_in_threadpool(
            auth.sign_in, engine, settings, body.store, body.staff, body.pin, client
        )
    except (Unauthorized, auth.AccountLocked):
        await failed_credentials(request)
        raise
    return {
        "access_token": token,
        "store": staff.store,
        "role": staff.role,
        "staff": staff.code,
        "name": staff.name,
        "expires_at": expires,
    }


@router.delete("/token", status_code=status.HTTP_204_NO_CONTENT)
def sign_out(request: Request, session: SessionDep, actor: AnyActor, bearer: Annotated[str, Depends(get_bearer)]) -> None:
    """Revoke the staff token that makes this call (API keys and store app installs are revoked by head office)."""
    auth.sign_out(session, bearer, actor)
    session.commit()
    request.app.state.credentials.forget(bearer)


@router.post("/device", response_model=DeviceOut, dependencies=[Depends(no_store)])
def enrol_device(body: DeviceIn, request: Request, session: SessionDep, actor: Staff) -> dict:
    """A signed-in associate enrols this store app install; its token syncs for the store."""
    token = auth.enrol_device(session, actor, body.id, body.name, client_address(request))
    session.commit()
    return {"device_token": token, "store": actor.store}
