"""Find an order (number, customer, phone, e-mail or SKU) and read its
timeline: who did what, when, where and why. For staff and head office."""

import flet as ft

from contract.errors import DomainError
from contract.money import money
from contract.words import counted, status_words

from ..insights import Insights
from ..work import Feedback, Tone
from .common import METHOD_WORDS, Typed, feedback_bar, screen, screen_title, tagged
from .context import use_feedback, use_shift


@screen
def OrderSearch() -> ft.Control:
    shift = use_shift()
    token = shift.head_office.key if shift.head_office else shift.associate.token
    feedback, tell = use_feedback()
    typed = ft.use_memo(lambda: Typed(q=""), [])
    results, set_results = ft.use_state(None)
    chosen, set_chosen = ft.use_state(None)  # (order summary, moments)
    insights = ft.use_memo(lambda: Insights(shift.store), [])

    async def search(_=None) -> None:  # noqa: ANN001
        try:
            found = await insights.search_orders(token, typed.shown()["q"])
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))
            return
        set_chosen(None)
        set_results(found)
        tell(Feedback(Tone.OK, f"{counted(len(found), 'order')} found" if found else "No order matches"))

    def opener(order: dict):  # noqa: ANN202
        async def open_() -> None:
            try:
                set_chosen((order, await insights.timeline(token, order["id"])))
            except DomainError as exc:
                tell(Feedback(Tone.ERROR, exc.message))

        return open_

    currency, store_time = shift.store.currency, shift.store.time
    rows = [tagged(f"result-{o['external_ref']}", ft.Container(ft.Row([
        ft.Text(o["external_ref"], weight=ft.FontWeight.BOLD, width=140),
        ft.Text((o.get("customer") or {}).get("name", ""), width=180),
        ft.Text(status_words(o["status"]), width=140),
        ft.Text(METHOD_WORDS.get(o["delivery_method"], o["delivery_method"]), width=120),
        ft.Text(money(o["total_value"], currency), width=80),
        ft.Text(store_time.readable(o["created_at"]), expand=True),
        ft.OutlinedButton("Timeline", icon=ft.Icons.TIMELINE, on_click=opener(o)),
    ]), padding=ft.Padding.symmetric(horizontal=12, vertical=6), border_radius=8, on_click=opener(o),
        bgcolor=ft.Colors.AMBER_50 if chosen and chosen[0]["id"] == o["id"] else ft.Colors.BLUE_GREY_50))
        for o in results or []]
    return ft.Column([
        screen_title("Find an order"),
        ft.Row([ft.TextField(label="Order number, customer, phone, e-mail or SKU", **typed.field("q"),
                             on_submit=search, width=460, autofocus=True),
                ft.FilledButton("Search", icon=ft.Icons.SEARCH, on_click=search)]),
        feedback_bar(feedback),
        ft.Column(rows, spacing=6),
        _timeline(*chosen) if chosen else ft.Container(),
    ], scroll=ft.ScrollMode.AUTO, expand=True, spacing=14)


def _timeline(order: dict, moments: list) -> ft.Control:
    return tagged("timeline", ft.Column([
        ft.Text(f"Timeline of {order['external_ref']}", size=18, weight=ft.FontWeight.BOLD),
        ft.DataTable(columns=[ft.DataColumn(ft.Text(h)) for h in ("When", "What", "Where", "Why")], rows=[
            ft.DataRow([ft.DataCell(ft.Text(m.at)), ft.DataCell(ft.Text(m.what)), ft.DataCell(ft.Text(m.where)),
                        ft.DataCell(ft.Text(m.why))]) for m in moments]),
    ], spacing=8))
