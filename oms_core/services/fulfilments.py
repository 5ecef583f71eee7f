"""What store associates do to fulfilments: accept, reject, pick, pack, ship,
make ready, hand over. Each action locks the fulfilment row, asks the domain
state machine whether it is allowed, applies its stock effect and records it."""

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Engine, and_, or_, select
from sqlmodel import Session

from contract.errors import InvalidInput, NotFound
from contract.fulfilment import Action, FulfilmentStatus, next_status
from contract.parcels import new_tracking_number
from contract.picking import add_picks, everything_picked
from contract.reasons import REJECT_REASONS
from contract.ship_together import rest_of_sets, set_names

from ..domain.actors import SYSTEM, Actor
from ..models import Fulfilment, FulfilmentActionKey, FulfilmentLine
from ..schemas import CollectIn, PackIn, PickIn, ReadyIn, RejectIn, ShipIn
from . import allocation, audit, catalog, counter, events, notifications, orders, parcel_labels
from . import stock as stock_service
from .db_util import request_hash

_EXPIRED = "not accepted in time"
_EXPIRE_BATCH = 500  # per run; the next run takes the rest


def list_for_location(session: Session, location: str, statuses: Sequence[str] | None, limit: int,
                      after: str | None = None) -> tuple[list[dict], bool]:
    """A page of the location's fulfilments, oldest first, from the one after `after`;
    and whether more follow."""
    where = [Fulfilment.location == location]
    if statuses:
        where.append(Fulfilment.status.in_(list(statuses)))
    if after is not None:
        # Keyset paging on the listing's own order: pages do not repeat or shift as
        # fulfilments are created. One stamped before a page was read but committed
        # after it (another worker's transaction) shows in the next listing only.
        anchor = session.execute(
            select(Fulfilment.created_at, Fulfilment.id).where(Fulfilment.id == after, Fulfilment.location == location)
        ).first()
        if anchor is None:
            raise InvalidInput("invalid_cursor", f"no fulfilment {after} here: page on from an id this listing gave")
        where.append(or_(Fulfilment.created_at > anchor.created_at,
                         and_(Fulfilment.created_at == anchor.created_at, Fulfilment.id > anchor.id)))
    views = orders.fulfilment_views(session, *where, limit=limit + 1)
    return views[:limit], len(views) > limit


def get(session: Session, fulfilment_id: str, actor: Actor) -> dict:
    _load(session, fulfilment_id, actor, lock=False)
    return orders.fulfilment_views(session, Fulfilment.id == fulfilment_id)[0]


