"""Returns at the counter (online): any order of any channel, the items coming
back, why and in what state, the refund, the receipt. Rules in app/counter.py."""

import flet as ft

from contract.money import money
from contract.reasons import RETURN_REASONS
from contract.words import counted, status_words

from ..counter import nothing_to_return, return_condition
from ..work import Feedback, Tone
from .common import Typed, dropdown, feedback_bar, screen, screen_title, tagged
from .context import use_feedback, use_latest, use_one_at_a_time, use_shift
from .counter import TypedFields, use_desk
from .documents import DocumentButtons


@screen
def Returns() -> ft.Control:
    shift = use_shift()
    desk = use_desk()
    feedback, tell = use_feedback()
    typed = ft.use_memo(Typed, [])  # the search, and the units coming back per SKU ("back-<sku>")
    orders, set_orders = ft.use_state([])
    order, set_order = ft.use_state(None)  # with the returns it had, and those taken here since
    return_id, set_return_id = ft.use_state(desk.new_id)  # one per return: a double tap is the same return
    conditions, set_conditions = ft.use_state({})
    reason, set_reason = ft.use_state(None)
    _, set_typing = ft.use_state(0)  # a quantity typed: the refund shown follows it
    recorded, set_recorded = ft.use_state(None)  # the return just taken: shown as it is, no longer editable
    papers, set_papers = ft.use_state(None)
    me = shift.associate

    async def search(_=None) -> None:  # noqa: ANN001
        found, said = await desk.lookup(me, typed.shown().get("q", ""))
        set_orders(found)
        tell(said)

    search_on_enter = use_latest(search)

    def new_return(full: dict) -> None:
        typed.forget(k for k in typed.shown() if k.startswith("back-"))
        set_order(full)
        set_return_id(desk.new_id())
        set_conditions({})
        set_reason(None)
        set_recorded(None)
        set_papers(None)
        if any(i["qty"] for i in desk.returnable(full)):
            tell(Feedback(Tone.OK, f"Returning items of {full['external_ref']}: how many of each come back?"))
        else:
            tell(Feedback(Tone.WARNING, nothing_to_return(full)))

    async def choose(order_id: str) -> None:
        full, said = await desk.order(me, order_id)
        if said is not None:
            tell(said)
            return
        new_return(full)

    def choosing(order_id: str):  # noqa: ANN202
        async def handler(_) -> None:  # noqa: ANN001
            await choose(order_id)  # (a lambda returning the coroutine would never be awaited)

        return handler

    # Drawn again at each quantity typed (its fields are not: see TypedFields), so the refund
    # shown is always that of what the form says now.
    typing = use_latest(lambda: set_typing(lambda n: n + 1))

    @use_one_at_a_time  # the same return id makes a later tap harmless too
    async def submit() -> None:
        record, said = await desk.submit_return(me, return_id, order, _back(typed), conditions, reason or "")
        tell(said)
        if record is not None:
            set_order(lambda current: desk.after_return(current, record) if current else current)
            set_recorded(record)
            set_papers(said)

    products = shift.store.cache.products(i["sku"] for i in desk.returnable(order)) if order else {}
    editing = order is not None and recorded is None
    currency = desk.store.currency
    return ft.Column([
        screen_title("Returns"),
        ft.Row([TypedFields(typed, [("q", "Order number, name, e-mail or phone", 420, False)], search_on_enter),
                ft.FilledButton("Find the order", icon=ft.Icons.SEARCH, on_click=search)]),
        feedback_bar(feedback, "returns-feedback"),
        ft.Column([tagged(f"return-order-{o['external_ref']}", ft.Container(ft.Row([
            ft.Text(o["external_ref"], size=17, weight=ft.FontWeight.BOLD, width=160),
            ft.Text(f"{o['channel']} · {status_words(o['status'])}", width=180),
            ft.Text((o.get("customer") or {}).get("name", ""), expand=True),
            ft.Text(money(o["total_value"], currency), width=90),
            ft.Button("Return items", icon=ft.Icons.ASSIGNMENT_RETURN, on_click=choosing(o["id"]),
                      disabled=editing and order["id"] == o["id"]),  # its form is open below
        ], spacing=12), padding=10, border_radius=8, border=ft.Border.all(1, ft.Colors.BLUE_GREY_100)))
            for o in orders], spacing=6),
        _recorded(recorded, order, products, desk, lambda _: new_return(order)) if order and recorded else
        _form(order, products, desk, typed, return_id, conditions, set_conditions, reason, set_reason, typing,
              submit) if order else ft.Container(),
        DocumentButtons(papers, tell),
    ], expand=True, scroll=ft.ScrollMode.AUTO, spacing=12)


def _back(typed: Typed) -> dict[str, str]:
    return {k[5:]: v for k, v in typed.shown().items() if k.startswith("back-")}


def _name(products: dict, sku: str) -> str:
    return products.get(sku, {}).get("name", sku)


def _title(order: dict) -> str:
    return f"Return of {order['external_ref']} ({order['channel']}, {(order.get('customer') or {}).get('name', '')})"


