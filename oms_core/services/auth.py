"""Signing in and recognising callers.

Staff sign in with store code, staff code and PIN; a PIN is short, so it is
hashed slowly and failed attempts lock the account for a while (longer each
time). Integrations use API keys. Both tokens are random strings stored only
as SHA-256, so whoever reads the database cannot replay them.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from ..core.config import Settings
from ..core.db import session_scope
from ..core.security import hash_pin, new_api_key, new_device_token, new_token, sha256, verify_pin
from ..domain.actors import KEY_ROLES, STAFF_ROLES, Actor, Role
from contract.errors import Conflict, Forbidden, InvalidInput, TooManyAttempts, Unauthorized
from ..models import ApiKey, Device, Location, Staff, StaffToken, utcnow

_BAD_SIGN_IN = "wrong store, staff code or PIN"
# Verifying against this keeps the time of "no such staff" equal to "wrong PIN".
_DUMMY_HASH = hash_pin("000000")


def sign_in(engine: Engine, settings: Settings, store: str, staff_code: str, pin: str) -> tuple[str, Staff, datetime]:
    now = utcnow()
    with session_scope(engine) as session:
        staff = session.execute(
            select(Staff).where(Staff.store == store, Staff.code == staff_code).with_for_update()
        ).scalar_one_or_none()
        if staff is None or not staff.active:
            verify_pin(pin, _DUMMY_HASH)
            raise Unauthorized("bad_credentials", _BAD_SIGN_IN)
        if staff.locked_until is not None and staff.locked_until > now:
            wait = int((staff.locked_until - now).total_seconds()) + 1
            raise TooManyAttempts(
                "locked_out", f"too many wrong PINs; try again in {wait} s", retry_after=wait
            )
        if not verify_pin(pin, staff.pin_hash):
            staff.failed_attempts += 1
            if staff.failed_attempts >= settings.pin_max_attempts:
                staff.lockouts += 1
                staff.failed_attempts = 0
                staff.locked_until = now + timedelta(
                    minutes=settings.pin_lockout_minutes * 2 ** min(staff.lockouts - 1, 6)
                )
            session.add(staff)
            # The count must survive the refusal: commit, then refuse.
            session.commit()
            raise Unauthorized("bad_credentials", _BAD_SIGN_IN)
        staff.failed_attempts = 0
        staff.locked_until = None
        session.add(staff)
        token = new_token()
        expires = now + timedelta(hours=settings.token_ttl_hours)
        session.add(
            StaffToken(
                token_hash=sha256(token), staff_id=staff.id, store=staff.store, role=staff.role, expires_at=expires
            )
        )
        return token, staff, expires


@dataclass(frozen=True)
class Recognised:
    actor: Actor
    expires_at: datetime | None  # None: an API key, valid until revoked


def authenticate(session: Session, bearer: str) -> Recognised:
    digest = sha256(bearer)
    if bearer.startswith("bk_"):
        key = session.execute(
            select(ApiKey.name, ApiKey.role).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
        ).first()
        if key is None:
            raise Unauthorized("invalid_token", "unknown or revoked API key")
        return Recognised(Actor(name=key.name, role=Role(key.role)), None)
    if bearer.startswith("bd_"):
        device = session.execute(
            select(Device.id, Device.store).where(Device.token_hash == digest, Device.revoked_at.is_(None))
        ).first()
        if device is None:
            raise Unauthorized("invalid_token", "unknown or revoked device: sign in again to enrol it")
        return Recognised(Actor(name=f"device:{device.id}", role=Role.DEVICE, store=device.store), None)
    row = session.execute(
        select(Staff.code, StaffToken.store, StaffToken.role, StaffToken.expires_at)
        .join(Staff, Staff.id == StaffToken.staff_id)
        .where(StaffToken.token_hash == digest, StaffToken.revoked_at.is_(None), Staff.active.is_(True))
    ).first()
    if row is None or row.expires_at <= utcnow():
        raise Unauthorized("invalid_token", "sign in again: the session is unknown, expired or revoked")
    return Recognised(Actor(name=row.code, role=Role(row.role), store=row.store), row.expires_at)


class CredentialCache:
    """Recognising a caller is a database read on every request, so each
    process keeps the answer for a few seconds. Signing out clears it here at
    once; other worker processes follow within `seconds`."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, bearer: str) -> Actor | None:
        entry = self._entries.get(bearer)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            self._entries.pop(bearer, None)
            return None
        return entry[1]

    def put(self, bearer: str, recognised: Recognised) -> Actor:
        if self.seconds > 0:
            until = time.monotonic() + self.seconds
            if recognised.expires_at is not None:
                until = min(until, time.monotonic() + (recognised.expires_at - utcnow()).total_seconds())
            if len(self._entries) > 10_000:  # stale entries of signed-out tablets
                self._entries.clear()
            self._entries[bearer] = (until, recognised.actor)
        return recognised.actor

    def forget(self, bearer: str) -> None:
        self._entries.pop(bearer, None)


def revoke(session: Session, bearer: str) -> None:
    session.execute(
        update(StaffToken)
        .where(StaffToken.token_hash == sha256(bearer), StaffToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def create_api_key(session: Session, name: str, role: str) -> str:
    if role not in KEY_ROLES:
        raise InvalidInput("invalid_role", f"API keys are {' or '.join(sorted(KEY_ROLES))}")
    key = new_api_key()
    session.add(ApiKey(name=name, role=role, key_hash=sha256(key), prefix=key[:8]))
    return key


def create_staff(session: Session, store: str, code: str, pin: str, role: str, name: str | None = None) -> Staff:
    if role not in STAFF_ROLES:
        raise InvalidInput("invalid_role", f"staff are {' or '.join(sorted(STAFF_ROLES))}")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise InvalidInput("invalid_pin", "a PIN is 4 to 12 digits")
    location = session.get(Location, store)
    if location is None or location.type != "store":
        raise InvalidInput("unknown_location", f"{store} is not a store")
    staff = session.execute(select(Staff).where(Staff.store == store, Staff.code == code)).scalar_one_or_none()
    if staff is None:
        staff = Staff(store=store, code=code, name=name or code, role=role, pin_hash=hash_pin(pin))
    else:  # re-running the command resets the PIN and role
        staff.pin_hash, staff.role, staff.active = hash_pin(pin), role, True
        staff.name = name or staff.name
        staff.failed_attempts, staff.locked_until = 0, None
    session.add(staff)
    session.flush()
    return staff


def enrol_device(session: Session, actor: Actor, device_id: str, name: str) -> str:
    """Give a store app install its own long-lived token for the signed-in associate's store.
    Enrolling again (a reinstall, a lost token) replaces the token."""
    assert actor.store is not None
    device = session.get(Device, device_id)
    if device is not None and device.store != actor.store:
        raise Conflict("device_elsewhere", f"device {device_id} is enrolled at {device.store}")
    token = new_device_token()
    if device is None:
        device = Device(id=device_id, store=actor.store, name=name, token_hash=sha256(token), enrolled_by=actor.name)
    else:
        device.token_hash, device.name, device.enrolled_by, device.revoked_at = sha256(token), name, actor.name, None
    session.add(device)
    return token


def staff_actor(session: Session, store: str, staff_code: str) -> Actor:
    """The associate a device acts for: must be active staff of that store."""
    row = session.execute(
        select(Staff.code, Staff.role).where(Staff.store == store, Staff.code == staff_code, Staff.active.is_(True))
    ).first()
    if row is None:
        raise Forbidden("unknown_staff", f"{staff_code} is not active staff of {store}")
    return Actor(name=row.code, role=Role(row.role), store=store)