def act(session: Session, fulfilment_id: str, action: Action, actor: Actor, body: object,
        idempotency_key: str | None = None) -> dict:
    """Take the action and answer the fulfilment as it stands. An action already taken
    under the same Idempotency-Key is not taken again: the fulfilment is answered as it
    stands now. The key is looked up once the row is locked, so concurrent retries wait
    for the first and then find its key."""
    fulfilment, lines = _load(session, fulfilment_id, actor, lock=True)
    if idempotency_key is not None and _already_taken(session, fulfilment_id, action, actor, body, idempotency_key):
        return orders.fulfilment_views(session, Fulfilment.id == fulfilment.id)[0]
    status = FulfilmentStatus(fulfilment.status)
    collect_here = fulfilment.delivery_method == "click_collect"
    match action:
        case Action.ACCEPT:
            _step(session, fulfilment, status, action, actor, collect_here)
        case Action.REJECT:
            assert isinstance(body, RejectIn)
            _reject(session, fulfilment, lines, body, actor)
        case Action.PICK:
            assert isinstance(body, PickIn)
            _pick(session, fulfilment, status, lines, body, actor, collect_here)
        case Action.PACK:
            assert isinstance(body, PackIn)
            parcels = _parcels(body)
            if _step(session, fulfilment, status, action, actor, collect_here, details={"parcels": len(parcels)}):
                _label(session, fulfilment, parcels, body.carrier)
            elif status is FulfilmentStatus.PACKED and _relabels(body, fulfilment.parcels):
                # Labels voided and printed again: the parcels change, the status does not.
                voided = [p.get("tracking_number") for p in fulfilment.parcels]
                _label(session, fulfilment, parcels, body.carrier)
                allocation.transition(session, fulfilment, status, Action.PACK, actor,
                                      details={"relabel": True, "voided": voided})
        case Action.SHIP:
            assert isinstance(body, ShipIn)
            if next_status(status, action, collect_here=collect_here) is not None:
                first = fulfilment.parcels[0].get("tracking_number") if fulfilment.parcels else None
                tracking_number = body.tracking_number or first or new_tracking_number()
                parcel_labels.give(session, fulfilment.id, [tracking_number])
                _consume(session, fulfilment, lines, "ship", actor)
                fulfilment.carrier = body.carrier or fulfilment.carrier or "standard"
                fulfilment.tracking_number = tracking_number
                _step(session, fulfilment, status, action, actor, collect_here,
                      details={"carrier": fulfilment.carrier, "tracking_number": fulfilment.tracking_number,
                               "manifest": body.manifest})
                if fulfilment.delivery_method == "home":  # a parcel to a pickup store is announced on arrival
                    numbers = [tracking_number, *(p["tracking_number"] for p in fulfilment.parcels[1:]
                                                  if p.get("tracking_number"))]
                    notifications.shipped(session, fulfilment.id, fulfilment.order_id, fulfilment.carrier,
                                          list(dict.fromkeys(numbers)))  # a number given at ship may be one of them
        case Action.READY:
            assert isinstance(body, ReadyIn)
            next_status(status, action, collect_here=collect_here)  # refuses what is not collected here
            counter.ready(session, fulfilment, status, body.shelf, actor)
        case Action.COLLECT:
            assert isinstance(body, CollectIn)
            next_status(status, action, collect_here=collect_here)
            counter.collect(session, fulfilment, lines, body, actor)
        case _:
            raise InvalidInput("unknown_action", f"{action} is not a store action")
    if idempotency_key is not None:
        session.add(FulfilmentActionKey(client=actor.label, key=idempotency_key, fulfilment_id=fulfilment_id,
                                        action=action.value, request_hash=_action_hash(fulfilment_id, action, body)))
    session.flush()
    orders.refresh_status(session, fulfilment.order_id)
    return orders.fulfilment_views(session, Fulfilment.id == fulfilment.id)[0]


def _action_hash(fulfilment_id: str, action: Action, body: object) -> str:
    asked = body.model_dump(mode="json") if isinstance(body, BaseModel) else None
    return request_hash({"fulfilment": fulfilment_id, "action": action.value, "body": asked})


def _already_taken(session: Session, fulfilment_id: str, action: Action, actor: Actor, body: object,
                   key: str) -> bool:
    taken = session.get(FulfilmentActionKey, (actor.label, key))
    if taken is None:
        return False
    if taken.request_hash != _action_hash(fulfilment_id, action, body):
        raise InvalidInput("idempotency_key_reused", "this Idempotency-Key was used for another action",
                           fulfilment_id=taken.fulfilment_id, action=taken.action)
    return True


def _load(session: Session, fulfilment_id: str, actor: Actor, *, lock: bool) -> tuple[Fulfilment, list[FulfilmentLine]]:
    query = select(Fulfilment).where(Fulfilment.id == fulfilment_id)
    fulfilment = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    # Another store's fulfilment does not exist as far as this store is concerned.
    if fulfilment is None or (actor.is_store_bound and fulfilment.location != actor.store):
        raise NotFound("fulfilment_not_found", f"no fulfilment {fulfilment_id} at this store")
    lines = session.execute(
        select(FulfilmentLine).where(FulfilmentLine.fulfilment_id == fulfilment_id).order_by(FulfilmentLine.sku)
    ).scalars().all()
    return fulfilment, list(lines)


def _step(
    session: Session,
    fulfilment: Fulfilment,
    status: FulfilmentStatus,
    action: Action,
    actor: Actor,
    collect_here: bool,
    *,
    details: dict | None = None,
) -> bool:
    """Apply a plain transition; False when it was already done (a retry)."""
    target = next_status(status, action, collect_here=collect_here)
    if target is None:
        return False
    allocation.transition(session, fulfilment, target, action, actor, details=details)
    return True


