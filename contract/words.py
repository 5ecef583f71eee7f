"""Counts in words, for people: "1 parcel", "3 parcels", never "parcel(s)"."""


def counted(n: int, noun: str) -> str:
    """`noun` is the singular; every noun we count takes an s ("item", "delivery option", "SKU")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
