"""What a screen follows. Two observables, so that each part of the screen
renders again only when what it shows has changed:

- `Shift`: who is signed in on this screen, and the new orders announced to
  them. Changes rarely; the root follows it. An offline sign-in becomes an
  online one here once the core answers again.
- `Feed`: a revision that moves whenever the cache or the sync state change,
  and the clock the countdowns read. Screens that show data follow it.
"""

import time
from dataclasses import dataclass, field

import flet as ft

from contract.errors import Unauthorized

from .insights import HeadOffice
from .store import Associate, StoreApp
from .work import Feedback, Tone, Work


@ft.observable
@dataclass(eq=False)  # observables compare by identity (see Flet's ComponentOwned)
class Shift:
    store: StoreApp
    work: Work
    associate: Associate | None = None
    new_orders: list[str] = field(default_factory=list)
    head_office: HeadOffice | None = None  # signed in with an admin key instead (kept in memory only)
    # What the next screen must tell: an action that ends on another screen (a rejected order's
    # queue), a session the core ended (the sign-in screen).
    notice: Feedback | None = None
    _signing_in_online: bool = field(default=False, init=False, repr=False)  # one try at a time

    async def sign_in_online(self) -> None:
        """Once the core answers again, an offline sign-in becomes an online one, so that what
        needs the core (manager screens, exports, search) works without signing out and in.

        If the core refuses the PIN the offline sign-in checked, the associate is signed out
        and the sign-in screen says why. A store would rather that than keep the session: the
        core decides who works here, and a PIN is changed there because it leaked or its owner
        left; what was done offline stays in the outbox and is sent either way."""
        associate = self.associate
        if associate is None or associate.token or self._signing_in_online or not self.store.engine.status.online:
            return
        self._signing_in_online = True
        try:
            online, refused = await self.store.sign_in_online(associate), None
        except Unauthorized as exc:
            online, refused = None, Feedback(Tone.WARNING, exc.message)
        finally:
            self._signing_in_online = False
        if self.associate is not associate:
            return  # signed out (or in as someone else) meanwhile
        if refused is not None:
            self.notice = refused
        self.associate = online


@ft.observable
@dataclass(eq=False)
class Feed:
    revision: int = 0
    now: float = field(default_factory=time.time)

    def changed(self) -> None:
        self.revision += 1

    def tick(self) -> None:
        self.now = time.time()
