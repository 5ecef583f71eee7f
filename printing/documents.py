"""What the store prints, in the retailer's words: plain values the app fills in
from its own cache. Nothing here knows about the core, the database or the UI."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

# Carriers' tracking numbers and our manifest ids are letters, digits and dashes.
# Holding codes to that keeps every barcode printable on a 4 in label at 203 dpi
# and leaves nothing for ZPL's Code 128 to read as a control sequence.
_CODE = re.compile(r"[A-Za-z0-9-]{1,30}")


def _check_code(value: str, what: str) -> None:
    if not _CODE.fullmatch(value):
        raise ValueError(f"{what} {value!r} must be 1 to 30 letters, digits or dashes")


def check_qr_content(value: str, what: str) -> None:
    """QR codes carry no agreed character set: scanners guess, and read "ë" as
    Japanese. Printable ASCII is read the same everywhere."""
    if not 0 < len(value) <= 200 or not all(" " <= c <= "~" for c in value):
        raise ValueError(f"{what} must be 1 to 200 printable ASCII characters")


class DeliveryMethod(StrEnum):
    """The contract's delivery methods (DESIGN.md), as a customer reads them."""

    HOME = "home"
    CLICK_COLLECT = "click_collect"
    SHIP_TO_STORE = "ship_to_store"

    @property
    def words(self) -> str:
        return {"home": "Home delivery", "click_collect": "Click & collect",
                "ship_to_store": "Ship to store"}[self.value]


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]  # street, building, floor...: as the customer wrote them
    postcode: str
    city: str
    country: str  # ISO code or name, printed as given


@dataclass(frozen=True)
class Store:
    code: str  # e.g. "PAR-01"
    name: str
    address: Address


@dataclass(frozen=True)
class Recipient:
    """Who the parcel goes to: a customer, or a store for ship-to-store."""

    name: str
    address: Address


@dataclass(frozen=True)
class Parcel:
    tracking_number: str
    weight_kg: float
    # What the label's QR says: the tracking number unless the carrier wants
    # something else, such as a short tracking link.
    qr_content: str | None = None

    def __post_init__(self) -> None:
        _check_code(self.tracking_number, "tracking number")
        if self.weight_kg < 0:
            raise ValueError(f"parcel {self.tracking_number} weighs {self.weight_kg} kg")
        if self.qr_content is not None:
            check_qr_content(self.qr_content, "a label's QR content")

    @property
    def qr(self) -> str:
        return self.qr_content or self.tracking_number


@dataclass(frozen=True)
class Shipment:
    """One order's parcels from one store, with one carrier service."""

    order_ref: str
    store: Store
    recipient: Recipient
    carrier: str  # e.g. "Colissimo"
    service: str  # e.g. "Expert 48h"
    parcels: tuple[Parcel, ...]

    def __post_init__(self) -> None:
        if not self.parcels:
            raise ValueError(f"order {self.order_ref}: a shipment needs at least one parcel")


@dataclass(frozen=True)
class OrderLine:
    sku: str
    name: str
    qty: int


@dataclass(frozen=True)
class PackingSlip:
    order_ref: str
    store: Store
    customer: Recipient
    delivery_method: DeliveryMethod
    lines: tuple[OrderLine, ...]
    # Empty when nothing goes through a carrier (collected at this store).
    parcels: tuple[Parcel, ...] = ()
    carrier: str = ""
    service: str = ""


@dataclass(frozen=True)
class Manifest:
    """The list a carrier's driver signs for at handover: every parcel of these shipments."""

    manifest_id: str
    carrier: str
    store: Store
    handover_date: date
    shipments: tuple[Shipment, ...]

    def __post_init__(self) -> None:
        _check_code(self.manifest_id, "manifest id")
        for shipment in self.shipments:
            # A parcel on the wrong carrier's manifest is a parcel nobody collects.
            if shipment.carrier != self.carrier:
                raise ValueError(f"order {shipment.order_ref} goes with {shipment.carrier}, "
                                 f"not {self.carrier}")


@dataclass(frozen=True)
class ReturnReceipt:
    return_ref: str
    order_ref: str
    store: Store
    returned_at: datetime
    associate: str  # who took the return at the counter
    items: tuple[OrderLine, ...]  # the order's lines being returned, with the quantity returned
    reason: str
    condition: str
    refund: Decimal
    currency: str  # ISO 4217, e.g. "EUR"
