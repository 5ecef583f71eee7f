"""The click & collect counter on the store's cache: it works offline.

Pickup codes are checked with the store's pickup key, which the cache holds
with its location (contract/pickup.py, the same check the core makes). Each
action is checked against the fulfilment as this device sees it, then queued
in the outbox like any other, and pushed once when the core is reachable.
"""

import copy
import uuid

from contract import pickup
from contract.errors import Conflict, InvalidInput, NotFound

from . import optimistic
from .cache import LocalCache

_GONE = frozenset({"rejected", "expired"})  # given back: not the counter's business any more
_ON_THE_WAY = frozenset({"packed", "shipped"})


class Counter:
    def __init__(self, cache: LocalCache) -> None:
        self.cache = cache

    def _store(self) -> tuple[str, str]:
        """This store's code and pickup key."""
        location = self.cache.location() or {}
        if not location.get("pickup_secret"):
            raise Conflict("not_synced", "this device has not received its store's pickup key yet: sync once online")
        return location["code"], location["pickup_secret"]

    # --- reading -----------------------------------------------------------------

    def find(self, q: str) -> list[dict]:
        """This store's click & collect orders by order number, customer name or
        phone, or a scanned pickup QR (refused when it is not genuine or not ours)."""
        q = q.strip()
        if not q:
            raise InvalidInput("query_required", "type an order number, a name or a phone number, or scan the QR")
        store, secret = self._store()
        if pickup.parse_qr(q) is not None:
            scanned = pickup.genuine_qr(secret, store, q)
            if scanned is None:
                raise InvalidInput("wrong_pickup_code", "this pickup QR is not genuine or not for this store")
            return [v for v in self._pickups(store) if v["order_id"] == scanned.order_id]
        return [v for v in self._pickups(store) if _matches(v, q)]

    def shelf(self) -> list[dict]:
        """What waits for customers, on which shelf, oldest first."""
        store, _ = self._store()
        waiting = self.cache.fulfilments(["ready_for_pickup"], location=store)
        return sorted(waiting, key=lambda v: (v.get("ready_at") is None, v.get("ready_at") or "", v["id"]))

    def inbound(self) -> list[dict]:
        """Parcels on their way here for click & collect customers, not scanned in yet."""
        store, _ = self._store()
        return [v for v in self._pickups(store) if _shipped_to(v, store) and v["status"] in _ON_THE_WAY]

    def pickup(self, order_id: str) -> dict:
        """The code and QR payload of an order collected here (for a reprint or the customer's screen)."""
        store, secret = self._store()
        return {"code": pickup.pickup_code(secret, order_id), "qr_payload": pickup.qr_payload(secret, store, order_id)}

    def verify(self, fulfilment_id: str, presented: str) -> str:
        """Check the customer's code or QR for this fulfilment; returns "code" or "qr", raises when wrong."""
        store, secret = self._store()
        view = self._view(fulfilment_id)
        return pickup.verify(secret, store, view["order_id"], presented)

    def _pickups(self, store: str) -> list[dict]:
        """This store's click & collect orders: its own, and parcels shipped here until they
        arrive (the arrival is then the order: the parcel stays "shipped" and would be a ghost of it)."""
        views = self.cache.fulfilments()
        arrived = {v["arrived_from"] for v in views if v.get("arrived_from")}
        return [v for v in views if v["status"] not in _GONE and v["id"] not in arrived and (
            (v["delivery_method"] == "click_collect" and v["location"] == store) or _shipped_to(v, store))]

    def _view(self, fulfilment_id: str) -> dict:
        view = self.cache.fulfilment(fulfilment_id)
        if view is None:
            raise NotFound("fulfilment_not_found", "this order is not on this device")
        return view

    # --- acting --------------------------------------------------------------------

    def ready(self, staff: str, fulfilment_id: str, shelf: str) -> str:
        """Put the order on the scanned shelf (again on another one: it moves)."""
        return self._queue(staff, fulfilment_id, "ready", {"shelf": shelf})

    def collect(self, staff: str, fulfilment_id: str, presented: str | None, lines: dict[str, int] | None = None,
                rest: str = "keep", reason: str | None = None) -> str:
        """Hand over everything, or only `lines` (sku -> units); the rest stays for
        later or is cancelled with a reason. The code is checked here, offline."""
        args: dict = {"rest": rest}
        if presented:
            self.verify(fulfilment_id, presented)
            args["code"] = presented
        if lines is not None:
            args["lines"] = [{"sku": sku, "qty": qty} for sku, qty in lines.items() if qty > 0]
            # Names the fulfilment the taken units leave on, so the core never hands them over twice.
            args["collected_id"] = str(uuid.uuid4())
        if reason:
            args["reason"] = reason
        return self._queue(staff, fulfilment_id, "collect", args)

    def receive(self, staff: str, tracking_number: str, shelf: str | None = None) -> str:
        """Scan in a parcel shipped here; returns the id of the fulfilment it becomes,
        ready for the customer at once. Scanning it again, or another box of the same
        shipment, returns the same arrival (as the core's receive does)."""
        tracking_number = tracking_number.strip().upper()
        store, _ = self._store()
        views = self.cache.fulfilments()
        parcel = next((v for v in views if _shipped_to(v, store) and v["status"] in _ON_THE_WAY
                       and tracking_number in _tracking_numbers(v)), None)
        if parcel is None:
            raise NotFound("unknown_parcel", f"no parcel {tracking_number} is on its way to this store")
        arrival = next((v["id"] for v in views if v.get("arrived_from") == parcel["id"]), None)
        if arrival is not None:
            return arrival
        if parcel["status"] != "shipped":
            raise Conflict("not_shipped", "the sending store has not shipped this parcel yet", status=parcel["status"])
        arrival_id = str(uuid.uuid4())
        args = {"tracking_number": tracking_number, **({"shelf": shelf} if shelf else {})}
        self.cache.enqueue(optimistic.RECEIVE, staff, arrival_id, args)
        return arrival_id

    def _queue(self, staff: str, fulfilment_id: str, kind: str, args: dict) -> str:
        optimistic.apply(copy.deepcopy(self._view(fulfilment_id)), kind, args)  # refused here as the core would
        return self.cache.enqueue(kind, staff, fulfilment_id, args)


def _shipped_to(view: dict, store: str) -> bool:
    """A parcel another location ships to `store` for its click & collect customer."""
    return view["delivery_method"] == "ship_to_store" and view.get("ship_to") == store


def _tracking_numbers(view: dict) -> set[str]:
    return {n for n in (view.get("tracking_number"), *(p.get("tracking_number") for p in view.get("parcels", []))) if n}


def _matches(view: dict, q: str) -> bool:
    order = view.get("order") or {}
    customer = order.get("customer") or {}
    if q in (order.get("external_ref"), view["order_id"]):
        return True
    text = q.lower()
    if any(text in str(customer.get(field) or "").lower() for field in ("name", "email", "phone")):
        return True
    digits = "".join(c for c in q if c.isdigit())
    phone = "".join(c for c in str(customer.get("phone") or "") if c.isdigit())
    return len(digits) >= 6 and digits[-8:] in phone  # typed without the country prefix
