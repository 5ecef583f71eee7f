"""The ZPL II label, read back with a small parser of our own: one format per
parcel, 203 dpi dimensions, the barcode and QR fields, and field data that no
name can break out of."""

import dataclasses
import re

from printing import shipping_label_zpl
from printing.zpl import field_data

# A field: origin, its commands up to ^FD (never across another field's ^FS), data up to ^FS.
FIELD = re.compile(r"\^FO(\d+),(\d+)((?:(?!\^FS).)*?)\^FD(.*?)\^FS", re.S)


def unescape(data: str) -> str:
    """Undo ^FH_ hex escapes, as the printer does, then read the bytes as UTF-8 (^CI28)."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.encode("ascii"))
    return raw.decode("utf-8")


def labels(zpl: bytes) -> list[str]:
    text = zpl.decode("ascii")
    found = re.findall(r"\^XA.*?\^XZ", text, re.S)
    assert re.sub(r"\^XA.*?\^XZ", "", text, flags=re.S).strip() == "", "nothing may stand outside a label"
    return found


def fields(label: str) -> list[tuple[int, int, str, str]]:
    """(x, y, commands, field data as printed) for every field of a label."""
    found = FIELD.findall(label)
    assert len(found) == label.count("^FD") == label.count("^FS") - label.count("^GB")
    for _, _, commands, _ in found:
        if "^GB" not in commands:
            assert commands.endswith("^FH_"), "every field's data must be hex-escaped"
    return [(int(x), int(y), c, unescape(d)) for x, y, c, d in found]


def test_one_label_per_parcel_sized_for_203_dpi(shipment):
    found = labels(shipping_label_zpl(shipment))
    assert len(found) == 2
    for label in found:
        assert label.startswith("^XA") and label.endswith("^XZ")
        assert "^PW812" in label and "^LL1218" in label and "^CI28" in label
        for x, y, _, _ in fields(label):
            assert 0 <= x < 812 and 0 <= y < 1218


def test_code128_and_qr_carry_the_parcel(shipment):
    for label, parcel in zip(labels(shipping_label_zpl(shipment)), shipment.parcels, strict=True):
        by_kind = {("BC" if "^BC" in c else "BQ" if "^BQ" in c else "text"): d
                   for _, _, c, d in fields(label) if "^B" in c}
        assert by_kind["BC"] == parcel.tracking_number
        assert by_kind["BQ"] == f"MA,{parcel.qr}"  # error level M, automatic input mode
        assert re.search(r"\^BY[234]\^BCN,\d+,N,N,N,A\^FH_\^FD", label)
        texts = [d for _, _, c, d in fields(label) if "^A0" in c]
        assert parcel.tracking_number in texts  # printed under the bars


def test_names_with_zpl_control_characters_survive(shipment):
    hostile = dataclasses.replace(shipment.recipient, name="Zoë ^~ Ltd ^FS^XZ~JA_x")
    zpl = shipping_label_zpl(dataclasses.replace(shipment, recipient=hostile))
    assert b"~" not in zpl  # no ~ command at all, so none can fire from a name
    found = labels(zpl)
    assert len(found) == 2  # the name's ^XZ did not end a label
    for label in found:
        assert "Zoë ^~ Ltd ^FS^XZ~JA_x" in [d for _, _, _, d in fields(label)]
    assert field_data("Zoë ^~_") == "Zo_C3_AB _5E_7E_5F"


def test_reprint_prints_reversed_and_only_what_was_asked(shipment):
    found = labels(shipping_label_zpl(shipment, reprint=True, only={1}))
    assert len(found) == 1
    reprint = [(c, d) for _, _, c, d in fields(found[0]) if d == "REPRINT"]
    assert len(reprint) == 1 and "^FR" in reprint[0][0]
    assert "1 of 2" in [d for _, _, _, d in fields(found[0])]
    assert "REPRINT" not in shipping_label_zpl(shipment).decode()
