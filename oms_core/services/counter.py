"""The store counter: click & collect orders on their shelves, pickup codes,
partial handovers, parcels shipped to the store arriving, and the customers
who never come (reminded, then cancelled and restocked by the scheduler)."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, exists, insert, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from contract import pickup
from contract.errors import Conflict, InvalidInput, NotFound
from contract.fulfilment import OPEN, Action, FulfilmentStatus, next_status

from ..core.config import Settings
from ..domain.actors import SYSTEM, Actor
from ..domain.ids import uuid7
from ..domain.orders import DONE, OrderStatus, counted
from ..domain.pickup_keys import new_secret
from ..models import Fulfilment, FulfilmentLine, Order, PickupKey, utcnow
from ..schemas import CollectIn, ReceiveIn
from . import allocation, audit, events, notifications, order_lookup, orders, parcel_labels
from . import stock as stock_service
from .db_util import insert_missing

READY = FulfilmentStatus.READY_FOR_PICKUP.value
_NOT_COLLECTED = "not_collected"
_BATCH = 500  # per scheduler run; the next run takes the rest
_LOOKUP_LIMIT = 20


# --- pickup codes -----------------------------------------------------------------


def add_pickup_keys(session: Session, stores: list[str]) -> None:
    """Give new stores their pickup key; existing keys are kept (codes already sent stay valid)."""
    insert_missing(session, PickupKey.__table__,
                   [{"store": store, "secret": new_secret(), "created_at": utcnow()} for store in stores], ["store"])


def pickup_secret(session: Session, store: str) -> str:
    secret = session.execute(select(PickupKey.secret).where(PickupKey.store == store)).scalar_one_or_none()
    if secret is None:
        raise NotFound("unknown_store", f"{store} is not a store")
    return secret


def pickup_for(session: Session, store: str, order_id: str) -> dict:
    secret = pickup_secret(session, store)
    return {"order_id": order_id, "store": store, "code": pickup.pickup_code(secret, order_id),
            "qr_payload": pickup.qr_payload(secret, store, order_id)}


def order_pickup(session: Session, order_id: str, actor: Actor) -> dict:
    """The pickup code and QR of a click & collect order (for the customer's screen or a reprint):
    for its pickup store's staff and devices, the integration that placed it, and head office."""
    store = session.execute(
        select(Order.pickup_store).where(Order.id == order_id, order_lookup.known_to(actor))
    ).scalar_one_or_none()
    if store is None or (actor.is_store_bound and store != actor.store):
        raise NotFound("order_not_found", f"no click & collect order {order_id} for this store")
    return pickup_for(session, store, order_id)


# --- ready, collect -----------------------------------------------------------------


def ready(session: Session, fulfilment: Fulfilment, status: FulfilmentStatus, shelf: str | None, actor: Actor) -> None:
    """Put the order on its shelf and tell the customer; making it ready again on another shelf moves it."""
    if next_status(status, Action.READY, collect_here=True) is None:
        if shelf and shelf != fulfilment.shelf:
            moved_from, fulfilment.shelf = fulfilment.shelf, shelf
            allocation.transition(session, fulfilment, status, Action.READY, actor,
                                  details={"shelf": shelf, "moved_from": moved_from})
        return
    fulfilment.shelf, fulfilment.ready_at = shelf, utcnow()
    allocation.transition(session, fulfilment, FulfilmentStatus.READY_FOR_PICKUP, Action.READY, actor,
                          details={"shelf": shelf})
    _tell_ready(session, fulfilment)


def _tell_ready(session: Session, fulfilment: Fulfilment, again: int = 0) -> None:
    code = pickup_for(session, fulfilment.location, fulfilment.order_id)
    notifications.ready_for_pickup(session, fulfilment.id, fulfilment.order_id, fulfilment.location, code["code"],
                                   code["qr_payload"], again)


def send_code_again(session: Session, fulfilment_id: str, actor: Actor, wait: timedelta) -> dict:
    """The customer lost the e-mail with their pickup code: send the same one again
    for an order waiting on this store's shelf. Within `wait` of the last copy
    nothing more is queued and the answer says when that one went, so a double
    tap or an impatient customer makes one more e-mail, not a stream of them."""
    fulfilment = session.execute(
        select(Fulfilment).where(Fulfilment.id == fulfilment_id).with_for_update()).scalar_one_or_none()
    # Another store's fulfilment does not exist as far as this store is concerned.
    if fulfilment is None or fulfilment.location != actor.store:
        raise NotFound("fulfilment_not_found", f"no fulfilment {fulfilment_id} at this store")
    # The order locked too (after its fulfilment, as a cancel takes them): one copy per order
    # however many of its parts two tablets tap at once.
    ref, customer = session.execute(
        select(Order.external_ref, Order.customer).where(Order.id == fulfilment.order_id).with_for_update()).one()
    if fulfilment.status != READY:
        raise Conflict("not_ready_for_pickup", f"{ref} is {fulfilment.status.replace('_', ' ')}, not waiting on "
                       "the shelf: there is no pickup code to send", status=fulfilment.status)
    recipient = customer.get("email")
    if not recipient:
        raise Conflict("no_email", f"{ref} has no customer e-mail address to send the pickup code to")
    copies, last = notifications.ready_copies(session, fulfilment.id, fulfilment.order_id)
    now = utcnow()
    answer = {"fulfilment_id": fulfilment.id, "order_ref": ref, "recipient": recipient}
    if last is not None and now < last + wait:
        return answer | {"queued": False, "queued_at": last, "next_at": last + wait}
    copy = copies + 1
    _tell_ready(session, fulfilment, again=copy)
    events.record(session, fulfilment.order_id, "pickup.code_resent", actor, fulfilment_id=fulfilment.id,
                  location=fulfilment.location, details={"to": recipient, "copy": copy})
    # A pickup code hands goods over: head office can see who had one sent again, and how often.
    audit.record(session, "pickup.code_resent", actor=actor, store=fulfilment.location,
                 target=f"fulfilment:{fulfilment.id}", order=fulfilment.order_id, copy=copy)
    return answer | {"queued": True, "queued_at": now, "next_at": now + wait}


def collect(session: Session, fulfilment: Fulfilment, lines: list[FulfilmentLine], body: CollectIn,
            actor: Actor) -> None:
    """Hand over all or some of the units. What the customer takes leaves the
    store on a collected fulfilment; what is left stays on this one, on its
    shelf, or is cancelled and goes back to stock."""
    status = FulfilmentStatus(fulfilment.status)
    if body.collected_id and (done := session.get(Fulfilment, body.collected_id)) is not None:
        if (done.order_id, done.location, done.status) == (
                fulfilment.order_id, fulfilment.location, FulfilmentStatus.COLLECTED.value) and done.id != fulfilment.id:
            return  # this partial handover was done already (a retry)
        raise InvalidInput("collected_id_in_use", "collected_id names another fulfilment; make a new one")
    if next_status(status, Action.COLLECT, collect_here=True) is None:
        return
    checked = "none"
    if body.code:
        checked = pickup.verify(pickup_secret(session, fulfilment.location), fulfilment.location,
                                fulfilment.order_id, body.code)
    taken, left = pickup.handover({line.sku: line.qty for line in lines},
                                  None if body.lines is None else [(item.sku, item.qty) for item in body.lines],
                                  body.rest, body.reason)
    stock_service.apply(
        session,
        [stock_service.Move(fulfilment.location, sku, -qty, -qty, "collect", fulfilment.id) for sku, qty in taken.items()],
        actor.label,
    )
    details = {"checked": checked, "items": taken}
    if not left:
        allocation.transition(session, fulfilment, FulfilmentStatus.COLLECTED, Action.COLLECT, actor, details=details)
        notifications.collected(session, fulfilment.id, fulfilment.order_id, fulfilment.location, taken)
        return
    handed = _split_off(session, fulfilment, lines, taken, body.collected_id or uuid7())
    events.record(session, fulfilment.order_id, "fulfilment.collect", actor, fulfilment_id=handed,
                  from_status=READY, to_status=FulfilmentStatus.COLLECTED.value, location=fulfilment.location,
                  details={**details, "partial_of": fulfilment.id})
    notifications.collected(session, handed, fulfilment.order_id, fulfilment.location, taken)
    if body.rest == "cancel":
        allocation.close(session, fulfilment, Action.CANCEL, actor, body.reason)
    else:
        allocation.transition(session, fulfilment, status, Action.COLLECT, actor,
                              details={"partial": True, "handed_over_on": handed, "left": left})


def _split_off(session: Session, fulfilment: Fulfilment, lines: list[FulfilmentLine], taken: dict[str, int],
               handed: str) -> str:
    """Move the taken units to a new, collected fulfilment of the same order and store."""
    now = utcnow()
    session.execute(insert(Fulfilment.__table__), [{
        "id": handed, "order_id": fulfilment.order_id, "location": fulfilment.location,
        "status": FulfilmentStatus.COLLECTED.value, "delivery_method": fulfilment.delivery_method,
        "ship_to": None, "accept_by": None, "carrier": None, "tracking_number": None, "parcels": [],
        "shelf": fulfilment.shelf, "ready_at": fulfilment.ready_at, "reminders_sent": 0, "arrived_from": None,
        "version": 1, "created_at": now, "updated_at": now,
    }])
    session.execute(insert(FulfilmentLine.__table__),
                    [{"fulfilment_id": handed, "sku": sku, "qty": qty, "picked": qty} for sku, qty in taken.items()])
    for line in lines:
        units = taken.get(line.sku, 0)
        if units == line.qty:
            session.delete(line)
        elif units:
            line.qty -= units
            line.picked = min(line.picked, line.qty)
            session.add(line)
    allocation.notify_fulfilment(session, handed, fulfilment.location, None)
    return handed


# --- parcels arriving at the pickup store -----------------------------------------------


def receive(session: Session, body: ReceiveIn, actor: Actor) -> dict:
    """A parcel shipped to this store for a click & collect order is scanned in:
    it becomes this store's fulfilment, ready for the customer. Scanning it
    again (another tablet, a retry) gives the same arrival."""
    store = actor.store or ""
    parcel = _parcel(session, store, body.tracking_number)
    arrived = session.execute(select(Fulfilment.id).where(Fulfilment.arrived_from == parcel.id)).scalar_one_or_none()
    if arrived is not None:
        return orders.fulfilment_views(session, Fulfilment.id == arrived)[0]
    if parcel.status != FulfilmentStatus.SHIPPED.value:
        raise Conflict("not_shipped", f"the parcel's fulfilment is {parcel.status}: it has not been shipped",
                       status=parcel.status)
    units = dict(session.execute(
        select(FulfilmentLine.sku, FulfilmentLine.qty).where(FulfilmentLine.fulfilment_id == parcel.id)).all())
    arrival_id = body.arrival_id or uuid7()
    if session.get(Fulfilment, arrival_id) is not None:
        raise Conflict("id_taken", f"a fulfilment {arrival_id} exists already")
    now = utcnow()
    session.execute(insert(Fulfilment.__table__), [{
        "id": arrival_id, "order_id": parcel.order_id, "location": store, "status": READY,
        "delivery_method": "click_collect", "ship_to": None, "accept_by": None, "carrier": parcel.carrier,
        "tracking_number": body.tracking_number, "parcels": [], "shelf": body.shelf, "ready_at": now,
        "reminders_sent": 0, "arrived_from": parcel.id, "version": 1, "created_at": now, "updated_at": now,
    }])
    session.execute(insert(FulfilmentLine.__table__),
                    [{"fulfilment_id": arrival_id, "sku": sku, "qty": qty, "picked": qty} for sku, qty in units.items()])
    # The goods are now in this store, held for the customer: on hand and reserved.
    stock_service.apply(session, [stock_service.Move(store, sku, qty, qty, "arrival", arrival_id)
                                  for sku, qty in units.items()], actor.label)
    events.record(session, parcel.order_id, "fulfilment.receive", actor, fulfilment_id=arrival_id,
                  from_status=FulfilmentStatus.SHIPPED.value, to_status=READY, location=store,
                  details={"tracking_number": body.tracking_number, "shelf": body.shelf, "parcel": parcel.id,
                           "shipped_from": parcel.location})
    allocation.notify_fulfilment(session, arrival_id, store, None)
    arrival = session.get(Fulfilment, arrival_id)
    assert arrival is not None
    _tell_ready(session, arrival)
    session.flush()
    orders.refresh_status(session, parcel.order_id)
    return orders.fulfilment_views(session, Fulfilment.id == arrival_id)[0]


def _parcel(session: Session, store: str, tracking_number: str) -> Fulfilment:
    """The fulfilment shipped to this store whose parcel carries this tracking number."""
    holder = parcel_labels.holder(session, tracking_number)
    parcel = session.execute(
        select(Fulfilment).where(Fulfilment.id == holder, Fulfilment.ship_to == store,
                                 Fulfilment.delivery_method == "ship_to_store",
                                 Fulfilment.status.in_([FulfilmentStatus.PACKED.value, FulfilmentStatus.SHIPPED.value]))
        .with_for_update()
    ).scalar_one_or_none() if holder else None
    if parcel is None:
        raise NotFound("unknown_parcel", f"no parcel {tracking_number} is on its way to {store}")
    return parcel


def inbound(session: Session, store: str) -> list[dict]:
    """Parcels on their way to this store for its click & collect customers, not yet scanned in."""
    return orders.fulfilment_views(
        session, Fulfilment.ship_to == store, Fulfilment.delivery_method == "ship_to_store",
        Fulfilment.status.not_in([*_GIVEN_BACK, FulfilmentStatus.CANCELLED.value]), _not_arrived(),
    )


# Given back by the store: not the counter's business any more.
_GIVEN_BACK = [FulfilmentStatus.REJECTED.value, FulfilmentStatus.EXPIRED.value]


def _not_arrived():  # noqa: ANN202
    """Not a parcel already scanned in at the pickup store: its arrival is the order there
    now (the parcel stays "shipped" and would show beside it as a ghost)."""
    arrival = aliased(Fulfilment)
    return ~exists().where(arrival.arrived_from == Fulfilment.id)  # one probe of the unique index per parcel


# --- finding orders at the counter ---------------------------------------------------------


def shelf(session: Session, store: str) -> list[dict]:
    """What waits for customers on this store's shelves, oldest first."""
    views = orders.fulfilment_views(session, Fulfilment.location == store, Fulfilment.status == READY)
    return _with_orders(session, sorted(views, key=lambda v: (v["ready_at"] is None, v["ready_at"], v["id"])))


def lookup(session: Session, store: str, q: str) -> list[dict]:
    """This store's click & collect orders matching an order number, a customer
    name or phone, or a scanned pickup QR (which must be genuine and for this store)."""
    q = q.strip()
    if not q:
        raise InvalidInput("query_required", "type an order number, a name or a phone number, or scan the QR")
    mine = or_(Fulfilment.location == store, Fulfilment.ship_to == store)
    scanned = pickup.parse_qr(q)
    if scanned is not None:
        if pickup.genuine_qr(pickup_secret(session, store), store, q) is None:
            raise InvalidInput("wrong_pickup_code", "this pickup QR is not genuine or not for this store")
        where = [Order.id == scanned.order_id]
    else:
        where = [order_lookup.matching(q)]
    order_ids = select(Order.id).where(Order.pickup_store == store, *where).order_by(Order.created_at.desc())
    views = orders.fulfilment_views(session, mine, Fulfilment.order_id.in_(order_ids.limit(_LOOKUP_LIMIT)),
                                    Fulfilment.delivery_method.in_(["click_collect", "ship_to_store"]),
                                    Fulfilment.status.not_in(_GIVEN_BACK), _not_arrived())
    return _with_orders(session, views)


def _with_orders(session: Session, views: list[dict]) -> list[dict]:
    refs = {row.id: row for row in session.execute(
        select(Order.id, Order.external_ref, Order.customer).where(Order.id.in_({v["order_id"] for v in views})))}
    return [{"fulfilment": v, "order_ref": refs[v["order_id"]].external_ref,
             "customer": refs[v["order_id"]].customer, "waiting_since": v["ready_at"]} for v in views]


# --- customers who do not come ---------------------------------------------------------------


def remind_and_release(engine: Engine, settings: Settings, now: datetime) -> dict[str, int]:
    """Remind customers whose order has waited past each reminder delay; cancel
    what has waited past the hold and put it back in stock. Safe in several
    workers at once (each fulfilment is taken under a row lock the others skip)."""
    hold = timedelta(hours=settings.pickup_hold_hours)
    delays = sorted(timedelta(hours=h) for h in settings.pickup_reminder_hours if timedelta(hours=h) < hold)
    first = delays[0] if delays else hold
    with Session(engine) as session:
        waiting = session.execute(
            select(Fulfilment.id).where(Fulfilment.status == READY, Fulfilment.ready_at <= now - first)
            .order_by(Fulfilment.ready_at).limit(_BATCH)
        ).scalars().all()
    done = {"reminded": 0, "cancelled": 0}
    for fid in waiting:
        outcome = allocation.retrying(engine, lambda session: _follow_up(session, fid, now, delays, hold))
        if outcome:
            done[outcome] += 1
    return {what: count for what, count in done.items() if count}


def _follow_up(session: Session, fulfilment_id: str, now: datetime, delays: list[timedelta],
               hold: timedelta) -> str | None:
    fulfilment = session.execute(
        select(Fulfilment).where(Fulfilment.id == fulfilment_id, Fulfilment.status == READY)
        .with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if fulfilment is None or fulfilment.ready_at is None:
        return None  # collected meanwhile, or another worker has it
    waited = now - fulfilment.ready_at
    if waited >= hold:
        allocation.close(session, fulfilment, Action.CANCEL, SYSTEM, _NOT_COLLECTED)
        session.flush()
        _cancel_order_if_nothing_left(session, fulfilment.order_id)
        return "cancelled"
    due = sum(1 for delay in delays if waited >= delay)
    if due <= fulfilment.reminders_sent:
        return None
    # Reminders missed while the core was down are not sent in a burst: one, the latest.
    fulfilment.reminders_sent = due
    session.add(fulfilment)
    notifications.pickup_reminder(session, fulfilment.id, fulfilment.order_id, fulfilment.location, due,
                                  fulfilment.ready_at + hold)
    events.record(session, fulfilment.order_id, "pickup.reminded", SYSTEM, fulfilment_id=fulfilment.id,
                  location=fulfilment.location, details={"reminder": due})
    return "reminded"


def _cancel_order_if_nothing_left(session: Session, order_id: str) -> None:
    """A customer who took nothing and has nothing left waiting: the order is cancelled."""
    views = counted(orders.fulfilment_views(session, Fulfilment.order_id == order_id))
    if any(status in DONE or status in OPEN for status, _ in views):
        orders.refresh_status(session, order_id)
        return
    session.execute(update(Order.__table__).where(Order.id == order_id)
                    .values(status=OrderStatus.CANCELLED.value, updated_at=utcnow()))
    events.record(session, order_id, "order.cancelled", SYSTEM, to_status=OrderStatus.CANCELLED.value,
                  reason=_NOT_COLLECTED)