def _pick(
    session: Session,
    fulfilment: Fulfilment,
    status: FulfilmentStatus,
    lines: list[FulfilmentLine],
    body: PickIn,
    actor: Actor,
    collect_here: bool,
) -> None:
    by_sku = {line.sku: line for line in lines}
    ordered = {line.sku: (line.qty, line.picked) for line in lines}
    if body.items:
        picks = []
        for item in body.items:
            sku = item.sku or catalog.resolve_barcode(session, item.code or "")
            if sku is None:
                raise InvalidInput("unknown_code", f"{item.code} is not a known barcode", code=item.code)
            picks.append((sku, item.qty))
    else:  # "everything that is left"
        picks = [(line.sku, line.qty - line.picked) for line in lines if line.qty > line.picked]
    picked = add_picks(ordered, picks)
    target = next_status(
        status, Action.PICK, collect_here=collect_here, all_picked=everything_picked(ordered, picked)
    )
    if target is None:
        return
    added = {sku: units - ordered[sku][1] for sku, units in picked.items() if units > ordered[sku][1]}
    for sku, units in picked.items():
        by_sku[sku].picked = units
        session.add(by_sku[sku])
    if target.value == fulfilment.status:
        allocation.touch(session, fulfilment)  # more units picked, same status
    else:
        allocation.transition(session, fulfilment, target, Action.PICK, actor, details={"picked": added})


def _reject(session: Session, fulfilment: Fulfilment, lines: list[FulfilmentLine], body: RejectIn, actor: Actor) -> None:
    if body.reason not in REJECT_REASONS:
        raise InvalidInput(
            "unknown_reason", f"reason must be one of {', '.join(REJECT_REASONS)}", allowed=list(REJECT_REASONS)
        )
    status = FulfilmentStatus(fulfilment.status)
    target = next_status(status, Action.REJECT, collect_here=True)
    if target is None:
        return
    by_sku = {line.sku: line for line in lines}
    if body.lines is None:
        returned = {line.sku: line.qty for line in lines}
    else:
        returned = {}
        for item in body.lines:
            returned[item.sku] = returned.get(item.sku, 0) + item.qty
        for sku, qty in returned.items():
            if sku not in by_sku:
                raise InvalidInput("wrong_item", f"{sku} is not in this fulfilment", sku=sku)
            if qty > by_sku[sku].qty:
                raise InvalidInput("too_many", f"only {by_sku[sku].qty} of {sku} to reject", sku=sku)
    named = dict(returned)  # what the store said; `returned` also takes the rest of a set it breaks
    # A set leaves whole from one location: the rest of each set the store breaks here goes back
    # too, the sets grouped as routing groups them (a set sharing an item with another is one set).
    sets = orders.ship_together_sets(session, {fulfilment.order_id}).get(fulfilment.order_id, {})
    in_set = set_names(sets, by_sku)
    returned |= rest_of_sets({sku: (line.qty, in_set.get(sku)) for sku, line in by_sku.items()}, returned)
    whole = all(returned.get(line.sku, 0) == line.qty for line in lines)
    # A rejection moves an order to another location: head office reviews them in the audit log.
    audit.record(session, "fulfilment.rejected", actor=actor, store=fulfilment.location,
                 target=f"fulfilment:{fulfilment.id}", reason=body.reason, lines=returned, whole=whole)
    if whole:
        allocation.close(session, fulfilment, Action.REJECT, actor, body.reason)
    else:
        stock_service.apply(
            session,
            [stock_service.Move(fulfilment.location, sku, 0, -qty, "release", fulfilment.id) for sku, qty in returned.items()],
            actor.label,
        )
        for sku, qty in returned.items():
            line = by_sku[sku]
            line.qty -= qty
            line.picked = min(line.picked, line.qty)
            if line.qty == 0:
                session.delete(line)
            else:
                session.add(line)
        allocation.transition(
            session, fulfilment, status, Action.REJECT, actor, reason=body.reason,
            details={"lines": returned, "note": body.note, "partial": True},
        )
        session.flush()
        kept = [line for line in lines if line.qty > 0]
        if status is FulfilmentStatus.PICKING and all(line.picked >= line.qty for line in kept):
            # What is left was all picked already.
            allocation.transition(session, fulfilment, FulfilmentStatus.PICKED, Action.PICK, actor)
    if body.stock_missing:
        _record_missing(session, fulfilment, named, actor)
    orders.reroute(session, fulfilment.order_id, returned, actor, given_back_by=fulfilment.location,
                   reason=body.reason)


