"""Store documents and printers: shipping labels (PDF and ZPL), packing slips,
carrier manifests, return receipts and pickup QR codes, from plain dataclasses
to bytes. Self-contained: no core, no local database, no UI."""

from printing.documents import (
    Address, DeliveryMethod, Manifest, OrderLine, PackingSlip, Parcel, Recipient, ReturnReceipt, Shipment, Store,
)
from printing.label import shipping_label_pdf
from printing.paperwork import manifest_pdf, packing_slip_pdf, return_receipt_pdf
from printing.pickup import pickup_qr_png
from printing.printer import Printer, PrinterError, check_printer, send_to_printer
from printing.zpl import shipping_label_zpl

__all__ = [
    "Address", "DeliveryMethod", "Manifest", "OrderLine", "PackingSlip", "Parcel", "Recipient",
    "ReturnReceipt", "Shipment", "Store",
    "shipping_label_pdf", "shipping_label_zpl", "packing_slip_pdf", "manifest_pdf",
    "return_receipt_pdf", "pickup_qr_png", "Printer", "PrinterError", "check_printer", "send_to_printer",
]
