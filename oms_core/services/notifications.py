"""Customer notifications through one outbox.

A notification is written in the same transaction as what causes it (ready
for pickup, reminder, collected, shipped, refunded), under a key naming that
cause, so a retried action never notifies twice. The notifier loop sends what
is due through a Sender and retries failures with growing waits. Sending is
at least once: a worker claims a message for a lease before it sends, so that
a worker that dies mid-send leaves it to be tried again, not lost.
"""

import json
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from contract.fulfilment import FulfilmentStatus
from contract.money import money
from contract.words import counted

from ..core.config import Settings
from ..core.db import session_scope
from ..models import Fulfilment, Notification, Order, utcnow
from .db_util import insert_missing

log = logging.getLogger("backroom.notify")

# Messages true only while their order waits on the shelf: withdrawn, not sent, once it does not.
_WHILE_ON_THE_SHELF = frozenset({"ready", "reminder"})
_LEASE = timedelta(minutes=2)  # a claimed message is tried again after this if its sender died
_FIRST_RETRY = timedelta(seconds=30)
_LONGEST_WAIT = timedelta(hours=6)
_BATCH = 50


@dataclass(frozen=True)
class Message:
    kind: str
    recipient: str | None
    subject: str
    body: str
    data: dict


class Sender(Protocol):
    """Where notifications go; raise to have the message retried later."""

    def send(self, message: Message) -> None: ...


class LogSender:
    """One JSON line per message in a file: what the demo shows and a developer reads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def send(self, message: Message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"at": utcnow().isoformat(), "kind": message.kind, "to": message.recipient,
                "subject": message.subject, "body": message.body, "data": message.data}
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        if not message.recipient:
            return  # nobody to write to: done, not retried
        s = self.settings
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = s.smtp_sender, message.recipient, message.subject
        email.set_content(message.body)
        with smtplib.SMTP(s.smtp_host or "", s.smtp_port, timeout=20) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(email)


def sender_for(settings: Settings) -> Sender:
    return SmtpSender(settings) if settings.smtp_host else LogSender(settings.notifications_log)


# --- writing ------------------------------------------------------------------


def enqueue(session: Session, key: str, kind: str, order_id: str, subject: str, body: str, data: dict) -> None:
    """Queue a message to the order's customer, once per key."""
    customer = session.execute(select(Order.customer).where(Order.id == order_id)).scalar_one()
    now = utcnow()
    insert_missing(
        session,
        Notification.__table__,
        [{"key": key, "kind": kind, "order_id": order_id, "recipient": customer.get("email"), "subject": subject,
          "body": body, "data": data, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now}],
        ["key"],
    )


def _order_ref(session: Session, order_id: str) -> tuple[str, str]:
    ref, customer = session.execute(select(Order.external_ref, Order.customer).where(Order.id == order_id)).one()
    return ref, customer.get("name", "")


def ready_for_pickup(session: Session, fulfilment_id: str, order_id: str, store: str, code: str, qr: str,
                     again: int = 0) -> None:
    """The pickup code and QR; `again` numbers a copy the counter sends later, each under a key of its own."""
    ref, name = _order_ref(session, order_id)
    key = f"ready:{fulfilment_id}:again:{again}" if again else f"ready:{fulfilment_id}"
    enqueue(session, key, "ready", order_id, f"Your order {ref} is ready for pickup",
            f"Hello {name},\n\nyour order {ref} is ready at store {store}. Show the QR code or give the "
            f"pickup code {code} at the counter.",
            {"store": store, "order_ref": ref, "pickup_code": code, "qr_payload": qr, "fulfilment": fulfilment_id})


def ready_copies(session: Session, fulfilment_id: str, order_id: str) -> tuple[int, datetime | None]:
    """How many copies of a fulfilment's ready message the counter sent (they number its next
    one), and when the last copy for the order was queued: an order waiting in two parts (its
    own and a parcel scanned in) has one pickup code, and its customer one copy at a time."""
    count = session.execute(select(func.count()).where(
        Notification.key.startswith(f"ready:{fulfilment_id}:again:", autoescape=True))).scalar_one()
    last = session.execute(select(func.max(Notification.created_at)).where(
        Notification.order_id == order_id, Notification.kind == "ready",
        Notification.key.contains(":again:", autoescape=True))).scalar_one()
    return count, last


def pickup_reminder(session: Session, fulfilment_id: str, order_id: str, store: str, number: int,
                    last_day: datetime) -> None:
    ref, name = _order_ref(session, order_id)
    enqueue(session, f"reminder:{fulfilment_id}:{number}", "reminder", order_id,
            f"Reminder: your order {ref} is waiting for you",
            f"Hello {name},\n\nyour order {ref} is waiting at store {store}. It stays there until "
            f"{last_day:%Y-%m-%d %H:%M} UTC; after that it is cancelled.",
            {"store": store, "order_ref": ref, "reminder": number, "until": last_day.isoformat(),
             "fulfilment": fulfilment_id})


