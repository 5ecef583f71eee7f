"""Returns at the counter: any order, from any channel, at any store that takes returns.

The refund is what the customer paid for the returned units (their order
line's unit price; there is no shipping charge on orders to give back), and
never more than the order's total minus what earlier returns refunded. Only
units the customer actually received (collected, or shipped home) can come
back, each unit once. Resellable units go back into this store's stock;
damaged ones are set aside for the warehouse and stay out of sellable stock.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from contract.fulfilment import FulfilmentStatus
from contract.reasons import RETURN_REASONS
from printing import Address, ReturnReceipt, Store, return_receipt_pdf
from printing import OrderLine as PrintedLine

from ..core.db import session_scope
from ..domain.actors import Actor
from ..domain.ids import uuid7
from ..models import Fulfilment, Location, Order, OrderLine, OrderReturn, Product, as_utc
from ..schemas import ReturnIn
from . import audit, events, notifications, orders, routing_profiles
from . import stock as stock_service
from .db_util import request_hash

_DISPOSITION = {"resellable": "restocked", "damaged": "to_warehouse"}


def create(engine: Engine, body: ReturnIn, actor: Actor, idempotency_key: str | None,
           currency: str) -> tuple[dict, bool]:
    """Record the return; returns (the return, created). A retry returns the first one.
    (`currency`: the network's, which the customer is told the refund in.)"""
    digest = request_hash(body.model_dump(mode="json"))
    try:
        with session_scope(engine) as session:
            # One return of an order at a time, so that two counters never refund
            # the same units, and a retry that waited on the first try finds it.
            order = session.execute(select(Order).where(Order.id == body.order_id).with_for_update()).scalar_one_or_none()
            existing = _replayed(session, body, actor, idempotency_key, digest)
            if existing is not None:
                return existing, False
            if order is None:
                raise NotFound("order_not_found", f"no order {body.order_id}")
            return _create(session, order, body, actor, idempotency_key, digest, currency), True
    except IntegrityError:
        # The same return arrived twice at once: the first one stands.
        with session_scope(engine) as session:
            existing = _replayed(session, body, actor, idempotency_key, digest)
        if existing is None:
            raise
        return existing, False


def _units(lines: list[dict], condition: str) -> dict[str, int]:
    """Units per SKU in that condition (a SKU may come on several lines)."""
    units: dict[str, int] = {}
    for line in lines:
        if line["condition"] == condition:
            units[line["sku"]] = units.get(line["sku"], 0) + line["qty"]
    return units


def _replayed(session: Session, body: ReturnIn, actor: Actor, key: str | None, digest: str) -> dict | None:
    # The return id first, then the key: a key used before under another return id is another
    # body for that key (a 422), not a conflict a retry could clear.
    found = None
    if body.id:
        found = session.get(OrderReturn, body.id)
    if found is None and key:
        found = session.execute(select(OrderReturn).where(
            OrderReturn.idempotency_client == actor.label, OrderReturn.idempotency_key == key)).scalar_one_or_none()
    if found is None:
        return None
    if actor.is_store_bound and found.store != actor.store:
        # Another store's return under that id: not its to read, and not this one's to take.
        raise Conflict("id_taken", "this return id is taken: make a new one")
    if found.request_hash != digest:
        raise InvalidInput("idempotency_key_reused", "this return id or Idempotency-Key was used for another return",
                           return_id=found.id)
    return view(found)


def _create(session: Session, order: Order, body: ReturnIn, actor: Actor, key: str | None, digest: str,
            currency: str) -> dict:
    store = session.get(Location, actor.store or "")
    if store is None or not store.returns:
        raise Forbidden("returns_not_taken", f"{actor.store} does not take returns")
    if body.reason not in RETURN_REASONS:
        raise InvalidInput("unknown_reason", f"reason must be one of {', '.join(RETURN_REASONS)}",
                           allowed=list(RETURN_REASONS))
    items, refundable = _returnable(session, order)
    lines: list[dict] = []
    wanted: dict[str, int] = {}
    for item in body.lines:
        have = items.get(item.sku) or Returnable(item.sku, 0, 0, [])
        before = wanted.get(item.sku, 0)
        wanted[item.sku] = before + item.qty
        if wanted[item.sku] > len(have.prices):
            raise InvalidInput("more_than_received",
                               f"{item.sku}: the customer received {have.received}, "
                               f"{have.returned} already returned; {wanted[item.sku]} cannot come back",
                               sku=item.sku, returnable=len(have.prices))
        amount = sum(have.prices[before : before + item.qty], Decimal("0"))
        lines.append({"sku": item.sku, "qty": item.qty, "condition": item.condition,
                      "unit_price": float(amount / item.qty), "refund": amount,
                      "disposition": _DISPOSITION[item.condition]})
    refund = min(sum((line["refund"] for line in lines), Decimal("0")), refundable)
    record = OrderReturn(
        id=body.id or uuid7(), order_id=order.id, store=store.code, reason=body.reason, note=body.note,
        lines=[{**line, "refund": float(line["refund"])} for line in lines], refund=refund,
        created_by=actor.label, idempotency_client=actor.label if key else None, idempotency_key=key,
        request_hash=digest,
    )
    session.add(record)
    restock = [stock_service.Move(store.code, line["sku"], line["qty"], 0, "return", record.id)
               for line in lines if line["condition"] == "resellable"]
    stock_service.require_known_pairs(session, [store.code], [m.sku for m in restock])
    stock_service.apply(session, restock, actor.label)
    details = {"return": record.id, "lines": record.lines}
    events.record(session, order.id, "return.received", actor, reason=body.reason, details=details)
    if restock:
        events.record(session, order.id, "return.restocked", actor,
                      details={"return": record.id, "units": _units(lines, "resellable")})
    damaged = _units(lines, "damaged")
    if damaged:
        events.record(session, order.id, "return.to_warehouse", actor, details={"return": record.id, "units": damaged})
    events.record(session, order.id, "return.refunded", actor, details={"return": record.id, "amount": float(refund)})
    notifications.refunded(session, record.id, order.id, refund, currency, store.code)
    # Money leaves the business at a counter: head office reviews refunds in the audit log.
    audit.record(session, "refund.made", actor=actor, store=store.code, target=f"order:{order.id}",
                 amount=float(refund), return_id=record.id)
    session.flush()
    return view(record)


@dataclass(frozen=True)
class Returnable:
    sku: str
    received: int  # units the customer has had
    returned: int  # units earlier returns took back
    # What each unit that may still come back was paid, in order-line order
    # after those already returned: a return takes them from the front.
    prices: list[Decimal]


def returnable(session: Session, order_id: str) -> dict:
    """What of the order may still come back and be refunded: the counter shows
    it before the customer's items are taken (the return itself checks the same)."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", f"no order {order_id}")
    items, refundable = _returnable(session, order)
    names = dict(session.execute(select(Product.sku, Product.name).where(Product.sku.in_(list(items)))).all())
    return {"order_id": order.id, "external_ref": order.external_ref, "refundable": refundable,
            "items": [{"sku": i.sku, "name": names.get(i.sku, i.sku), "received": i.received,
                       "returned": i.returned, "returnable": len(i.prices), "unit_prices": i.prices}
                      for i in items.values()]}


def _returnable(session: Session, order: Order) -> tuple[dict[str, Returnable], Decimal]:
    """Per SKU of the order, what may come back; and how much may still be refunded
    (the order's total less what earlier returns refunded)."""
    earlier = session.execute(select(OrderReturn).where(OrderReturn.order_id == order.id)).scalars().all()
    returned: dict[str, int] = {}
    for record in earlier:
        for line in record.lines:
            returned[line["sku"]] = returned.get(line["sku"], 0) + line["qty"]
    received = _received(session, order.id)
    items = {
        sku: Returnable(sku, received.get(sku, 0), returned.get(sku, 0),
                        units[returned.get(sku, 0) : received.get(sku, 0)])
        for sku, units in _unit_prices(session, order.id).items()
    }
    refunded = sum((Decimal(str(record.refund)) for record in earlier), Decimal("0"))
    return items, Decimal(str(order.total_value)) - refunded


def _received(session: Session, order_id: str) -> dict[str, int]:
    """Units the customer has: collected, or shipped to their home."""
    units: dict[str, int] = {}
    for f in orders.fulfilment_views(session, Fulfilment.order_id == order_id):
        if f["status"] == FulfilmentStatus.COLLECTED or (
            f["status"] == FulfilmentStatus.SHIPPED and f["delivery_method"] == "home"
        ):
            for line in f["lines"]:
                units[line["sku"]] = units.get(line["sku"], 0) + line["qty"]
    return units


def _unit_prices(session: Session, order_id: str) -> dict[str, list[Decimal]]:
    """The price paid for each unit of each SKU, in order-line order."""
    prices: dict[str, list[Decimal]] = {}
    for sku, qty, price in session.execute(
        select(OrderLine.sku, OrderLine.qty, OrderLine.unit_price).where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    ):
        prices.setdefault(sku, []).extend([Decimal(str(price))] * qty)
    return prices


def get(session: Session, return_id: str, actor: Actor) -> dict:
    record = session.get(OrderReturn, return_id)
    # Staff see the returns their store took.
    if record is None or (actor.is_store_bound and record.store != actor.store):
        raise NotFound("return_not_found", f"no return {return_id}")
    return view(record)


def receipt_pdf(session: Session, return_id: str, actor: Actor, currency: str) -> bytes:
    """The customer's return receipt (80 mm), as the counter's till printer prints it."""
    record = get(session, return_id, actor)
    ref = session.execute(select(Order.external_ref).where(Order.id == record["order_id"])).scalar_one()
    location = session.get(Location, record["store"])
    assert location is not None
    address = location.address or {}
    names = dict(session.execute(select(Product.sku, Product.name)
                                 .where(Product.sku.in_({line["sku"] for line in record["lines"]}))).all())
    conditions = {"resellable": "Resellable", "damaged": "Damaged: sent back to the warehouse"}
    return return_receipt_pdf(ReturnReceipt(
        return_ref=record["id"], order_ref=ref,
        store=Store(location.code, location.name, Address(tuple(filter(None, [address.get("line1")])),
                                                          address.get("postcode", ""), address.get("city", ""),
                                                          location.country)),
        # On the customer's receipt, the store's time (stored in UTC).
        returned_at=as_utc(record["created_at"]).astimezone(routing_profiles.network_zone(session)),
        associate=record["created_by"],
        items=tuple(PrintedLine(line["sku"], names.get(line["sku"], line["sku"]), line["qty"])
                    for line in record["lines"]),
        reason=RETURN_REASONS.get(record["reason"], record["reason"]),
        condition=", ".join(dict.fromkeys(conditions[line["condition"]] for line in record["lines"])),
        refund=Decimal(str(record["refund"])), currency=currency,
    ))


def view(record: OrderReturn) -> dict:
    return {"id": record.id, "order_id": record.order_id, "store": record.store, "reason": record.reason,
            "note": record.note, "lines": record.lines, "refund": record.refund, "created_by": record.created_by,
            "created_at": record.created_at}


