"""The order timeline: every transition with who, when, where and why."""

from sqlalchemy import insert
from sqlmodel import Session

from ..domain.actors import Actor
from ..models import Event, utcnow


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
        "at": utcnow(),
    }


def write(session: Session, events: list[dict]) -> None:
    if events:
        session.execute(insert(Event.__table__), events)


def record(session: Session, order_id: str, kind: str, actor: Actor, **fields: object) -> None:
    write(session, [event(order_id, kind, actor, **fields)])  # type: ignore[arg-type]