def collected(session: Session, fulfilment_id: str, order_id: str, store: str, items: dict[str, int]) -> None:
    ref, name = _order_ref(session, order_id)
    enqueue(session, f"collected:{fulfilment_id}", "collected", order_id, f"You collected order {ref}",
            f"Hello {name},\n\nyou collected {counted(sum(items.values()), 'item')} of order {ref} at store {store}. "
            "Thank you!",
            {"store": store, "order_ref": ref, "items": items, "fulfilment": fulfilment_id})


def shipped(session: Session, fulfilment_id: str, order_id: str, carrier: str, tracking_numbers: list[str]) -> None:
    """One message for the shipment, with every parcel's tracking number (the first alone
    under `tracking_number` too, as before several parcels were told)."""
    ref, name = _order_ref(session, order_id)
    tracking = (f"tracking number {tracking_numbers[0]}" if len(tracking_numbers) == 1 else
                f"in {len(tracking_numbers)} parcels, tracking numbers {', '.join(tracking_numbers)}")
    enqueue(session, f"shipped:{fulfilment_id}", "shipped", order_id, f"Your order {ref} is on its way",
            f"Hello {name},\n\nyour order {ref} left with {carrier}, {tracking}.",
            {"order_ref": ref, "carrier": carrier, "tracking_number": tracking_numbers[0],
             "tracking_numbers": tracking_numbers, "fulfilment": fulfilment_id})


def refunded(session: Session, return_id: str, order_id: str, amount: Decimal, currency: str, store: str) -> None:
    ref, name = _order_ref(session, order_id)
    enqueue(session, f"refund:{return_id}", "refund", order_id, f"Refund for order {ref}",
            f"Hello {name},\n\nwe refund {money(amount, currency)} for what you returned of order {ref} at store {store}.",
            {"order_ref": ref, "amount": f"{amount:.2f}", "currency": currency, "return": return_id, "store": store})


# --- sending --------------------------------------------------------------------


def deliver_due(engine: Engine, sender: Sender, now: datetime, max_attempts: int) -> int:
    """Send what is due at `now`; returns how many were sent. Safe in several workers at once."""
    with Session(engine) as session:
        due = session.execute(
            select(Notification.id).where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id).limit(_BATCH)
        ).scalars().all()
    return sum(_deliver(engine, sender, notification_id, now, max_attempts) for notification_id in due)


def _deliver(engine: Engine, sender: Sender, notification_id: int, now: datetime, max_attempts: int) -> int:
    with session_scope(engine) as session:
        claimed = session.execute(
            update(Notification.__table__)
            .where(Notification.id == notification_id, Notification.status == "pending",
                   Notification.next_attempt_at <= now)
            .values(next_attempt_at=now + _LEASE, attempts=Notification.attempts + 1)
        ).rowcount
        if not claimed:
            return 0  # another worker has it
        row = session.get(Notification, notification_id)
        assert row is not None
        if row.kind in _WHILE_ON_THE_SHELF and session.execute(select(Fulfilment.status).where(
                Fulfilment.id == row.data.get("fulfilment"))).scalar() != FulfilmentStatus.READY_FOR_PICKUP.value:
            # Cancelled or collected before it went (a mail server down for an hour, say): "your
            # order is ready, show this code" would tell the customer something no longer true.
            row.status = "withdrawn"
            session.add(row)
            return 0
        message = Message(row.kind, row.recipient, row.subject, row.body, row.data)
        attempts = row.attempts
    try:
        sender.send(message)
    except Exception as exc:  # noqa: BLE001 - whatever the sender met, the message is retried
        wait = min(_FIRST_RETRY * 2 ** (attempts - 1), _LONGEST_WAIT)
        failed = attempts >= max_attempts
        log.warning("notification %s not sent (attempt %d): %s", notification_id, attempts, exc)
        _finish(engine, notification_id, status="failed" if failed else "pending", next_attempt_at=now + wait,
                last_error=str(exc)[:500])
        return 0
    _finish(engine, notification_id, status="sent", sent_at=utcnow(), last_error=None)
    return 1


def _finish(engine: Engine, notification_id: int, **values: object) -> None:
    with session_scope(engine) as session:
        session.execute(update(Notification.__table__).where(Notification.id == notification_id).values(**values))


def listing(session: Session, order_id: str | None, status: str | None, limit: int) -> Sequence[Notification]:
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if order_id:
        query = query.where(Notification.order_id == order_id)
    if status:
        query = query.where(Notification.status == status)
    return session.execute(query).scalars().all()
