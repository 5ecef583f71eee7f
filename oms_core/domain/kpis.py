"""Manager and head-office KPIs, folded from the orders' recorded timelines.

The population is a cohort: the orders placed in the period (for one
location, those in which it was given a fulfilment, and only its own
fulfilments count). Each KPI follows those orders' events to date, so a past
period is recomputed from the record at any time and gives the same answer
once its orders have settled.

Definitions, in the retailer's words:

- OTIF: of the fulfilments that ended (shipped, collected, rejected or expired;
  a customer's cancellation counts for nobody), those handed over (parcel
  shipped, or ready for pickup) within PREPARE_WITHIN of being given to the
  location, with none of their units given back.
- Fill rate: units shipped or collected over units ordered (for a location:
  over the units it was given).
- Cancellation and rejection rates, with how often each reason was given;
  expiry: fulfilments not accepted in time.
- Click & collect lead times: order placed -> ready for pickup, ready ->
  collected (minutes, average and median).
- Shipped from store: share of shipped parcels that left a store.
- Promise kept: of the orders that carry a promise (`promised_by`), those
  whose every unit was handed over by then (shipped to the customer, or ready
  at the pickup store). An order whose promise passed with units still to
  hand over counts as missed, even if it was cancelled later; one cancelled
  before its promise came due, or whose promise is still ahead and that is
  not done yet, does not count (yet).
- Time to accept (given -> accepted) and to pick (accepted -> all picked).
- Orders per associate: distinct orders each staff member worked on (the
  location's fulfilments' steps they took; being given one is not work).
- Returns: orders with a `return.*` event.

Two kinds of fulfilment are not given to a location on their own:

- A parcel shipped to the pickup store becomes, when scanned in there, a
  fulfilment of that store (`arrived_from`, ready for the customer). Its units
  are the parcel's: the parcel counts as given, ended and shipped; the arrival
  only times the customer's side (order -> ready, ready -> collected) and says
  when the parcel's units were ready for the promise.
- A partial handover at the counter moves the units taken onto a collected
  fulfilment of their own (`partial_of` on its collect event). They are part
  of the fulfilment they came from: ready when it was, shipped once collected,
  and that fulfilment is done once any of it has been collected.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import fmean, median

from contract.service_levels import PREPARE_WITHIN

STAFF_ROLES = frozenset({"associate", "manager"})


@dataclass(frozen=True)
class Step:
    """One recorded event, as the KPIs read it."""

    kind: str
    at: datetime
    fulfilment_id: str | None = None
    to_status: str | None = None
    actor: str | None = None
    actor_role: str | None = None
    reason: str | None = None
    details: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class FulfilmentFacts:
    location: str
    from_store: bool
    method: str  # home | click_collect | ship_to_store
    # Units on the fulfilment now: what left, once it has shipped or been collected.
    units: int
    # The parcel (a ship-to-store fulfilment) this one was scanned in from at the pickup store.
    arrived_from: str | None = None


@dataclass(frozen=True)
class OrderHistory:
    order_id: str
    units_ordered: int
    fulfilments: Mapping[str, FulfilmentFacts]
    steps: Sequence[Step]  # in the order they happened

    @property
    def created(self) -> Step:
        return next(step for step in self.steps if step.kind == "order.created")


@dataclass(frozen=True)
class Ratio:
    count: int
    of: int
    rate: float | None  # None when there is nothing to measure


def ratio(count: int, of: int) -> Ratio:
    return Ratio(count, of, round(count / of, 4) if of else None)


@dataclass(frozen=True)
class Durations:
    count: int
    average_minutes: float | None
    p50_minutes: float | None


def durations(minutes: Sequence[float]) -> Durations:
    if not minutes:
        return Durations(0, None, None)
    return Durations(len(minutes), round(fmean(minutes), 2), round(median(minutes), 2))


@dataclass(frozen=True)
class Kpis:
    orders: int
    units_ordered: int
    units_shipped: int
    otif: Ratio
    fill_rate: Ratio
    cancellation: Ratio
    cancellation_reasons: dict[str, int]
    rejection: Ratio
    rejection_reasons: dict[str, int]
    expiry: Ratio
    click_collect_order_to_ready: Durations
    click_collect_ready_to_collected: Durations
    shipped_from_store: Ratio
    promise_kept: Ratio
    time_to_accept: Durations
    time_to_pick: Durations
    orders_per_associate: dict[str, int]
    returns: Ratio


def _minutes(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 60


@dataclass
class _Fulfilment:
    """What one fulfilment's events say."""

    assigned: datetime | None = None
    accepted: datetime | None = None
    picked: datetime | None = None
    ready: datetime | None = None
    shipped: datetime | None = None
    collected: datetime | None = None  # all of it (what was still on it)
    partly_collected: datetime | None = None  # first units handed over, split off onto a fulfilment of their own
    given_back: int = 0  # units handed back by partial rejections
    rejected: bool = False
    expired: bool = False
    reject_reasons: list[str] = field(default_factory=list)

    @property
    def handed_over(self) -> datetime | None:
        return self.shipped or self.ready

    @property
    def left(self) -> bool:
        """Its units (those still on it) have left: shipped or collected."""
        return self.shipped is not None or self.collected is not None

    @property
    def done(self) -> bool:
        """It ended in the customer's hands, or on its way to them (a partial handover included)."""
        return self.left or self.partly_collected is not None

    @property
    def came(self) -> datetime | None:
        """When the customer first came for it at the counter."""
        return self.partly_collected or self.collected


