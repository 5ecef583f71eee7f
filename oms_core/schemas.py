"""Request and response bodies of the HTTP contract (pydantic).

Strict on input: unknown delivery methods, non-positive quantities, blank
codes and oversized lists are refused with a message that names the field.
"""

import datetime as dt
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from .domain.opening_hours import DEFAULT_HOURS
from .models import MAX_UNITS


# Control characters (Cc: tabs, CR, LF, U+0085 ...) and Unicode's line and paragraph separators
# (U+2028, U+2029): every character Python's e-mail headers take for a line break is among them.
_NOT_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


def _one_line(text: str) -> str:
    # A line break in an order reference or a name ends up in an e-mail's headers, which refuse it.
    if any(unicodedata.category(c) in _NOT_ONE_LINE for c in text):
        raise ValueError("one line of text: no line breaks, tabs or other control characters")
    return text


def _line(max_length: int, min_length: int = 1) -> object:
    """Text on one line, trimmed, of this length."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
                     AfterValidator(_one_line)]


def _email(text: str) -> str:
    name, at, domain = text.rpartition("@")
    if not (at and name and "." in domain.strip(".")) or any(c.isspace() for c in text):
        raise ValueError("an e-mail address, such as ana@example.com")
    return text


def _blank_is_none(value: object) -> object:
    # A channel's export often sends "" for a customer with no e-mail: no e-mail, not a refused order.
    return None if isinstance(value, str) and not value.strip() else value


Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = _line(300)
Email = Annotated[_line(200), AfterValidator(_email)]
Money = Annotated[
    Decimal, Field(ge=0, max_digits=12, decimal_places=2), PlainSerializer(float, return_type=float, when_used="json")
]
_MONEY_CEILING = Decimal(10**10)  # twelve digits, two after the point
Qty = Annotated[int, Field(gt=0, le=100_000)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- catalog and locations -------------------------------------------------


class ProductIn(Strict):
    sku: Sku
    name: Text
    price: Money
    barcodes: list[Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z\-]{1,64}$")]] = Field(
        default_factory=list, max_length=20
    )
    weight_kg: float = Field(default=0.0, ge=0, le=1000)
    image_url: str | None = Field(default=None, max_length=500)
    tags: list[Annotated[str, StringConstraints(max_length=50)]] = Field(default_factory=list, max_length=50)


class ProductOut(BaseModel):
    sku: str
    name: str
    price: Money
    barcodes: list[str]
    weight_kg: float
    image_url: str | None
    tags: list[str]


HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class LocationAddress(Strict):
    line1: Text
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Text


class LocationIn(Strict):
    code: Code
    name: _line(200)  # as the table holds it
    type: Literal["warehouse", "store"]
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    country: Country = "FR"
    ship_from_store: bool = False
    click_collect: bool = False
    returns: bool = False
    daily_capacity: int = Field(default=100, ge=0, le=1_000_000)
    opening_hours: dict[Weekday, Annotated[list[HHMM], Field(min_length=2, max_length=2)]] = Field(default_factory=lambda: dict(DEFAULT_HOURS))
    accept_within_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    paused: bool = False
    # The postal address printed as sender on parcel labels.
    address: "LocationAddress | None" = None


class OperationsIn(Strict):
    """What a store manager may change about their own store."""

    daily_capacity: int | None = Field(default=None, ge=0, le=100_000, description="fulfilments a day")
    paused: bool | None = Field(default=None, description="true: routing sends this store nothing new")


class LocationOut(LocationIn):
    model_config = ConfigDict(extra="ignore")


class BulkResult(BaseModel):
    upserted: int


# --- stock -----------------------------------------------------------------


class MovementIn(Strict):
    location: Code
    sku: Sku
    delta: int = Field(description="units added (positive) or removed (negative); never zero")
    kind: Literal["receipt", "adjustment", "damage", "transfer"] = "adjustment"
    reference: str | None = Field(default=None, max_length=64)

    @field_validator("delta")
    @classmethod
    def _not_zero(cls, v: int) -> int:
        if v == 0 or abs(v) > 1_000_000:
            raise ValueError("delta must be a non-zero number of units (at most 1,000,000)")
        return v


class MovementsIn(Strict):
    movements: list[MovementIn] = Field(min_length=1)


class CountIn(Strict):
    location: Code
    sku: Sku
    on_hand: int = Field(ge=0, le=MAX_UNITS)
    safety: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    counted_at: AwareDatetime | None = Field(
        default=None,
        description="when the shelf was counted, on the core's clock (default: now): the moves recorded since "
        "are added to `on_hand`; a count older than the shelf's last one is not applied (`superseded` in the "
        "answer; a store app's count is refused with count_superseded)",
    )

    @field_validator("counted_at")
    @classmethod
    def _in_utc(cls, v: datetime | None) -> datetime | None:
        try:
            return None if v is None else v.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise ValueError("counted_at is out of range") from None


class CountsIn(Strict):
    counts: list[CountIn] = Field(min_length=1)
    reference: str | None = Field(default=None, max_length=64)


class SupersededCount(BaseModel):
    location: str
    sku: str
    counted_again_at: datetime = Field(description="when the shelf was counted again: that count stands")


class CountsOut(BaseModel):
    counted: int = Field(description="counts applied")
    superseded: list[SupersededCount] = Field(
        description="counts not applied: their shelf was counted again after them (count_superseded)")


class StockLevel(BaseModel):
    location: str
    sku: str
    on_hand: int
    reserved: int
    safety: int
    atp: int


class AvailabilityOut(BaseModel):
    skus: dict[str, int] = Field(description="network ATP per SKU")
    locations: list[StockLevel]


class ThresholdIn(Strict):
    location: Code
    sku: Sku
    threshold: int | None = Field(ge=0, le=MAX_UNITS, description="alert at or below this ATP; null stops the alert")


class ThresholdsIn(Strict):
    thresholds: list[ThresholdIn] = Field(min_length=1)


class LowStock(BaseModel):
    location: str
    sku: str
    name: str
    on_hand: int
    reserved: int
    atp: int
    threshold: int


class Discrepancy(BaseModel):
    location: str
    sku: str
    units: int = Field(description="units the store reported missing and took off its stock")
    fulfilment_id: str | None
    order_id: str | None
    actor: str | None
    at: datetime


class StockAlertsOut(BaseModel):
    low_stock: list[LowStock]
    discrepancies: list[Discrepancy]


# --- orders ----------------------------------------------------------------


class Customer(Strict):
    name: Text
    email: Annotated[Email | None, BeforeValidator(_blank_is_none)] = None
    phone: _line(40, min_length=0) | None = None
    tier: str | None = Field(default=None, max_length=32)


class Address(Strict):
    line1: Text
    line2: str | None = Field(default=None, max_length=300)
    city: Text
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: Country
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Delivery(Strict):
    method: Literal["home", "click_collect"]
    store: Code | None = None
    address: Address | None = None
    price: Money = Field(default=Decimal("0"), description="what the customer paid for delivery (the promise's "
                                                           "price of the option chosen), beside the goods")

    @model_validator(mode="after")
    def _method_needs(self) -> "Delivery":
        if self.method == "click_collect" and not self.store:
            raise ValueError("click_collect needs delivery.store")
        if self.method == "home" and self.address is None:
            raise ValueError("home delivery needs delivery.address")
        return self


GroupName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class OrderLineIn(Strict):
    sku: Sku
    qty: Qty
    unit_price: Money
    ship_together: GroupName | None = Field(
        default=None, description="lines with the same value leave in one parcel (a kit, a set)"
    )


class OrderIn(Strict):
    channel: Literal["web", "app", "marketplace", "store"]
    external_ref: _line(100)
    customer: Customer
    delivery: Delivery
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    tags: list[Annotated[str, StringConstraints(max_length=50)]] = Field(default_factory=list, max_length=20)
    promised_by: AwareDatetime | None = Field(
        default=None,
        description="what checkout promised: every unit shipped, or ready for pickup, by then (the promise-kept KPI)",
    )

    @model_validator(mode="after")
    def _total_fits(self) -> "OrderIn":
        # The total is kept with twelve digits, as every price is.
        if sum(line.qty * line.unit_price for line in self.lines) + self.delivery.price >= _MONEY_CEILING:
            raise ValueError(f"the order's total must be under {_MONEY_CEILING:,.2f}")
        return self


class SkuQty(BaseModel):
    sku: str
    qty: int


class FulfilmentLineOut(BaseModel):
    sku: str
    qty: int
    picked: int
    ship_together: str | None = Field(default=None, description=(
        "the ship-together set this line leaves with (sets that share an item leave as one, named "
        "'SET-1 + SET-2'); giving back any of it gives back every line of the set here"))


class FulfilmentOut(BaseModel):
    id: str
    order_id: str
    location: str
    status: str
    delivery_method: str
    ship_to: str | None
    accept_by: datetime | None
    carrier: str | None
    tracking_number: str | None
    parcels: list[dict]
    lines: list[FulfilmentLineOut]
    shelf: str | None = None
    ready_at: datetime | None = None
    reminders_sent: int = 0
    arrived_from: str | None = Field(default=None, description="the parcel shipped to this pickup store it came in")
    version: int
    created_at: datetime
    updated_at: datetime


class OrderLineOut(BaseModel):
    line_no: int
    sku: str
    qty: int
    unit_price: Money
    ship_together: str | None = None


class OrderSummary(BaseModel):
    id: str
    channel: str
    external_ref: str
    status: str
    customer: dict
    delivery_method: str
    pickup_store: str | None
    total_value: Money = Field(description="the goods' value (routing rules test it; returns refund from it)")
    delivery_price: Money = Field(description="what the customer paid for delivery")
    created_at: datetime


class OrderOut(OrderSummary):
    address: dict | None
    tags: list[str]
    created_by: str | None
    lines: list[OrderLineOut]
    fulfilments: list[FulfilmentOut]
    unfulfilled: list[SkuQty]
    routing: dict = Field(description="every routing decision: the rule set that won, the candidates, the plans "
                                      "weighed (costs in the network's currency, BACKROOM_CURRENCY)")
    routing_version: int | None = Field(description="the routing profile version of the latest decision")


class OrderPage(BaseModel):
    items: list[OrderSummary]
    next_offset: int | None = Field(description="pass it as ?offset= for the next page; null on the last page")


class TimelineEvent(BaseModel):
    at: datetime
    kind: str = Field(description="e.g. order.created, fulfilment.accept, stock.missing")
    fulfilment_id: str | None
    from_status: str | None
    to_status: str | None
    actor: str | None = Field(description="who: store/staff code, API key name, or system")
    actor_name: str | None = Field(default=None, description="the staff member's name, when staff acted")
    actor_role: str | None
    location: str | None = Field(description="where")
    reason: str | None = Field(description="why")
    details: dict


class CancelIn(Strict):
    reason: str = Field(default="customer_request", max_length=200)


# --- fulfilment actions ----------------------------------------------------


class AcceptIn(Strict):
    pass


class RejectLine(Strict):
    sku: Sku
    qty: Qty


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)
    # Only these lines (a partial rejection); all of them when absent.
    lines: list[RejectLine] | None = Field(default=None, min_length=1, max_length=200)
    stock_missing: bool = Field(
        default=False, description="the units are not in the store: take them off its stock (a discrepancy)"
    )


class PickItem(Strict):
    # A scanned or typed barcode, or the SKU itself.
    sku: Sku | None = None
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    qty: Qty = 1

    @model_validator(mode="after")
    def _one_identifier(self) -> "PickItem":
        if (self.sku is None) == (self.code is None):
            raise ValueError("give either sku or code")
        return self


class PickIn(Strict):
    # The units picked now; empty means "everything that is left".
    items: list[PickItem] = Field(default_factory=list, max_length=500)


TrackingNumber = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9-]{1,30}$")]


class Parcel(Strict):
    weight_kg: float = Field(default=0.0, ge=0, le=1000)
    box: str | None = Field(default=None, max_length=32)
    # Made where the label is printed; the core makes one when it is missing.
    tracking_number: TrackingNumber | None = None


class PackIn(Strict):
    """Packing; packing again a packed fulfilment replaces its parcels (a voided label)."""

    parcels: list[Parcel] = Field(default_factory=lambda: [Parcel()], min_length=1, max_length=50)
    carrier: str | None = Field(default=None, max_length=50)
    service: str | None = Field(default=None, max_length=50)


class ShipIn(Strict):
    carrier: str | None = Field(default=None, max_length=50)
    tracking_number: TrackingNumber | None = None
    manifest: str | None = Field(default=None, max_length=64, description="the carrier manifest it left on")


ShelfCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
ClientId = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{8,36}$")]


class ReadyIn(Strict):
    # The staging shelf scanned when the order is put away; making it ready
    # again with another shelf records the move.
    shelf: ShelfCode | None = None


class CollectLine(Strict):
    sku: Sku
    qty: Qty


class CollectIn(Strict):
    # The short pickup code or the scanned QR payload; checked when given.
    code: str | None = Field(default=None, max_length=200)
    # What the customer takes now; everything when absent.
    lines: list[CollectLine] | None = Field(default=None, min_length=1, max_length=200)
    # What happens to the rest of a partial handover: it stays for later, or is
    # cancelled (and goes back to stock) with a reason.
    rest: Literal["keep", "cancel"] = "keep"
    reason: str | None = Field(default=None, max_length=64)
    # Names the fulfilment the taken units leave on (a partial handover), so a
    # retried request is recognised; made by the client.
    collected_id: ClientId | None = None


class ReceiveIn(Strict):
    """A parcel shipped to this pickup store is scanned in on arrival."""

    tracking_number: TrackingNumber
    shelf: ShelfCode | None = None
    # The id of the pickup fulfilment the arrival becomes; made by the client.
    arrival_id: ClientId | None = None


class ReturnLine(Strict):
    sku: Sku
    qty: Qty
    condition: Literal["resellable", "damaged"]


class ReturnIn(Strict):
    id: ClientId | None = Field(default=None, description="the return's id, made by the counter; retries reuse it")
    order_id: str = Field(min_length=1, max_length=36)
    lines: list[ReturnLine] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=64)
    note: str | None = Field(default=None, max_length=500)


class ReturnLineOut(BaseModel):
    sku: str
    qty: int
    condition: str
    unit_price: float
    refund: float
    # resellable: back in this store's stock; damaged: kept aside for the warehouse
    disposition: str


class ReturnOut(BaseModel):
    id: str
    order_id: str
    store: str
    reason: str
    note: str | None
    lines: list[ReturnLineOut]
    refund: Money
    created_by: str
    created_at: datetime


class ReturnableItem(BaseModel):
    sku: str
    name: str
    received: int = Field(description="units the customer has had (collected, or shipped home)")
    returned: int = Field(description="units earlier returns took back")
    returnable: int = Field(description="units that may come back now")
    unit_prices: list[Money] = Field(description="what each of those units was paid, taken from the front")


class ReturnableOut(BaseModel):
    order_id: str
    external_ref: str
    refundable: Money = Field(description="the most a return may still refund: the total less earlier refunds")
    items: list[ReturnableItem]


class NotificationOut(BaseModel):
    id: int
    key: str
    kind: str
    order_id: str
    recipient: str | None
    subject: str
    body: str
    data: dict
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class PickupOut(BaseModel):
    order_id: str
    store: str
    code: str
    qr_payload: str


class CounterOrderOut(BaseModel):
    """A click & collect order as the counter finds it."""

    fulfilment: FulfilmentOut
    order_ref: str
    customer: dict
    waiting_since: datetime | None


class CodeResentOut(BaseModel):
    """The counter asked for the pickup code to be sent again."""

    fulfilment_id: str
    order_ref: str
    recipient: str = Field(description="the customer's e-mail address it goes to")
    queued: bool = Field(description="a copy was queued by this call; false: the last copy went at `queued_at`, "
                                     "too recently for another, and nothing more is sent")
    queued_at: datetime = Field(description="when the latest copy was queued")
    next_at: datetime = Field(description="from when the counter may send another copy")


# --- routing profile and promise -----------------------------------------


class RoutingProfileOut(BaseModel):
    version: int
    name: str
    created_at: datetime
    created_by: str
    profile: dict = Field(description="the profile as it was saved (see the README for its fields)")


class RoutingVersionOut(RoutingProfileOut):
    active: bool = Field(description="the version in force")


class ProfileProblem(BaseModel):
    field: str = Field(description="path of the field at fault, e.g. rule_sets[1].filters.max_distance_km")
    message: str


class ProfileCheckOut(BaseModel):
    valid: bool
    problems: list[ProfileProblem] = Field(description="every problem, in the order the fields are documented")


class DryRunIn(Strict):
    profile: dict = Field(description="the draft routing profile (validated, never saved)")
    orders: int = Field(default=50, ge=1, le=500, description="how many of the most recent orders to replay")


class Destination(Strict):
    country: Country
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    postcode: str | None = Field(default=None, max_length=20, description=(
        "without lat and lon, the destination is placed by its postcode, as an order's address is"))

    @model_validator(mode="after")
    def _placeable(self) -> "Destination":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.lat is None and not (self.postcode or "").strip():
            raise ValueError("give lat and lon, or the postcode")
        return self


class PromiseIn(Strict):
    channel: Literal["web", "app", "marketplace", "store"] = "web"
    delivery: Literal["home", "pickup"] | None = Field(
        default=None, description="only home delivery options, or only pickups (click & collect, express pickup); "
                                  "both when absent")
    lines: list[OrderLineIn] = Field(min_length=1, max_length=200)
    destination: Destination
    customer_tier: str | None = Field(default=None, max_length=32)
    tags: list[Annotated[str, StringConstraints(max_length=50)]] = Field(default_factory=list, max_length=20)


class PromiseOption(BaseModel):
    kind: Literal["home_standard", "home_express", "click_collect", "express_pickup"]
    date: dt.date = Field(description="delivered, or ready for pickup, on this day (local time of the network)")
    ready_by: datetime | None = Field(description="express pickup: ready at this time")
    store: str | None = Field(description="click & collect and express pickup: the store")
    distance_km: float | None = Field(description="from the destination to the store")
    price: Money = Field(description="what the customer pays for this delivery, by the routing profile's "
                                     "promise prices, in the network's currency (BACKROOM_CURRENCY)")
    cost: float = Field(description="what fulfilling it costs the network, by the routing profile's cost model, "
                                    "in the network's currency (BACKROOM_CURRENCY)")
    carbon_kg: float
    parcels: int
    sources: list[str] = Field(description="the locations the goods would come from")


class PromisePosition(BaseModel):
    lat: float
    lon: float
    near: list[str] = Field(description="the locations whose postcode placed a destination sent without "
                                        "coordinates (empty when it came with them)")


class PromiseOut(BaseModel):
    profile_version: int
    position: PromisePosition = Field(description="where the options were planned to")
    options: list[PromiseOption]


# --- auth ------------------------------------------------------------------


class TokenIn(Strict):
    store: Code
    staff: Code
    pin: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,12}$")]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    store: str
    role: str
    staff: str
    name: str
    expires_at: datetime


# --- sync ------------------------------------------------------------------


class DeviceIn(Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{8,36}$")]
    name: str = Field(default="store app", min_length=1, max_length=100)


class DeviceOut(BaseModel):
    device_token: str
    store: str


MutationType = Literal["accept", "reject", "pick", "pack", "ship", "ready", "collect", "count", "receive"]
# An action's arguments nest three levels at most ({"lines": [{"sku": ..., "qty": ...}]}); one more is
# spare. (Their size is bounded by the request body's.)
_ARGS_LEVELS = 4


def _shallow(args: dict) -> dict:
    """Refuse arguments nested deeper than any action's. The action would refuse them, but the push
    first fingerprints the mutation (serialises it), which deep JSON breaks. Walked level by level,
    so that no depth can exhaust the stack."""
    level: list = [args]
    for _ in range(_ARGS_LEVELS):
        level = [inner for outer in level for inner in (outer.values() if isinstance(outer, dict) else outer)
                 if isinstance(inner, dict | list)]
        if not level:
            return args
    raise ValueError(f"an action's arguments nest {_ARGS_LEVELS} levels deep at most")


class MutationIn(Strict):
    """An associate's intent, recorded on the device and pushed in order."""

    id: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{8,36}$")]
    type: MutationType
    staff: Code
    fulfilment: str | None = Field(default=None, max_length=36)
    args: Annotated[dict, AfterValidator(_shallow)] = Field(default_factory=dict)
    at: datetime | None = None  # when the associate did it (device clock)


