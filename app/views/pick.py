from typing import Optional

import flet as ft

from contract.words import status_words

from ..work import Feedback, Tone
from .common import feedback_bar, screen, screen_title, tagged
from .context import SpeakerContext, go, use_feed, use_feedback, use_latest, use_shift


@ft.control
class _ScannerTextField(ft.TextField):
    """A text field that keeps the focus when Enter is pressed.

    `shift_enter` makes Flet's client take Enter as a submit itself and keep the focus,
    so a scan needs no round trip to focus the field again before the next one. Such a
    field must be focused through its `focus` property (a new value asks for the focus):
    Flet's `focus()` method asks the focus node of a plain field, which a `shift_enter`
    field does not use. The property exists in Flet's client but not in its Python class."""

    focus: Optional[str] = None


@ft.component
def ScanField(on_scan, label: str = "Scan or type a barcode", refocus: object = None) -> ft.Control:  # noqa: ANN001
    """Always focused: a keyboard-wedge scanner types digits then Enter, and so can a person.

    One field for the screen's life, kept across renders and changed only here,
    directly: emptied when a scan is taken, focused whenever `refocus` (the
    screen's last feedback: a button was used) changes. Drawn afresh for each
    scan, keys typed while a new field took over were lost; drawn
    declaratively, a render could send older text over keys on their way, and
    the copy a render held could fall out of step with the one the browser
    updates (an empty field never emptied). `on_scan` must keep its identity
    across renders (see use_latest)."""
    page = ft.context.page

    async def take(text: str) -> None:
        codes = [line.strip() for line in text.split("\n")]
        # An Enter with nothing before it is a scan whose code went astray: say so, never drop it silently.
        _change(page, field, value="", error=None if any(codes) else "Nothing was read: scan again")
        for code in filter(None, codes):
            await on_scan(code)

    async def submit(_) -> None:  # noqa: ANN001
        await take(field.value or "")

    async def changed(_) -> None:  # noqa: ANN001
        # An on-screen keyboard's Enter (a tablet's) reaches the field as a new line, not as a key.
        if "\n" in (field.value or ""):
            await take(field.value)

    field = ft.use_memo(lambda: _ScannerTextField(label=label, autofocus=True, shift_enter=True, text_size=22,
                                                  on_submit=submit, on_change=changed,
                                                  prefix_icon=ft.Icons.QR_CODE_SCANNER), [])
    asked = ft.use_ref(0)

    def focus_again() -> None:
        asked.current += 1
        _change(page, field, focus=str(asked.current))

    ft.use_effect(focus_again, [refocus])  # whatever was clicked, the next scan lands here
    return tagged("scan-field", field)


def _change(page: ft.Page, field: ft.TextField, **values: object) -> None:
    # A drawn control is frozen (renders replace it, they never change it); this one is
    # kept for good and changed in place, so it is thawed for the change.
    frozen = field.__dict__.pop("_frozen", None)
    try:
        for name, value in values.items():
            setattr(field, name, value)
        page.update(field)
    finally:
        if frozen is not None:
            object.__setattr__(field, "_frozen", frozen)


async def say(speaker, feedback: Feedback) -> None:  # noqa: ANN001
    """Good scans click, refused ones buzz: an associate hears it without looking."""
    if speaker is not None:
        await speaker.play(speaker.buzz if feedback.tone is Tone.ERROR else speaker.ok)


