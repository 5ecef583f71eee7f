"""Small pieces every screen uses: the sync badge, action feedback, urgency chips."""

import functools
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import flet as ft

from local_db.engine import SyncStatus

from ..dates import StoreTime
from ..queue import Urgency
from ..work import Feedback, Tone

# Dark amber: reads on the amber backgrounds of warnings, 6.4:1 or better (Material's
# amber 900, #FF6F00, is 2.6:1 on amber 50). Every pair below is 4.5:1 or better (WCAG AA).
WARNING_TEXT = "#7A4A00"

TONE_COLOURS = {
    Tone.OK: (ft.Colors.GREEN_50, ft.Colors.GREEN_800, ft.Icons.CHECK_CIRCLE),
    Tone.DONE: (ft.Colors.GREEN_100, ft.Colors.GREEN_900, ft.Icons.TASK_ALT),
    Tone.WARNING: (ft.Colors.AMBER_50, WARNING_TEXT, ft.Icons.WARNING_AMBER),
    Tone.ERROR: (ft.Colors.RED_100, ft.Colors.RED_900, ft.Icons.ERROR),
}
URGENCY_COLOURS = {
    Urgency.CALM: (ft.Colors.BLUE_GREY_50, ft.Colors.BLUE_GREY_800),
    Urgency.SOON: (ft.Colors.AMBER_100, WARNING_TEXT),
    Urgency.LATE: (ft.Colors.RED_100, ft.Colors.RED_900),
}


log = logging.getLogger("backroom.app")


def screen(render: Callable[..., ft.Control]) -> Callable[..., ft.Control]:
    """A screen component that says so when it fails to draw, instead of
    leaving the previous picture up (Flet drops a render's exception)."""

    @ft.component
    @functools.wraps(render)
    def guarded(*args, **kwargs) -> ft.Control:  # noqa: ANN002, ANN003
        try:
            return render(*args, **kwargs)
        except Exception as exc:
            log.exception("the %s screen failed to draw", render.__name__)
            return tagged("screen-error", ft.Container(
                ft.Text(f"This screen could not be shown ({exc.__class__.__name__}: {exc}). "
                        "Your actions are safe; go back to the queue.", color=ft.Colors.RED_900, size=16),
                bgcolor=ft.Colors.RED_50, padding=16, border_radius=8))

    return guarded


class Typed:
    """What the associate is typing, field by field, kept outside rendering.

    A render per keystroke would race the next keystrokes (a scanner types
    fast) and send an older value back over them; so typing only lands here,
    and a render for another reason passes it back as the fields' values.

    A field's change events can arrive late or, rarely, not at all, while its
    value does reach its control: so what the drawn control shows wins, when
    the field is drawn again (else the render would empty a field whose change
    event is still on its way) and when an action reads what was typed, which
    it does only through `shown()`.

    The text is kept as typed and a field's transform (upper case, say) applies
    only when it is read: a render that sent the transformed text back would
    differ from what the field shows, and overwrite the keys typed meanwhile."""

    def __init__(self, **fields: str) -> None:
        self._kept: dict[str, str] = dict(fields)
        self._drawn: dict[str, tuple[ft.Ref, str]] = {}
        self._transforms: dict[str, Callable[[str], str]] = {}  # kept when `put` forgets the drawn control

    def field(self, name: str, transform: Callable[[str], str] = str, default: str = "") -> dict:
        """A TextField's `value`, `on_change` and `ref` for the text kept under `name`."""
        ref = self._drawn[name][0] if name in self._drawn else ft.Ref()  # one per field, for every render
        self._drawn[name] = (ref, default)
        self._transforms[name] = transform
        self._take_shown(name)
        return {"value": self._kept.get(name, default), "ref": ref,
                "on_change": lambda e: self._kept.__setitem__(name, e.control.value or "")}

    def shown(self) -> dict[str, str]:
        """What is typed, as the fields show it now, transformed (an untouched field stays untyped)."""
        for name in self._drawn:
            self._take_shown(name)
        return {name: self._transforms.get(name, str)(text) for name, text in self._kept.items()}

    def _take_shown(self, name: str) -> None:
        ref, default = self._drawn[name]
        if ref.current is not None and ref.current.value is not None:
            if ref.current.value != self._kept.get(name, default):
                self._kept[name] = ref.current.value

    def put(self, name: str, text: str) -> None:
        """Replace what is typed under `name`: its field shows it when drawn again."""
        self._kept[name] = text
        self._drawn.pop(name, None)  # its old control's text must not win

    def forget(self, names: Iterable[str]) -> None:
        """Forget these fields: drawn again, they start afresh (their old controls are not read)."""
        for name in list(names):
            self._kept.pop(name, None)
            self._drawn.pop(name, None)
            self._transforms.pop(name, None)

    def clear(self) -> None:
        self._kept.clear()
        self._drawn.clear()
        self._transforms.clear()


def tagged(identifier: str, control: ft.Control) -> ft.Semantics:
    """Give a control a stable name for tests and assistive tech. The name is
    also its key: in a list that changes, each row keeps its own name (without
    it, rows are matched by position and a row could keep a neighbour's name). It expands as its
    control does: in a row, a control's own `expand` under the wrapper is not seen, and text that
    should wrap runs off the screen instead."""
    return ft.Semantics(identifier=identifier, content=control, key=identifier, expand=control.expand)