def _form(order: dict, products: dict, desk, typed: Typed, return_id: str,  # noqa: ANN001
          conditions: dict, set_conditions, reason, set_reason, typing, submit) -> ft.Control:  # noqa: ANN001
    rows = []
    items = desk.returnable(order)
    currency = desk.store.currency
    for item in items:
        sku = item["sku"]
        had = f"{item['received']} of {item['ordered']} received" + (
            f", {item['returned']} returned" if item["returned"] else "")
        if not item["qty"]:
            why = "all returned" if item["returned"] else "not received yet: cannot come back"
            rows.append(tagged(f"return-item-{sku}", ft.Row([
                ft.Text(_name(products, sku), size=16, expand=True), ft.Text(had, width=280),
                ft.Text(why, width=300 + 190 + 12, italic=True, color=ft.Colors.BLUE_GREY_700),
            ], spacing=12)))
            continue
        rows.append(tagged(f"return-item-{sku}", ft.Row([
            ft.Text(_name(products, sku), size=16, expand=True),
            ft.Text(f"{had} · {money(item['unit_price'], currency)} each", width=280),
            TypedFields(typed, [(f"back-{sku}", f"Back: {_name(products, sku)} (of {item['qty']})", 300, True)],
                        generation=return_id, on_change=typing),
            # Not chosen by hand, it is what the reason says of the goods: a faulty item is not resold.
            dropdown("Condition", return_condition(conditions.get(sku), reason),
                     {"resellable": "Resellable", "damaged": "Not resellable"},
                     lambda condition, s=sku: set_conditions(lambda c: {**c, s: condition}), width=190),
        ], spacing=12)))
    if not any(item["qty"] for item in items):
        return tagged("return-form", ft.Container(ft.Column([
            ft.Text(_title(order), size=20, weight=ft.FontWeight.BOLD), *rows,
            ft.Text(nothing_to_return(order), size=16, weight=ft.FontWeight.W_600),
        ], spacing=10), padding=16, border_radius=10, bgcolor=ft.Colors.BLUE_GREY_50))
    refund, why = desk.refund_said(order, _back(typed))  # what the form says now: no button to work it out
    return tagged("return-form", ft.Container(ft.Column([
        ft.Text(_title(order), size=20, weight=ft.FontWeight.BOLD),
        *rows,
        ft.Text("Why does it come back?", size=15, weight=ft.FontWeight.W_600),
        tagged("return-reasons", ft.Row([  # big buttons: one tap on a tablet, and each is a button for tests too
            ft.OutlinedButton(text, on_click=lambda _, k=key: set_reason(k),
                              icon=ft.Icons.CHECK if key == reason else None,
                              style=ft.ButtonStyle(bgcolor=ft.Colors.AMBER_300, color=ft.Colors.BLACK)
                              if key == reason else None)
            for key, text in RETURN_REASONS.items()], wrap=True, spacing=8)),
        ft.Row([
            tagged("refund", ft.Text(f"Refund: {money(refund, currency)}" if refund is not None else "Refund: —", size=20,
                                     weight=ft.FontWeight.BOLD)),
            *([tagged("refund-why", ft.Text(why, size=15, color=ft.Colors.RED_900))] if why else []),
            ft.FilledButton("Take back and refund", icon=ft.Icons.PAYMENTS, on_click=submit),
        ], spacing=16, wrap=True),
    ], spacing=10), padding=16, border_radius=10, bgcolor=ft.Colors.BLUE_GREY_50))


def _recorded(record: dict, order: dict, products: dict, desk, new_return) -> ft.Control:  # noqa: ANN001
    """The return just taken, as the core recorded it: read only, and the way to the next one."""
    left = sum(item["qty"] for item in desk.returnable(order))
    currency = desk.store.currency
    where = {"restocked": "back in stock", "to_warehouse": "set aside for the warehouse"}
    lines = [tagged(f"returned-{line['sku']}", ft.Row([
        ft.Text(_name(products, line["sku"]), size=16, expand=True),
        ft.Text(f"{line['qty']} × {money(line['unit_price'], currency)}", width=110),
        ft.Text(line["condition"], width=110),
        ft.Text(where.get(line["disposition"], line["disposition"]), width=230),
        ft.Text(money(line["refund"], currency), width=80, text_align=ft.TextAlign.RIGHT),
    ], spacing=12)) for line in record["lines"]]
    return tagged("return-recorded", ft.Container(ft.Column([
        ft.Row([ft.Icon(ft.Icons.TASK_ALT, color=ft.Colors.GREEN_800, size=28),
                ft.Text(f"{_title(order)}: recorded", size=20, weight=ft.FontWeight.BOLD, color=ft.Colors.GREEN_900,
                        expand=True)]),
        ft.Text(f"Why: {RETURN_REASONS.get(record['reason'], record['reason'])}", size=15),
        *lines,
        ft.Text(f"Refund {money(record['refund'], currency)}", size=20, weight=ft.FontWeight.BOLD),
        ft.Row([ft.FilledButton("New return", icon=ft.Icons.ASSIGNMENT_RETURN, on_click=new_return,
                                disabled=not left),
                ft.Text(f"{counted(left, 'more item')} of {order['external_ref']} can still come back" if left else
                        nothing_to_return(order), size=15)], spacing=16, wrap=True),
    ], spacing=10), padding=16, border_radius=10, bgcolor=ft.Colors.GREEN_50))
