from dataclasses import dataclass

import flet as ft

from contract.errors import DomainError

from .common import Typed, screen, tagged
from .context import use_shift
from .head_office import HeadOfficeSignIn


@ft.observable
@dataclass(eq=False)  # observables compare by identity (see Flet's ComponentOwned)
class Outcome:
    error: str = ""
    busy: bool = False


@screen
def SignIn() -> ft.Control:
    shift = use_shift()
    store = shift.store
    known_store = store.store_code
    typed = ft.use_memo(lambda: Typed(store=known_store or "", staff="", pin=""), [])
    outcome, _ = ft.use_state(Outcome)
    head_office, set_head_office = ft.use_state(False)

    def take_notice() -> None:  # why the last session ended, when the core ended it
        if shift.notice is not None:
            outcome.error = shift.notice.message
            shift.notice = None

    ft.use_effect(take_notice, [])

    async def submit(_=None) -> None:  # noqa: ANN001
        shown = typed.shown()
        if not (shown["store"] and shown["staff"] and shown["pin"]):
            outcome.error = "Enter the store, your staff code and your PIN"
            return
        outcome.busy = True
        try:
            associate = await store.sign_in(shown["store"], shown["staff"], shown["pin"])
        except DomainError as exc:
            typed.put("pin", "")
            outcome.error, outcome.busy = exc.message, False
            return
        # Signed in: this form goes away, so its own state is left alone.
        shift.new_orders = []
        shift.associate = associate

    if head_office:
        return ft.Container(ft.Card(ft.Container(HeadOfficeSignIn(lambda: set_head_office(False)), padding=28)),
                            alignment=ft.Alignment.CENTER, expand=True, bgcolor=ft.Colors.BLUE_GREY_50)
    return ft.Container(
        ft.Card(ft.Container(ft.Column([
            ft.Row([ft.Icon(ft.Icons.STOREFRONT, size=36, color=ft.Colors.BLUE_GREY_800),
                    ft.Text("Backroom", size=30, weight=ft.FontWeight.BOLD)]),
            ft.Text("Sign in to start your shift", size=16, color=ft.Colors.BLUE_GREY_600),
            ft.TextField(label="Store", **typed.field("store", str.upper), read_only=bool(known_store),
                         autofocus=not known_store, capitalization=ft.TextCapitalization.CHARACTERS),
            ft.TextField(label="Staff code", **typed.field("staff", str.upper), autofocus=bool(known_store),
                         capitalization=ft.TextCapitalization.CHARACTERS),
            ft.TextField(label="PIN", **typed.field("pin"), password=True, can_reveal_password=True,
                         keyboard_type=ft.KeyboardType.NUMBER, on_submit=submit),
            tagged("sign-in-error", ft.Text(outcome.error, color=ft.Colors.RED_800, weight=ft.FontWeight.W_600)),
            ft.FilledButton("Sign in", icon=ft.Icons.LOGIN, on_click=submit, disabled=outcome.busy, width=360,
                            height=48),
            ft.Text(f"This device serves {known_store}." if known_store else
                    "The first sign-in enrols this device for your store.",
                    size=12, color=ft.Colors.BLUE_GREY_500),
            ft.TextButton("Head office", icon=ft.Icons.ADMIN_PANEL_SETTINGS, on_click=lambda _: set_head_office(True)),
        ], spacing=14, tight=True, width=360), padding=28)),
        alignment=ft.Alignment.CENTER, expand=True, bgcolor=ft.Colors.BLUE_GREY_50,
    )
