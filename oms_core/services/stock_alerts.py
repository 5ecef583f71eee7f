"""Stock alerts: SKUs at or below their location's threshold, and the units
stores reported missing at pick (the `discrepancy` movements of a short pick)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlmodel import Session

from ..models import Fulfilment, Product, Stock, StockAlert, StockMovement, utcnow
from . import stock
from .db_util import upsert

_alerts = StockAlert.__table__


def set_thresholds(session: Session, thresholds: Sequence[tuple[str, str, int | None]], actor: str) -> None:
    """(location, sku, threshold); a threshold of None stops watching that SKU there."""
    stock.require_known_pairs(session, {loc for loc, _, _ in thresholds}, {sku for _, sku, _ in thresholds})
    now = utcnow()
    upsert(session, _alerts, [
        {"location": loc, "sku": sku, "threshold": threshold, "updated_by": actor, "updated_at": now}
        for loc, sku, threshold in thresholds if threshold is not None
    ], ["location", "sku"])
    for loc, sku, threshold in thresholds:
        if threshold is None:
            session.execute(delete(_alerts).where(_alerts.c.location == loc, _alerts.c.sku == sku))


def alerts(session: Session, location: str | None, start: datetime, end: datetime) -> dict:
    """What is low now, and what was reported missing in [start, end) (newest first)."""
    s = Stock.__table__.c
    atp = stock.ATP  # 0 where the SKU was never stocked
    low = (
        select(_alerts.c.location, _alerts.c.sku, Product.name, func.coalesce(s.on_hand, 0).label("on_hand"),
               func.coalesce(s.reserved, 0).label("reserved"), atp.label("atp"), _alerts.c.threshold)
        .join(Product, Product.sku == _alerts.c.sku)
        .outerjoin(Stock.__table__, (s.location == _alerts.c.location) & (s.sku == _alerts.c.sku))
        .where(atp <= _alerts.c.threshold)
        .order_by(_alerts.c.location, _alerts.c.sku)
    )
    m = StockMovement.__table__.c
    missing = (
        select(m.location, m.sku, (-m.on_hand_delta).label("units"), m.reference.label("fulfilment_id"),
               Fulfilment.order_id, m.actor, m.at)
        .outerjoin(Fulfilment, Fulfilment.id == m.reference)
        .where(m.kind == "discrepancy", m.at >= start, m.at < end)
        .order_by(m.at.desc(), m.id.desc())
    )
    if location is not None:
        low = low.where(_alerts.c.location == location)
        missing = missing.where(m.location == location)
    return {
        "low_stock": [dict(row) for row in session.execute(low).mappings()],
        "discrepancies": [dict(row) for row in session.execute(missing).mappings()],
    }
