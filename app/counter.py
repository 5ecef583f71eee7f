"""The counter: click & collect customers, parcels arriving for them, returns
and endless-aisle orders. Plain Python for the counter screens, answering
with Feedback like Work does.

Pickups and arrivals run on the store's cache (local_db Counter): they work
offline and sync once. Returns, endless aisle and sending a pickup code again
need the core (refunds, the network's stock and e-mails are its business):
they say so plainly when it is out of reach, and each carries an id made here
(or, for a code, the core's throttle) so that a double tap or a retry is one
return, one order, one e-mail.
"""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from contract import pickup
from contract.errors import DomainError
from contract.geo import distance_km, plain_postcode
from contract.money import money
from contract.reasons import CANCEL_REASONS, RETURN_REASONS
from contract.words import counted, is_status
from local_db.client import CoreRefused, CoreUnavailable
from local_db.counter import Counter

from .dates import readable_day
from .store import Associate, StoreApp, place_name
from .work import Feedback, Tone

T = TypeVar("T")

OFFLINE = "The system cannot be reached: {what} needs it. Try again when the badge no longer says Offline"


def _ref(view: dict) -> str:
    return (view.get("order") or {}).get("external_ref", "this order")


def waited(stamp: str | None, now: datetime | None = None) -> str:
    """How long something has waited, the way the counter says it."""
    if not stamp:
        return "just now"
    seconds = max(0, ((now or datetime.now(UTC)) - datetime.fromisoformat(stamp)).total_seconds())
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d}"
    return f"{hours // 24} days"


def units(typed: dict[str, str], limits: dict[str, int]) -> dict[str, int]:
    """Quantities typed per SKU (empty is none), checked against what may be taken."""
    chosen: dict[str, int] = {}
    for sku, text in typed.items():
        text = (text or "").strip()
        if not text:
            continue
        if not text.isdigit():
            raise ValueError("Quantities are whole numbers of units")
        qty = int(text)
        if qty > limits.get(sku, 0):
            raise ValueError(f"Only {limits.get(sku, 0)} × {sku} can be taken")
        if qty:
            chosen[sku] = qty
    return chosen


@dataclass(frozen=True)
class Found:
    """What a search at the counter found; a genuine QR also proves who the customer is."""

    views: list[dict]
    feedback: Feedback | None = None
    verified: dict[str, str] = field(default_factory=dict)  # fulfilment id -> what the customer presented

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(v["id"] for v in self.views)

    @property
    def chosen(self) -> str | None:
        """The order to serve at once: the only one found (of several, the associate chooses)."""
        return self.views[0]["id"] if len(self.views) == 1 else None


@dataclass(frozen=True)
class Sale:
    """One endless-aisle sale as the counter puts it together: the cart, the delivery
    options asked for it, the one chosen, and the reference the core knows the order by.

    The reference stays with the sale until the core confirms the order, whatever
    happens on the way: a retry after a dropped connection or a second tap sends the
    same order again, and the core answers with the first one instead of placing two.
    Once confirmed, the next sale starts empty with a reference of its own (the core
    refuses a reference used for another cart). Each change is a new Sale, so a
    screen keeps it in its state as it is."""

    store: str
    ref: str
    cart: dict = field(default_factory=dict)  # sku -> {"qty", "price", "name"}
    options: tuple = ()  # as the core's promise lists them
    option: dict | None = None  # the one chosen
    placed: dict | None = None  # the order the last sale became (shown until this one starts)
    placed_option: dict | None = None  # and how it reaches the customer

    @classmethod
    def start(cls, store: str, placed: dict | None = None, placed_option: dict | None = None) -> "Sale":
        return cls(store, CounterDesk.new_order_ref(store), placed=placed, placed_option=placed_option)

    def add(self, product: dict) -> "Sale":
        item = self.cart.get(product["sku"], {"qty": 0, "price": product["price"], "name": product["name"]})
        return self._changed({**self.cart, product["sku"]: {**item, "qty": item["qty"] + 1}})

    def remove(self, sku: str) -> "Sale":
        return self._changed({k: v for k, v in self.cart.items() if k != sku})

    def _changed(self, cart: dict) -> "Sale":
        # Another cart: its delivery options must be asked again.
        return replace(self, cart=cart, options=(), option=None, placed=None, placed_option=None)

    def offer(self, options: list[dict]) -> "Sale":
        return replace(self, options=tuple(options), option=None)

    def choose(self, option: dict) -> "Sale":
        return replace(self, option=option)

    def confirmed(self, order: dict) -> "Sale":
        """The core placed this sale as `order`: the next one starts afresh, and shows this one's
        confirmation. An answer for an earlier sale (a second tap's) changes nothing."""
        if order.get("external_ref") != self.ref:
            return self
        return Sale.start(self.store, placed=order, placed_option=self.option)

    @property
    def items_total(self) -> float:
        return round(sum(item["qty"] * float(item["price"]) for item in self.cart.values()), 2)

    @property
    def to_pay(self) -> float:
        """The goods and the delivery chosen (its `price`; the promise's `cost` is what delivering
        costs the network, not the customer)."""
        return round(self.items_total + (self.option["price"] if self.option else 0.0), 2)


