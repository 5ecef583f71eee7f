"""The order timeline: every transition with who, when, where and why."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from ..domain.actors import Actor
from ..models import Event, utcnow

# (who, when) for an action done earlier than the core hears of it: see `done_at`.
_done: ContextVar[tuple[str, datetime] | None] = ContextVar("backroom_done_at", default=None)


@contextmanager
def done_at(actor: Actor, at: datetime | None) -> Iterator[None]:
    """Date `actor`'s events recorded inside at `at` (an action done offline, synced later)
    instead of now; what the core does in answer (the rest sent elsewhere, say) is dated now."""
    token = _done.set((actor.label, at) if at is not None else None)
    try:
        yield
    finally:
        _done.reset(token)


def event(
    order_id: str,
    kind: str,
    actor: Actor,
    *,
    fulfilment_id: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    location: str | None = None,
    reason: str | None = None,
    details: dict | None = None,
) -> dict:
    return {
        "order_id": order_id,
        "fulfilment_id": fulfilment_id,
        "kind": kind,
        "from_status": from_status,
        "to_status": to_status,
        "actor": actor.label,
        "actor_role": actor.role.value,
        "location": location if location is not None else actor.store,
        "reason": reason,
        "details": details or {},
        "at": _when(actor),
    }


def _when(actor: Actor) -> datetime:
    return done_time(actor.label)


def done_time(label: str | None) -> datetime:
    """When the action being recorded was done: what `done_at` set for this actor, else now."""
    done = _done.get()
    return done[1] if done is not None and done[0] == label else utcnow()


def write(session: Session, events: list[dict]) -> None:
    if events:
        session.execute(insert(Event.__table__), events)


def record(session: Session, order_id: str, kind: str, actor: Actor, **fields: object) -> None:
    write(session, [event(order_id, kind, actor, **fields)])  # type: ignore[arg-type]
