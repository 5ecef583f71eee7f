"""Finding orders (by reference, customer or SKU) and reading their timeline."""

from sqlalchemy import exists, func, or_, select, true
from sqlmodel import Session

from contract.errors import NotFound

from ..domain.actors import Actor, Role
from ..models import Event, Fulfilment, Order, OrderLine
from . import auth

_orders = Order.__table__
_fulfilments = Fulfilment.__table__
_events = Event.__table__
SEARCH_FIELDS = ("id", "channel", "external_ref", "status", "customer", "delivery_method", "pickup_store",
                 "total_value", "delivery_price", "created_at")


def seen_by(store: str):  # noqa: ANN201 - a SQL condition
    """Orders a store has a part in: it prepares a fulfilment, receives one, or is the pickup store."""
    return or_(
        _orders.c.pickup_store == store,
        exists().where(_fulfilments.c.order_id == _orders.c.id,
                       or_(_fulfilments.c.location == store, _fulfilments.c.ship_to == store)),
    )


def known_to(actor: Actor):  # noqa: ANN201 - a SQL condition
    """The orders a caller may know of: staff and devices their store's, a channel's integration
    the orders it placed (their pickup codes collect the goods), head office every one."""
    if actor.is_store_bound:
        return seen_by(actor.store)
    if actor.role == Role.CHANNEL:
        # An order keeps the name of the key that placed it; keys of one name are one
        # integration (a rotated key goes on seeing the orders the old one placed).
        return _orders.c.created_by == actor.label
    return true()


def matching(q: str):  # noqa: ANN201 - a SQL condition
    """The one way an order is found: its number or id, a line of that SKU, or
    the customer's name, e-mail or phone. Each is read out of the customer's
    JSON (the JSON as a whole is stored with é as \\u00e9, and every key in it
    would match "name")."""
    words = f"%{_escaped(q.lower())}%"
    name, email, phone = (_customer(key) for key in ("name", "email", "phone"))
    conditions = [
        _orders.c.id == q,
        func.lower(_orders.c.external_ref).like(words, escape="\\"),
        func.lower(name).like(words, escape="\\"),
        func.lower(email).like(words, escape="\\"),
        exists().where(OrderLine.order_id == _orders.c.id, OrderLine.sku == q),
    ]
    digits = "".join(c for c in q if c.isdigit())
    if len(digits) >= 6:  # a phone typed or stored with or without its country prefix or spaces still matches
        dialled = func.replace(func.replace(func.replace(phone, " ", ""), ".", ""), "-", "")
        conditions.append(dialled.like(f"%{digits[-8:]}%"))
    return or_(*conditions)


def _customer(key: str):  # noqa: ANN202 - a SQL expression
    return _orders.c.customer[key].as_string()


def search(session: Session, actor: Actor | None, q: str, limit: int, offset: int = 0) -> list[dict]:
    """Newest first, of the orders `actor` may know of; `actor=None` searches every channel
    and store (a return can be taken for any order at any counter)."""
    query = (
        select(*(_orders.c[name] for name in SEARCH_FIELDS))
        .where(matching(q))
        .order_by(_orders.c.created_at.desc(), _orders.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if actor is not None:
        query = query.where(known_to(actor))
    return [dict(row) for row in session.execute(query).mappings()]


def require_seen(session: Session, order_id: str, actor: Actor) -> None:
    """Refuse an order the actor may not know of (`known_to`): it is not found, as if it did not exist."""
    if session.execute(select(_orders.c.id).where(_orders.c.id == order_id, known_to(actor))).first() is None:
        raise NotFound("order_not_found", f"no order {order_id}")


def require_readable(session: Session, order_id: str, actor: Actor) -> None:
    """GET /orders/{id}: staff and devices read any order, shown only their store's part of it
    (a return is taken for any order at any counter); other callers the orders they may know of."""
    if not actor.is_store_bound:
        require_seen(session, order_id, actor)


# What an event's details say of other locations: where a rerouted order went, which gave it back.
_OTHER_LOCATIONS = ("to", "excluded")


def timeline(session: Session, order_id: str, actor: Actor) -> list[dict]:
    """Every event of the order in the order it happened; a store sees the
    order-wide events and its own, never another store's, nor where the order went next."""
    require_seen(session, order_id, actor)
    query = select(_events).where(_events.c.order_id == order_id).order_by(_events.c.at, _events.c.id)
    if actor.is_store_bound:
        query = query.where(or_(_events.c.location.is_(None), _events.c.location == actor.store))
    events = [dict(row) for row in session.execute(query).mappings()]
    if actor.is_store_bound:
        for event in events:
            if event["kind"] == "order.rerouted" and event["details"]:
                event["details"] = {k: v for k, v in event["details"].items() if k not in _OTHER_LOCATIONS}
    names = auth.staff_names(session, {e["actor"] for e in events if e["actor"]})
    return [{**e, "actor_name": names.get(e["actor"])} for e in events]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
