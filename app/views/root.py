"""The root of each screen: its shift state, its sounds, and the routes."""

import asyncio

import flet as ft

from ..session import Feed, Shift
from ..store import StoreApp
from ..work import Work
from .aisle import EndlessAisle
from .context import FeedContext, ShiftContext, Speaker, SpeakerContext
from .counter import Arrivals, Pickup, Shelf
from .handover import Handover
from .head_office import HeadOfficeShell, RoutingProfile, Versions
from .manager import Manager
from .order import OrderDetail
from .pack import Pack
from .pick import Pick
from .picklist import PickList
from .queue import Queue
from .returns import Returns
from .search import OrderSearch
from .settings import Settings
from .shell import Shell
from .sign_in import SignIn
from .stock_count import StockCount

CLOCK_TICK_S = 15  # countdowns move on without anyone touching the screen


@ft.component
def App(store: StoreApp) -> ft.Control:
    shift, _ = ft.use_state(lambda: Shift(store, Work(store)))  # followed: sign-in and sign-out
    feed = ft.use_memo(Feed, [])  # not followed here: only the screens showing data render again
    speaker = ft.use_memo(Speaker, [])
    page = ft.context.page

    def follow_the_store():  # noqa: ANN202
        seen = store.cache.fulfilment_ids("assigned", store.store_code)

        def changed(kinds: set[str]) -> None:
            nonlocal seen
            if page.session.connection is None:
                return  # the browser went away; a screen that comes back renders afresh
            if "fulfilment" in kinds:
                assigned = store.cache.fulfilment_ids("assigned", store.store_code)
                fresh = sorted(assigned - seen)
                seen |= assigned
                if fresh and shift.associate is not None:
                    shift.new_orders = [*shift.new_orders, *fresh]
                    page.run_task(speaker.play, speaker.chime)
            if shift.associate is not None and shift.associate.token is None:
                page.run_task(shift.sign_in_online)  # once the core answers again
            feed.changed()

        async def tick() -> None:
            while True:
                await asyncio.sleep(CLOCK_TICK_S)
                feed.tick()

        stop_watching = store.watch(changed)
        ticker = asyncio.create_task(tick())

        def stop() -> None:
            stop_watching()
            ticker.cancel()

        return stop

    ft.use_effect(follow_the_store, [])

    def content() -> ft.Control:
        if shift.head_office is not None:
            return ft.Router([ft.Route(component=HeadOfficeShell, children=[
                ft.Route(index=True, component=RoutingProfile),
                ft.Route(path="versions", component=Versions),
                ft.Route(path="search", component=OrderSearch),
            ])])
        if shift.associate is None:
            return ft.memo(SignIn)()  # drawn again only for its own reasons: typing is never overwritten
        return ft.Router([ft.Route(component=Shell, children=[
            ft.Route(index=True, component=Queue),
            ft.Route(path="orders/:id", component=OrderDetail),
            ft.Route(path="pick/:id", component=Pick),
            ft.Route(path="pack/:id", component=Pack),
            ft.Route(path="picklist", component=PickList),
            ft.Route(path="handover", component=Handover),
            ft.Route(path="counter", component=Pickup),
            ft.Route(path="counter/serve/:id", component=Pickup),  # one order, brought from its screen
            ft.Route(path="counter/shelf", component=Shelf),
            ft.Route(path="counter/arrivals", component=Arrivals),
            ft.Route(path="returns", component=Returns),
            ft.Route(path="aisle", component=EndlessAisle),
            ft.Route(path="stock-count", component=StockCount),
            ft.Route(path="settings", component=Settings),
            ft.Route(path="search", component=OrderSearch),
            ft.Route(path="manager", component=Manager),
        ])])

    return ShiftContext(shift, lambda: FeedContext(feed, lambda: SpeakerContext(speaker, content)))
