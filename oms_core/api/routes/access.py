"""Who may call the core: API keys, staff who leave or are locked out, ending
sessions and device enrolments, and the audit log of it all. Head office (admin
keys) only."""

from datetime import UTC
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import AwareDatetime
from sqlalchemy import select

from contract.errors import InvalidInput

from ...core.security import sha256
from ...models import ApiKey
from ...schemas import ApiKeyIn, ApiKeyOut, AuditEntryOut, DeviceRevokedOut, StaffRevokedOut
from ...services import audit, auth
from ..deps import Admin, IntegerId, ReadSessionDep, SessionDep, SessionRoute, client_address, no_store

router = APIRouter(tags=["access"], route_class=SessionRoute)

Code = Annotated[str, Path(min_length=1, max_length=32)]


@router.post("/keys", response_model=ApiKeyOut, status_code=status.HTTP_201_CREATED, dependencies=[Depends(no_store)])
def create_key(body: ApiKeyIn, request: Request, session: SessionDep, actor: Admin) -> dict:
    """A new API key for a channel integration or head-office tool; the key is shown once."""
    key = auth.create_api_key(session, body.name, body.role, by=actor, client=client_address(request))
    session.commit()
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == sha256(key))).scalar_one()
    return {**row.model_dump(), "key": key}


@router.get("/keys", response_model=list[ApiKeyOut])
def list_keys(session: ReadSessionDep, _: Admin) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.id)).scalars())


@router.post("/keys/{key_id}/revoke", response_model=ApiKeyOut)
def revoke_key(key_id: IntegerId, request: Request, session: SessionDep,
               actor: Admin) -> ApiKey:
    """The key stops working at once on this worker, within auth_cache_seconds on the others."""
    key = auth.revoke_api_key(session, key_id, actor, client_address(request))
    session.commit()
    request.app.state.credentials.forget_all()
    return key


@router.post("/staff/{store}/{code}/revoke", response_model=StaffRevokedOut)
def revoke_staff(store: Code, code: Code, request: Request, session: SessionDep, actor: Admin) -> dict:
    """Sign a staff member out everywhere (a lost tablet); their PIN still signs in."""
    revoked = auth.revoke_staff(session, store, code, actor, client_address(request))
    session.commit()
    request.app.state.credentials.forget_all()
    return {"store": store, "staff": code, "sessions_revoked": revoked}


@router.post("/staff/{store}/{code}/deactivate", response_model=StaffRevokedOut)
def deactivate_staff(store: Code, code: Code, request: Request, session: SessionDep, actor: Admin) -> dict:
    """Someone leaves: they can no longer sign in, their sessions end, and store apps' actions in
    their name are refused. `backroom staff create` brings them back."""
    revoked = auth.deactivate_staff(session, store, code, actor, client_address(request))
    session.commit()
    request.app.state.credentials.forget_all()
    return {"store": store, "staff": code, "sessions_revoked": revoked}


@router.post("/staff/{store}/{code}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_staff(store: Code, code: Code, request: Request, session: SessionDep, actor: Admin) -> None:
    """Lift a lockout after wrong PINs: the associate signs in at once with their PIN."""
    auth.unlock_staff(session, store, code, actor, client_address(request))
    session.commit()


@router.post("/devices/{device_id}/revoke", response_model=DeviceRevokedOut)
def revoke_device(device_id: Annotated[str, Path(min_length=1, max_length=36)], request: Request,
                  session: SessionDep, actor: Admin) -> dict:
    """A lost or retired store app install stops syncing; enrolling it again needs a staff sign-in."""
    device = auth.revoke_device(session, device_id, actor, client_address(request))
    session.commit()
    request.app.state.credentials.forget_all()
    return {"id": device.id, "store": device.store, "revoked_at": device.revoked_at}


@router.get("/audit", response_model=list[AuditEntryOut])
def audit_log(
    session: ReadSessionDep,
    _: Admin,
    action: Annotated[str | None, Query(max_length=40, description="e.g. sign_in (includes sign_in.failed)")] = None,
    since: Annotated[AwareDatetime | None, Query(description="ISO 8601 with a time zone")] = None,
    before_id: Annotated[int | None, Query(ge=1, le=2**62, description="page back: the last id you saw")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list:
    """The security log, newest first."""
    if since is not None:
        try:
            since = since.astimezone(UTC)
        except OverflowError:  # year 9999 with a negative offset is past the calendar's end
            raise InvalidInput("invalid_since", "since is out of range") from None
    return audit.entries(session, action, since, before_id, limit)
