"""The fulfilment state machine.

A fulfilment is the part of an order that one location prepares as one parcel
group. Home deliveries go  assigned -> accepted -> picking -> picked -> packed
-> shipped; click & collect at the fulfilling store ends  picked ->
ready_for_pickup -> collected. Rejection and expiry hand the lines back to
routing; cancellation is possible until the goods have left.
"""

from dataclasses import dataclass
from enum import StrEnum

from .errors import Conflict


class FulfilmentStatus(StrEnum):
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Action(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    PICK = "pick"
    PACK = "pack"
    SHIP = "ship"
    READY = "ready"
    COLLECT = "collect"
    CANCEL = "cancel"
    EXPIRE = "expire"


S = FulfilmentStatus

# Statuses in which the fulfilment still holds a reservation and can change.
OPEN = frozenset({S.ASSIGNED, S.ACCEPTED, S.PICKING, S.PICKED, S.PACKED, S.READY_FOR_PICKUP})
# Statuses after which nothing happens any more.
TERMINAL = frozenset({S.SHIPPED, S.COLLECTED, S.REJECTED, S.EXPIRED, S.CANCELLED})
# Statuses that gave the lines back to the order (to be routed elsewhere or not at all).
RELEASED = frozenset({S.REJECTED, S.EXPIRED, S.CANCELLED})


@dataclass(frozen=True)
class Transition:
    sources: frozenset[FulfilmentStatus]
    target: FulfilmentStatus | None  # None: decided by the action (pick)
    home_only: bool = False
    pickup_only: bool = False


TRANSITIONS: dict[Action, Transition] = {
    Action.ACCEPT: Transition(frozenset({S.ASSIGNED}), S.ACCEPTED),
    # A store may give an order back until it is packed (short pick included).
    Action.REJECT: Transition(frozenset({S.ASSIGNED, S.ACCEPTED, S.PICKING, S.PICKED}), S.REJECTED),
    Action.PICK: Transition(frozenset({S.ACCEPTED, S.PICKING}), None),
    Action.PACK: Transition(frozenset({S.PICKED}), S.PACKED, home_only=True),
    Action.SHIP: Transition(frozenset({S.PACKED}), S.SHIPPED, home_only=True),
    Action.READY: Transition(frozenset({S.PICKED}), S.READY_FOR_PICKUP, pickup_only=True),
    Action.COLLECT: Transition(frozenset({S.READY_FOR_PICKUP}), S.COLLECTED, pickup_only=True),
    Action.CANCEL: Transition(OPEN, S.CANCELLED),
    Action.EXPIRE: Transition(frozenset({S.ASSIGNED}), S.EXPIRED),
}


def next_status(
    current: FulfilmentStatus,
    action: Action,
    *,
    collect_here: bool,
    all_picked: bool = False,
) -> FulfilmentStatus | None:
    """The status after `action`, or None when the action was already done.

    `collect_here` says whether the customer collects at this location (click &
    collect at the fulfilling store) rather than receiving a shipped parcel.
    Repeating an action whose result is the current status is a no-op (None),
    so that a retried request never records the event twice. Anything else that
    the table does not allow raises Conflict.
    """
    rule = TRANSITIONS[action]
    if action is Action.PICK:
        target = S.PICKED if all_picked else S.PICKING
        if current is S.PICKED and all_picked:
            return None
    else:
        assert rule.target is not None
        target = rule.target
        if current is target:
            return None
    if rule.home_only and collect_here:
        raise Conflict(
            "wrong_delivery_method",
            f"'{action}' is for parcels that leave the store; this order is collected here",
            status=current.value,
        )
    if rule.pickup_only and not collect_here:
        raise Conflict(
            "wrong_delivery_method",
            f"'{action}' is for orders collected at this store",
            status=current.value,
        )
    if current not in rule.sources:
        raise Conflict(
            "invalid_transition",
            f"cannot {action} a fulfilment that is {current}",
            status=current.value,
            action=action.value,
        )
    return target
