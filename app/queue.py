"""The order queue: which stage each fulfilment is at and how urgent it is.
Plain functions over the cache's views, so they are tested without screens."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from contract.service_levels import PREPARE_WITHIN

# Amber when less than this is left.
SOON = timedelta(minutes=15)


class Stage(StrEnum):
    TO_ACCEPT = "to_accept"
    TO_PICK = "to_pick"
    TO_PACK = "to_pack"
    TO_HAND_OVER = "to_hand_over"
    DONE_TODAY = "done_today"

    @property
    def title(self) -> str:
        return {
            "to_accept": "To accept",
            "to_pick": "To pick",
            "to_pack": "To pack",
            "to_hand_over": "To hand over",
            "done_today": "Done today",
        }[self.value]


class Urgency(StrEnum):
    CALM = "calm"
    SOON = "soon"  # amber
    LATE = "late"  # red


_STAGE_OF = {
    "assigned": Stage.TO_ACCEPT,
    "accepted": Stage.TO_PICK,
    "picking": Stage.TO_PICK,
    "picked": Stage.TO_PACK,  # or make ready, for click & collect here
    "packed": Stage.TO_HAND_OVER,
    "ready_for_pickup": Stage.TO_HAND_OVER,  # the customer comes to the counter
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


def stage_of(view: dict, today: datetime) -> Stage | None:
    """None for what is finished and not from today (it leaves the queue)."""
    stage = _STAGE_OF.get(view["status"])
    if stage is not None:
        return stage
    return Stage.DONE_TODAY if _parse(view["updated_at"]).date() == today.date() else None


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


def cards(views: list[dict], products: dict[str, dict], now: datetime) -> dict[Stage, list[Card]]:
    """The queue, stage by stage, most urgent first."""
    queue: dict[Stage, list[Card]] = {stage: [] for stage in Stage}
    for view in views:
        stage = stage_of(view, now)
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
