"""What every screen of a session shares: its shift, the feed, its sounds, navigation."""

import asyncio
import functools
import inspect
from collections.abc import Callable

import flet as ft
import flet_audio as fta

from .. import sounds
from ..session import Feed, Shift
from ..work import Feedback

ShiftContext = ft.create_context(None)
FeedContext = ft.create_context(None)
SpeakerContext = ft.create_context(None)


class Speaker:
    """This screen's sounds. Audio services belong to a page, so each screen has its own."""

    def __init__(self) -> None:
        self.chime = fta.Audio(src=sounds.new_order())
        self.ok = fta.Audio(src=sounds.scan_ok())
        self.buzz = fta.Audio(src=sounds.refused())

    async def play(self, audio: fta.Audio) -> None:
        try:
            await audio.play()
        except (asyncio.TimeoutError, RuntimeError):
            pass  # a screen that cannot play sound still works


def use_shift() -> Shift:
    return ft.use_context(ShiftContext)


def use_feed() -> Feed:
    """Follow the cache and the clock: the calling component renders again when they move."""
    return ft.use_context(FeedContext)


def use_feedback() -> tuple[Feedback | None, Callable[[Feedback | None], Feedback | None]]:
    """What this screen last told the associate, and how to tell them something (None: nothing)."""
    feedback, set_feedback = ft.use_state(None)

    def tell(new: Feedback | None) -> Feedback | None:
        set_feedback(new)
        return new

    return feedback, tell


def use_latest(fn: Callable) -> Callable:
    """One function object for the component's life that calls the latest `fn`:
    a memoised child given it keeps equal props and is not drawn again. A
    coroutine function stays one (Flet awaits only coroutine functions)."""
    latest = ft.use_ref(None)
    latest.current = fn
    if inspect.iscoroutinefunction(fn):
        async def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return await latest.current(*args, **kwargs)
    else:
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return latest.current(*args, **kwargs)
    return ft.use_memo(lambda: call, [])


class OneAtATime:
    """Runs an async action unless the last run is still on its way to the core (a double tap,
    an impatient second tap): that call does nothing and returns None. The wrapper keeps the
    action's signature: Flet passes a handler the event only if it takes one."""

    def __init__(self) -> None:
        self.busy = False

    def __call__(self, action: Callable) -> Callable:
        @functools.wraps(action)
        async def once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if self.busy:
                return None
            self.busy = True
            try:
                return await action(*args, **kwargs)
            finally:
                self.busy = False

        return once


def use_one_at_a_time(action: Callable) -> Callable:
    """`action`, guarded by one OneAtATime for the component's life."""
    return ft.use_memo(OneAtATime, [])(action)


def go(path: str) -> None:
    ft.context.page.navigate(path)
