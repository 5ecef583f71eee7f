"""Parcels: tracking numbers are made where the label is printed (often an
offline store), so both halves make them the same way."""

import secrets

CARRIERS: dict[str, str] = {
    "colissimo": "Colissimo",
    "chronopost": "Chronopost",
    "dpd": "DPD",
    "ups": "UPS",
}
BOX_SIZES: dict[str, str] = {
    "S": "Small (30×20×10 cm)",
    "M": "Medium (40×30×20 cm)",
    "L": "Large (60×40×30 cm)",
    "XL": "Extra large (80×60×40 cm)",
}
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: read aloud over the phone


def new_tracking_number() -> str:
    """A unique parcel number in the shape carriers use (until a carrier API assigns real ones)."""
    return "BR" + "".join(secrets.choice(_ALPHABET) for _ in range(12))
