import uuid
from datetime import UTC, datetime

import flet as ft

from contract.parcels import CARRIERS
from contract.words import counted, status_words

from ..queue import countdown, due_of
from ..work import Feedback, Tone, UntilRefused, prepared_elsewhere, shelf_words
from .common import METHOD_WORDS, Typed, chip, dropdown, feedback_bar, screen, screen_title, tagged
from .context import go, use_feed, use_feedback, use_latest, use_one_at_a_time, use_shift
from .counter import use_desk
from .documents import DocumentButtons
from .pick import ScanField


@screen
def OrderDetail() -> ft.Control:
    shift = use_shift()
    feed = use_feed()
    feedback, tell = use_feedback()
    fulfilment_id = ft.use_route_params()["id"]
    rejecting, set_rejecting = ft.use_state(False)
    voiding, set_voiding = ft.use_state(False)  # asking before the labels are voided
    papers, set_papers = ft.use_state(None)
    shelving, set_shelving = ft.use_state(False)  # asking for the staging shelf's code
    desk = use_desk()
    # A refusal of an action on this order makes what was said of it untrue: its banner says what is.
    rejections = shift.store.cache.rejections()
    said = ft.use_memo(lambda: UntilRefused(fulfilment_id, rejections), [fulfilment_id])
    shown = said.shown(feedback, rejections)
    view = shift.store.cache.fulfilment(fulfilment_id)
    if view is None:
        return ft.Column([screen_title("Order not found"),
                          ft.Text("It is not (or no longer) on this device."),
                          ft.Button("Back to the queue", on_click=lambda _: go("/"))])
    order = view["order"]
    products = shift.store.cache.products(line["sku"] for line in view["lines"])
    elsewhere = prepared_elsewhere(view, shift.store.store_code, shift.store.network)
    # The preparing location's deadlines are not this store's to watch.
    urgency, text = countdown(None if elsewhere else due_of(view), datetime.fromtimestamp(feed.now, UTC))
    status = view["status"]
    me = shift.associate

    def accept() -> None:
        tell(shift.work.accept(me, fulfilment_id))

    def labels(reprint: bool) -> None:
        set_papers(tell(shift.work.labels(fulfilment_id, reprint=reprint)))

    @use_latest
    async def shelved(code: str) -> None:
        if not tell(desk.ready(me, fulfilment_id, code)).refused:
            set_shelving(False)

    @use_one_at_a_time
    async def send_code_again() -> None:  # the customer rang: the e-mail with their code is lost
        tell(await desk.send_code_again(me, fulfilment_id))

    actions: list[ft.Control] = []
    if status == "assigned":
        actions.append(ft.FilledButton("Accept", icon=ft.Icons.CHECK, on_click=accept))
    if status in ("accepted", "picking"):
        actions.append(ft.FilledButton("Pick", icon=ft.Icons.QR_CODE_SCANNER,
                                       on_click=lambda _: go(f"/pick/{fulfilment_id}")))
    if status == "picked" and view["delivery_method"] != "click_collect":
        actions.append(ft.FilledButton("Pack", icon=ft.Icons.INVENTORY_2, on_click=lambda _: go(f"/pack/{fulfilment_id}")))
    if status == "picked" and view["delivery_method"] == "click_collect":
        actions.append(ft.FilledButton("Ready for pickup", icon=ft.Icons.SHELVES, on_click=lambda _: set_shelving(True)))
    if status == "ready_for_pickup":
        actions.append(ft.OutlinedButton("Move to another shelf", icon=ft.Icons.SHELVES,
                                         on_click=lambda _: set_shelving(True)))
        if desk.can_send_code(view["id"]):
            actions.append(ft.OutlinedButton("Send the code again", icon=ft.Icons.FORWARD_TO_INBOX,
                                             on_click=send_code_again))
        actions.append(ft.FilledButton("Serve at the counter", icon=ft.Icons.PERSON_SEARCH,
                                       on_click=lambda _: go(f"/counter/serve/{fulfilment_id}")))
    if status == "packed":
        actions += [ft.OutlinedButton("Show labels", icon=ft.Icons.RECEIPT_LONG, on_click=lambda _: labels(False)),
                    ft.OutlinedButton("Reprint labels (same tracking)", icon=ft.Icons.REFRESH,
                                      on_click=lambda _: labels(True)),
                    ft.OutlinedButton("Void and replace labels…", icon=ft.Icons.BLOCK,
                                      on_click=lambda _: set_voiding(True))]
    if status in ("assigned", "accepted", "picking", "picked"):
        actions.append(ft.OutlinedButton("Give back…", icon=ft.Icons.UNDO, on_click=lambda _: set_rejecting(True),
                                         style=ft.ButtonStyle(color=ft.Colors.RED_800)))
    if elsewhere:  # none of the preparation's steps is this store's
        actions = [tagged("prepared-elsewhere", ft.Text(elsewhere, italic=True, color=ft.Colors.BLUE_GREY_700))]

    destination = view.get("destination") or {}
    customer = order.get("customer") or {}
    rows = [
        # A ship-together set's items say so: they are picked, and given back, together.
        ft.DataRow([ft.DataCell(ft.Text(products.get(l["sku"], {}).get("name", l["sku"])
                                        + (f" · set {l['ship_together']}" if l.get("ship_together") else ""))),
                    ft.DataCell(ft.Text(l["sku"])), ft.DataCell(ft.Text(str(l["qty"]))),
                    ft.DataCell(ft.Text(str(l["picked"])))])
        for l in view["lines"]
    ]
    return ft.Column([
        screen_title(f"Order {order['external_ref']}", tagged("order-status", chip(status_words(status).upper(), urgency)),
                     chip(text, urgency) if text else ft.Container()),
        feedback_bar(shown),
        ft.Row([
            _block("Customer", [customer.get("name", ""), customer.get("phone", ""), customer.get("email", "")]),
            _block(METHOD_WORDS[view["delivery_method"]],
                   [destination.get("name", ""), destination.get("line1", ""),
                    f"{destination.get('postcode', '')} {destination.get('city', '')}".strip()]
                   if destination else ["Collected at this store"]),
            _block("Order", [f"{order.get('channel', '').title()} · {shift.store.time.readable(order['created_at'])}",
                             counted(sum(l['qty'] for l in view['lines']), 'item'),
                             _shelf_or_carrier(view, rejections)]),
        ], vertical_alignment=ft.CrossAxisAlignment.START, wrap=True),
        ft.DataTable(columns=[ft.DataColumn(ft.Text("Product")), ft.DataColumn(ft.Text("SKU")),
                              ft.DataColumn(ft.Text("Ordered"), numeric=True),
                              ft.DataColumn(ft.Text("Picked"), numeric=True)], rows=rows),
        ft.Row(actions, wrap=True, spacing=10),
        ft.Column([ScanField(shelved, label="Scan the label of the pickup shelf you put it on (e.g. A1)",
                             refocus=feedback),
                   ft.TextButton("Not now", on_click=lambda _: set_shelving(False))]) if shelving else ft.Container(),
        DocumentButtons(papers, tell),
        RejectDialog(view, products, rejecting, lambda: set_rejecting(False), tell),
        VoidDialog(view, voiding, lambda: set_voiding(False), lambda voided: set_papers(tell(voided))),
    ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=14)


def _block(title: str, lines: list[str]) -> ft.Control:
    return ft.Container(ft.Column([ft.Text(title, weight=ft.FontWeight.BOLD, color=ft.Colors.BLUE_GREY_700),
                                   *[ft.Text(line) for line in lines if line]], spacing=2),
                        width=300, padding=12, bgcolor=ft.Colors.BLUE_GREY_50, border_radius=8)


@ft.component
def RejectDialog(view: dict, products: dict, open_: bool, close, tell) -> ft.Control:  # noqa: ANN001
    """Give back the whole order or some units, with a reason from the core's list.
    (Placed in the screen's tree, invisible, so that its state lives as long as the screen.)"""
    shift = use_shift()
    reasons, set_reasons = ft.use_state({})
    reason, set_reason = ft.use_state("out_of_stock")
    units = ft.use_memo(Typed, [])  # per SKU, as typed
    missing, set_missing = ft.use_state(False)
    # One give-back per opening of the dialog, however many taps reach "Give back".
    mutation_id = ft.use_memo(lambda: str(uuid.uuid4()), [open_])

    async def load() -> None:
        set_reasons(await shift.store.reject_reasons(shift.associate))

    ft.use_effect(load, [])

    def confirm() -> None:
        counts = {sku: text.strip() for sku, text in units.shown().items() if text.strip()}
        if not all(text.isdigit() for text in counts.values()):
            tell(Feedback(Tone.ERROR, "Quantities are whole numbers of units"))
            return
        lines = {sku: int(text) for sku, text in counts.items() if int(text)}
        feedback: Feedback = shift.work.reject(shift.associate, view["id"], reason, lines or None, missing,
                                               mutation_id=mutation_id)
        close()
        if not feedback.refused and not lines:
            shift.notice = feedback  # nothing left to do here: the queue says it
            go("/")
        else:
            tell(feedback)

    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text(f"Give back {view['order']['external_ref']}"),
        content=ft.Column([
            dropdown("Reason", reason, reasons, set_reason),
            ft.Text("Leave the quantities empty to give back the whole order, or say how many of each "
                    "you cannot send:", size=13),
            *[ft.TextField(label=f"{products.get(l['sku'], {}).get('name', l['sku'])} (of {l['qty']})",
                           **units.field(l["sku"]), keyboard_type=ft.KeyboardType.NUMBER, width=320,
                           helper=shift.work.set_note(view, l["sku"]), helper_max_lines=3)
              for l in view["lines"]],
            ft.Checkbox(label="The items are not in the store (take them off our stock)", value=missing,
                        on_change=lambda e: set_missing(e.control.value)),
        ], tight=True, spacing=12, width=380),
        actions=[ft.TextButton("Cancel", on_click=lambda _: close()),
                 ft.FilledButton("Give back", on_click=lambda _: confirm(),
                                 style=ft.ButtonStyle(bgcolor=ft.Colors.RED_700))],
    )
    ft.use_dialog(dialog if open_ else None)
    return ft.Container(height=0)