OPTION_WORDS = {"home_standard": "Home delivery", "home_express": "Home express",
                "click_collect": "Click & collect", "express_pickup": "Express pickup"}


def option_words(option: dict, network: dict[str, dict]) -> str:
    where = (f" at {place_name(option['store'], network)}" if option.get("store")
             else f" to {option['postcode']}" if option.get("postcode") else "")
    return f"{OPTION_WORDS.get(option['kind'], option['kind'])}{where}"


def price_words(price: float, currency: str) -> str:
    """A delivery's price as the customer hears it."""
    return money(price, currency) if price else "free"


def elsewhere(levels: dict[str, int], network: dict[str, dict], here: dict | None) -> list[tuple[str, int]]:
    """Units at other locations (code -> units), each place said the way the associate tells the
    customer ("Lyon Part-Dieu · 2.4 km"), nearest first; a place without coordinates comes last."""
    places = []
    for code, units in levels.items():
        km = _distance(here or {}, network.get(code) or {})
        places.append((km, place_name(code, network) + (f" · {_km(km)}" if km is not None else ""), units))
    places.sort(key=lambda place: (place[0] is None, place[0] or 0.0, place[1]))
    return [(words, units) for _, words, units in places]


def _distance(here: dict, there: dict) -> float | None:
    if None in (here.get("lat"), here.get("lon"), there.get("lat"), there.get("lon")):
        return None
    return distance_km(here["lat"], here["lon"], there["lat"], there["lon"])


def _km(km: float) -> str:
    return f"{km:.1f} km" if km < 10 else f"{km:.0f} km"


def when(option: dict, today: date) -> str:
    """When the option delivers, or is ready, the way a person says it to a customer:
    "today by 15:30", "tomorrow by 11:00", "Thu 10 Dec" (the promise's day is the
    network's local day, and an express pickup's hour is the network's local time)."""
    day = date.fromisoformat(option["date"])
    if day == today:
        said = "today"
    elif day == today + timedelta(days=1):
        said = "tomorrow"
    else:
        said = f"{day:%a} {readable_day(day, today)}"
    if option.get("ready_by"):
        said += f" by {datetime.fromisoformat(option['ready_by']):%H:%M}"
    return said


