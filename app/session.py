"""What a screen follows. Two observables, so that each part of the screen
renders again only when what it shows has changed:

- `Shift`: who is signed in on this screen, and the new orders announced to
  them. Changes rarely; the root follows it.
- `Feed`: a revision that moves whenever the cache or the sync state change,
  and the clock the countdowns read. Screens that show data follow it.
"""

import time
from dataclasses import dataclass, field

import flet as ft

from .insights import HeadOffice
from .store import Associate, StoreApp
from .work import Feedback, Work


@ft.observable
@dataclass(eq=False)  # observables compare by identity (see Flet's ComponentOwned)
class Shift:
    store: StoreApp
    work: Work
    associate: Associate | None = None
    new_orders: list[str] = field(default_factory=list)
    head_office: HeadOffice | None = None  # signed in with an admin key instead (kept in memory only)
    # What the next screen must tell: an action that ends on another screen (a rejected order's queue).
    notice: Feedback | None = None


@ft.observable
@dataclass(eq=False)
class Feed:
    revision: int = 0
    now: float = field(default_factory=time.time)

    def changed(self) -> None:
        self.revision += 1

    def tick(self) -> None:
        self.now = time.time()
