"""What associates do, checked at once against the contract's rules and queued
in the outbox. Works the same online and offline: nothing here waits for the
core. Each action answers with feedback for the screen (and its sound)."""

import asyncio
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from contract.counts import SUPERSEDED
from contract.errors import DomainError
from contract.parcels import CARRIERS, new_tracking_number
from contract.reasons import REJECT_REASONS
from contract.words import counted, is_status
from local_db import optimistic
from local_db.cache import Manifests
from printing import Printer, PrinterError, send_to_printer

from . import documents
from .documents import Document
from .store import Associate, StoreApp, place_name


class Tone(StrEnum):
    OK = "ok"
    DONE = "done"  # a step finished (last item picked, manifest closed)
    WARNING = "warning"
    ERROR = "error"  # refused: nothing was recorded


@dataclass(frozen=True)
class Feedback:
    tone: Tone
    message: str
    documents: tuple[Document, ...] = field(default=())

    @property
    def refused(self) -> bool:
        return self.tone is Tone.ERROR


@dataclass(frozen=True)
class PlannedParcel:
    box: str = "M"
    weight_kg: float = 0.0


MAX_PARCELS = 20


def shared(parcels: list[PlannedParcel], weight_kg: float, n: int) -> list[PlannedParcel]:
    """`n` parcels (1 to MAX_PARCELS) sharing the order's weight evenly, each box kept: one parcel
    more takes its share from the others (the scale then says each parcel's own)."""
    n = max(1, min(n, MAX_PARCELS))
    share = round(weight_kg / n, 2)
    return [PlannedParcel(parcels[i].box if i < len(parcels) else "M", share) for i in range(n)]