class CounterDesk:
    def __init__(self, store: StoreApp) -> None:
        self.store = store
        self.cache = store.cache
        self.counter = Counter(store.cache)

    # --- click & collect ------------------------------------------------------------

    def ready(self, associate: Associate, fulfilment_id: str, shelf: str) -> Feedback:
        """Put a picked order (or move a waiting one) on the scanned staging shelf."""
        shelf = shelf.strip().upper()
        if not shelf:
            return Feedback(Tone.WARNING, "Scan the shelf you put the order on")
        view = self.cache.fulfilment(fulfilment_id) or {}
        try:
            self.counter.ready(associate.code, fulfilment_id, shelf)
        except DomainError as exc:
            return Feedback(Tone.ERROR, _said(exc, view))
        return Feedback(Tone.DONE, f"{_ref(view)} is ready for pickup on shelf {shelf}")

    def serve(self, fulfilment_id: str | None) -> Found:
        """An order brought to the counter from its own screen: found and chosen, as if searched for."""
        view = self.cache.fulfilment(fulfilment_id) if fulfilment_id else None
        return Found([view] if view else [])

    def find(self, q: str) -> Found:
        """By order number, name or phone; a scanned pickup QR finds the order and proves the customer."""
        q = q.strip()
        try:
            views = self.counter.find(q)
        except DomainError as exc:
            return Found([], Feedback(Tone.ERROR, _said(exc, {})))
        if not views:
            return Found([], Feedback(Tone.WARNING, f"No click & collect order here matches {q!r}"))
        verified = {}
        if pickup.parse_qr(q) is not None:
            verified = {v["id"]: q for v in views if v["status"] == "ready_for_pickup"}
            ready = [v for v in views if v["id"] in verified]
            if ready:
                return Found(views, Feedback(Tone.OK, f"QR checked: {_ref(ready[0])} belongs to this customer"), verified)
            return Found(views, Feedback(Tone.WARNING, f"{_ref(views[0])} is not ready for pickup yet"))
        return Found(views, Feedback(Tone.OK, f"{counted(len(views), 'order')} found"))

    def verify(self, fulfilment_id: str, presented: str) -> Feedback:
        """The customer's pickup code, typed, or their QR, scanned (checked offline)."""
        presented = presented.strip()
        if not presented:
            return Feedback(Tone.WARNING, "Type the customer's pickup code or scan their QR")
        view = self.cache.fulfilment(fulfilment_id) or {}
        try:
            how = self.counter.verify(fulfilment_id, presented.upper() if pickup.parse_qr(presented) is None
                                      else presented)
        except DomainError as exc:
            return Feedback(Tone.ERROR, _said(exc, view))
        return Feedback(Tone.OK, f"{'QR' if how == 'qr' else 'Code'} correct: hand {_ref(view)} over")

    def waiting(self, fulfilment_id: str) -> dict[str, int]:
        view = self.cache.fulfilment(fulfilment_id) or {}
        return {line["sku"]: line["qty"] - line.get("collected", 0) for line in view.get("lines", [])}

    def collect(self, associate: Associate, fulfilment_id: str, presented: str | None,
                taken: dict[str, str] | None = None, rest: str = "keep", reason: str | None = None) -> Feedback:
        """Hand over everything (`taken` None or all of it) or some units; the rest stays
        on the shelf for later or is cancelled with a reason."""
        view = self.cache.fulfilment(fulfilment_id) or {}
        waiting = self.waiting(fulfilment_id)
        try:
            lines = units(taken, waiting) if taken is not None else None
        except ValueError as exc:
            return Feedback(Tone.ERROR, str(exc))
        if lines is not None and not lines:
            return Feedback(Tone.WARNING, "Say how many of each item the customer takes")
        if lines == {sku: qty for sku, qty in waiting.items() if qty}:
            lines = None  # all of it: a plain handover
        if lines is not None and rest == "cancel" and reason not in CANCEL_REASONS:
            return Feedback(Tone.ERROR, "Choose why the rest is cancelled")
        try:
            self.counter.collect(associate.code, fulfilment_id, presented, lines, rest,
                                 reason if lines is not None and rest == "cancel" else None)
        except DomainError as exc:
            return Feedback(Tone.ERROR, _said(exc, view))
        if lines is None:
            return Feedback(Tone.DONE, f"{_ref(view)} collected: everything handed over")
        given = sum(lines.values())
        left = sum(waiting.values()) - given
        then = "cancelled" if rest == "cancel" else "kept on the shelf for later"
        return Feedback(Tone.DONE, f"{_ref(view)}: {counted(given, 'item')} collected, {left} {then}")

    def can_send_code(self, fulfilment_id: str) -> bool:
        """Whether the core can send the pickup code again: it knows the order is on the shelf
        (an order shelved here a moment ago is not until the sync says so), and the code goes by
        e-mail, so an order without an address has nowhere to send it."""
        known = self.cache.server_fulfilment(fulfilment_id) or {}
        return known.get("status") == "ready_for_pickup" and bool((known["order"].get("customer") or {}).get("email"))

    async def send_code_again(self, associate: Associate, fulfilment_id: str,
                              now: datetime | None = None) -> Feedback:
        """The customer lost the e-mail with their pickup code: the core sends it again. It sends
        one copy every few minutes at most; asked sooner, it says when the last one went."""
        answer, problem = await self._online(
            associate, "Sending the code again",
            lambda token: self.store.client.resend_pickup_code(token, fulfilment_id), again=" (a tap again sends one copy at most)")
        if problem:
            return problem
        if answer["queued"]:
            return Feedback(Tone.DONE, f"Pickup code of {answer['order_ref']} sent again to {answer['recipient']}")
        ago = waited(answer["queued_at"], now)
        when = ago if ago == "just now" else f"{ago} ago"
        return Feedback(Tone.WARNING, f"Sent {when} to {answer['recipient']}: wait a moment for it to arrive")

    def shelf(self, now: datetime | None = None) -> list[dict]:
        """What waits where and for how long, oldest first."""
        try:
            views = self.counter.shelf()
        except DomainError:
            return []
        return [{"view": v, "ref": _ref(v), "shelf": v.get("shelf") or "no shelf", "waited": waited(v.get("ready_at"), now),
                 "customer": ((v.get("order") or {}).get("customer") or {}).get("name", ""),
                 "items": sum(line["qty"] - line.get("collected", 0) for line in v["lines"])} for v in views]

    # --- parcels arriving for click & collect ------------------------------------

    def inbound(self) -> list[dict]:
        try:
            return self.counter.inbound()
        except DomainError:
            return []

    def receive(self, associate: Associate, tracking_number: str, shelf: str | None = None) -> Feedback:
        """A parcel scanned in: ready for its customer at once. The other boxes of a shipment
        in several parcels join the first one scanned, on its shelf."""
        code = tracking_number.strip().upper()
        if not code:
            return Feedback(Tone.WARNING, "Scan the parcel's tracking number")
        shelf = (shelf or "").strip().upper() or None
        try:
            arrival = self.counter.receive(associate.code, code, shelf)
        except DomainError as exc:
            return Feedback(Tone.ERROR, _said(exc, {}))
        view = self.cache.fulfilment(arrival) or {}
        sent = self.cache.fulfilment(view.get("arrived_from") or "") or {}
        boxes = [p.get("tracking_number") for p in sent.get("parcels", [])]
        box = f"{boxes.index(code) + 1} of {len(boxes)}" if len(boxes) > 1 and code in boxes else None
        if view.get("tracking_number") != code:  # the arrival began with another box
            where = f"on shelf {view['shelf']}" if view.get("shelf") else "put it"
            what = f"Box {box}" if box else f"Parcel {code}"
            return Feedback(Tone.DONE, f"{what} of {_ref(view)} arrived: {where} with the first")
        where = f" on shelf {view['shelf']}" if view.get("shelf") else ""
        return Feedback(Tone.DONE, f"Parcel {code}{f' (box {box})' if box else ''} arrived: {_ref(view)} is ready for "
                                   f"pickup{where}")

    # --- returns (online) ------------------------------------------------------------

    async def lookup(self, associate: Associate, q: str) -> tuple[list[dict], Feedback]:
        """Any order of any channel, for a return."""
        q = q.strip()
        if not q:
            return [], Feedback(Tone.WARNING, "Type an order number, a name, an e-mail or a phone number")
        orders, problem = await self._online(associate, "Finding an order to return",
                                             lambda token: self.store.client.lookup_orders(token, q))
        if problem:
            return [], problem
        if not orders:
            return [], Feedback(Tone.WARNING, f"No order matches {q!r}")
        return orders, Feedback(Tone.OK, f"{counted(len(orders), 'order')} found")

    async def order(self, associate: Associate, order_id: str) -> tuple[dict | None, Feedback | None]:
        """The order to take items back from, with what of it may come back as the core counts it
        (`returnable`: the core sees the whole order, a store only its own part)."""
        async def read(token: str) -> dict:
            order = await self.store.client.order(token, order_id)
            return {**order, "returnable": await self.store.client.returnable(token, order_id)}

        return await self._online(associate, "A return", read)

    @staticmethod
    def after_return(order: dict, record: dict) -> dict:
        """The order once `record` took its units back: they, and their refund, are no longer to come."""
        taken: dict[str, int] = {}
        for line in record["lines"]:
            taken[line["sku"]] = taken.get(line["sku"], 0) + line["qty"]
        state = order["returnable"]
        items = [{**i, "returned": i["returned"] + taken.get(i["sku"], 0),
                  "returnable": i["returnable"] - taken.get(i["sku"], 0),
                  "unit_prices": i["unit_prices"][taken.get(i["sku"], 0):]} for i in state["items"]]
        refundable = Decimal(str(state["refundable"])) - Decimal(str(record["refund"]))
        return {**order, "returnable": {**state, "items": items, "refundable": float(refundable)}}

    @staticmethod
    def returnable(order: dict) -> list[dict]:
        """The order's items as the core says a return may take them, per SKU: ordered, received by
        the customer, already returned, what may come back now (`qty`) and the price paid for each
        of those units, taken from the front."""
        ordered: dict[str, int] = {}
        for line in order.get("lines", []):
            ordered[line["sku"]] = ordered.get(line["sku"], 0) + line["qty"]
        items = []
        for item in order.get("returnable", {}).get("items", []):
            prices = [Decimal(str(p)) for p in item["unit_prices"]]
            items.append({"sku": item["sku"], "ordered": ordered.get(item["sku"], item["received"]),
                          "received": item["received"], "returned": item["returned"], "qty": item["returnable"],
                          "prices": prices, "unit_price": float(prices[0]) if prices else 0.0})
        return items

    def refund(self, order: dict, typed: dict[str, str]) -> float:
        """What the customer gets back for the units typed (0 while there is none)."""
        amount, _ = self.refund_said(order, typed)
        return amount or 0.0

    def refund_said(self, order: dict, typed: dict[str, str]) -> tuple[float | None, str | None]:
        """The refund as the form shows it while the associate fills it in, as the core will work it
        out (the price paid for each unit, never more than the order may still refund): the amount,
        or None and why there is none (a quantity the core would refuse; none typed needs no reason)."""
        items = {i["sku"]: i for i in self.returnable(order)}
        try:
            chosen = units(typed, {sku: i["qty"] for sku, i in items.items()})
        except ValueError as exc:
            return None, _too_many(typed, items) or str(exc)
        if not chosen:
            return None, None
        amount = sum((sum(items[sku]["prices"][:qty], Decimal("0")) for sku, qty in chosen.items()), Decimal("0"))
        return float(round(min(amount, Decimal(str(order["returnable"]["refundable"]))), 2)), None

    async def submit_return(self, associate: Associate, return_id: str, order: dict, typed: dict[str, str],
                            conditions: dict[str, str], reason: str, note: str = "") -> tuple[dict | None, Feedback]:
        """Take the items back; `return_id` is made once per return at the counter (a double tap is one return).
        Sent again with other items after its answer was lost, the return the core recorded first stands:
        it comes back, with words saying so."""
        items = {i["sku"]: i for i in self.returnable(order)}
        if not any(i["qty"] for i in items.values()):
            return None, Feedback(Tone.WARNING, nothing_to_return(order))
        try:
            chosen = units(typed, {sku: i["qty"] for sku, i in items.items()})
        except ValueError as exc:
            return None, Feedback(Tone.ERROR, _too_many(typed, items) or str(exc))
        if not chosen:
            return None, Feedback(Tone.WARNING, "Say how many of each item comes back")
        if reason not in RETURN_REASONS:
            return None, Feedback(Tone.WARNING, "Choose the reason of the return")
        body = {"id": return_id, "order_id": order["id"], "reason": reason,
                "lines": [{"sku": sku, "qty": qty, "condition": return_condition(conditions.get(sku), reason)}
                          for sku, qty in chosen.items()]}
        if note.strip():
            body["note"] = note.strip()[:500]
        async def take_back(token: str) -> tuple[dict, bytes, bool]:
            try:
                record, earlier = await self.store.client.create_return(token, body), False
            except CoreRefused as exc:
                if exc.code != "idempotency_key_reused":
                    raise
                # Sent before and recorded, but the answer was lost and the form changed since:
                # the return recorded stands, and it is what the associate must see.
                record, earlier = await self.store.client.request("GET", f"/returns/{return_id}", token), True
            return record, await self.store.client.return_receipt(token, record["id"]), earlier

        answer, problem = await self._online(associate, "A return", take_back, again=" (tapping again is safe)")
        if problem:
            return None, problem
        record, receipt, earlier = answer
        back = sum(line["qty"] for line in record["lines"] if line["disposition"] == "restocked")
        aside = sum(line["qty"] for line in record["lines"]) - back
        taken = f"refund {money(record['refund'], self.store.currency)}; {back} back in stock, {aside} set aside"
        papers = (self.store.documents.keep(f"return-{order['external_ref']}.pdf", receipt,
                                            title="return receipt"),)
        if earlier:
            return record, Feedback(Tone.WARNING, f"The return of {order['external_ref']} sent a moment ago did reach "
                                                  f"the system, as it was then: {taken}. The changes made since were "
                                                  "not recorded", papers)
        return record, Feedback(Tone.DONE, f"Return of {order['external_ref']} recorded: {taken}", papers)

    # --- endless aisle (online) -----------------------------------------------------------

    async def search(self, associate: Associate, q: str) -> tuple[list[dict], Feedback | None]:
        """Products by scanned barcode, SKU or words of the name, each with this store's and the network's stock."""
        q = q.strip()
        if not q:
            return [], Feedback(Tone.WARNING, "Scan a barcode or type a product name")
        async def look_up(token: str) -> tuple[list[dict], dict | None, dict[str, dict]]:
            network = await self.store.know_network(token)
            products = await self.store.client.products(token, q)
            stock = await self.store.client.availability(token, [p["sku"] for p in products]) if products else None
            return products, stock, network

        answer, problem = await self._online(associate, "The network's stock", look_up)
        if problem:
            return [], problem
        products, stock, network = answer
        if not products:
            return [], Feedback(Tone.WARNING, f"No product matches {q!r}")
        here = associate.store
        for product in products:
            levels = [lv for lv in stock["locations"] if lv["sku"] == product["sku"]]
            product["here"] = sum(lv["atp"] for lv in levels if lv["location"] == here)
            product["network"] = stock["skus"].get(product["sku"], 0)
            product["elsewhere"] = elsewhere({lv["location"]: lv["atp"] for lv in levels
                                              if lv["location"] != here and lv["atp"]},
                                             network, self.cache.location())
        return products, None

    async def options(self, associate: Associate, cart: dict[str, dict],
                      postcode: str = "") -> tuple[list[dict], Feedback | None]:
        """Delivery options for the cart (POST /promise): home delivery to the customer's postcode,
        whose date depends on where they live (none without it: from this store's door it would be
        this town's date), and pickups at the stores near this one, where the customer is now. A
        home option keeps the postcode it was promised for."""
        if not cart:
            return [], Feedback(Tone.WARNING, "Add a product to the cart first")
        location = self.cache.location() or {}
        if location.get("lat") is None or location.get("lon") is None:
            return [], Feedback(Tone.ERROR, "This device does not know where its store is yet: sync once online")
        country = location.get("country") or "FR"
        postcode = " ".join(postcode.split())

        async def ask(token: str) -> list[dict]:
            await self.store.know_network(token)  # the options' stores, by name
            async def promise(delivery: str, destination: dict) -> list[dict]:
                answer = await self.store.client.promise(token, {
                    "channel": "store", "lines": _lines(cart), "delivery": delivery,
                    "destination": {"country": country} | destination})
                return answer["options"]

            home = await promise("home", {"postcode": postcode}) if postcode else []
            pickups = await promise("pickup", {"lat": location["lat"], "lon": location["lon"]})
            return [o | {"postcode": postcode} for o in home] + pickups

        found, problem = await self._online(associate, "Delivery options", ask, refusals={
            "unknown_postcode": f"No location of the network is near postcode {postcode}: check the postcode"})
        if problem:
            return [], problem
        if not postcode:
            if not found:
                return [], Feedback(Tone.WARNING, "No store near here can prepare this cart: type the customer's "
                                                  "postcode for home delivery")
            return found, Feedback(Tone.OK, f"{counted(len(found), 'pickup option')}: choose one, or type the "
                                            "customer's postcode for home delivery")
        if not found:
            return [], Feedback(Tone.WARNING, "The network cannot deliver this cart")
        return found, None

    async def place(self, associate: Associate, order_ref: str, cart: dict[str, dict], customer: dict[str, str],
                    option: dict | None, address: dict[str, str]) -> tuple[dict | None, Feedback]:
        """Place the order (channel store); `order_ref` is made once per cart so a retry is the same order."""
        if not cart:
            return None, Feedback(Tone.WARNING, "The cart is empty")
        if option is None:
            return None, Feedback(Tone.WARNING, "Choose a delivery option")
        name = (customer.get("name") or "").strip()
        if not name:
            return None, Feedback(Tone.WARNING, "The customer's name is needed")
        person = {"name": name} | {k: customer[k].strip() for k in ("email", "phone") if (customer.get(k) or "").strip()}
        location = self.cache.location() or {}
        # The option chosen is the order placed: its store, its speed (a tag routing rules
        # can read) and, for an express pickup, the hour promised (the promise-kept KPI).
        extra: dict = {}
        if option["kind"] in ("click_collect", "express_pickup"):
            delivery: dict = {"method": "click_collect", "store": option["store"]}
            if option["kind"] == "express_pickup" and option.get("ready_by"):
                if datetime.fromisoformat(option["ready_by"]) <= self.store.time.now():
                    # Options asked long ago: the customer would be promised an hour already gone.
                    return None, Feedback(Tone.WARNING, "The time promised for this option has passed: ask for "
                                                        "the delivery options again")
                extra["promised_by"] = option["ready_by"]
        else:
            missing = [k for k in ("line1", "postcode", "city") if not (address.get(k) or "").strip()]
            if missing:
                return None, Feedback(Tone.WARNING, "Home delivery needs the customer's street, postcode and city")
            if plain_postcode(address["postcode"]) != plain_postcode(option.get("postcode") or ""):
                return None, Feedback(Tone.WARNING, f"The delivery date was promised for postcode "
                                                    f"{option.get('postcode')}: ask for the delivery options again")
            delivery = {"method": "home", "address": {k: address[k].strip() for k in ("line1", "postcode", "city")}
                        | {"country": (address.get("country") or location.get("country") or "FR").strip().upper()}}
        speed = {"home_express": ["express"], "express_pickup": ["express_pickup"]}.get(option["kind"], [])
        tags = ["endless_aisle", *speed]
        delivery["price"] = option["price"]  # what the customer pays for it, kept with the order
        body = {"channel": "store", "external_ref": order_ref, "customer": person, "delivery": delivery,
                "lines": _lines(cart), "tags": tags, **extra}
        order, problem = await self._online(
            associate, "An endless-aisle order", lambda token: self.store.client.place_order(token, body, order_ref),
            again=" (placing again is safe)",
            refusals={"idempotency_key_reused": f"Order {order_ref} already reached the system with the cart as it was "
                                                "before the connection dropped: find it under Find an order, or "
                                                "start a New cart"})
        if problem:
            return None, problem
        # The core shows a store its own part only: what is not prepared here comes from the network.
        here = sum(line["qty"] for f in order["fulfilments"] if f["location"] == associate.store for line in f["lines"])
        missing = sum(u["qty"] for u in order.get("unfulfilled", []))
        elsewhere = sum(line["qty"] for line in order["lines"]) - here - missing
        tone = Tone.WARNING if missing else Tone.DONE
        parts = ([f"{counted(here, 'item')} prepared in this store"] if here else []) + (
            [f"{counted(elsewhere, 'item')} sent from another location of the network"] if elsewhere else [])
        text = f"Order {order['external_ref']} placed for {name}: {', '.join(parts) or 'nothing allocated yet'}"
        if missing:
            text += f"; {counted(missing, 'item')} {'waits' if missing == 1 else 'wait'} for stock"
        return order, Feedback(tone, text)

    @staticmethod
    def new_order_ref(store: str) -> str:
        return f"{store}-{uuid.uuid4().hex[:8].upper()}"

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    async def _online(associate: Associate, what: str, ask: Callable[[str], Awaitable[T]],
                      again: str = "", refusals: dict[str, str] | None = None) -> tuple[T | None, Feedback | None]:
        """The core's answer to `ask(token)`, or what to tell the associate instead: they signed in
        offline (no token), the core cannot be reached (`again`: whether trying again is safe), or
        the core refused (in its words, or those `refusals` give its code)."""
        if not associate.token:
            return None, Feedback(Tone.WARNING, f"You signed in offline: {what.lower()} needs the system. Try again "
                                                "once the badge no longer says Offline")
        try:
            return await ask(associate.token), None
        except CoreUnavailable:
            return None, Feedback(Tone.ERROR, OFFLINE.format(what=what) + again)
        except CoreRefused as exc:
            return None, Feedback(Tone.ERROR, (refusals or {}).get(exc.code, exc.message))


