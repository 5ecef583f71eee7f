"""The security log: who signed in, who was refused, who changed keys, access
or routing. A row is added in the same transaction as the action it records,
so an action that rolls back leaves no trace claiming it happened; refusals,
which change nothing, get a short transaction of their own."""

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from ..core.db import session_scope
from ..domain.actors import Actor
from ..models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    actor: Actor | None = None,
    store: str | None = None,
    target: str | None = None,
    client: str | None = None,
    **details: object,
) -> None:
    session.add(
        AuditEntry(
            action=action,
            actor=actor.label if actor else None,
            role=actor.role.value if actor else None,
            store=store or (actor.store if actor else None),
            target=target[:200] if target else None,
            client=client[:64] if client else None,
            details=details,
        )
    )


def record_now(engine: Engine, action: str, **kwargs: object) -> None:
    """Record something that has no transaction of its own (a refusal)."""
    with session_scope(engine) as session:
        record(session, action, **kwargs)  # type: ignore[arg-type]


def entries(
    session: Session, action: str | None, since: datetime | None, before_id: int | None, limit: int
) -> list[AuditEntry]:
    """Newest first; page back with `before_id` (the smallest id of the last page)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if action:
        # "sign_in" matches sign_in.failed and sign_in.locked_out too.
        query = query.where((AuditEntry.action == action) | AuditEntry.action.startswith(f"{action}.", autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.execute(query).scalars())