@ft.component
def VoidDialog(view: dict, open_: bool, close, voided) -> ft.Control:  # noqa: ANN001
    """Asked first: voiding makes new tracking numbers, and the labels already on the parcels
    are then worth nothing. Once per opening, however many taps reach "Void"."""
    shift = use_shift()
    mutation_id = ft.use_memo(lambda: str(uuid.uuid4()), [open_])

    def confirm() -> None:
        close()
        voided(shift.work.void_labels(shift.associate, view["id"], mutation_id))

    ft.use_dialog(ft.AlertDialog(
        modal=True,
        title=ft.Text(f"Void the labels of {view['order']['external_ref']}?"),
        content=ft.Text("Its parcels get new tracking numbers: the labels on them now will no longer work. "
                        "Throw them away and stick on the new ones.", size=16, width=420),
        actions=[ft.TextButton("Keep them", on_click=lambda _: close()),
                 ft.FilledButton("Void and make new labels", on_click=lambda _: confirm(),
                                 style=ft.ButtonStyle(bgcolor=ft.Colors.RED_700))],
    ) if open_ else None)
    return ft.Container(height=0)


def _shelf_or_carrier(view: dict, rejections: list[dict]) -> str:
    """Where the goods wait or leave by: a shelf for the customer (the one it was last put on, a move the
    core refused included), or a carrier (none chosen before packing)."""
    if view["delivery_method"] == "click_collect":
        return shelf_words(view, rejections)
    return f"Carrier: {CARRIERS.get(view.get('carrier'), view.get('carrier')) or 'chosen at packing'}"
