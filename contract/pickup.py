"""Click & collect pickup codes, checked the same way at the counter (offline,
on the store's cache) and in the core.

Each store has a secret key (the core makes it; the store's devices receive it
with their location in the sync feed). Everything a customer shows is derived
from it and the order id, so nothing per order has to reach the store before
the customer does:

- the short code, 6 characters an associate can type or hear over the counter;
- the QR payload `BRPU1|<store>|<order id>|<signature>`, which names the order
  (the counter finds it without typing) and cannot be made up for another
  order or store without the key.

The handover rule (what a customer may take, what becomes of the rest) is here
too, for the same reason.
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import InvalidInput
from .reasons import CANCEL_REASONS

CODE_LENGTH = 6
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as tracking numbers: no I or O
_QR_PREFIX = "BRPU1"
_SIGNATURE_LENGTH = 12


def _digest(secret: str, *parts: str) -> bytes:
    return hmac.new(bytes.fromhex(secret), "|".join(parts).encode(), hashlib.sha256).digest()


def _letters(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    out = []
    for _ in range(length):
        number, index = divmod(number, len(_ALPHABET))
        out.append(_ALPHABET[index])
    return "".join(out)


def _same(presented: str, expected: str) -> bool:
    """In constant time, whatever was typed or scanned: compare_digest refuses a str that is not ASCII."""
    return hmac.compare_digest(presented.encode("utf-8", "surrogatepass"), expected.encode())


def pickup_code(secret: str, order_id: str) -> str:
    """The short code the customer gives at the counter."""
    return _letters(_digest(secret, "code", order_id), CODE_LENGTH)


def qr_payload(secret: str, store: str, order_id: str) -> str:
    """What the customer's pickup QR carries."""
    return "|".join((_QR_PREFIX, store, order_id, _letters(_digest(secret, "qr", store, order_id), _SIGNATURE_LENGTH)))


@dataclass(frozen=True)
class ScannedPickup:
    store: str
    order_id: str
    signature: str


def parse_qr(payload: str) -> ScannedPickup | None:
    """The parts of a pickup QR payload, or None when it is not one (an order number typed, say)."""
    parts = payload.strip().split("|")
    if len(parts) != 4 or parts[0] != _QR_PREFIX:
        return None
    return ScannedPickup(parts[1], parts[2], parts[3])


def verify(secret: str, store: str, order_id: str, presented: str) -> str:
    """Check what the customer presented (short code or scanned QR) for this
    order at this store; returns how it was checked ("code" or "qr").
    Raises InvalidInput when it does not match."""
    presented = presented.strip()
    scanned = parse_qr(presented)
    if scanned is not None:
        if scanned.store != store or scanned.order_id != order_id:
            raise InvalidInput("wrong_pickup_code", "this pickup QR is for another order or store")
        if not _same(presented, qr_payload(secret, store, order_id)):
            raise InvalidInput("wrong_pickup_code", "this pickup QR is not genuine")
        return "qr"
    typed = presented.upper().replace(" ", "").replace("-", "")
    if not _same(typed, pickup_code(secret, order_id)):
        raise InvalidInput("wrong_pickup_code", "the pickup code does not match this order")
    return "code"


def genuine_qr(secret: str, store: str, payload: str) -> ScannedPickup | None:
    """The order a scanned QR names if it is genuine and for this store, else None."""
    scanned = parse_qr(payload)
    if scanned is None or scanned.store != store:
        return None
    if not _same(payload.strip(), qr_payload(secret, store, scanned.order_id)):
        return None
    return scanned


def handover(waiting: Mapping[str, int], taken: Iterable[tuple[str, int]] | None, rest: str = "keep",
             reason: str | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(taken, left) units per SKU when the customer takes `taken` of what is
    `waiting` for them (everything when None). Cancelling what is left needs one
    of the cancel reasons. Anything not waiting, or too many, is refused."""
    if taken is None:
        took = {sku: qty for sku, qty in waiting.items() if qty > 0}
    else:
        took = {}
        for sku, qty in taken:
            if sku not in waiting:
                raise InvalidInput("wrong_item", f"{sku} is not in this order", sku=sku)
            took[sku] = took.get(sku, 0) + qty
            if took[sku] > waiting[sku]:
                raise InvalidInput("too_many", f"only {waiting[sku]} of {sku} wait for this customer", sku=sku)
    left = {sku: qty - took.get(sku, 0) for sku, qty in waiting.items() if qty > took.get(sku, 0)}
    if rest == "cancel" and left and reason not in CANCEL_REASONS:
        raise InvalidInput("unknown_reason", f"cancelling the rest needs a reason, one of {', '.join(CANCEL_REASONS)}",
                           allowed=list(CANCEL_REASONS))
    return took, left
