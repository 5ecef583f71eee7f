from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from contract.errors import InvalidInput

from ...domain.actors import Actor
from ...schemas import AvailabilityOut, CountsIn, CountsOut, MovementsIn, StockAlertsOut, ThresholdsIn
from ...services import stock, stock_alerts
from ..answers import as_built
from ..deps import (
    AnyActor,
    EngineDep,
    IdempotencyKey,
    ManagerOrAdmin,
    PeriodDep,
    ReadSessionDep,
    SessionRoute,
    SessionDep,
    SettingsDep,
    StaffOrAdmin,
    require_store,
    scoped_location,
)

router = APIRouter(tags=["stock"], route_class=SessionRoute)


@router.post("/stock/movements", status_code=201)
def post_movements(
    body: MovementsIn,
    response: Response,
    engine: EngineDep,
    settings: SettingsDep,
    actor: StaffOrAdmin,
    idempotency_key: IdempotencyKey,
) -> dict:
    """Receipts, adjustments, damages and transfers as deltas; never below zero on hand.
    Retrying with the same Idempotency-Key and body answers as the first time (200) and
    moves nothing again; the same key with other movements is a 422."""
    _check(actor, [m.location for m in body.movements], settings.max_bulk_items)
    moves = [stock.Move(m.location, m.sku, on_hand_delta=m.delta, kind=m.kind, reference=m.reference)
             for m in body.movements]
    answer, applied = stock.apply_batch(engine, moves, actor.label, idempotency_key)
    if not applied:
        response.status_code = 200
    return answer


@router.post("/stock/counts", status_code=201, response_model=CountsOut)
def post_counts(body: CountsIn, session: SessionDep, settings: SettingsDep, actor: StaffOrAdmin) -> dict:
    """Absolute counts (and optionally safety stock), each as of when it was counted; the ledger
    records the difference. A count of a shelf counted again since is left out and listed."""
    _check(actor, [c.location for c in body.counts], settings.max_bulk_items)
    _once_each([(c.location, c.sku) for c in body.counts], "duplicate_count")
    stock.require_known_pairs(session, {c.location for c in body.counts}, {c.sku for c in body.counts})
    counts = [stock.Count(c.location, c.sku, c.on_hand, c.safety, c.counted_at) for c in body.counts]
    counted = stock.count(session, counts, actor.label, body.reference)
    session.commit()
    return {"counted": len(counted.set_to), "superseded": [
        {"location": location, "sku": sku, "counted_again_at": at} for (location, sku), at in counted.superseded.items()]}


@router.get("/availability", response_model=AvailabilityOut)
def availability(
    session: ReadSessionDep,
    _: AnyActor,
    skus: Annotated[str, Query(min_length=1, max_length=5000, description="comma-separated SKUs")],
    location: Annotated[list[str] | None, Query(max_length=500)] = None,
) -> Response:
    """Available to promise per location for the given SKUs, and the network total."""
    wanted = sorted({s.strip() for s in skus.split(",") if s.strip()})
    if not wanted or len(wanted) > 200:
        raise InvalidInput("invalid_skus", "give 1 to 200 comma-separated SKUs")
    levels = stock.availability(session, wanted, location)
    totals = {sku: 0 for sku in wanted}
    for level in levels:
        totals[level["sku"]] += level["atp"]
    return as_built({"skus": totals, "locations": levels})


@router.put("/stock/alerts")
def put_alert_thresholds(body: ThresholdsIn, session: SessionDep, settings: SettingsDep, actor: ManagerOrAdmin) -> dict:
    """Low-stock thresholds per SKU and location (a manager for the own store)."""
    _check(actor, [t.location for t in body.thresholds], settings.max_bulk_items)
    _once_each([(t.location, t.sku) for t in body.thresholds], "duplicate_threshold")
    stock_alerts.set_thresholds(session, [(t.location, t.sku, t.threshold) for t in body.thresholds], actor.label)
    session.commit()
    return {"thresholds": len(body.thresholds)}


@router.get("/stock/alerts", response_model=StockAlertsOut)
def get_stock_alerts(
    session: ReadSessionDep,
    actor: StaffOrAdmin,
    period: PeriodDep,
    location: Annotated[str | None, Query(max_length=32, description="staff: their store; head office: any, or all")] = None,
) -> dict:
    """SKUs at or below their threshold now, and units reported missing at pick in the period."""
    return stock_alerts.alerts(session, scoped_location(session, actor, location), period.start, period.end)


def _once_each(pairs: list[tuple[str, str]], code: str) -> None:
    """A count or a threshold is absolute: two for the same SKU and location in one call contradict."""
    if len(set(pairs)) != len(pairs):
        raise InvalidInput(code, "the same location and SKU appear twice in one call")


def _check(actor: Actor, locations: list[str], max_items: int) -> None:
    """Bulk size, and staff only count their own store."""
    if len(locations) > max_items:
        raise InvalidInput("bulk_size", f"send at most {max_items} items per call")
    for location in set(locations):
        require_store(actor, location)