@screen
def Pick() -> ft.Control:
    shift = use_shift()
    use_feed()
    feedback, tell = use_feedback()
    speaker = ft.use_context(SpeakerContext)
    fulfilment_id = ft.use_route_params()["id"]
    view = shift.store.cache.fulfilment(fulfilment_id)
    if view is None:
        return ft.Column([screen_title("Order not found"), ft.Button("Back", on_click=lambda _: go("/"))])
    me = shift.associate
    products = shift.store.cache.products(line["sku"] for line in view["lines"])

    @use_latest
    async def scan(code: str) -> None:
        await say(speaker, tell(shift.work.scan(me, fulfilment_id, code)))

    asking, set_asking = ft.use_state(None)  # the SKU whose "Can't find it" waits for a confirmation

    def cannot_find(sku: str) -> None:
        if shift.work.cannot_find_question(fulfilment_id, sku) is None:
            tell(shift.work.cannot_find(me, fulfilment_id, sku))  # says there is nothing left to find
        else:
            set_asking(sku)

    def written_off() -> None:
        set_asking(None)
        tell(shift.work.cannot_find(me, fulfilment_id, asking))

    def keep_looking() -> None:
        set_asking(None)
        name = products.get(asking, {}).get("name", asking)
        tell(Feedback(Tone.WARNING, f"Nothing was taken off stock: keep looking for {name}"))

    question = shift.work.cannot_find_question(fulfilment_id, asking) if asking else None
    ft.use_dialog(ft.AlertDialog(
        modal=True,
        title=ft.Text(f"Can't find {products.get(asking, {}).get('name', asking)}?"),
        content=ft.Text(question, size=16, width=420),
        actions=[ft.TextButton("Keep looking", on_click=lambda _: keep_looking()),
                 ft.FilledButton("Take them off stock", on_click=lambda _: written_off(),
                                 style=ft.ButtonStyle(bgcolor=ft.Colors.RED_700))],
    ) if question else None)

    def accept() -> None:
        tell(shift.work.accept(me, fulfilment_id))

    done = view["status"] == "picked"
    next_step: list[ft.Control] = []
    if view["status"] == "assigned":
        next_step.append(ft.FilledButton("Accept first", icon=ft.Icons.CHECK, on_click=accept))
    if done and view["delivery_method"] == "click_collect":
        next_step.append(ft.FilledButton("Ready for pickup", icon=ft.Icons.SHELVES,
                                         on_click=lambda _: go(f"/orders/{fulfilment_id}")))
    elif done:
        next_step.append(ft.FilledButton("Pack", icon=ft.Icons.INVENTORY_2, on_click=lambda _: go(f"/pack/{fulfilment_id}")))
    if view["status"] in ("rejected", "cancelled", "expired"):
        next_step.append(ft.Text(f"This order is {status_words(view['status'])}: nothing to pick", color=ft.Colors.RED_800,
                                 weight=ft.FontWeight.BOLD))

    return ft.Column([
        screen_title(f"Pick {view['order']['external_ref']}", *next_step),
        ScanField(scan, refocus=feedback),
        feedback_bar(feedback, "pick-feedback"),
        ft.Column([_line(line, products.get(line["sku"], {}), cannot_find) for line in view["lines"]], spacing=8),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=14)


def _line(line: dict, product: dict, cannot_find) -> ft.Control:  # noqa: ANN001
    left = line["qty"] - line["picked"]
    colour = ft.Colors.GREEN_50 if left == 0 else ft.Colors.WHITE
    return tagged(f"line-{line['sku']}", ft.Container(ft.Row([
        ft.Icon(ft.Icons.CHECK_CIRCLE if left == 0 else ft.Icons.RADIO_BUTTON_UNCHECKED,
                color=ft.Colors.GREEN_700 if left == 0 else ft.Colors.BLUE_GREY_300, size=30),
        ft.Column([ft.Text(product.get("name", line["sku"]), size=18, weight=ft.FontWeight.W_600),
                   ft.Text(f"{line['sku']} · {', '.join(product.get('barcodes', [])) or 'no barcode'}",
                           size=13, color=ft.Colors.BLUE_GREY_600)], expand=True, spacing=2),
        ft.Text(f"{line['picked']} / {line['qty']}", size=22, weight=ft.FontWeight.BOLD),
        ft.OutlinedButton("Can't find it", icon=ft.Icons.SEARCH_OFF, disabled=left == 0,
                          on_click=lambda _: cannot_find(line["sku"])),
    ], spacing=14), bgcolor=colour, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100), border_radius=10, padding=12))
