"""Stock count: scan the shelf, check the quantities, record; works offline.
Thin: the rules live in app/stock_count.py."""

from collections.abc import Callable

import flet as ft

from ..stock_count import CountLine, CountSheet, KeptCount, Outcome, RecordedCount, StockCounting, in_words
from ..work import Feedback
from .common import WARNING_TEXT, Typed, feedback_bar, icon_button, screen, screen_title, tagged
from .context import SpeakerContext, use_feed, use_feedback, use_latest, use_shift
from .counter import TypedFields
from .pick import ScanField, say

OUTCOMES = {  # the colours of the core's answer (background, text)
    Outcome.WAITING: (ft.Colors.AMBER_100, WARNING_TEXT),
    Outcome.ACCEPTED: (ft.Colors.GREEN_100, ft.Colors.GREEN_900),
    Outcome.SUPERSEDED: (ft.Colors.BLUE_GREY_100, ft.Colors.BLUE_GREY_900),
    Outcome.REFUSED: (ft.Colors.RED_100, ft.Colors.RED_900),
}

Step = Callable[[CountSheet], tuple[CountSheet, Feedback | None]]


@screen
def StockCount() -> ft.Control:
    shift = use_shift()
    use_feed()  # the system's figures and the core's answers move with the cache
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    counting = ft.use_memo(lambda: StockCounting(shift.store), [])
    sheet, set_sheet = ft.use_state(CountSheet)
    typed = ft.use_memo(Typed, [])  # the quantities as typed, "qty-<sku>"
    me = shift.associate
    kept = counting.kept()

    def change(step: Step | None = None) -> Feedback | None:
        """Change the sheet as it stands now, not as this render drew it (a scanner's codes
        come faster than renders), the quantities typed first; say what was done.
        Without `step`, only the quantities typed are taken."""
        done: list[tuple[CountSheet, Feedback | None]] = []

        def apply(current: CountSheet) -> CountSheet:
            settled, said = counting.set_quantities(current, _quantities(typed))
            done.append((settled, said) if said.refused or step is None else step(settled))
            return done[0][0]

        set_sheet(apply)  # runs `apply` at once
        changed, said = done[0]
        if said is None:
            return None
        if not said.refused:
            _show_counts(typed, changed)
        return tell(said)

    @use_latest
    async def scan(code: str) -> None:
        await say(speaker, change(lambda current: counting.scan(current, code)))

    @use_latest
    def take_quantities(_) -> None:  # noqa: ANN001
        change()

    def record() -> None:
        change(lambda current: counting.record(me, current))

    def remove(sku: str) -> None:
        change(lambda current: counting.remove(current, sku))

    return ft.Column([
        screen_title("Stock count", ft.FilledButton("Record count", icon=ft.Icons.FACT_CHECK,
                                                     on_click=lambda _: record(), disabled=not sheet.lines)),
        ft.Text("Count every unit of the product in the store, those picked for orders and still here included: "
                "the system counts them until the carrier or the customer takes them.",
                size=14, color=ft.Colors.BLUE_GREY_700),
        ft.Container(ScanField(scan, label="Scan a product, or type its barcode or SKU", refocus=feedback),
                     width=640),
        feedback_bar(feedback, "count-feedback"),
        ft.Column([_line(line, kept.get(line.sku), counting, typed, take_quantities, remove) for line in sheet.lines],
                  spacing=8),
        _recorded(sheet.recorded, counting) if sheet.recorded else ft.Container(),
        _kept(kept, sheet.recorded, counting),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=14)


def _quantities(typed: Typed) -> dict[str, str]:
    return {name[4:]: text for name, text in typed.shown().items() if name.startswith("qty-")}


def _show_counts(typed: Typed, sheet: CountSheet) -> None:
    """The quantity fields show the sheet's counts: a scan moved one, a recorded sheet leaves none."""
    shown = _quantities(typed)
    typed.forget(f"qty-{sku}" for sku in shown if sheet.line(sku) is None)
    for line in sheet.lines:
        if shown.get(line.sku) != str(line.counted):
            typed.put(f"qty-{line.sku}", str(line.counted))


def _difference(difference: int) -> str:
    return "as the system says" if difference == 0 else f"{difference:+d} against the system"


def _line(line: CountLine, kept: KeptCount | None, counting: StockCounting, typed: Typed,
          take_quantities, remove) -> ft.Control:  # noqa: ANN001
    system = counting.on_hand(line.sku)
    held = counting.held_for_orders(line.sku)
    difference = line.counted - system
    return tagged(f"count-{line.sku}", ft.Container(ft.Row([
        ft.Column([ft.Text(line.name, size=18, weight=ft.FontWeight.W_600),
                   ft.Text(line.sku, size=13, color=ft.Colors.BLUE_GREY_600)], expand=True, spacing=2),
        ft.Column([ft.Text(f"System: {system} on hand", size=15),
                   ft.Text(f"{held} held for orders" if held else "", size=13, color=ft.Colors.BLUE_GREY_600),
                   _answer_chip(kept.outcome, str(kept)) if kept else ft.Container()],
                  width=210, spacing=2),
        # Drawn again when the count moves (a scan), not while the associate types in it.
        TypedFields(typed, [(f"qty-{line.sku}", "Counted", 130, True)], take_quantities, generation=line.counted),
        ft.Text(_difference(difference), size=15, width=170, weight=ft.FontWeight.W_600,
                color=ft.Colors.BLUE_GREY_800 if difference == 0 else WARNING_TEXT),
        icon_button(ft.Icons.DELETE_OUTLINE, f"Take {line.name} off this count", lambda _: remove(line.sku)),
    ], spacing=14), bgcolor=ft.Colors.WHITE, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100), border_radius=10,
        padding=12))


