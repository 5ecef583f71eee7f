"""Words for people: counts ("1 parcel", "3 parcels", never "parcel(s)") and statuses
("being picked", not "picking")."""


def counted(n: int, noun: str) -> str:
    """`noun` is the singular; every noun we count takes an s ("item", "delivery option", "SKU")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# Statuses as associates say them (the core's names are for integrations): a fulfilment's,
# then an order's (as a whole, across its locations); "cancelled" is both.
STATUS_WORDS = {
    "assigned": "to accept", "accepted": "accepted", "picking": "being picked", "picked": "picked",
    "packed": "packed", "shipped": "shipped", "ready_for_pickup": "ready for pickup", "collected": "collected",
    "rejected": "given back", "expired": "not accepted in time", "cancelled": "cancelled",
    "allocated": "being prepared", "partially_allocated": "partly waiting for stock",
    "unfulfilled": "waiting for stock", "parked": "with customer service", "completed": "completed",
    "partially_completed": "partly completed",
}


def status_words(status: str) -> str:
    """A status as associates say it (a status this build does not know yet, as the core names it)."""
    return STATUS_WORDS.get(status) or status.replace("_", " ")


def is_status(status: str) -> str:
    """A status after "is", in a sentence: a list's "to accept" reads "is not accepted yet"."""
    return "not accepted yet" if status == "assigned" else status_words(status)
