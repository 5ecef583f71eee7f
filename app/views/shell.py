"""The frame around every screen: who and where, the sync badge, navigation,
and the banners that must not be missed (new orders, refused actions)."""

import flet as ft

from contract.counts import SUPERSEDED

from ..session import Shift
from ..store import paused_notice
from ..work import Tone, cancelled_on_shelf_message, refusal_message, takes_off_the_shelf
from .common import TONE_COLOURS, WARNING_TEXT, screen, sync_badge, tagged
from .context import go, use_feed, use_shift

NAVIGATION = [  # (path, label, icon, managers only)
    ("/", "Queue", ft.Icons.LIST_ALT, False),
    ("/picklist", "Pick list", ft.Icons.SHOPPING_BASKET, False),
    ("/handover", "Handover", ft.Icons.LOCAL_SHIPPING, False),
    ("/counter", "Counter", ft.Icons.STOREFRONT, False),
    ("/returns", "Returns", ft.Icons.ASSIGNMENT_RETURN, False),
    ("/aisle", "Endless aisle", ft.Icons.TRAVEL_EXPLORE, False),
    ("/stock-count", "Stock count", ft.Icons.INVENTORY, False),
    ("/search", "Find an order", ft.Icons.SEARCH, False),
    ("/manager", "Manager", ft.Icons.INSIGHTS, True),
]  # Settings sits by "Sign out": a manager's nine buttons then fit one row on a tablet


@screen
def Shell() -> ft.Control:
    shift = use_shift()
    use_feed()  # the sync badge and the banners move with the cache
    here = ft.use_route_location()
    store, associate = shift.store, shift.associate
    location = store.cache.location() or {}
    nav = [
        ft.Button(label, icon=icon, on_click=lambda _, p=path: go(p),
                  style=_selected() if (here == path or (path != "/" and here.startswith(path))) else None)
        for path, label, icon, managers_only in NAVIGATION
        if associate.is_manager or not managers_only
    ]

    async def sign_out() -> None:
        await store.sign_out(associate)
        shift.associate = None
        go("/")

    header = ft.Container(
        ft.Column([
            ft.Row([
                ft.Icon(ft.Icons.STOREFRONT, color=ft.Colors.WHITE),
                ft.Text(f"{location.get('name', associate.store)} ({associate.store})", size=18,
                        weight=ft.FontWeight.BOLD, color=ft.Colors.WHITE, expand=True),
                sync_badge(store.engine.status, store.time, sync_now=lambda _: store.engine.request_sync()),
                tagged("associate", ft.Text(f"{associate.name} · {associate.role}"
                                            + ("" if associate.token else " · offline sign-in"),
                                            color=ft.Colors.WHITE)),
                ft.TextButton("Settings", icon=ft.Icons.SETTINGS, on_click=lambda _: go("/settings"),
                              style=_selected() if here.startswith("/settings")
                              else ft.ButtonStyle(color=ft.Colors.WHITE)),
                ft.TextButton("Sign out", icon=ft.Icons.LOGOUT, on_click=sign_out,
                              style=ft.ButtonStyle(color=ft.Colors.WHITE)),
            ]),
            ft.Row(nav, spacing=8, wrap=True),
        ], spacing=10),
        bgcolor=ft.Colors.BLUE_GREY_900, padding=ft.Padding.symmetric(horizontal=16, vertical=10),
    )
    return ft.Column([header, *_banners(shift),
                      ft.Container(ft.use_route_outlet(), expand=True, padding=16)],
                     expand=True, spacing=0)


def _selected() -> ft.ButtonStyle:
    return ft.ButtonStyle(bgcolor=ft.Colors.AMBER_300, color=ft.Colors.BLACK)


def _banners(shift: Shift) -> list[ft.Control]:
    banners: list[ft.Control] = []
    paused = paused_notice(shift.store.cache.location())
    if paused:
        banners.append(tagged("paused-banner", ft.Container(
            ft.Row([ft.Icon(ft.Icons.PAUSE_CIRCLE, color=WARNING_TEXT),
                    ft.Text(paused, size=16, weight=ft.FontWeight.W_600, color=WARNING_TEXT, expand=True)]),
            bgcolor=ft.Colors.AMBER_100, padding=ft.Padding.symmetric(horizontal=16, vertical=8))))
    # The latest few, not the queue: the shell is drawn again at every change.
    latest = shift.store.cache.fulfilments_of(shift.new_orders[-20:])
    fresh = [view for view in latest if view["status"] == "assigned"]
    if fresh:
        refs = ", ".join(v["order"]["external_ref"] for v in fresh[:4]) + ("…" if len(fresh) > 4 else "")

        def look() -> None:
            shift.new_orders = []
            go("/")

        banners.append(tagged("new-order-banner", ft.Container(
            ft.Row([ft.Icon(ft.Icons.NOTIFICATIONS_ACTIVE, color=ft.Colors.BLUE_900),
                    ft.Text(f"New order{'s' if len(fresh) > 1 else ''} to accept: {refs}",
                            size=16, weight=ft.FontWeight.W_600, color=ft.Colors.BLUE_900, expand=True),
                    ft.FilledButton("Show", on_click=look)]),
            bgcolor=ft.Colors.BLUE_100, padding=ft.Padding.symmetric(horizontal=16, vertical=8))))
    cache = shift.store.cache
    # What the core decided over this store's head: said until someone says it is seen to.
    for rejection in cache.rejections()[:3]:
        view = cache.fulfilment(rejection["fulfilment_id"]) or {}
        # A count superseded by a later one is news, not a fault: the later count stands.
        superseded = (rejection.get("error") or {}).get("code") == SUPERSEDED
        # One that asks to take an order off a shelf is done once it is off, as when nothing was refused.
        done = "Taken off the shelf" if takes_off_the_shelf(rejection, view) else "Got it"
        said = refusal_message(rejection, view, lambda sku: (cache.product(sku) or {}).get("name") or sku)
        banners.append(_alert_banner("refusal-banner", said, done,
                                     lambda _, mutation_id=rejection["id"]: cache.acknowledge(mutation_id),
                                     Tone.WARNING if superseded else Tone.ERROR))
    for view in cache.cancelled_on_shelf()[:3]:
        banners.append(_alert_banner("cancelled-on-shelf-banner", cancelled_on_shelf_message(view),
                                     "Taken off the shelf",
                                     lambda _, fulfilment_id=view["id"]: cache.taken_off_shelf(fulfilment_id)))
    return banners


def _alert_banner(identifier: str, message: str, done: str, on_done, tone: Tone = Tone.ERROR) -> ft.Control:  # noqa: ANN001
    """A banner that stays until an associate taps `done`."""
    background, foreground, icon = TONE_COLOURS[tone]
    return tagged(identifier, ft.Container(
        ft.Row([ft.Icon(icon, color=foreground),
                ft.Text(message, color=foreground, expand=True, weight=ft.FontWeight.W_600),
                ft.OutlinedButton(done, on_click=on_done)]),
        bgcolor=background, padding=ft.Padding.symmetric(horizontal=16, vertical=8)))
