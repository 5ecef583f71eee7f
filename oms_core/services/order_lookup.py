"""Finding orders (by reference, customer or SKU) and reading their timeline."""

from sqlalchemy import String, cast, exists, func, or_, select
from sqlmodel import Session

from contract.errors import NotFound

from ..domain.actors import Actor
from ..models import Event, Fulfilment, Order, OrderLine

_orders = Order.__table__
_fulfilments = Fulfilment.__table__
_events = Event.__table__
SEARCH_FIELDS = ("id", "channel", "external_ref", "status", "customer", "delivery_method", "pickup_store",
                 "total_value", "created_at")


def seen_by(store: str):  # noqa: ANN201 - a SQL condition
    """Orders a store has a part in: it prepares a fulfilment, receives one, or is the pickup store."""
    return or_(
        _orders.c.pickup_store == store,
        exists().where(_fulfilments.c.order_id == _orders.c.id,
                       or_(_fulfilments.c.location == store, _fulfilments.c.ship_to == store)),
    )


def search(session: Session, actor: Actor, q: str, limit: int, offset: int) -> list[dict]:
    """Newest first: orders whose reference, customer name, phone or email contains
    `q` (any case), or with a line of that SKU. Staff find only their store's."""
    words = f"%{_escaped(q.lower())}%"
    customer = func.lower(cast(_orders.c.customer, String))
    query = (
        select(*(_orders.c[name] for name in SEARCH_FIELDS))
        .where(or_(
            func.lower(_orders.c.external_ref).like(words, escape="\\"),
            customer.like(words, escape="\\"),
            exists().where(OrderLine.order_id == _orders.c.id, OrderLine.sku == q),
        ))
        .order_by(_orders.c.created_at.desc(), _orders.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if actor.is_store_bound:
        query = query.where(seen_by(actor.store))
    return [dict(row) for row in session.execute(query).mappings()]


def timeline(session: Session, order_id: str, actor: Actor) -> list[dict]:
    """Every event of the order in the order it happened; a store sees the
    order-wide events and its own, never another store's."""
    order = select(_orders.c.id).where(_orders.c.id == order_id)
    if actor.is_store_bound:
        order = order.where(seen_by(actor.store))
    if session.execute(order).first() is None:
        raise NotFound("order_not_found", f"no order {order_id}")
    query = select(_events).where(_events.c.order_id == order_id).order_by(_events.c.at, _events.c.id)
    if actor.is_store_bound:
        query = query.where(or_(_events.c.location.is_(None), _events.c.location == actor.store))
    return [dict(row) for row in session.execute(query).mappings()]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