def _recorded(recorded: tuple[RecordedCount, ...], counting: StockCounting) -> ft.Control:
    """The last sheet recorded: what was counted, against what the system said, and the core's answer."""
    answers = counting.outcomes(recorded)
    rows = []
    for count in recorded:
        outcome, why = answers[count.mutation_id]
        rows.append(tagged(f"recorded-{count.sku}", ft.Row([
            ft.Text(count.name, size=16, expand=True),
            ft.Text(f"counted {count.counted}", size=16, width=120),
            ft.Text(f"system {count.system}", size=16, width=110),
            ft.Text(_difference(count.difference), size=16, width=190, weight=ft.FontWeight.W_600),
            _answer_chip(outcome, in_words(outcome, why)),
        ], spacing=12)))
    return tagged("count-recorded", ft.Container(ft.Column([
        ft.Text("Recorded", size=18, weight=ft.FontWeight.BOLD), *rows,
    ], spacing=8), padding=16, border_radius=10, bgcolor=ft.Colors.BLUE_GREY_50))


def _kept(kept: dict[str, KeptCount], recorded: tuple[RecordedCount, ...], counting: StockCounting) -> ft.Control:
    """Counts of earlier sheets this device still keeps (the screen was left, the app restarted),
    over the system's figure: what was counted is not lost while the core has not answered."""
    shown = {count.mutation_id for count in recorded}
    earlier = [count for count in kept.values() if count.mutation_id not in shown]
    if not earlier:
        return ft.Container()
    rows = [tagged(f"kept-{count.sku}", ft.Row([
        ft.Text(count.name, size=16, expand=True),
        ft.Text(f"System: {counting.on_hand(count.sku)} on hand", size=16, width=170),
        _answer_chip(count.outcome, str(count)),
    ], spacing=12)) for count in earlier]
    return tagged("count-kept", ft.Container(ft.Column([
        ft.Text("Counted earlier on this tablet", size=18, weight=ft.FontWeight.BOLD), *rows,
    ], spacing=8), padding=16, border_radius=10, bgcolor=ft.Colors.BLUE_GREY_50))


def _answer_chip(outcome: Outcome, words: str) -> ft.Control:
    """The core's answer to a count (or that it has none yet), in its colours."""
    background, foreground = OUTCOMES[outcome]
    return ft.Container(ft.Text(words, color=foreground, size=13, weight=ft.FontWeight.W_600),
                        bgcolor=background, border_radius=12, padding=ft.Padding.symmetric(horizontal=10, vertical=4))
