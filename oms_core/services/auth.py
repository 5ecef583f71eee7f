"""Signing in and recognising callers.

Staff sign in with store code, staff code and PIN; a PIN is short, so it is
hashed slowly and failed attempts lock the account for a while (longer each
time). Integrations use API keys. Both tokens are random strings stored only
as SHA-256, so whoever reads the database cannot replay them.

Two lockouts guard against guessing:
- per staff account (in the database, shared by every worker): after
  `pin_max_attempts` wrong PINs in a row the account refuses even the right
  PIN for `pin_lockout_minutes`, doubling on each lockout until the next good
  sign-in; head office can lift a lock (`unlock_staff`);
- per caller address (`ClientThrottle`, in the database): after
  `client_max_failures` failed sign-ins (tries at a locked account included)
  or unknown tokens/keys within `client_lockout_seconds`, that address may
  not sign in, and its unknown tokens are answered 429, for
  `client_lockout_seconds`. This stops one machine spraying PINs across many
  accounts or trying keys. An IPv6 caller is counted by its /64.
Every sign-in, failure and lockout is written to the audit log.
"""

import ipaddress
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, tuple_, update
from sqlmodel import Session

from contract.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts, Unauthorized

from ..core.config import Settings
from ..core.db import reader, session_scope
from ..core.security import hash_pin, new_api_key, new_device_token, new_token, sha256, verify_pin
from ..domain.actors import KEY_ROLES, STAFF_ROLES, Actor, Role
from ..models import ApiKey, ClientLockout, Device, Location, Staff, StaffToken, as_utc, utcnow
from . import audit, changes
from .db_util import insert_missing

_BAD_SIGN_IN = "wrong store, staff code or PIN"
# Verifying against this keeps the time of "no such staff" equal to "wrong PIN".
_DUMMY_HASH = hash_pin("000000")


def sign_in(
    engine: Engine, settings: Settings, store: str, staff_code: str, pin: str, client: str | None = None
) -> tuple[str, Staff, datetime]:
    now = utcnow()
    who = f"{store}/{staff_code}"
    with session_scope(engine) as session:
        staff = session.execute(
            select(Staff).where(Staff.store == store, Staff.code == staff_code).with_for_update()
        ).scalar_one_or_none()
        if staff is None or not staff.active:
            verify_pin(pin, _DUMMY_HASH)
            audit.record(session, "sign_in.failed", target=who, client=client, reason="unknown_staff")
            # The audit row must survive the refusal: commit, then refuse.
            session.commit()
            raise Unauthorized("bad_credentials", _BAD_SIGN_IN)
        if staff.locked_until is not None and staff.locked_until > now:
            wait = int((staff.locked_until - now).total_seconds()) + 1
            audit.record(session, "sign_in.locked_out", store=store, target=who, client=client)
            session.commit()
            raise AccountLocked("locked_out", f"too many wrong PINs; try again in {wait} s", retry_after=wait)
        if not verify_pin(pin, staff.pin_hash):
            staff.failed_attempts += 1
            audit.record(session, "sign_in.failed", store=store, target=who, client=client, reason="wrong_pin",
                         attempts=staff.failed_attempts)
            if staff.failed_attempts >= settings.pin_max_attempts:
                staff.lockouts += 1
                staff.failed_attempts = 0
                staff.locked_until = now + timedelta(
                    minutes=settings.pin_lockout_minutes * 2 ** min(staff.lockouts - 1, 6)
                )
                audit.record(session, "staff.locked", store=store, target=who, client=client,
                             until=staff.locked_until.isoformat())
            session.add(staff)
            # The count must survive the refusal: commit, then refuse.
            session.commit()
            raise Unauthorized("bad_credentials", _BAD_SIGN_IN)
        # The owner is back: the next lockout is a first one again.
        staff.failed_attempts, staff.lockouts, staff.locked_until = 0, 0, None
        session.add(staff)
        token = new_token()
        expires = now + timedelta(hours=settings.token_ttl_hours)
        session.add(
            StaffToken(
                token_hash=sha256(token), staff_id=staff.id, store=staff.store, role=staff.role, expires_at=expires
            )
        )
        audit.record(session, "sign_in", store=store, target=who, client=client, role=staff.role)
        return token, staff, expires


class AccountLocked(TooManyAttempts):
    """A try at a locked account. It is counted against the caller's address as a
    wrong PIN is: otherwise one machine could go on trying (and writing the audit
    log) for as long as the account stays locked."""


