"""The 4x6 in PDF label: read back by poppler (size, pages, text) and zbar (barcodes)."""

import dataclasses
import re

import pytest

from printing import Parcel, shipping_label_pdf
from tests.printing.conftest import page_codes, page_sizes, page_text, tool, write


def test_one_4x6_in_page_per_parcel(tmp_path, shipment):
    pdf = write(tmp_path, shipping_label_pdf(shipment))
    assert page_sizes(pdf) == [(288.0, 432.0), (288.0, 432.0)]


def test_barcode_and_qr_decode_to_the_parcel(tmp_path, shipment):
    pdf = write(tmp_path, shipping_label_pdf(shipment))
    first, second = shipment.parcels
    assert page_codes(pdf, 1) == [f"CODE-128:{first.tracking_number}", f"QR-Code:{first.tracking_number}"]
    assert page_codes(pdf, 2) == [f"CODE-128:{second.tracking_number}", f"QR-Code:{second.qr_content}"]


def test_longest_tracking_number_still_fits_and_scans(tmp_path, shipment):
    longest = "AB12-" * 6  # 30 characters, the most a Parcel takes
    one = dataclasses.replace(shipment, parcels=(Parcel(longest, 1.0),))
    pdf = write(tmp_path, shipping_label_pdf(one))
    assert f"CODE-128:{longest}" in page_codes(pdf, 1)


def test_the_label_says_who_what_and_how(tmp_path, shipment):
    pdf = write(tmp_path, shipping_label_pdf(shipment))
    for page, (parcel, weight) in enumerate([(shipment.parcels[0], "2.35 kg"), (shipment.parcels[1], "0.80 kg")], 1):
        text = page_text(pdf, page)
        for expected in ["Backroom Paris Rivoli", "112 rue de Rivoli", "75001 Paris",
                         "Zoë ^~ Ltd", "2 rue de la République", "Bâtiment B, 3e étage", "69002 Lyon", "France",
                         "Colissimo", "Expert 48h", "W-100234", f"{page} of 2", weight, parcel.tracking_number]:
            assert expected in text, f"page {page} lacks {expected!r}"
        assert "REPRINT" not in text


def test_reprint_is_marked_and_can_be_one_parcel(tmp_path, shipment):
    pdf = write(tmp_path, shipping_label_pdf(shipment, reprint=True, only={2}))
    assert len(page_sizes(pdf)) == 1
    text = page_text(pdf, 1)
    assert "REPRINT" in text and "2 of 2" in text
    with pytest.raises(ValueError, match="no parcel"):
        shipping_label_pdf(shipment, only={3})


def test_long_names_shrink_to_the_label_instead_of_running_off(tmp_path, shipment):
    long = dataclasses.replace(shipment.recipient, name="Établissements Zoë Dupont-Delacroix et Fils " * 3)
    pdf = write(tmp_path, shipping_label_pdf(dataclasses.replace(shipment, recipient=long)))
    boxes = tool("pdftotext", "-bbox", "-f", "1", "-l", "1", pdf, "-")
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    assert right_edges and max(right_edges) <= 288
    assert "Établissements Zoë" in page_text(pdf, 1)


@pytest.mark.parametrize("tracking", ["", "AB 12", "AB^12", "É123", "X" * 31])
def test_tracking_numbers_that_cannot_be_a_barcode_are_refused(tracking):
    with pytest.raises(ValueError, match="tracking number"):
        Parcel(tracking, 1.0)


def test_label_qr_content_must_read_the_same_on_every_scanner():
    with pytest.raises(ValueError, match="printable ASCII"):
        Parcel("6A1", 1.0, qr_content="https://trk.example/Zoë")