def sync_badge(status: SyncStatus, store_time: StoreTime, sync_now=None) -> ft.Control:  # noqa: ANN001
    """Always in sight; a tap syncs now rather than waiting for the next retry."""
    if not status.enrolled:
        colour, icon, text = ft.Colors.GREY_600, ft.Icons.CLOUD_OFF, "Not enrolled"
    elif status.online and status.live:
        colour, icon, text = ft.Colors.GREEN_700, ft.Icons.CLOUD_DONE, "Live"
    elif status.online:
        colour, icon, text = ft.Colors.BLUE_700, ft.Icons.CLOUD_SYNC, "Online"
    else:
        colour, icon, text = ft.Colors.RED_700, ft.Icons.CLOUD_OFF, "Offline"
    parts = [text]
    parts.append(f"{status.pending} to send" if status.pending else "all sent")
    if status.last_sync_at:
        parts.append(f"{'synced' if status.online else 'last synced'} {since(status.last_sync_at, store_time)}")
    if not status.enrolled:  # never yet, or no longer (the core refused its token: the last error says why)
        tooltip = ("This device is not enrolled with the system"
                   + (f" ({status.last_error})" if status.last_error else "")
                   + ": an associate signs in online to enrol it")
    else:
        tooltip = (status.last_error or "Orders and actions are in sync with the system") + " · tap to sync now"
    return tagged("sync-badge", ft.Container(
        ft.Row([ft.Icon(icon, color=ft.Colors.WHITE, size=18),
                ft.Text(" · ".join(parts), color=ft.Colors.WHITE, weight=ft.FontWeight.W_600, size=13)],
               spacing=6, tight=True),
        bgcolor=colour, border_radius=16, padding=ft.Padding.symmetric(horizontal=12, vertical=6), tooltip=tooltip,
        on_click=sync_now,
    ))


def since(stamp: str, store_time: StoreTime) -> str:
    seconds = (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    return store_time.readable(stamp)


def feedback_bar(feedback: Feedback | None, identifier: str = "feedback") -> ft.Control:
    if feedback is None:
        return tagged(identifier, ft.Container(height=0))
    background, foreground, icon = TONE_COLOURS[feedback.tone]
    return tagged(identifier, ft.Container(
        ft.Row([ft.Icon(icon, color=foreground, size=28),
                ft.Text(feedback.message, color=foreground, size=18, weight=ft.FontWeight.W_600, expand=True)]),
        bgcolor=background, border_radius=10, padding=14,
        border=ft.Border.all(2, foreground) if feedback.tone is Tone.ERROR else None,
    ))


def inline_feedback(feedback: Feedback | None, identifier: str) -> ft.Control:
    """What a control's action did, said right beside it (a bar at the top of a long screen is out of sight)."""
    if feedback is None:
        return tagged(identifier, ft.Container(expand=True))
    background, foreground, icon = TONE_COLOURS[feedback.tone]
    return tagged(identifier, ft.Container(
        ft.Row([ft.Icon(icon, color=foreground, size=22),
                ft.Text(feedback.message, color=foreground, size=15, weight=ft.FontWeight.W_600, expand=True)],
               spacing=8),
        bgcolor=background, border_radius=8, padding=ft.Padding.symmetric(horizontal=12, vertical=8), expand=True,
        border=ft.Border.all(2, foreground) if feedback.tone is Tone.ERROR else None,
    ))


def icon_button(icon: ft.IconData, name: str, on_click, disabled: bool = False) -> ft.Control:  # noqa: ANN001
    """A button showing only an icon, with a name for screen readers (and for tests finding it by
    role and name). Flutter names the button after its icon's label: a tooltip alone names a node
    around the button, not the button. The tooltip shows the name to a mouse pointing at it."""
    return ft.IconButton(ft.Icon(icon, semantics_label=name), tooltip=name, on_click=on_click, disabled=disabled)


def dropdown(name: str, value: str | None, options: dict[str, str], on_choose, width: int | None = None,  # noqa: ANN001
             **more) -> ft.Control:
    """A dropdown (`options`: key -> what the associate reads) with a name for screen readers and for
    tests finding it by role and name. In Flutter web the field's label names nothing: the Semantics
    around it names the dropdown's button, and says what is chosen."""
    return ft.Semantics(label=name, value=options.get(value, ""), content=ft.Dropdown(
        label=name, value=value, width=width, options=[ft.DropdownOption(key=k, text=t) for k, t in options.items()],
        on_select=lambda e: on_choose(e.control.value), **more))


def chip(text: str, urgency: Urgency) -> ft.Control:
    background, foreground = URGENCY_COLOURS[urgency]
    return ft.Container(ft.Text(text, color=foreground, size=13, weight=ft.FontWeight.W_600),
                        bgcolor=background, border_radius=12, padding=ft.Padding.symmetric(horizontal=10, vertical=4))


METHOD_WORDS = {"home": "Home delivery", "click_collect": "Click & collect", "ship_to_store": "Ship to store"}
METHOD_ICONS = {"home": ft.Icons.LOCAL_SHIPPING, "click_collect": ft.Icons.STOREFRONT,
                "ship_to_store": ft.Icons.MOVE_TO_INBOX}


def screen_title(text: str, *actions: ft.Control) -> ft.Control:
    return ft.Row([ft.Text(text, size=24, weight=ft.FontWeight.BOLD, expand=True), *actions])
