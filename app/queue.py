"""The order queue: which stage each fulfilment is at and how urgent it is.
Plain functions over the cache's views, so they are tested without screens."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from contract.fulfilment import FulfilmentStatus as S
from contract.service_levels import PREPARE_WITHIN
from contract.words import counted

from .dates import StoreTime

# Amber when less than this is left.
SOON = timedelta(minutes=15)


class Stage(StrEnum):
    TO_ACCEPT = "to_accept"
    TO_PICK = "to_pick"
    TO_PACK = "to_pack"
    TO_HAND_OVER = "to_hand_over"  # to the carrier
    TO_MAKE_READY = "to_make_ready"  # to put on the pickup shelf
    READY_FOR_PICKUP = "ready_for_pickup"  # on the shelf, until the customer comes to the counter
    DONE_TODAY = "done_today"

    @property
    def title(self) -> str:
        return {
            "to_accept": "To accept",
            "to_pick": "To pick",
            "to_pack": "To pack",
            "to_hand_over": "To hand over",
            "to_make_ready": "To make ready",
            "ready_for_pickup": "Ready for pickup",
            "done_today": "Done today",
        }[self.value]


class Urgency(StrEnum):
    CALM = "calm"
    SOON = "soon"  # amber
    LATE = "late"  # red


# Where each open status waits, by how the goods leave the store: a parcel (home delivery, or
# shipped to the customer's pickup store) is packed and handed to a carrier; click & collect here
# is made ready on the pickup shelf and handed to the customer at the counter.
_PARCEL_STAGES = {
    S.ASSIGNED: Stage.TO_ACCEPT,
    S.ACCEPTED: Stage.TO_PICK,
    S.PICKING: Stage.TO_PICK,
    S.PICKED: Stage.TO_PACK,
    S.PACKED: Stage.TO_HAND_OVER,
}
_PICKUP_STAGES = {
    S.ASSIGNED: Stage.TO_ACCEPT,
    S.ACCEPTED: Stage.TO_PICK,
    S.PICKING: Stage.TO_PICK,
    S.PICKED: Stage.TO_MAKE_READY,
    S.READY_FOR_PICKUP: Stage.READY_FOR_PICKUP,
}


@dataclass(frozen=True)
class Card:
    fulfilment_id: str
    order_ref: str
    customer: str
    method: str  # home | click_collect | ship_to_store
    lines: tuple[tuple[str, int], ...]  # (product name, units)
    status: str
    stage: Stage
    due: datetime | None
    urgency: Urgency
    countdown: str  # "12 min left", "3 min late"


def stage_of(view: dict, now: datetime, store_time: StoreTime) -> Stage | None:
    """None for what is finished and not from the store's today (it leaves the queue)."""
    stages = _PICKUP_STAGES if view["delivery_method"] == "click_collect" else _PARCEL_STAGES
    stage = stages.get(view["status"])
    if stage is not None:
        return stage
    return Stage.DONE_TODAY if store_time.local(view["updated_at"]).date() == store_time.local(now).date() else None


def due_of(view: dict) -> datetime | None:
    if view["status"] == "assigned":
        return _parse(view["accept_by"]) if view.get("accept_by") else None
    if view["status"] in ("accepted", "picking", "picked", "packed"):
        return _parse(view["created_at"]) + PREPARE_WITHIN
    return None


def countdown(due: datetime | None, now: datetime) -> tuple[Urgency, str]:
    if due is None:
        return Urgency.CALM, ""
    left = due - now
    if left < timedelta(0):
        return Urgency.LATE, f"{_duration(-left)} late"
    return (Urgency.SOON if left <= SOON else Urgency.CALM), f"{_duration(left)} left"


def to_pick_together(views: list[dict], now: datetime) -> list[tuple[dict, str]]:
    """Orders to choose for one walk through the store, most urgent first (the walk starts with
    those), each said as "W-1001 · 2 items to pick · 59 min left"."""
    def said(view: dict) -> str:
        left = sum(line["qty"] - line["picked"] for line in view["lines"])
        parts = (view["order"]["external_ref"], f"{counted(left, 'item')} to pick", countdown(due_of(view), now)[1])
        return " · ".join(part for part in parts if part)

    return [(view, said(view)) for view in sorted(views, key=lambda v: due_of(v) or datetime.max.replace(tzinfo=UTC))]


def cards(views: list[dict], products: dict[str, dict], now: datetime,
          store_time: StoreTime) -> dict[Stage, list[Card]]:
    """The queue, stage by stage, most urgent first."""
    queue: dict[Stage, list[Card]] = {stage: [] for stage in Stage}
    for view in views:
        stage = stage_of(view, now, store_time)
        if stage is None:
            continue
        due = due_of(view)
        urgency, text = countdown(due, now)
        order = view.get("order") or {}
        queue[stage].append(Card(
            fulfilment_id=view["id"],
            order_ref=order.get("external_ref", view["id"][:8]),
            customer=(order.get("customer") or {}).get("name", ""),
            method=view["delivery_method"],
            lines=tuple((products.get(l["sku"], {}).get("name", l["sku"]), l["qty"]) for l in view["lines"]),
            status=view["status"],
            stage=stage,
            due=due,
            urgency=urgency,
            countdown=text,
        ))
    far = datetime.max.replace(tzinfo=UTC)
    for stage, items in queue.items():
        if stage is Stage.DONE_TODAY:
            items.reverse()  # the latest first
        else:
            items.sort(key=lambda card: card.due or far)
    return queue


def _parse(stamp: str) -> datetime:
    value = datetime.fromisoformat(stamp)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d}"
