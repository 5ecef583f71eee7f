"""Packing slip, carrier manifest and return receipt, read back with poppler and zbar."""

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest

from printing import (
    DeliveryMethod,
    Manifest,
    OrderLine,
    PackingSlip,
    Parcel,
    ReturnReceipt,
    manifest_pdf,
    packing_slip_pdf,
    return_receipt_pdf,
)
from tests.printing.conftest import CUSTOMER, STORE, page_codes, page_sizes, page_text, write

A4 = (595.276, 841.89)


def test_packing_slip(tmp_path, shipment):
    slip = PackingSlip("W-100234", STORE, CUSTOMER, DeliveryMethod.HOME,
                       (OrderLine("TEE-BLU-M", "T-shirt blue M", 2),
                        OrderLine("JEANS-32", "Jeans <32/34> & belt", 1)),
                       shipment.parcels, "Colissimo", "Expert 48h")
    pdf = write(tmp_path, packing_slip_pdf(slip))
    assert page_sizes(pdf) == [A4]
    text = page_text(pdf, 1)
    for expected in ["Packing slip", "Backroom Paris Rivoli", "W-100234", "Home delivery with Colissimo",
                     "Zoë ^~ Ltd", "69002 Lyon", "TEE-BLU-M", "T-shirt blue M",
                     "Jeans <32/34> & belt",  # markup characters print as written
                     "Total items", "1 of 2", "6A12345678901", "1Z999AA10123456784", "2 parcels", "3.15 kg"]:
        assert expected in text, expected
    assert [line.split()[-1] for line in text.splitlines() if line.strip().startswith(("TEE-", "JEANS-"))] == ["2", "1"]


def test_packing_slip_for_click_and_collect_has_no_parcels(tmp_path):
    slip = PackingSlip("A-77", STORE, CUSTOMER, DeliveryMethod.CLICK_COLLECT, (OrderLine("CAP-RED", "Cap red", 1),))
    text = page_text(write(tmp_path, packing_slip_pdf(slip)), 1)
    assert "Click & collect" in text and "No parcel" in text and "Colissimo" not in text


def _shipments(shipment, count):
    """`count` one-parcel shipments to Lyon and Villeurbanne, of 0.5 kg, 0.6 kg..."""
    return tuple(dataclasses.replace(
        shipment, order_ref=f"W-2{i:05}",
        recipient=dataclasses.replace(CUSTOMER, address=dataclasses.replace(
            CUSTOMER.address, postcode=f"691{i:02}", city="Villeurbanne" if i % 2 else "Lyon")),
        parcels=(Parcel(f"6A{i:011}", 0.5 + i / 10),)) for i in range(count))


def test_manifest_lists_every_parcel_with_totals_and_signatures(tmp_path, shipment):
    shipments = (shipment, *_shipments(shipment, 3))
    manifest = Manifest("MAN-PAR01-20250301-1", "Colissimo", STORE, date(2025, 3, 1), shipments)
    pdf = write(tmp_path, manifest_pdf(manifest))
    assert page_sizes(pdf) == [A4]
    text = page_text(pdf, 1)
    for expected in ["Carrier manifest", "Colissimo", "Backroom Paris Rivoli", "2025-03-01", "MAN-PAR01-20250301-1",
                     "5 parcels", "Total weight", "4.95 kg", "Store associate", "Driver", "Signature",
                     "Handed over to Colissimo: 5 parcels, 4.95 kg in total."]:
        assert expected in text, expected
    # Table rows read "# tracking order postcode city weight kg", keyed by tracking number.
    rows = {cols[1]: cols for cols in map(str.split, text.splitlines()) if len(cols) == 7 and cols[0].isdigit()}
    assert len(rows) == 5
    assert rows["1Z999AA10123456784"][2:] == ["W-100234", "69002", "Lyon", "0.80", "kg"]
    assert rows["6A00000000001"][2:] == ["W-200001", "69101", "Villeurbanne", "0.60", "kg"]
    assert page_codes(pdf, 1, dpi=200) == ["CODE-128:MAN-PAR01-20250301-1"]


def test_long_manifest_runs_over_pages_and_each_page_says_whose(tmp_path, shipment):
    manifest = Manifest("MAN-2", "Colissimo", STORE, date(2025, 3, 1), _shipments(shipment, 60))
    pdf = write(tmp_path, manifest_pdf(manifest))
    pages = len(page_sizes(pdf))
    assert pages >= 2
    texts = [page_text(pdf, page) for page in range(1, pages + 1)]
    for page, text in enumerate(texts, 1):
        assert f"Manifest MAN-2 - page {page}" in text
    listed = [t for t in texts if "6A00000000059" in t or "6A00000000000" in t]
    assert all("Tracking number" in t for t in listed) and len(listed) >= 2  # header row repeats
    assert "Handed over to Colissimo: 60 parcels" in texts[-1] and "Driver" in texts[-1]


def test_manifest_refuses_another_carriers_parcel(shipment):
    dhl = dataclasses.replace(shipment, order_ref="W-9", carrier="DHL")
    with pytest.raises(ValueError, match="W-9 goes with DHL, not Colissimo"):
        Manifest("MAN-3", "Colissimo", STORE, date(2025, 3, 1), (shipment, dhl))


def test_return_receipt_fits_80_mm_till_paper(tmp_path):
    receipt = ReturnReceipt("R-000123", "W-100234", STORE, datetime(2025, 3, 2, 14, 5), "Léa (S001)",
                            (OrderLine("TEE-BLU-M", "T-shirt blue M", 1), OrderLine("JEANS-32", "Jeans", 2)),
                            "Too small", "Unworn, tags on", Decimal("59.8"), "EUR")
    pdf = write(tmp_path, return_receipt_pdf(receipt))
    [(width, height)] = page_sizes(pdf)  # one page, as long as the receipt
    assert round(width / 72 * 25.4) == 80 and height < 400
    text = page_text(pdf, 1)
    for expected in ["Return receipt", "R-000123", "W-100234", "2025-03-02 14:05", "Léa (S001)", "Backroom Paris Rivoli",
                     "1 x T-shirt blue M", "TEE-BLU-M", "2 x Jeans", "Too small", "Unworn, tags on", "Refund 59.80 EUR"]:
        assert expected in text, expected
