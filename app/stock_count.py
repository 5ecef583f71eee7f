"""Stock counts (cycle counts, spot counts): scan what is on the shelf, check the
quantities, record them. Plain Python for app/views/stock_count.py, answering
with Feedback like Work does.

A count says what was there when it was counted, not what changed: the core
sets the store's on hand to it plus what moved since (a parcel shipped while the
tablet was offline stays shipped), and its ledger records the difference. Each
product counted is one intent in the outbox ("count"), dated by the core's clock
as this device knows it, so counting works offline and reaches the core once;
the core's answer comes back like any other action's. A count the shelf was
counted again after is superseded: the later one stands (contract/counts.py).
"""

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from contract.counts import SUPERSEDED
from contract.words import counted

from .store import Associate, StoreApp
from .work import Feedback, Tone


@dataclass(frozen=True)
class CountLine:
    sku: str
    name: str
    counted: int
    counted_at: datetime  # the last scan or typed quantity, on the core's clock


@dataclass(frozen=True)
class RecordedCount:
    mutation_id: str
    sku: str
    name: str
    counted: int
    system: int  # on hand as this device knew it when the count was recorded

    @property
    def difference(self) -> int:
        return self.counted - self.system


@dataclass(frozen=True)
class CountSheet:
    """What is being counted: a line per product, in the order first scanned. The id,
    made when the sheet starts, names the intents it becomes, so recording the same sheet
    twice (a double tap) records it once. Each change is a new sheet, so a screen keeps it
    in its state as it is; the last sheet recorded is shown until the next one is."""

    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    lines: tuple[CountLine, ...] = ()
    recorded: tuple[RecordedCount, ...] = ()

    def line(self, sku: str) -> CountLine | None:
        return next((line for line in self.lines if line.sku == sku), None)

    def add_one(self, sku: str, name: str, at: datetime) -> "CountSheet":
        line = self.line(sku)
        if line is None:
            return replace(self, lines=(*self.lines, CountLine(sku, name, 1, at)))
        return self.set(sku, line.counted + 1, at)

    def set(self, sku: str, counted: int, at: datetime) -> "CountSheet":
        """`counted` units of `sku`, counted `at`; a line whose count does not change keeps its time."""
        return replace(self, lines=tuple(replace(line, counted=counted, counted_at=at)
                                         if line.sku == sku and line.counted != counted else line
                                         for line in self.lines))

    def remove(self, sku: str) -> "CountSheet":
        return replace(self, lines=tuple(line for line in self.lines if line.sku != sku))


class Outcome(StrEnum):
    """The core's answer to a count (or the lack of one yet), as the associate reads it."""

    WAITING = "waiting to be sent"  # in the outbox: sent at the next sync
    ACCEPTED = "accepted by the system"
    SUPERSEDED = "superseded by a later count"  # the shelf was counted again after it: that count stands
    REFUSED = "refused"


def in_words(outcome: Outcome, why: str | None) -> str:
    return f"{outcome}: {why}" if why else str(outcome)


@dataclass(frozen=True)
class KeptCount:
    """A count this device keeps: not sent yet, or answered with a refusal nobody has seen yet."""

    mutation_id: str
    sku: str
    name: str
    counted: int
    outcome: Outcome
    why: str | None

    def __str__(self) -> str:
        return f"Counted {self.counted} · {in_words(self.outcome, self.why)}"