class Work:
    def __init__(self, store: StoreApp) -> None:
        self.store = store
        self.cache = store.cache
        self.manifests = Manifests(store.cache)

    # --- any step of the state machine ----------------------------------------

    def act(self, associate: Associate, fulfilment_id: str, kind: str, args: dict | None = None,
            done: str | None = None, mutation_id: str | None = None) -> Feedback:
        """Check the action against the fulfilment as this device sees it, then queue it (once
        per `mutation_id`, for an action that could otherwise be taken twice by a double tap)."""
        args = args or {}
        view = self.cache.fulfilment(fulfilment_id)
        if view is None:
            return Feedback(Tone.ERROR, "This order is no longer on this device")
        if mutation_id is not None and self.cache.recorded(mutation_id):
            return Feedback(Tone.OK, done or f"{_ref(view)}: {kind} recorded")  # the same tap again: done once
        elsewhere = prepared_elsewhere(view, self.store.store_code, self.store.network)
        if elsewhere:
            return Feedback(Tone.ERROR, elsewhere)
        try:
            optimistic.apply(copy.deepcopy(view), kind, args)
        except DomainError as exc:
            return Feedback(Tone.ERROR, _explain(exc, view, self.cache.product))
        self.cache.enqueue(kind, associate.code, fulfilment_id, args, mutation_id)
        return Feedback(Tone.OK, done or f"{_ref(view)}: {kind} recorded")

    def accept(self, associate: Associate, fulfilment_id: str) -> Feedback:
        view = self.cache.fulfilment(fulfilment_id) or {}
        return self.act(associate, fulfilment_id, "accept", done=f"{_ref(view)} accepted")

    def reject(self, associate: Associate, fulfilment_id: str, reason: str, lines: dict[str, int] | None = None,
               stock_missing: bool = False, note: str | None = None, mutation_id: str | None = None) -> Feedback:
        """Give back the whole order (no lines) or some units of some lines; they go elsewhere.
        Giving back some units twice is a second give-back, unless it is the same `mutation_id`
        (made when the associate began: a double tap on "Give back" gives them back once)."""
        args: dict = {"reason": reason, "stock_missing": stock_missing}
        named = {sku: qty for sku, qty in (lines or {}).items() if qty > 0}
        if lines:
            args["lines"] = [{"sku": sku, "qty": qty} for sku, qty in named.items()]
        if note:
            args["note"] = note
        view = self.cache.fulfilment(fulfilment_id) or {}
        with_set = self._rest_of_set(view, named) if view and named else None
        if with_set:
            done = (f"You gave back some items of {_ref(view)}, and the rest of their set with them "
                    f"({with_set}): a set leaves together, so the network will serve the whole set elsewhere")
        else:
            what = "some items of " if lines else ""
            done = f"You gave back {what}{_ref(view)}: the network will serve it elsewhere"
        return self.act(associate, fulfilment_id, "reject", args, mutation_id=mutation_id, done=done)

    def _rest_of_set(self, view: dict, named: dict[str, int]) -> str | None:
        """What else goes back with the `named` units (sku -> units), in words: the rest of the
        ship-together sets they are in ("1 × Jeans black 32 and the other 1 × T-shirt blue M");
        None when they are in none."""
        taken = optimistic.given_back(view, named)
        said = []
        for line in view["lines"]:
            sku = line["sku"]
            more = taken.get(sku, 0) - named.get(sku, 0)
            if more > 0:
                said.append(f"{'the other ' if sku in named else ''}{more} × {self._name(sku)}")
        return _listed(said) if said else None

    def set_note(self, view: dict, sku: str) -> str | None:
        """Said by the line's quantity when giving back: giving back any of a set gives back all of it."""
        line = next(line for line in view["lines"] if line["sku"] == sku)
        others = self._rest_of_set(view, {sku: line["qty"]})
        return f"Part of a set that leaves together: giving any back gives back {others} too" if others else None

    def _name(self, sku: str) -> str:
        return (self.cache.product(sku) or {}).get("name", sku)

    # --- picking ----------------------------------------------------------------

    def scan(self, associate: Associate, fulfilment_id: str, code: str) -> Feedback:
        """One scanned (or typed) code is one unit picked, if it belongs here."""
        code = code.strip()
        if not code:
            return Feedback(Tone.WARNING, "Scan or type a barcode")
        view = self.cache.fulfilment(fulfilment_id)
        if view is None:
            return Feedback(Tone.ERROR, "This order is no longer on this device")
        sku = self.cache.sku_for_code(code)
        if sku is None:
            return Feedback(Tone.ERROR, f"Unknown barcode {code}: not an item of this order")
        product = self.cache.product(sku) or {}
        name = product.get("name", sku)
        feedback = self.act(associate, fulfilment_id, "pick", {"items": [{"sku": sku, "qty": 1}]})
        if feedback.refused:
            return feedback
        after = self.cache.fulfilment(fulfilment_id)
        line = next(line for line in after["lines"] if line["sku"] == sku)
        if after["status"] == "picked":
            return Feedback(Tone.DONE, f"{name}: {line['picked']} of {line['qty']}. Everything is picked")
        return Feedback(Tone.OK, f"{name}: {line['picked']} of {line['qty']} picked")

    def cannot_find_question(self, fulfilment_id: str, sku: str) -> str | None:
        """What "Can't find it" will do, to be confirmed first: it writes stock off (None: nothing to find)."""
        view = self.cache.fulfilment(fulfilment_id)
        line = next((l for l in (view or {}).get("lines", []) if l["sku"] == sku), None)
        if line is None or line["qty"] <= line["picked"]:
            return None
        missing = line["qty"] - line["picked"]
        written_off = f"{missing} × {self._name(sku)} will be taken off this store's stock"
        with_set = self._rest_of_set(view, {sku: missing})
        if with_set:
            return (f"{written_off}. It is part of a set that leaves together, so the rest of the set goes back "
                    f"with it: {with_set}. {_ref(view)} will get the whole set from another location of the "
                    "network. Looked everywhere?")
        return (f"{written_off}, and {_ref(view)} will get {'it' if missing == 1 else 'them'} from another "
                "location of the network. Looked everywhere?")

    def cannot_find(self, associate: Associate, fulfilment_id: str, sku: str) -> Feedback:
        """A short pick: the units not found go back to the network and leave this store's stock."""
        view = self.cache.fulfilment(fulfilment_id)
        line = next((l for l in (view or {}).get("lines", []) if l["sku"] == sku), None)
        if line is None or line["qty"] <= line["picked"]:
            return Feedback(Tone.WARNING, "Nothing left to find on this line")
        missing = line["qty"] - line["picked"]
        return self.reject(associate, fulfilment_id, "out_of_stock", {sku: missing}, stock_missing=True)

    def pick_list(self, fulfilment_ids: list[str]) -> list[dict]:
        """Several orders picked in one walk: what to take, product by product."""
        wanted: dict[str, dict] = {}
        # Oldest first, whatever order they were chosen in: a scan goes to the first still needing it.
        views = sorted(filter(None, map(self.cache.fulfilment, fulfilment_ids)),
                       key=lambda v: (v["created_at"], v["id"]))
        for view in views:
            fid = view["id"]
            for line in view["lines"]:
                left = line["qty"] - line["picked"]
                if left > 0:
                    entry = wanted.setdefault(line["sku"], {"sku": line["sku"], "units": 0, "orders": []})
                    entry["units"] += left
                    entry["orders"].append({"fulfilment": fid, "ref": _ref(view), "units": left})
        products = self.cache.products(wanted)
        for entry in wanted.values():
            entry["name"] = products.get(entry["sku"], {}).get("name", entry["sku"])
        return sorted(wanted.values(), key=lambda e: e["name"])

    def scan_for_list(self, associate: Associate, fulfilment_ids: list[str], code: str) -> Feedback:
        """A scan during a multi-order pick counts for the oldest order still needing that item."""
        sku = self.cache.sku_for_code(code.strip())
        if sku is None:
            return Feedback(Tone.ERROR, f"Unknown barcode {code.strip()}: not on this pick list")
        for entry in self.pick_list(fulfilment_ids):
            if entry["sku"] == sku:
                target = entry["orders"][0]
                feedback = self.scan(associate, target["fulfilment"], code)
                return Feedback(feedback.tone, f"{feedback.message} (put it with {target['ref']})")
        return Feedback(Tone.ERROR, "Nothing on this pick list needs that item any more")

    # --- packing and labels -------------------------------------------------------

    def pack(self, associate: Associate, fulfilment_id: str, parcels: list[PlannedParcel],
             carrier: str = "colissimo", service: str = "Standard") -> Feedback:
        """Pack into parcels and make their labels (tracking numbers are made here, offline too)."""
        view = self.cache.fulfilment(fulfilment_id)
        if view is not None and view["status"] == "packed":
            # A second tap on "Pack" (taken before the screen showed the first): new numbers
            # would void the labels just printed. Voiding them is an action of its own.
            return self.labels(fulfilment_id, message=f"{_ref(view)} is already packed: here are its labels")
        unweighed = [str(n) for n, parcel in enumerate(parcels, 1) if parcel.weight_kg <= 0]
        if unweighed:  # the carrier prices and routes a parcel by the weight on its label
            which = f"parcel {unweighed[0]}" if len(unweighed) == 1 else f"parcels {', '.join(unweighed)}"
            return Feedback(Tone.ERROR, f"Weigh {which}: the label needs its weight")
        return self._label(associate, fulfilment_id, parcels, carrier, service)

    def _label(self, associate: Associate, fulfilment_id: str, parcels: list[PlannedParcel], carrier: str,
               service: str, mutation_id: str | None = None) -> Feedback:
        """Parcels with new tracking numbers: packing, or packing again to void the labels."""
        if carrier not in CARRIERS:
            return Feedback(Tone.ERROR, f"Unknown carrier {carrier}")
        if not parcels:
            return Feedback(Tone.ERROR, "A shipment has at least one parcel")
        args = {
            "parcels": [{"box": p.box, "weight_kg": round(p.weight_kg, 3), "tracking_number": new_tracking_number()}
                        for p in parcels],
            "carrier": carrier,
            "service": service,
        }
        feedback = self.act(associate, fulfilment_id, "pack", args, mutation_id=mutation_id)
        if feedback.refused:
            return feedback
        return self.labels(fulfilment_id, message=f"Packed in {counted(len(parcels), 'parcel')}; labels ready. "
                                                  "Stick the label on each parcel; it leaves with the next "
                                                  "carrier handover")

    def void_labels(self, associate: Associate, fulfilment_id: str, mutation_id: str | None = None) -> Feedback:
        """Void the printed labels and make new ones (a torn or misprinted label); once per
        `mutation_id`, so that a double tap does not void the labels the first tap made."""
        view = self.cache.fulfilment(fulfilment_id)
        if view is None or view["status"] != "packed":
            return Feedback(Tone.ERROR, "Only a packed order has labels to void")
        if set(p["tracking_number"] for p in view["parcels"]) & self.manifests.scanned():
            return Feedback(Tone.ERROR, "A parcel is already on a carrier manifest: its label stays")
        parcels = [PlannedParcel(p.get("box") or "M", p.get("weight_kg") or 0.0) for p in view["parcels"]]
        return self._label(associate, fulfilment_id, parcels, view.get("carrier") or "colissimo",
                           view["parcels"][0].get("service") or "Standard", mutation_id)

    def labels(self, fulfilment_id: str, *, reprint: bool = False, message: str | None = None) -> Feedback:
        """The labels (PDF to open, ZPL for the printer) and the packing slip of a packed order."""
        view = self.cache.fulfilment(fulfilment_id)
        location = self.cache.location()
        if view is None or not view["parcels"] or location is None:
            return Feedback(Tone.ERROR, "Pack the order first")
        if view.get("destination") is None:
            return Feedback(Tone.ERROR, "This order is collected here: it has no shipping label")
        pdf, zpl = documents.labels(view, location, reprint=reprint)
        ref = view["order"]["external_ref"]
        slip = documents.packing_slip(view, location, self.cache.products(_skus(view)))
        said = f"Labels for {ref} reprinted: same tracking numbers, marked REPRINT" if reprint else f"Labels for {ref}"
        return Feedback(Tone.DONE, message or said, (
            self.store.documents.keep(f"labels-{ref}.pdf", pdf, title="labels"),
            self.store.documents.keep(f"labels-{ref}.zpl", zpl, "application/zpl", title="labels"),
            self.store.documents.keep(f"packing-slip-{ref}.pdf", slip, title="packing slip"),
        ))

    async def print_labels(self, feedback: Feedback) -> Feedback:
        """Send the ZPL of these labels to the store's thermal printer, if one is set."""
        address = self.store.printer()
        if address is None:
            return Feedback(Tone.WARNING, "No label printer set: open the PDF instead (Settings to add one)")
        zpl = next((d for d in feedback.documents if d.media_type == "application/zpl"), None)
        if zpl is None:
            return Feedback(Tone.ERROR, "Nothing to print")
        try:
            await asyncio.to_thread(send_to_printer, Printer(address[0], address[1]), zpl.content)
        except PrinterError as exc:
            return Feedback(Tone.ERROR, str(exc))
        return Feedback(Tone.DONE, f"Sent to the printer at {address[0]}:{address[1]}")

    # --- carrier handover --------------------------------------------------------------

    def scan_parcel(self, associate: Associate, code: str) -> Feedback:
        """Scan a packed parcel into today's manifest of its carrier."""
        code = code.strip().upper()
        for view in self.store.work_here(["packed"]):
            for parcel in view["parcels"]:
                if parcel.get("tracking_number") == code:
                    carrier = view.get("carrier") or "colissimo"
                    manifest = self.manifests.open_for(carrier, self.store.time.today())
                    if not self.manifests.add(manifest["id"], code, view["id"], associate.code):
                        return Feedback(Tone.WARNING, f"{code} is already on a manifest")
                    count = len(self.manifests.parcels(manifest["id"]))
                    return Feedback(Tone.OK, f"{code} ({_ref(view)}) on the {CARRIERS[carrier]} manifest: "
                                             f"{counted(count, 'parcel')}")
        return Feedback(Tone.ERROR, f"No packed parcel {code} in this store")

    def manifest_parcels(self, manifest_id: str) -> list[dict]:
        """The parcels scanned onto a manifest, in scan order, each with its order (`view`, `ref`) and,
        when that order may no longer leave with the carrier (cancelled since the scan), why (`held`)."""
        scanned = self.manifests.parcels(manifest_id)
        fulfilment_ids = list(dict.fromkeys(p["fulfilment_id"] for p in scanned))
        views = {v["id"]: v for v in self.cache.fulfilments_of(fulfilment_ids)}
        parcels = []
        for parcel in scanned:
            view = views.get(parcel["fulfilment_id"])
            parcels.append({**parcel, "view": view, "ref": _ref(view or {}), "held": self._held(view)})
        return parcels

    @staticmethod
    def _held(view: dict | None) -> str | None:
        """Why a parcel on a manifest may no longer leave with the carrier (None: it may): only a
        packed order ships, and the core may have cancelled it since the parcel was scanned."""
        if view is None:
            return "no longer on this device"
        return None if view["status"] == "packed" else is_status(view["status"])

    def take_off_manifest(self, manifest_id: str, tracking_number: str) -> Feedback:
        """Take a parcel off an open manifest: its order was cancelled, or it goes another day."""
        parcel = next((p for p in self.manifest_parcels(manifest_id) if p["tracking_number"] == tracking_number), None)
        if parcel is None or not self.manifests.remove(manifest_id, tracking_number):
            return Feedback(Tone.WARNING, f"{tracking_number} is not on an open manifest")
        if parcel["held"]:
            return Feedback(Tone.OK, f"{tracking_number} taken off the manifest: {parcel['ref']} is {parcel['held']}, "
                                     "keep the parcel out of the carrier's cage")
        return Feedback(Tone.OK, f"{tracking_number} ({parcel['ref']}) taken off the manifest: keep it out of the "
                                 "carrier's cage")

    def close_manifest(self, associate: Associate, manifest_id: str) -> Feedback:
        """The driver takes the parcels: every order on the manifest is shipped, and the
        manifest is printed for signatures. Refused while an order has a parcel missing, or
        a parcel's order may no longer leave (cancelled since it was scanned)."""
        manifest = next((m for m in self.manifests.open() if m["id"] == manifest_id), None)
        if manifest is None:
            return Feedback(Tone.ERROR, "This manifest is already closed")
        scanned = self.manifest_parcels(manifest_id)
        if not scanned:
            return Feedback(Tone.ERROR, "Scan the parcels onto the manifest first")
        held: dict[tuple[str, str], list[str]] = {}
        for parcel in scanned:
            if parcel["held"]:
                held.setdefault((parcel["ref"], parcel["held"]), []).append(parcel["tracking_number"])
        if held:  # once the driver has gone, the core would refuse to ship it: too late to get it back
            return Feedback(Tone.ERROR, "Not closed: " + "; ".join(
                f"{ref} is {why}, so take {'its parcel' if len(numbers) == 1 else 'its parcels'} "
                f"{', '.join(numbers)} off the manifest and out of the carrier's cage"
                for (ref, why), numbers in held.items()))
        views = {p["fulfilment_id"]: p["view"] for p in scanned}
        on_it = {p["tracking_number"] for p in scanned}
        missing = [f"{_ref(v)}: {p['tracking_number']}" for v in views.values()
                   for p in v["parcels"] if p["tracking_number"] not in on_it]
        if missing:
            return Feedback(Tone.ERROR, "Parcels missing from the manifest: " + ", ".join(missing))
        location = self.cache.location()
        pdf = documents.manifest(manifest_id, manifest["carrier"], self.store.time.today(), list(views.values()),
                                 location or {})
        for fid in views:
            self.cache.enqueue("ship", associate.code, fid, {"carrier": manifest["carrier"], "manifest": manifest_id})
        self.manifests.close(manifest_id, associate.code)
        return Feedback(Tone.DONE, f"Manifest {manifest_id} closed: {counted(len(views), 'order')}, "
                                   f"{counted(len(scanned), 'parcel')} "
                                   f"handed to {CARRIERS.get(manifest['carrier'], manifest['carrier'])}: "
                                   "print the manifest and have the driver sign it",
                        (self.store.documents.keep(f"manifest-{manifest_id}.pdf", pdf, title="manifest"),))

    # --- what waits to be sent -------------------------------------------------------

    def waiting(self) -> list[dict]:
        """The actions this device holds for the core, oldest first, in words: what the
        settings screen lists while the badge says "5 to send"."""
        names = self.cache.staff_names()
        return [{"what": waiting_words(entry, self.cache.fulfilment(entry["fulfilment_id"] or "") or {},
                                       lambda sku: (self.cache.product(sku) or {}).get("name") or sku),
                 "staff": names.get(entry["staff"], entry["staff"]), "since": entry["created_at"]}
                for entry in self.cache.pending(WAITING_LISTED)]

    def waiting_said(self, listed: int) -> str:
        """How many actions wait, over the `listed` ones waiting() gave: the badge's number, even
        after a long outage when the list shows only the oldest."""
        total = max(self.cache.pending_count(), listed)
        said = (f"{counted(total, 'action')}, kept on this device until the system confirms them; they are sent in "
                "this order as soon as it answers.")
        return said + (f" The oldest {listed} are listed." if total > listed else "")