class MutationsIn(Strict):
    mutations: list[MutationIn] = Field(min_length=1, max_length=500)


class MutationResult(BaseModel):
    id: str
    # applied now, or seen before (then `outcome` says what happened the first time), or refused
    status: Literal["applied", "duplicate", "rejected"]
    outcome: Literal["applied", "rejected"]
    error: dict | None = None
    result: dict = Field(default_factory=dict)


class MutationsOut(BaseModel):
    results: list[MutationResult]


class FeedItem(BaseModel):
    entity: Literal["fulfilment", "stock", "product", "location", "staff"] = Field(
        description="staff: always a delete, of a staff code whose offline sign-in the store app forgets "
                    "(deactivated, or a new PIN); a store app skips a kind it does not know")
    id: str
    op: Literal["upsert", "delete"]
    data: dict | None = None


class FeedPage(BaseModel):
    items: list[FeedItem]
    cursor: str = Field(description="pass it back as ?since= to get what comes next")
    more: bool = Field(description="another page is ready now")
    now: datetime = Field(description="the core's clock when it answered: devices correct their own by it")
    currency: str = Field(description="the network's currency (ISO 4217): prices, totals and refunds are in it")
    timezone: str = Field(description="the network's time zone (IANA, e.g. Europe/Paris; the routing profile's "
                          "promise.timezone): the days of KPIs, exports and stock alerts are counted in it, and "
                          "devices count and show theirs in it")
    snapshot: Literal["start", "continue", "end", "start_end"] | None = Field(
        default=None,
        description="part of a full snapshot: at its start the device marks what it holds as unconfirmed; "
        "at its end it drops what the snapshot did not confirm",
    )


# --- errors ----------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="names the case, e.g. invalid_request, forbidden, locked_out")
    message: str
    details: dict = Field(default_factory=dict)


class ErrorOut(BaseModel):
    """Every refusal has this body, whatever its status."""

    error: ErrorDetail


# --- access: API keys, revocations, audit -------------------------------------


class ApiKeyIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    role: Literal["admin", "channel"]


class ApiKeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    key: str | None = Field(default=None, description="the key itself: shown once, when it is created")


class StaffRevokedOut(BaseModel):
    store: str
    staff: str
    sessions_revoked: int


class DeviceRevokedOut(BaseModel):
    id: str
    store: str
    revoked_at: datetime


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    action: str
    actor: str | None
    role: str | None
    store: str | None
    target: str | None
    client: str | None
    details: dict
