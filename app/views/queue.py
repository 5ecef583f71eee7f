from datetime import UTC, datetime

import flet as ft

from contract.words import counted, status_words

from ..queue import Card, Stage, cards
from .common import METHOD_ICONS, METHOD_WORDS, chip, feedback_bar, screen, tagged
from .context import go, use_feed, use_feedback, use_shift

CARDS_AT_ONCE = 40  # a screenful or three; drawing hundreds of cards makes every update slow

NEXT_STEP = {
    Stage.TO_ACCEPT: "Open",
    Stage.TO_PICK: "Pick",
    Stage.TO_PACK: "Pack",
    Stage.TO_HAND_OVER: "Open",
    Stage.TO_MAKE_READY: "Open",
    Stage.READY_FOR_PICKUP: "Open",
    Stage.DONE_TODAY: "Open",
}


@screen
def Queue() -> ft.Control:
    shift = use_shift()
    feed = use_feed()
    feedback, tell = use_feedback()

    def take_notice() -> None:  # what the screen the associate came from had to say
        if shift.notice is not None:
            tell(shift.notice)
            shift.notice = None

    ft.use_effect(take_notice, [])
    tab, set_tab = ft.use_state(0)
    shown, set_shown = ft.use_state(CARDS_AT_ONCE)
    store = shift.store
    views = store.work_here()
    products = store.cache.products({line["sku"] for v in views for line in v["lines"]})
    queue = cards(views, products, datetime.fromtimestamp(feed.now, UTC), store.time)
    stages = list(Stage)

    def open_card(card: Card) -> None:
        if card.stage is Stage.TO_PICK:
            go(f"/pick/{card.fulfilment_id}")
        elif card.stage is Stage.TO_PACK:
            go(f"/pack/{card.fulfilment_id}")
        else:
            go(f"/orders/{card.fulfilment_id}")

    def accept(card: Card) -> None:
        tell(shift.work.accept(shift.associate, card.fulfilment_id))

    return ft.Column([
        feedback_bar(feedback),
        ft.Tabs(
            length=len(stages),
            selected_index=tab,
            # The event carries the new index; the control's own property may not have caught up yet.
            on_change=lambda e: (set_tab(int(e.data)), set_shown(CARDS_AT_ONCE)),
            expand=True,
            content=ft.Column([
                ft.TabBar(tabs=[ft.Tab(label=f"{stage.title} ({len(queue[stage])})") for stage in stages],
                          scrollable=True),
                ft.TabBarView(expand=True, controls=[
                    # Only the stage in sight is drawn: a busy day's done orders cost nothing.
                    _stage_list(stage, queue[stage], shown, open_card, accept,
                                lambda: set_shown(shown + CARDS_AT_ONCE)) if i == tab else ft.Container()
                    for i, stage in enumerate(stages)
                ]),
            ], expand=True),
        ),
    ], expand=True)


def _stage_list(stage: Stage, items: list[Card], shown: int, open_card, accept, more) -> ft.Control:  # noqa: ANN001
    if not items:
        return ft.Container(ft.Text("Nothing here right now", size=16, color=ft.Colors.BLUE_GREY_400),
                            alignment=ft.Alignment.CENTER, padding=40)
    rows = [_card(card, open_card, accept) for card in items[:shown]]
    if len(items) > shown:  # the most urgent come first; the rest on demand
        rows.append(ft.Container(ft.OutlinedButton(f"Show more ({len(items) - shown} not shown)",
                                                   icon=ft.Icons.EXPAND_MORE, on_click=lambda _: more()),
                                 alignment=ft.Alignment.CENTER, padding=8))
    return tagged(f"queue-{stage.value}", ft.ListView(
        rows, spacing=8, padding=ft.Padding.only(top=8), expand=True,
    ))


def _card(card: Card, open_card, accept) -> ft.Control:  # noqa: ANN001
    units = sum(qty for _, qty in card.lines)
    what = ", ".join(f"{qty} × {name}" for name, qty in card.lines[:3]) + ("…" if len(card.lines) > 3 else "")
    actions: list[ft.Control] = []
    if card.stage is Stage.TO_ACCEPT:
        actions.append(ft.FilledButton("Accept", icon=ft.Icons.CHECK, on_click=lambda _: accept(card)))
    actions.append(ft.OutlinedButton(NEXT_STEP[card.stage], on_click=lambda _: open_card(card)))
    return tagged(f"card-{card.order_ref}", ft.Card(ft.Container(ft.Row([
        ft.Icon(METHOD_ICONS[card.method], size=32, color=ft.Colors.BLUE_GREY_700,
                tooltip=METHOD_WORDS[card.method]),
        ft.Column([
            ft.Row([ft.Text(card.order_ref, size=18, weight=ft.FontWeight.BOLD),
                    ft.Text(card.customer, size=16, color=ft.Colors.BLUE_GREY_700),
                    ft.Text(METHOD_WORDS[card.method], size=13, color=ft.Colors.BLUE_GREY_500)], wrap=True),
            ft.Text(f"{counted(units, 'item')}: {what}", size=14),
        ], expand=True, spacing=4),
        chip(card.countdown, card.urgency) if card.countdown else ft.Text(status_words(card.status)),
        *actions,
    ], spacing=16), padding=14, on_click=lambda _: open_card(card))))