def _read(steps: Sequence[Step], fulfilment_id: str) -> _Fulfilment:
    f = _Fulfilment()
    for step in steps:
        if step.kind == "fulfilment.collect" and step.details.get("partial_of") == fulfilment_id:
            # Units of this one handed over at the counter, moved onto the split-off fulfilment.
            f.partly_collected = f.partly_collected or step.at
        if step.fulfilment_id != fulfilment_id:
            continue
        match step.kind:
            case "fulfilment.assigned":
                f.assigned = f.assigned or step.at
            case "fulfilment.accept":
                f.accepted = f.accepted or step.at
            case "fulfilment.pick" if step.to_status == "picked":
                f.picked = f.picked or step.at
            # A parcel scanned in at the pickup store is ready for the customer there.
            case "fulfilment.ready" | "fulfilment.receive":
                f.ready = f.ready or step.at
            case "fulfilment.ship":
                f.shipped = f.shipped or step.at
            # A partial handover leaves the rest ready (its event says so): not collected yet.
            case "fulfilment.collect" if step.to_status == "collected":
                f.collected = f.collected or step.at
            case "fulfilment.expire":
                f.expired = True
            case "fulfilment.reject":
                f.rejected = True
                f.reject_reasons.append(step.reason or "other")
                if step.details.get("partial"):
                    f.given_back += sum(step.details.get("lines", {}).values())
    return f