class ClientThrottle:
    """Failed credentials per caller address, counted in the database so that
    every worker sees the same count (with one count per worker, N workers
    would give a guesser N times the attempts). A store's tablets often share
    one address, so valid tokens from a locked address still work: only
    sign-ins and unknown tokens are refused while it is locked."""

    def __init__(self, engine: Engine, max_failures: int, lockout_seconds: float,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.clock = clock

    def locked_for(self, client: str) -> int:
        """Seconds this address stays locked; 0 when it is not."""
        with session_scope(reader(self.engine)) as session:
            until = session.execute(
                select(ClientLockout.locked_until).where(ClientLockout.client == counted_as(client))
            ).scalar_one_or_none()
        now = self.clock()
        return _seconds(until - now) if until is not None and until > now else 0

    def failed(self, client: str, path: str) -> int:
        """Count a failure; returns the seconds the address is now locked for (0: not
        locked). The failure that locks it is audited."""
        now = self.clock()
        window = timedelta(seconds=self.lockout_seconds)
        counted = counted_as(client)
        with session_scope(self.engine) as session:
            insert_missing(session, ClientLockout.__table__,
                           [{"client": counted, "failures": 0, "window_start": now}], ["client"])
            row = session.execute(
                select(ClientLockout).where(ClientLockout.client == counted).with_for_update()
            ).scalar_one()
            if row.locked_until is not None and row.locked_until > now:
                return _seconds(row.locked_until - now)
            if row.window_start <= now - window:  # the failures counted so far are old: count afresh
                row.failures, row.window_start = 0, now
            row.failures += 1
            if row.failures < self.max_failures:
                return 0
            row.failures, row.window_start, row.locked_until = 0, now, now + window
            audit.record(session, "client.locked_out", client=client, path=path, seconds=self.lockout_seconds,
                         locked=counted)
            # Addresses that failed once, long ago, are forgotten whenever one is locked.
            session.execute(delete(ClientLockout).where(
                ClientLockout.window_start <= now - window,
                ClientLockout.locked_until.is_(None) | (ClientLockout.locked_until <= now),
            ))
            return _seconds(window)

    def refuse_if_locked(self, client: str) -> None:
        refuse_locked_client(self.locked_for(client))


def counted_as(client: str) -> str:
    """What a caller's failures are counted against: its address, or for IPv6 its /64. One
    line (a home, a shop, a rented server) holds a whole /64, so a guesser counted per
    address would take a fresh one for every try."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:  # no address ("unknown", a test client's name)
        return client
    if address.version == 4:
        return client
    if address.ipv4_mapped is not None:  # an IPv4 caller seen through a dual-stack socket
        return str(address.ipv4_mapped)
    return str(ipaddress.ip_network((address, 64), strict=False))


def refuse_locked_client(wait: int) -> None:
    """A locked address is answered 429 (with when to try again), not 401."""
    if wait:
        raise TooManyAttempts(
            "client_locked_out", f"too many failed sign-ins from this address; try again in {wait} s",
            retry_after=wait,
        )


def _seconds(left: timedelta) -> int:
    return int(left.total_seconds()) + 1


@dataclass(frozen=True)
class Recognised:
    actor: Actor
    expires_at: datetime | None  # None: an API key, valid until revoked


class SpentCredentials(Unauthorized):
    """A token or key that was good once (expired, revoked, its staff member
    gone): its caller held it, so it is no guess and counts for no lockout (a
    store's tablets behind one address all presenting last shift's tokens)."""


def authenticate(session: Session, bearer: str) -> Recognised:
    """Who presents this bearer. Staff tokens begin "bs_"; those issued before the prefix
    have none, and are looked up the same way until they expire."""
    digest = sha256(bearer)
    if bearer.startswith("bk_"):
        key = session.execute(
            select(ApiKey.name, ApiKey.role, ApiKey.revoked_at).where(ApiKey.key_hash == digest)
        ).first()
        if key is None:
            raise Unauthorized("invalid_token", "unknown API key")
        if key.revoked_at is not None:
            raise SpentCredentials("invalid_token", "this API key was revoked")
        return Recognised(Actor(name=key.name, role=Role(key.role)), None)
    if bearer.startswith("bd_"):
        device = session.execute(
            select(Device.id, Device.store, Device.revoked_at).where(Device.token_hash == digest)
        ).first()
        if device is None:
            raise Unauthorized("invalid_token", "unknown device: sign in again to enrol it")
        if device.revoked_at is not None:
            raise SpentCredentials("invalid_token", "this device was revoked: sign in again to enrol it")
        return Recognised(Actor(name=f"device:{device.id}", role=Role.DEVICE, store=device.store), None)
    # The rights are the staff member's now, not those the token was issued with.
    row = session.execute(
        select(Staff.code, Staff.active, Staff.role, StaffToken.store, StaffToken.expires_at, StaffToken.revoked_at)
        .join(Staff, Staff.id == StaffToken.staff_id)
        .where(StaffToken.token_hash == digest)
    ).first()
    if row is None:
        raise Unauthorized("invalid_token", "sign in again: the session is unknown")
    if row.revoked_at is not None or not row.active or row.expires_at <= utcnow():
        raise SpentCredentials("invalid_token", "sign in again: the session expired or was ended")
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

    def forget_all(self) -> None:
        """After an admin revokes access: the cache holds bearers, not the
        revoked hashes, so this worker asks the database again for everyone."""
        self._entries.clear()


def sign_out(session: Session, bearer: str, actor: Actor) -> None:
    """Revoke the staff token that makes the call. An API key or a device token is
    refused, not silently kept: head office revokes those."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("not_a_session", "this ends a staff session: API keys are revoked through "
                        "POST /keys/{id}/revoke, store app installs through POST /devices/{id}/revoke")
    revoked = session.execute(
        update(StaffToken)
        .where(StaffToken.token_hash == sha256(bearer), StaffToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if revoked:
        audit.record(session, "sign_out", actor=actor, target=actor.label)


def revoke_staff(session: Session, store: str, code: str, by: Actor, client: str | None) -> int:
    """End every session of a staff member (a lost tablet).
    Their PIN still works: to stop new sign-ins, reset it or deactivate them."""
    staff = _staff(session, store, code)
    revoked = _end_sessions(session, staff)
    audit.record(session, "staff.revoked", actor=by, store=store, target=f"{store}/{code}", client=client,
                 sessions=revoked)
    return revoked


def deactivate_staff(session: Session, store: str, code: str, by: Actor | None, client: str | None) -> int:
    """Someone leaves: they can no longer sign in, their sessions end, and what a store app
    pushes in their name afterwards is refused (`staff_actor`). `create_staff` brings them
    back. Returns the sessions ended."""
    staff = _staff(session, store, code)
    if not staff.active:
        return 0
    staff.active, staff.deactivated_at = False, utcnow()
    session.add(staff)
    revoked = _end_sessions(session, staff)
    _forgotten_by_store_apps(session, staff)
    # A deactivation made on the server's command line has no signed-in author.
    audit.record(session, "staff.deactivated", actor=by, store=store, target=f"{store}/{code}",
                 client=client or "cli", sessions=revoked)
    return revoked


def unlock_staff(session: Session, store: str, code: str, by: Actor | None, client: str | None) -> None:
    """Head office lifts a PIN lockout (having made sure it is the associate asking), as if
    the lock had run out: the associate signs in with their PIN at once."""
    staff = _staff(session, store, code)
    locked_until = staff.locked_until
    staff.failed_attempts, staff.locked_until = 0, None
    session.add(staff)
    audit.record(session, "staff.unlocked", actor=by, store=store, target=f"{store}/{code}", client=client or "cli",
                 locked_until=locked_until.isoformat() if locked_until else None)


def _staff(session: Session, store: str, code: str) -> Staff:
    """The staff member, locked against a sign-in in flight (which would otherwise open a
    session just as theirs are ended)."""
    staff = session.execute(
        select(Staff).where(Staff.store == store, Staff.code == code).with_for_update()
    ).scalar_one_or_none()
    if staff is None:
        raise NotFound("unknown_staff", f"no staff {code} at {store}")
    return staff


def _end_sessions(session: Session, staff: Staff) -> int:
    session.flush()  # the staff row first: its lock orders this against a sign-in
    return session.execute(
        update(StaffToken)
        .where(StaffToken.staff_id == staff.id, StaffToken.revoked_at.is_(None), StaffToken.expires_at > utcnow())
        .values(revoked_at=utcnow())
    ).rowcount


def revoke_device(session: Session, device_id: str, by: Actor, client: str | None) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("unknown_device", f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        session.add(device)
        audit.record(session, "device.revoked", actor=by, store=device.store, target=f"device:{device_id}",
                     client=client)
    return device


def revoke_api_key(session: Session, key_id: int, by: Actor, client: str | None) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound("unknown_key", f"no API key {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        audit.record(session, "key.revoked", actor=by, target=f"{key.name} ({key.prefix}…)", client=client,
                     key_id=key_id, key_role=key.role)
    return key


def create_api_key(
    session: Session, name: str, role: str, by: Actor | None = None, client: str | None = None
) -> str:
    if role not in KEY_ROLES:
        raise InvalidInput("invalid_role", f"API keys are {' or '.join(sorted(KEY_ROLES))}")
    key = new_api_key()
    row = ApiKey(name=name, role=role, key_hash=sha256(key), prefix=key[:8])
    session.add(row)
    session.flush()
    # A key made on the server's command line has no signed-in author.
    audit.record(session, "key.created", actor=by, target=f"{name} ({row.prefix}…)", client=client or "cli",
                 key_id=row.id, key_role=role)
    return key


def _forgotten_by_store_apps(session: Session, staff: Staff) -> None:
    """The store's apps drop what lets this person sign in offline there (their PIN's verifier):
    someone who left, or whose PIN leaked, would otherwise still open a tablet cut off from the
    core. They sign in online once to be known offline again."""
    changes.record(session, staff.store, "staff", staff.code, op="delete")


def create_staff(session: Session, store: str, code: str, pin: str, role: str, name: str | None = None) -> Staff:
    if role not in STAFF_ROLES:
        raise InvalidInput("invalid_role", f"staff are {' or '.join(sorted(STAFF_ROLES))}")
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise InvalidInput("invalid_pin", "a PIN is 4 to 12 digits")
    location = session.get(Location, store)
    if location is None or location.type != "store":
        raise InvalidInput("unknown_location", f"{store} is not a store")
    staff = session.execute(
        select(Staff).where(Staff.store == store, Staff.code == code).with_for_update()
    ).scalar_one_or_none()
    who = f"{store}/{code}"
    if staff is None:
        staff = Staff(store=store, code=code, name=name or code, role=role, pin_hash=hash_pin(pin))
        session.add(staff)
        session.flush()
        audit.record(session, "staff.created", store=store, target=who, client="cli", role=role)
        return staff
    # Re-running the command resets the PIN and role, brings back someone deactivated and
    # lifts a lockout. A new PIN (the old one leaked, say) or role ends the sessions opened
    # before; the same PIN and role again leave them be.
    changed = staff.role != role or not verify_pin(pin, staff.pin_hash)
    staff.pin_hash, staff.role, staff.active, staff.deactivated_at = hash_pin(pin), role, True, None
    staff.name = name or staff.name
    staff.failed_attempts, staff.lockouts, staff.locked_until = 0, 0, None
    session.add(staff)
    ended = 0
    if changed:
        ended = _end_sessions(session, staff)
        _forgotten_by_store_apps(session, staff)
    audit.record(session, "staff.reset", store=store, target=who, client="cli", role=role, sessions=ended)
    return staff


def enrol_device(session: Session, actor: Actor, device_id: str, name: str, client: str | None) -> str:
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
    # A device token never expires: who enrolled which install is kept as its revocation is.
    audit.record(session, "device.enrolled", actor=actor, target=f"device:{device_id}", client=client, name=name)
    return token


def staff_names(session: Session, labels: Iterable[str]) -> dict[str, str]:
    """The names of the staff behind these actor labels ("LYS-01/S001" -> "Hugo"): people read
    names, events keep codes. Labels of API keys and the system have none."""
    wanted = {tuple(label.split("/", 1)) for label in labels if "/" in label}
    if not wanted:
        return {}
    rows = session.execute(select(Staff.store, Staff.code, Staff.name)
                           .where(tuple_(Staff.store, Staff.code).in_(sorted(wanted))))
    return {f"{store}/{code}": name for store, code, name in rows}


def staff_actor(session: Session, store: str, staff_code: str, done_at: datetime | None = None) -> Actor:
    """The associate a device acts for: active staff of that store, or someone deactivated since
    the action was done (`done_at`, offline on their last shift: it still counts)."""
    row = session.execute(
        select(Staff.code, Staff.role, Staff.active, Staff.deactivated_at)
        .where(Staff.store == store, Staff.code == staff_code)
    ).first()
    before_leaving = (row is not None and not row.active and done_at is not None
                      and row.deactivated_at is not None and done_at < as_utc(row.deactivated_at))
    if row is None or not (row.active or before_leaving):
        raise Forbidden("unknown_staff", f"{staff_code} is not active staff of {store}")
    return Actor(name=row.code, role=Role(row.role), store=store)
