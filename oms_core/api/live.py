"""Live change signals for the store apps' event streams.

A store's open `GET /sync/events` streams are woken as soon as changes for
that store are numbered: by this worker directly, and on PostgreSQL by any
worker through LISTEN/NOTIFY (the sequencer notifies in its transaction).
A signal only says "pull now"; it carries no data, so a doubled signal costs
at most one extra pull. Signals sent while a worker's listener was cut off
are lost: once it is back, it wakes every stream it holds, so a tablet that
stayed connected to that worker misses nothing and need not poll often.
"""

import asyncio
import json
import logging
import signal
import threading

import psycopg
from sqlalchemy import Engine

from ..services import changes

log = logging.getLogger("backroom.live")


class LiveChanges:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._streams: dict[str, set[asyncio.Queue]] = {}
        self._stop = threading.Event()
        self.listening = threading.Event()  # the listener hears other workers' changes
        # The worker is stopping: streams end, so that it need not wait out its
        # grace period for them, and their tablets reconnect to another worker.
        self.closing = False
        self._unhook = lambda: None

    def start(self, engine: Engine) -> None:
        self._loop = asyncio.get_running_loop()
        self._unhook = changes.on_sequenced(self.publish)
        if engine.dialect.name == "postgresql":
            url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            threading.Thread(target=self._listen, args=(url,), name="live-changes", daemon=True).start()

    def close_streams_on_exit_signal(self) -> None:
        """Chain onto the server's SIGTERM/SIGINT handler: the server then stops
        accepting and waits for the requests in flight, streams included, and
        it tells the application nothing until they are all done."""
        if threading.current_thread() is not threading.main_thread():
            return  # signals are only caught on the main thread (not under a test client)
        for number in (signal.SIGTERM, signal.SIGINT):
            server_handler = signal.getsignal(number)
            if not callable(server_handler):
                continue

            def close_then_stop(sig: int, frame: object, server_handler=server_handler) -> None:  # noqa: ANN001
                self.close_streams()
                server_handler(sig, frame)

            signal.signal(number, close_then_stop)

    def close_streams(self) -> None:
        self.closing = True
        self.publish({changes.NETWORK})  # every stream wakes and sees it is closing

    def stop(self) -> None:
        self._stop.set()
        self._unhook()

    def subscribe(self, store: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(maxsize=1)
        self._streams.setdefault(store, set()).add(queue)
        return queue

    def unsubscribe(self, store: str, queue: asyncio.Queue) -> None:
        self._streams.get(store, set()).discard(queue)

    def publish(self, scopes: set[str]) -> None:
        """Thread-safe: called from request threads and the listener."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake, frozenset(scopes))

    def _wake(self, scopes: frozenset[str]) -> None:
        stores = self._streams.keys() if changes.NETWORK in scopes else scopes
        for store in list(stores):
            for queue in self._streams.get(store, ()):
                if queue.empty():  # a pending signal already says "pull now"
                    queue.put_nowait(True)

    def _listen(self, url: str) -> None:
        backoff, reconnecting = 0.5, False
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {changes.NOTIFY_CHANNEL}")
                    backoff = 0.5
                    self.listening.set()
                    if reconnecting:
                        self.publish({changes.NETWORK})  # what was said meanwhile is lost: pull once
                    reconnecting = True
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=1.0):
                            self.publish(set(json.loads(notice.payload)))
            except (psycopg.Error, OSError, ValueError) as exc:
                self.listening.clear()
                if self._stop.is_set():
                    return
                log.warning("live changes listener: %s; reconnecting", exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30)
