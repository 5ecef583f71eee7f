"""Distances on the Earth's surface, and postcodes compared as people type them."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance."""
    dlat = radians(lat2 - lat1)
    dlon = radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(a))


def plain_postcode(postcode: str) -> str:
    """A postcode however it was typed ("69 002", "sw1a 1aa"): no spaces, capitals."""
    return "".join(postcode.split()).upper()
