"""The sync engine: one per store app process, whatever the number of screens.

Each cycle pushes the outbox in order, then pulls the feed page by page (each
page applied with its cursor in one local transaction). A cycle runs when an
associate acts, when the core signals a change on the event stream, and
every `poll_interval` seconds while the event stream is down, every
`live_poll_interval` seconds (a safety net) while it is open; after a failure
the next try waits longer each time (capped), and the state says what went
wrong. A stream that drops brings a sync at once; one that fails, or stays
silent past the core's heartbeat (contract/events.py), says offline at once.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from .cache import LocalCache
from .client import CoreClient, CoreRefused, CoreUnavailable

log = logging.getLogger("backroom.sync")

POLL_S = 15.0
# With the stream open the core says when to pull: it signals every change, says "ready"
# on each connection and wakes every stream after any gap in what it heard. Polling
# often as well would be 500 stores' tablets asking for nothing every few seconds.
LIVE_POLL_S = 120.0


def device_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SyncStatus:
    online: bool = False  # the last exchange with the core worked
    live: bool = False  # the event stream is open: new orders arrive within a second
    pending: int = 0  # actions not yet confirmed by the core
    last_sync_at: str | None = None
    last_error: str | None = None
    enrolled: bool = False  # this install has a device token for its store


class SyncEngine:
    PUSH_BATCH = 100
    PAGE = 1000

    def __init__(self, cache: LocalCache, client: CoreClient, *, poll_interval: float = POLL_S,
                 live_poll_interval: float = LIVE_POLL_S, live: bool = True, max_backoff: float = 30.0,
                 clock: Callable[[], datetime] = device_clock) -> None:
        self.cache = cache
        self.client = client
        self.clock = clock
        self.poll_interval = poll_interval
        self.live_poll_interval = live_poll_interval
        self.use_live = live
        self.max_backoff = max_backoff
        self._status = SyncStatus(
            pending=cache.pending_count(), last_sync_at=cache.get_meta("last_sync_at"),
            enrolled=cache.get_meta("device_token") is not None,
        )
        self._listeners: list[Callable[[SyncStatus], None]] = []
        # Why to sync before the next poll. Each is cleared just before the work that
        # answers it starts (a push reads the outbox, a pull asks for a page), so one
        # that comes while a sync runs, too late for it, brings another sync.
        self._feed_news = asyncio.Event()  # the core said its feed moved (or someone asked)
        self._outbox_news = asyncio.Event()  # an associate acted
        self._enrolled = asyncio.Event()
        if self._status.enrolled:
            self._enrolled.set()
        self._cycle_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task] = []
        self._unsubscribe = cache.subscribe(self._cache_changed)
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- state for the screens ----------------------------------------------

    @property
    def status(self) -> SyncStatus:
        return self._status

    def subscribe(self, listener: Callable[[SyncStatus], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _set(self, **changes: object) -> None:
        new = replace(self._status, **changes)
        if new != self._status:
            self._status = new
            for listener in list(self._listeners):
                listener(new)

    def core_time(self) -> datetime:
        """The core's clock as this device knows it, offline too: its own, corrected by how
        far apart the two were at the last sync (its own alone before a first sync). Its own
        wall clock, not a monotonic one: on Linux, Android and macOS the monotonic clock stops
        while the tablet sleeps, which tablets do all day; a wall clock set by hand is rarer,
        and the core refuses a count it dates in the future or more than a week back."""
        return self.clock() + self._core_clock_offset()

    def _core_clock_offset(self) -> timedelta:
        return timedelta(seconds=float(self.cache.get_meta("core_clock_offset") or 0))

    def _on_core_clock(self, device_time: str) -> str:
        """When an action was done, on the core's clock: the core dates an action pushed late
        (done offline) by it, and the device's own clock may be off."""
        return (datetime.fromisoformat(device_time) + self._core_clock_offset()).isoformat()

    def _cache_changed(self, kinds: set[str]) -> None:
        if "outbox" in kinds:
            # An associate acted (or the core answered): show the count, sync soon.
            pending = self.cache.pending_count()
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._set_pending, pending)

    def _set_pending(self, pending: int) -> None:
        self._set(pending=pending)
        if pending:
            self._outbox_news.set()

    # --- enrolment -----------------------------------------------------------

    async def enrol(self, staff_token: str, name: str = "store app") -> None:
        """Give this install its device token (after an online sign-in) and sync."""
        token = await self.client.enrol(staff_token, self.cache.device_id(), name)
        self.cache.set_meta(device_token=token)
        self._set(enrolled=True, last_error=None)
        self._enrolled.set()
        self._feed_news.set()

    # --- running -------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks.append(asyncio.create_task(self._run(), name="sync"))
        if self.use_live:
            self._tasks.append(asyncio.create_task(self._listen(), name="sync-live"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self._unsubscribe()

    def request_sync(self) -> None:
        self._feed_news.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            ok = await self.sync_once()
            failures = 0 if ok else failures + 1
            if ok:
                wait = self.live_poll_interval if self._status.live else self.poll_interval
            else:
                wait = min(self.max_backoff, 2 ** failures * 0.5)
                # The retry pushes and pulls everything: what asked for this sync is in it. Left
                # set, it would end the backoff at once and hammer a core that is down.
                self._feed_news.clear()
                self._outbox_news.clear()
            wait *= random.uniform(0.8, 1.2)  # tablets of a store do not all retry at once
            news = [asyncio.ensure_future(self._feed_news.wait()), asyncio.ensure_future(self._outbox_news.wait())]
            try:
                await asyncio.wait(news, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in news:
                    waiting.cancel()

    async def _listen(self) -> None:
        failures = 0
        while True:
            token = self.cache.get_meta("device_token")
            if token is None:
                self._enrolled.clear()
                await self._enrolled.wait()  # until a sign-in enrols this install
                continue
            lost: dict = {}
            try:
                async for event in self.client.events(token):
                    if event in ("ready", "changes"):
                        failures = 0
                        self._set(live=True)
                        self._feed_news.set()
            except (CoreUnavailable, CoreRefused) as exc:
                log.info("event stream: %s", exc)
                # The core cannot be reached, or went silent: say so now, not after the next
                # sync's timeout or poll. A stream the core ended itself (it is stopping) says
                # nothing yet: the reconnection that follows tells.
                lost = {"online": False, "last_error": str(exc)}
            if self._status.live:
                self._feed_news.set()  # changes may go unsignalled from now on: catch up, then poll
            self._set(live=False, **lost)
            failures += 1
            await asyncio.sleep(min(self.max_backoff, 0.5 * 2 ** min(failures, 6)))

    async def sync_once(self) -> bool:
        """Push, then pull until the feed has nothing more. True when it all worked."""
        token = self.cache.get_meta("device_token")
        if token is None:
            self._feed_news.clear()  # nothing to do until an enrolment asks again
            self._outbox_news.clear()
            self._set(enrolled=False)
            return True
        async with self._cycle_lock:
            try:
                await self._push(token)
                await self._pull(token)
            except CoreUnavailable as exc:
                self._set(online=False, last_error=str(exc))
                return False
            except CoreRefused as exc:
                if exc.status == 401:
                    # The device was revoked: an associate must sign in online to enrol it again.
                    self.cache.set_meta(device_token=None)
                    self._set(enrolled=False)
                self._set(online=exc.status != 401, last_error=exc.message)
                return False
            self._set(online=True, last_error=None, last_sync_at=self.cache.get_meta("last_sync_at"),
                      pending=self.cache.pending_count())
            return True

    async def _push(self, token: str) -> None:
        while True:
            self._outbox_news.clear()  # an action taken after this read brings another sync
            batch = self.cache.pending(self.PUSH_BATCH)
            if not batch:
                return
            mutations = [
                {"id": m["id"], "type": m["type"], "staff": m["staff"], "fulfilment": m["fulfilment_id"],
                 "args": m["args"], "at": self._on_core_clock(m["created_at"])}
                for m in batch
            ]
            try:
                results = await self.client.push(token, mutations)
            except CoreRefused as exc:
                if exc.status != 422:
                    raise
                # One malformed intent refuses the whole batch: push them one by one,
                # so that it alone is refused and the rest keeps moving.
                results = [await self._push_alone(token, m) for m in mutations]
            await asyncio.to_thread(self.cache.record_results, results)

    async def _push_alone(self, token: str, mutation: dict) -> dict:
        try:
            return (await self.client.push(token, [mutation]))[0]
        except CoreRefused as exc:
            if exc.status != 422:
                raise
            return {"id": mutation["id"], "outcome": "rejected", "error": {"code": exc.code, "message": exc.message}}

    async def _pull(self, token: str) -> None:
        """Pull pages until the feed has nothing more. The next page is fetched while
        this one is written to the cache; each page is written with its cursor."""
        cursor = self.cache.get_meta("cursor")
        fetch: asyncio.Future | None = self._fetch(token, cursor)
        try:
            while fetch is not None:
                try:
                    page, clock_offset = await fetch
                except CoreRefused as exc:
                    if exc.code != "cursor_expired" or cursor is None:
                        raise
                    # Too far behind the core's history: take a new snapshot.
                    cursor = None
                    self.cache.set_meta(cursor=None)
                    fetch = self._fetch(token, None)
                    continue
                cursor = page["cursor"]
                fetch = self._fetch(token, cursor) if page["more"] else None
                await asyncio.to_thread(self.cache.apply_page, page, clock_offset)
        finally:
            if fetch is not None and not fetch.done():
                fetch.cancel()

    def _fetch(self, token: str, cursor: str | None) -> asyncio.Future:
        """Ask for the page after `cursor`: it holds every change announced until now."""
        self._feed_news.clear()
        return asyncio.ensure_future(self._page(token, cursor))

    async def _page(self, token: str, cursor: str | None) -> tuple[dict, float | None]:
        """The page after `cursor`, and how far the core's clock is ahead of this device's, in
        seconds: the core's time in the page against ours half-way through the round trip (None
        from a core that does not say its time yet: the offset measured before stands)."""
        asked = self.clock()
        page = await self.client.pull(token, cursor, self.PAGE)
        answered = self.clock()
        if not page.get("now"):
            return page, None
        return page, (datetime.fromisoformat(page["now"]) - (asked + (answered - asked) / 2)).total_seconds()
