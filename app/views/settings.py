import asyncio

import flet as ft

from contract.errors import DomainError
from printing import Printer, PrinterError, check_printer

from ..dates import StoreTime
from ..store import place_name
from ..work import Feedback, Tone, Work
from .common import Typed, feedback_bar, screen, screen_title, tagged
from .context import use_feed, use_feedback, use_shift


@screen
def Settings() -> ft.Control:
    shift = use_shift()
    use_feed()
    feedback, tell = use_feedback()
    store = shift.store
    current = store.printer()
    typed = ft.use_memo(lambda: Typed(printer=f"{current[0]}:{current[1]}" if current else ""), [])
    status = store.engine.status

    def save() -> None:
        address = typed.shown()["printer"].strip()
        try:
            store.set_printer(address)
        except DomainError as exc:
            tell(Feedback(Tone.ERROR, exc.message))
            return
        tell(Feedback(Tone.OK, f"Label printer set to {address}" if address else "No label printer"))

    async def test() -> None:
        printer = store.printer()
        if printer is None:
            tell(Feedback(Tone.WARNING, "Set a printer address first"))
            return
        try:
            await asyncio.to_thread(check_printer, Printer(*printer))
            tell(Feedback(Tone.DONE, f"The printer at {printer[0]}:{printer[1]} answers"))
        except PrinterError as exc:
            tell(Feedback(Tone.ERROR, str(exc)))

    return ft.Column([
        screen_title("Settings"),
        feedback_bar(feedback),
        ft.Text("Label printer (ZPL, raw TCP port 9100)", size=18, weight=ft.FontWeight.BOLD),
        ft.Row([ft.TextField(label="Printer address", hint_text="192.168.1.50:9100", **typed.field("printer"),
                             width=320),
                ft.FilledButton("Save", on_click=save), ft.OutlinedButton("Test", on_click=test)]),
        ft.Text("Sync", size=18, weight=ft.FontWeight.BOLD),
        ft.Text(f"Server: {store.core_url}"),
        ft.Text(f"This device serves {place_name(store.store_code, store.network)} ({store.store_code})"
                if store.store_code else "This device serves no store yet"),
        ft.Text(f"Last sync: {store.time.readable(status.last_sync_at) if status.last_sync_at else 'never'}; "
                f"last error: {status.last_error or 'none'}"),
        ft.OutlinedButton("Sync now", icon=ft.Icons.SYNC, on_click=lambda _: store.engine.request_sync()),
        ft.Text("Waiting to be sent", size=18, weight=ft.FontWeight.BOLD),
        tagged("waiting", _waiting(shift.work, store.time)),
    ], spacing=14)


def _waiting(work: Work, store_time: StoreTime) -> ft.Control:
    """What this device holds for the core: kept safe on the device until the core confirms it."""
    actions = work.waiting()
    if not actions:
        return ft.Text("Nothing: the system has every action done on this device.")
    return ft.Column([
        ft.Text(work.waiting_said(len(actions))),
        *[ft.Row([ft.Text(store_time.readable(a["since"]), width=110, color=ft.Colors.BLUE_GREY_600),
                  ft.Text(a["staff"], width=120, color=ft.Colors.BLUE_GREY_600),
                  ft.Text(a["what"], expand=True)]) for a in actions],
    ], spacing=6)
