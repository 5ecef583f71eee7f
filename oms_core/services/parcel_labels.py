"""Tracking numbers: each is given to one fulfilment's parcels (models.ParcelLabel), so that
the carrier's tracking and the pickup store's scan-in each find one parcel."""

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlmodel import Session

from contract.errors import Conflict

from ..models import Fulfilment, Order, ParcelLabel

_label = ParcelLabel.__table__


def give(session: Session, fulfilment_id: str, numbers: Iterable[str | None], *, only: bool = False) -> None:
    """Give these numbers to the fulfilment (with `only`, take back those it no longer
    carries: voided labels are free again). Refused when another fulfilment has one."""
    wanted = sorted({number for number in numbers if number})
    held = dict(session.execute(
        select(_label.c.tracking_number, _label.c.fulfilment_id).where(_label.c.tracking_number.in_(wanted))).all())
    taken = next(((number, holder) for number, holder in held.items() if holder != fulfilment_id), None)
    if taken is not None:
        number, holder = taken
        order_id, ref, where, ship_to = session.execute(
            select(Order.id, Order.external_ref, Fulfilment.location, Fulfilment.ship_to)
            .join(Fulfilment, Fulfilment.order_id == Order.id).where(Fulfilment.id == holder)).one()
        mine = session.execute(select(Fulfilment.location).where(Fulfilment.id == fulfilment_id)).scalar_one()
        if mine not in (where, ship_to):
            # Another store's parcel: said taken, not whose (its order would be the next thing to look up).
            raise Conflict("tracking_number_in_use", f"tracking number {number} is already on another parcel",
                           tracking_number=number)
        raise Conflict("tracking_number_in_use", f"tracking number {number} is already on a parcel of order {ref}",
                       tracking_number=number, order_id=order_id, fulfilment_id=holder)
    if only:
        session.execute(delete(_label).where(_label.c.fulfilment_id == fulfilment_id,
                                             _label.c.tracking_number.not_in(wanted)))
    new = [{"tracking_number": number, "fulfilment_id": fulfilment_id} for number in wanted if number not in held]
    if new:
        session.execute(insert(_label), new)


def release(session: Session, fulfilment_id: str) -> None:
    """The fulfilment's parcels will never leave (cancelled before shipping): their numbers
    are free for other parcels, so that a pre-printed label can go on another one."""
    session.execute(delete(_label).where(_label.c.fulfilment_id == fulfilment_id))


def holder(session: Session, number: str) -> str | None:
    """The fulfilment this number was given to, if any."""
    given = select(_label.c.fulfilment_id).where(_label.c.tracking_number == number)
    return session.execute(given).scalar_one_or_none()
