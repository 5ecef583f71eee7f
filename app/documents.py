"""Store paperwork from what the tablet holds: labels, packing slips and
manifests, built with printing/ and kept a while so the screens can open
them: in web mode the browser fetches them from /files/<id>/<name>; the
desktop window opens them from a folder on disk."""

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from contract.parcels import CARRIERS
from printing import (
    Address,
    DeliveryMethod,
    Manifest,
    OrderLine,
    PackingSlip,
    Parcel,
    Recipient,
    Shipment,
    Store,
    manifest_pdf,
    packing_slip_pdf,
    shipping_label_pdf,
    shipping_label_zpl,
)


@dataclass(frozen=True)
class Document:
    id: str  # unguessable: the link is the permission to read it
    filename: str
    media_type: str
    content: bytes
    title: str = ""  # what it is, as a button names it ("labels", "manifest"); the filename otherwise


class Documents:
    """The last documents made in this process (a reprint makes them again)."""

    KEEP = 200

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory  # set for the desktop window, which opens files, not links
        self._lock = threading.Lock()
        self._items: OrderedDict[str, Document] = OrderedDict()

    def keep(self, filename: str, content: bytes, media_type: str = "application/pdf", title: str = "") -> Document:
        document = Document(secrets.token_urlsafe(16), filename, media_type, content, title)
        if self.directory is not None:
            self._file(document).parent.mkdir(parents=True, exist_ok=True)
            self._file(document).write_bytes(content)
        with self._lock:
            self._items[document.id] = document
            while len(self._items) > self.KEEP:
                gone = self._items.popitem(last=False)[1]
                if self.directory is not None:
                    self._file(gone).unlink(missing_ok=True)
        return document

    def url(self, document: Document) -> str:
        """Where a screen opens the document."""
        if self.directory is not None:
            return self._file(document).resolve().as_uri()
        return f"/files/{document.id}/{document.filename}"

    def _file(self, document: Document) -> Path:
        return self.directory / document.id / document.filename  # type: ignore[operator]

    def get(self, document_id: str) -> Document | None:
        with self._lock:
            return self._items.get(document_id)


def store_of(location: dict) -> Store:
    address = location.get("address") or {}
    return Store(
        code=location["code"],
        name=location["name"],
        address=Address(lines=(address.get("line1", ""),), postcode=address.get("postcode", ""),
                        city=address.get("city", ""), country=location.get("country", "")),
    )


def shipment_of(fulfilment: dict, location: dict) -> Shipment:
    destination = fulfilment["destination"]
    lines = tuple(line for line in (destination.get("line1"), destination.get("line2")) if line)
    carrier = fulfilment.get("carrier") or "colissimo"
    return Shipment(
        order_ref=fulfilment["order"]["external_ref"],
        store=store_of(location),
        recipient=Recipient(destination["name"], Address(lines, destination["postcode"], destination["city"],
                                                         destination["country"])),
        carrier=CARRIERS.get(carrier, carrier),
        service=(fulfilment["parcels"][0].get("service") if fulfilment["parcels"] else None) or "Standard",
        parcels=tuple(Parcel(p["tracking_number"], p.get("weight_kg") or 0.0) for p in fulfilment["parcels"]),
    )


def labels(fulfilment: dict, location: dict, *, reprint: bool = False) -> tuple[bytes, bytes]:
    """The parcel labels as a 4×6 in PDF and as ZPL for a thermal printer."""
    shipment = shipment_of(fulfilment, location)
    return shipping_label_pdf(shipment, reprint=reprint), shipping_label_zpl(shipment, reprint=reprint)


def packing_slip(fulfilment: dict, location: dict, products: dict[str, dict]) -> bytes:
    shipment = shipment_of(fulfilment, location)
    return packing_slip_pdf(PackingSlip(
        order_ref=shipment.order_ref,
        store=shipment.store,
        customer=shipment.recipient,
        delivery_method=DeliveryMethod(fulfilment["delivery_method"]),
        lines=tuple(OrderLine(line["sku"], products.get(line["sku"], {}).get("name", line["sku"]), line["qty"])
                    for line in fulfilment["lines"]),
        parcels=shipment.parcels,
        carrier=shipment.carrier,
        service=shipment.service,
    ))


def manifest(manifest_id: str, carrier: str, handover: date, fulfilments: list[dict], location: dict) -> bytes:
    return manifest_pdf(Manifest(
        manifest_id=manifest_id,
        carrier=CARRIERS.get(carrier, carrier),
        store=store_of(location),
        handover_date=handover,
        shipments=tuple(shipment_of(f, location) for f in fulfilments),
    ))