def nothing_to_return(order: dict) -> str:
    """Why no item of the order can come back (when none can)."""
    ref = order.get("external_ref", "this order")
    if any(i["returned"] for i in order.get("returnable", {}).get("items", [])):
        return f"Everything the customer received of {ref} has come back already"
    if order.get("status") == "cancelled":
        return f"{ref} was cancelled: the customer received nothing to return"
    return f"The customer has not received anything of {ref} yet: nothing can come back"


# Reasons that say the goods cannot go back on sale: faulty ones, and an item that is not the one
# ordered (restocked, it would count as the SKU of the order, which is not what the customer brought).
NOT_RESELLABLE = frozenset({"defective", "wrong_item"})


def return_condition(chosen: str | None, reason: str | None) -> str:
    """An item's condition in a return: as the associate chose it, else as the reason says of the goods."""
    return chosen or ("damaged" if reason in NOT_RESELLABLE else "resellable")


def _too_many(typed: dict[str, str], items: dict[str, dict]) -> str | None:
    for sku, text in typed.items():
        text = (text or "").strip()
        if text.isdigit() and int(text) > items.get(sku, {}).get("qty", 0):
            item = items.get(sku) or {"qty": 0, "received": 0, "returned": 0}
            earlier = f", {item['returned']} already returned" if item["returned"] else ""
            return f"Only {item['qty']} × {sku} can come back: the customer received {item['received']}{earlier}"
    return None


def _lines(cart: dict[str, dict]) -> list[dict]:
    return [{"sku": sku, "qty": item["qty"], "unit_price": float(item["price"])} for sku, item in cart.items()]


def _said(exc: DomainError, view: dict) -> str:
    """A refusal of the counter, said the way an associate needs to hear it."""
    match exc.code:
        case "wrong_pickup_code":
            return "Wrong pickup code: check it with the customer (nothing was handed over)"
        case "invalid_transition":
            return f"Not possible now: {_ref(view)} is {is_status(view.get('status') or '')}"
        case "not_synced":
            return "This device has not received its store's pickup key yet: sync once online"
        case _:
            return exc.message