class KpiTally:
    """Adds up order histories; `result()` gives the KPIs of what was added."""

    def __init__(self, location: str | None, as_of: datetime) -> None:
        self.location = location
        self.as_of = as_of
        self.orders = self.units_ordered = self.units_shipped = 0
        self.otif = self.ended = 0
        self.cancelled = self.returned = 0
        self.cancel_reasons: Counter[str] = Counter()
        self.given = self.rejected = self.expired = 0
        self.reject_reasons: Counter[str] = Counter()
        self.shipped = self.shipped_from_store = 0
        self.promised = self.promise_kept = 0
        self.to_ready: list[float] = []
        self.to_collect: list[float] = []
        self.to_accept: list[float] = []
        self.to_pick: list[float] = []
        self.associates: dict[str, set[str]] = {}

    def add(self, history: OrderHistory) -> None:
        mine = {fid: facts for fid, facts in history.fulfilments.items()
                if self.location is None or facts.location == self.location}
        if self.location is not None and not mine:
            return
        self.orders += 1
        created = history.created
        placed = created.at
        cancelled = next((s for s in history.steps if s.kind == "order.cancelled"), None)
        if cancelled is not None:
            self.cancelled += 1
            self.cancel_reasons[cancelled.reason or "other"] += 1
        if any(s.kind.startswith("return.") for s in history.steps):
            self.returned += 1
        reads = {fid: _read(history.steps, fid) for fid in history.fulfilments}
        # Units handed over at the counter, split off onto a fulfilment of their own: the one they came from.
        partial_of = {step.fulfilment_id: step.details["partial_of"] for step in history.steps
                      if step.kind == "fulfilment.collect" and step.details.get("partial_of")}
        # Each parcel shipped to the pickup store: the fulfilment it became when scanned in there.
        arrival_of = {facts.arrived_from: fid for fid, facts in history.fulfilments.items() if facts.arrived_from}
        wanted = history.units_ordered if self.location is None else 0
        handed_over_units = 0
        last_hand_over: datetime | None = None
        for fid, facts in mine.items():
            f = reads[fid]
            for step in history.steps:
                # Not the assignment: its actor is whoever set routing off (the associate of the store
                # that gave the order back, or who placed it), not someone who worked on it here.
                if (step.fulfilment_id == fid and step.kind != "fulfilment.assigned"
                        and step.actor_role in STAFF_ROLES and step.actor):
                    self.associates.setdefault(step.actor, set()).add(history.order_id)
            parent = partial_of.get(fid)
            came_from = history.fulfilments.get(parent) if parent is not None else None
            if facts.arrived_from is not None or (came_from is not None and came_from.arrived_from is not None):
                # A parcel scanned in at the pickup store (or part of one): its units are counted on the
                # parcel; it only times the customer's side.
                if parent is None and f.ready is not None:
                    self.to_ready.append(_minutes(placed, f.ready))
                    if f.came is not None:
                        self.to_collect.append(_minutes(f.ready, f.came))
                continue
            if parent is not None:
                # Part of `parent`, handed over at the counter: given and ended with it, ready when it was.
                if self.location is not None:
                    wanted += facts.units
                if f.left:
                    self.units_shipped += facts.units
                ready = reads[parent].handed_over if parent in reads else None
                if ready is not None:
                    handed_over_units += facts.units
                    last_hand_over = max(last_hand_over or ready, ready)
                continue
            self.given += 1
            if self.location is not None:
                wanted += facts.units + f.given_back
            if f.left:
                self.units_shipped += facts.units
            hand_over = f.handed_over
            if facts.method == "ship_to_store":
                # The customer has it once it is ready at the pickup store, not when the parcel left.
                arrival = arrival_of.get(fid)
                hand_over = reads[arrival].ready if arrival is not None else None
            if hand_over is not None:
                handed_over_units += facts.units
                last_hand_over = max(last_hand_over or hand_over, hand_over)
            if f.done or f.rejected or f.expired:
                self.ended += 1
                on_time = (f.handed_over is not None and f.assigned is not None
                           and f.handed_over - f.assigned <= PREPARE_WITHIN)
                self.otif += f.done and on_time and f.given_back == 0
            self.rejected += f.rejected
            self.reject_reasons.update(f.reject_reasons)
            self.expired += f.expired
            if f.shipped is not None:
                self.shipped += 1
                self.shipped_from_store += facts.from_store
            if facts.method == "click_collect" and f.ready is not None:
                self.to_ready.append(_minutes(placed, f.ready))
                if f.came is not None:
                    self.to_collect.append(_minutes(f.ready, f.came))
            if f.assigned is not None and f.accepted is not None:
                self.to_accept.append(_minutes(f.assigned, f.accepted))
            if f.accepted is not None and f.picked is not None:
                self.to_pick.append(_minutes(f.accepted, f.picked))
        self.units_ordered += wanted
        promised_by = created.details.get("promised_by")
        if promised_by is not None:
            promised = datetime.fromisoformat(promised_by)
            # Cancelled before its promise came due: nothing to measure. Cancelled after it: it had missed it.
            if cancelled is None or cancelled.at > promised:
                all_handed_over = handed_over_units >= wanted
                if all_handed_over or promised <= self.as_of:
                    self.promised += 1
                    self.promise_kept += (all_handed_over and last_hand_over is not None
                                          and last_hand_over <= promised)

    def result(self) -> Kpis:
        return Kpis(
            orders=self.orders,
            units_ordered=self.units_ordered,
            units_shipped=self.units_shipped,
            otif=ratio(self.otif, self.ended),
            fill_rate=ratio(self.units_shipped, self.units_ordered),
            cancellation=ratio(self.cancelled, self.orders),
            cancellation_reasons=dict(sorted(self.cancel_reasons.items())),
            rejection=ratio(self.rejected, self.given),
            rejection_reasons=dict(sorted(self.reject_reasons.items())),
            expiry=ratio(self.expired, self.given),
            click_collect_order_to_ready=durations(self.to_ready),
            click_collect_ready_to_collected=durations(self.to_collect),
            shipped_from_store=ratio(self.shipped_from_store, self.shipped),
            promise_kept=ratio(self.promise_kept, self.promised),
            time_to_accept=durations(self.to_accept),
            time_to_pick=durations(self.to_pick),
            orders_per_associate={who: len(orders) for who, orders in sorted(self.associates.items())},
            returns=ratio(self.returned, self.orders),
        )