def _record_missing(session: Session, fulfilment: Fulfilment, units: dict[str, int], actor: Actor) -> None:
    """The store says these units are not there: they leave its stock (a
    discrepancy in the ledger), so that routing stops counting on them. Units
    that other orders still hold reserved stay until a count settles them."""
    taken: dict[str, int] = {}
    for sku, qty in sorted(units.items()):
        try:
            stock_service.apply(session, [stock_service.Move(fulfilment.location, sku, -qty, 0, "discrepancy",
                                                             fulfilment.id)], actor.label)
            taken[sku] = qty
        except stock_service.StockShortage:
            pass  # a count already brought it below what others hold: nothing to take
    events.record(session, fulfilment.order_id, "stock.missing", actor, fulfilment_id=fulfilment.id,
                  location=fulfilment.location, details={"reported": units, "taken_off_stock": taken})


def _consume(session: Session, fulfilment: Fulfilment, lines: list[FulfilmentLine], kind: str, actor: Actor) -> None:
    """The goods leave the location: on hand and reserved both go down."""
    stock_service.apply(
        session,
        [stock_service.Move(fulfilment.location, l.sku, -l.qty, -l.qty, kind, fulfilment.id) for l in lines],
        actor.label,
    )


def _parcels(body: PackIn) -> list[dict]:
    """The parcels as stored, each with its tracking number (made here when the store sent none)."""
    return [
        {**parcel.model_dump(), "tracking_number": parcel.tracking_number or new_tracking_number(),
         "service": body.service}
        for parcel in body.parcels
    ]


def _label(session: Session, fulfilment: Fulfilment, parcels: list[dict], carrier: str | None) -> None:
    """Put these parcels, with their labels, on the fulfilment in place of those it had."""
    parcel_labels.give(session, fulfilment.id, (parcel["tracking_number"] for parcel in parcels), only=True)
    fulfilment.parcels, fulfilment.carrier = parcels, carrier or fulfilment.carrier


def _relabels(body: PackIn, packed: list[dict]) -> bool:
    """Packing a packed fulfilment again changes its parcels, unless it asks for
    what is there: a retry or a double tap that left the numbering to the core
    must not void the label just printed."""
    if len(body.parcels) != len(packed):
        return True
    return any(
        (asked.weight_kg, asked.box, body.service) != (kept.get("weight_kg"), kept.get("box"), kept.get("service"))
        or asked.tracking_number not in (None, kept.get("tracking_number"))
        for asked, kept in zip(body.parcels, packed, strict=True)
    )


def expire_overdue(engine: Engine, now: datetime) -> int:
    """Expire the fulfilments that were not accepted in time and route their
    lines again; returns how many expired. Safe to run in several workers at
    once: each fulfilment is taken under a row lock that the others skip."""
    with Session(engine) as session:
        overdue = session.execute(
            select(Fulfilment.id).where(*_overdue(now)).order_by(Fulfilment.accept_by).limit(_EXPIRE_BATCH)
        ).scalars().all()
    return sum(allocation.retrying(engine, lambda session: _expire(session, fid, now)) for fid in overdue)


def _overdue(now: datetime) -> tuple:
    return Fulfilment.status == FulfilmentStatus.ASSIGNED.value, Fulfilment.accept_by < now


def _expire(session: Session, fulfilment_id: str, now: datetime) -> int:
    fulfilment = session.execute(
        select(Fulfilment).where(Fulfilment.id == fulfilment_id, *_overdue(now)).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if fulfilment is None:
        return 0  # accepted meanwhile, or another worker has it
    lines = dict(session.execute(
        select(FulfilmentLine.sku, FulfilmentLine.qty).where(FulfilmentLine.fulfilment_id == fulfilment_id)
    ).all())
    allocation.close(session, fulfilment, Action.EXPIRE, SYSTEM, _EXPIRED)
    orders.reroute(session, fulfilment.order_id, lines, SYSTEM, given_back_by=fulfilment.location, reason=_EXPIRED,
                   now=now)
    return 1