class StockCounting:
    def __init__(self, store: StoreApp) -> None:
        self.cache = store.cache
        self.now = store.engine.core_time  # counts are dated by the core's clock, as this device knows it

    def name(self, sku: str) -> str:
        return (self.cache.product(sku) or {}).get("name", sku)

    def on_hand(self, sku: str) -> int:
        """What the system says this store holds (0 for a product it has never held)."""
        return (self.cache.stock_level(sku) or {}).get("on_hand", 0)

    def held_for_orders(self, sku: str) -> int:
        return (self.cache.stock_level(sku) or {}).get("reserved", 0)

    def scan(self, sheet: CountSheet, code: str) -> tuple[CountSheet, Feedback]:
        """One scanned (or typed) code is one more unit of its product counted."""
        code = code.strip()
        sku = self.cache.sku_for_code(code)
        if sku is None:
            return sheet, Feedback(Tone.ERROR, f"Unknown barcode {code}: no product of this store has it. "
                                               "Nothing was counted")
        name = self.name(sku)
        sheet = sheet.add_one(sku, name, self.now())
        return sheet, Feedback(Tone.OK, f"{name}: {sheet.line(sku).counted} counted "
                                        f"(the system says {self.on_hand(sku)} on hand)")

    def set_quantities(self, sheet: CountSheet, typed: dict[str, str]) -> tuple[CountSheet, Feedback]:
        """Quantities typed per SKU (a shelf of 40 is not scanned 40 times). All or none:
        one that is not a whole number leaves the sheet as it was, and says which."""
        changed, now = sheet, self.now()
        for line in sheet.lines:
            text = typed.get(line.sku, str(line.counted)).strip()
            if not text.isdigit():
                return sheet, Feedback(Tone.ERROR, f"How many {line.name}? Type a whole number (0 if none)")
            changed = changed.set(line.sku, int(text), now)
        news = [f"{line.name}: {line.counted} counted" for line in changed.lines if line not in sheet.lines]
        units = sum(line.counted for line in changed.lines)
        return changed, Feedback(Tone.OK, "; ".join(news) or f"{counted(units, 'unit')} of "
                                                             f"{counted(len(changed.lines), 'product')} counted")

    def remove(self, sheet: CountSheet, sku: str) -> tuple[CountSheet, Feedback]:
        """Take a product off the sheet (scanned by mistake): it is not counted at all."""
        line = sheet.line(sku)
        return sheet.remove(sku), Feedback(Tone.WARNING, f"{line.name if line else sku} taken off this count")

    def record(self, associate: Associate, sheet: CountSheet) -> tuple[CountSheet, Feedback | None]:
        """Queue one count per product and start a new sheet that shows them. Nothing to record
        (None): the sheet is empty, as it is for a second tap once the first recorded it."""
        if not sheet.lines:
            return sheet, None
        recorded = []
        for line in sheet.lines:
            mutation_id = str(uuid.uuid5(uuid.UUID(sheet.id), line.sku))
            system = self.on_hand(line.sku)
            self.cache.enqueue("count", associate.code, None, {
                "sku": line.sku, "on_hand": line.counted, "counted_at": line.counted_at.isoformat()},
                mutation_id=mutation_id)
            recorded.append(RecordedCount(mutation_id, line.sku, line.name, line.counted, system))
        off = sum(1 for count in recorded if count.difference)
        said = f"{off} {'differs' if off == 1 else 'differ'} from the system" if off else "all as the system says"
        return CountSheet(recorded=tuple(recorded)), Feedback(
            Tone.DONE, f"Count recorded for {counted(len(recorded), 'product')}, {said}: the stock is set to it, "
                       "with what has moved since, as soon as the system has it")

    def outcomes(self, recorded: tuple[RecordedCount, ...]) -> dict[str, tuple[Outcome, str | None]]:
        """The core's answer to each recorded count (and why, when it refused it)."""
        entries = self.cache.outbox_entries(count.mutation_id for count in recorded)
        return {count.mutation_id: _answer(entries.get(count.mutation_id)) for count in recorded}

    def kept(self) -> dict[str, KeptCount]:
        """The counts this device keeps, the last of each product: what the associate counted
        stays in sight, over the system's figure, until the core has answered it."""
        kept = {}
        for entry in self.cache.kept_intents("count"):
            sku = entry["args"]["sku"]
            kept[sku] = KeptCount(entry["id"], sku, self.name(sku), entry["args"]["on_hand"], *_answer(entry))
        return kept


def _answer(entry: dict | None) -> tuple[Outcome, str | None]:
    """What the core said of a count, from its intent in the outbox (and why, when it refused it).
    An applied intent leaves the outbox once the cache holds its effect: one not found was applied."""
    if entry is None or entry["state"] == "applied":
        return Outcome.ACCEPTED, None
    if entry["state"] == "pending":
        return Outcome.WAITING, None
    error = entry["error"] or {}
    if error.get("code") == SUPERSEDED:
        return Outcome.SUPERSEDED, None  # the words say it all
    return Outcome.REFUSED, error.get("message", "refused")
