"""Per-process caches of what every order needs and what changes rarely:
the locations, how busy they are, the routing profile."""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Select
from sqlalchemy.pool import Pool
from sqlmodel import Session

from ..core.db import database_of

T = TypeVar("T")


class ProcessCache(Generic[T]):
    """A value each process keeps per database engine, looked at again at most
    every `check_every_s`: read again when `stamp` (a cheap query) has changed,
    or every time when there is no stamp. Other processes' changes show within
    that delay; this process's own changes show at once (`forget`, `change`).

    One thread looks again while the others go on with the kept value: under load
    several request threads found it stale at once and each read it again (how
    busy the locations are was read 19 times in 30 s where two workers need 12)."""

    def __init__(self, load: Callable[[Session], T], stamp: Select | None = None, check_every_s: float = 1.0) -> None:
        self._load = load
        self._stamp = stamp
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        # Kept per database: an engine and its read-only view (db.reader) share one entry.
        self._entries: WeakKeyDictionary[Pool, tuple[float, tuple | None, T]] = WeakKeyDictionary()
        self._looking: WeakKeyDictionary[Pool, bool] = WeakKeyDictionary()  # a thread is reading it again

    def get(self, session: Session) -> T:
        database = database_of(session.get_bind())
        entry = self._entries.get(database)
        now = time.monotonic()
        if entry is not None and now < entry[0]:
            return entry[2]
        with self._lock:
            if entry is not None and self._looking.get(database):
                return entry[2]
            self._looking[database] = True
        try:
            stamp = tuple(session.execute(self._stamp).one()) if self._stamp is not None else None
            if entry is not None and stamp is not None and entry[1] == stamp:
                value = entry[2]
            else:
                value = self._load(session)
            with self._lock:
                self._entries[database] = (now + self.check_every_s, stamp, value)
        finally:
            with self._lock:
                self._looking.pop(database, None)
        return value

    def change(self, session: Session, edit: Callable[[T], T]) -> None:
        """Apply a change this process made to the kept value (a new value: readers may hold the old one)."""
        database = database_of(session.get_bind())
        with self._lock:
            entry = self._entries.get(database)
            if entry is not None:
                self._entries[database] = (entry[0], entry[1], edit(entry[2]))

    def forget(self) -> None:
        """This process changed what is kept: read it again on next use."""
        with self._lock:
            self._entries.clear()