# The settings screen lists this many of the actions waiting to be sent, the oldest.
WAITING_LISTED = 100


def _ref(view: dict) -> str:
    return (view.get("order") or {}).get("external_ref", "this order")


def _listed(items: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return " and ".join(filter(None, [", ".join(items[:-1]), items[-1]]))


def _skus(view: dict) -> list[str]:
    return [line["sku"] for line in view.get("lines", [])]


def _explain(exc: DomainError, view: dict, product: Callable[[str], dict | None]) -> str:
    """The contract's refusal, said the way an associate needs to hear it."""
    sku = exc.details.get("sku", "")
    name = (product(sku) or {}).get("name", sku) if sku else ""
    match exc.code:
        case "wrong_item":
            return f"Wrong item: {name} is not in {_ref(view)}. Put it back and scan an item from the list."
        case "too_many":
            return f"Only {exc.details.get('qty')} × {name} to give back in {_ref(view)}"
        case "over_pick":
            return f"Too many: all {exc.details.get('qty')} × {name} are already picked"
        case "invalid_transition" if view["status"] == "assigned":
            return f"Accept {_ref(view)} first"
        case "invalid_transition":
            return f"Not possible now: {_ref(view)} is {is_status(view['status'])}"
        case _:
            return exc.message


def refusal_message(rejection: dict, view: dict, name: Callable[[str], str] = lambda sku: sku) -> str:
    """An action the core refused once the device was back online, said with what to do
    now. An order cancelled while it waited on the shelf for its customer is still there
    physically: the associate must take it off that shelf and put the items back."""
    reason = (rejection.get("error") or {}).get("message", "refused")
    if rejection["type"] == "count":  # a stock count names no order
        args = rejection.get("args") or {}
        if (rejection.get("error") or {}).get("code") == SUPERSEDED:
            return (f"Your count of {args.get('sku')} ({args.get('on_hand')} on hand) was superseded: the shelf was "
                    "counted again after it, and the stock shows that later count")
        return (f"The system refused your count of {args.get('sku')} ({args.get('on_hand')} on hand): {reason}. "
                "The stock shows what the system says")
    ref = _ref(view) if view else "an order"
    refused = f"'{waiting_words(rejection, view, name)}' was not recorded: {reason}."
    where, items = _on_the_shelf(view, (rejection.get("args") or {}).get("shelf"))  # moved there meanwhile?
    if _cancelled_click_collect(view) and rejection["type"] == "collect":
        return (f"{ref} had been cancelled while it waited on {where}, so the system refused the handover. If the "
                f"customer is still here, take the {counted(items, 'item')} back and put them back in stock; if "
                "not, tell your manager: the store's stock still counts them")
    if not takes_off_the_shelf(rejection, view):
        return f"{refused} The order shows what the system says."
    # The core releases a cancelled order's units: they are the store's to sell again, once back in stock.
    did = waiting_words(rejection, view, name)
    return (f"{ref} was cancelled, so '{did}' was not recorded. Take it off {where} and put its "
            f"{counted(items, 'item')} back in stock")


def _cancelled_click_collect(view: dict) -> bool:
    return view.get("status") == "cancelled" and view.get("delivery_method") == "click_collect"


def takes_off_the_shelf(rejection: dict, view: dict) -> bool:
    """Whether a refusal asks to take a cancelled order off a pickup shelf: the refused action put it on
    one (or moved it), or the core says it waited on one; not a handover (its goods are with the customer)."""
    return (_cancelled_click_collect(view) and rejection["type"] != "collect"
            and (rejection["type"] == "ready" or bool(view.get("shelf"))))


def refused_shelf(view: dict, rejections: Iterable[dict]) -> str | None:
    """The shelf an associate last put this order on, with a move the core refused (it was cancelled
    meanwhile) and nobody has seen to yet: where the parcel is, whatever the core's last shelf says."""
    return next((shelf for r in rejections  # newest first
                 if r["fulfilment_id"] == view.get("id") and r["type"] == "ready"
                 and (shelf := (r.get("args") or {}).get("shelf"))), None)


def shelf_words(view: dict, rejections: Iterable[dict] = ()) -> str:
    """The shelf a click & collect order is on, as its screen says it: the one it was last put on, with
    the core's, when the core refused that move because the order had been cancelled (any other refused
    move was undone by a later one, or the order shows what the core says)."""
    shelf = view.get("shelf")
    moved = refused_shelf(view, rejections) if _cancelled_click_collect(view) else None
    if moved and moved != shelf:
        return f"Shelf: {moved} (the move from {shelf} was not recorded)" if shelf else f"Shelf: {moved} (not recorded)"
    return f"Shelf: {shelf}" if shelf else "Shelf: not on one yet"


class UntilRefused:
    """What a screen told of an order, shown until the core refuses an action on that order: from
    then on it is no longer true ("ready for pickup on shelf B2", and the order had been cancelled),
    and the refusal's banner says what is. Not shown again once the banner is dismissed; what the
    screen says after the refusal is shown."""

    def __init__(self, fulfilment_id: str, rejections: Iterable[dict]) -> None:
        self.fulfilment_id = fulfilment_id
        self.known = self._refusals(rejections)
        self.outdated: Feedback | None = None

    def _refusals(self, rejections: Iterable[dict]) -> frozenset[str]:
        return frozenset(r["id"] for r in rejections if r["fulfilment_id"] == self.fulfilment_id)

    def shown(self, feedback: Feedback | None, rejections: Iterable[dict]) -> Feedback | None:
        now = self._refusals(rejections)
        if now - self.known:
            self.outdated = feedback  # said before this refusal came
        self.known = now
        return None if feedback is not None and feedback is self.outdated else feedback


def cancelled_on_shelf_message(view: dict) -> str:
    """An order the core cancelled while it waited on the shelf (the customer cancelled it, or
    never came), with no action of ours to refuse: the parcel is still there all the same."""
    where, items = _on_the_shelf(view)
    return (f"{_ref(view)} was cancelled while it waited on {where}: take it off {where} and put its "
            f"{counted(items, 'item')} back in stock")


def _on_the_shelf(view: dict, shelf: str | None = None) -> tuple[str, int]:
    """Where a cancelled order waits (`shelf`, if an action of ours moved it) and how many items it holds."""
    shelf = shelf or view.get("shelf")
    items = sum(line.get("picked", line["qty"]) - line.get("collected", 0) for line in view.get("lines", []))
    return (f"shelf {shelf}" if shelf else "the pickup shelf"), items


def prepared_elsewhere(view: dict, store: str | None, network: dict[str, dict]) -> str | None:
    """Why this store has nothing to do with a fulfilment it can see (another location prepares
    it and ships it here for collection), or None when it is this store's own."""
    if view["location"] == store:
        return None
    return (f"{_ref(view)} is prepared at {place_name(view['location'], network)} and shipped here for collection: "
            "nothing to do until it arrives")


def waiting_words(entry: dict, view: dict, name: Callable[[str], str]) -> str:
    """One action of the outbox as the associate did it ("Pick 1 × T-shirt blue M for W-1")."""
    args = entry["args"] or {}
    ref = _ref(view) if view else "an order"
    match entry["type"]:
        case "accept":
            return f"Accept {ref}"
        case "reject":
            reason = REJECT_REASONS.get(args.get("reason"), args.get("reason"))
            return f"Give back {'some items of ' if args.get('lines') else ''}{ref}: {reason}"
        case "pick":
            return "Pick " + ", ".join(f"{i['qty']} × {name(i['sku'])}" for i in args.get("items", [])) + f" for {ref}"
        case "pack":
            return f"Pack {ref} in {counted(len(args.get('parcels', [])), 'parcel')}"
        case "ship":
            return f"Hand {ref} to {CARRIERS.get(args.get('carrier'), args.get('carrier'))}"
        case "ready":
            return f"Put {ref} on shelf {args.get('shelf')}"
        case "collect":
            return f"Hand {ref} over to its customer"
        case "receive":
            return f"Scan in parcel {args.get('tracking_number')}"
        case "count":
            return f"Count of {name(args.get('sku', ''))}: {args.get('on_hand')}"
        case other:
            return f"{other.capitalize()} {ref}"
