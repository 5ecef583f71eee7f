"""The store app's process-wide part: one cache, one sync engine and one core
client per process, whatever the number of screens (in web mode every tablet
of the store is a session of this process). No Flet here: screens call it.

An install serves one store: the first associate who signs in online enrols
it for their store, and from then on only that store's staff sign in here.
"""

import asyncio
import contextvars
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import httpx

from contract.errors import DomainError, Forbidden, InvalidInput, Unauthorized
from contract.money import DEFAULT_CURRENCY
from contract.reasons import REJECT_REASONS
from local_db.cache import LocalCache
from local_db.client import CoreClient, CoreRefused, CoreUnavailable
from local_db.engine import SyncEngine, SyncStatus, device_clock

from .dates import StoreTime
from .documents import Documents


@dataclass(frozen=True)
class Associate:
    store: str
    code: str
    name: str
    role: str
    token: str | None  # None when signed in offline (the core could not be reached)
    # An offline sign-in keeps the PIN it checked, in memory only, to sign in online
    # once the core answers again (StoreApp.sign_in_online); None once online.
    pin: str | None = field(default=None, repr=False)

    @property
    def is_manager(self) -> bool:
        return self.role == "manager"


class StoreApp:
    def __init__(self, core_url: str, data_dir: Path, *, transport: httpx.AsyncBaseTransport | None = None,
                 live: bool = True, clock: Callable[[], datetime] = device_clock) -> None:
        self.core_url = core_url
        self.clock = clock
        self.cache = LocalCache(Path(data_dir) / "store.db")
        self.client = CoreClient(core_url, transport=transport)
        self.engine = SyncEngine(self.cache, self.client, live=live, clock=clock)
        self.documents = Documents()
        self._started = False
        self._network: dict[str, dict] | None = None  # as kept on the device, once looked at
        self._network_read = False  # read from the core once per process: names and places hardly change

    # --- lifetime -------------------------------------------------------------

    def start(self) -> None:
        """Start syncing in the running event loop (once per process)."""
        if not self._started:
            self._started = True
            self.engine.start()

    async def stop(self) -> None:
        if self._started:
            await self.engine.stop()
        await self.client.aclose()
        self.cache.close()

    def watch(self, on_change: Callable[[set[str]], None]) -> Callable[[], None]:
        """`on_change(kinds)` whenever the cache or the sync state change: in the
        running loop and in the caller's context (a screen's updates belong to its page)."""
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()

        def later(kinds: set[str]) -> None:
            loop.call_soon_threadsafe(on_change, kinds, context=context)

        shown = replace(self.engine.status, last_sync_at=None)

        def sync_changed(status: SyncStatus) -> None:
            # The time of the last sync moves at every sync, even one that brought nothing;
            # the badge reads it whenever it is drawn (the clock draws every 15 s), so it
            # alone draws nothing.
            nonlocal shown
            news = replace(status, last_sync_at=None)
            if news != shown:
                shown = news
                later({"sync"})

        stop_cache = self.cache.subscribe(later)
        stop_sync = self.engine.subscribe(sync_changed)

        def stop() -> None:
            stop_cache()
            stop_sync()

        return stop

    # --- who works here -----------------------------------------------------

    @property
    def store_code(self) -> str | None:
        """The store this install serves (set when it was enrolled)."""
        return self.cache.get_meta("store")

    def work_here(self, statuses: list[str] | None = None) -> list[dict]:
        """The fulfilments this store prepares, as associates see them: not the parcels other
        locations prepare and ship here for collection (the counter's arrivals)."""
        return self.cache.fulfilments(statuses, location=self.store_code)

    async def sign_in(self, store: str, code: str, pin: str) -> Associate:
        """Online when the core answers (and remember a verifier for offline
        sign-ins); offline against that verifier when it does not."""
        store, code = store.strip().upper(), code.strip().upper()
        if self.store_code and store != self.store_code:
            raise Forbidden("other_store", f"this device serves {self.store_code}")
        try:
            answer = await self.client.sign_in(store, code, pin)
        except CoreUnavailable:
            known = self.cache.verify_staff(store, code, pin)
            if known is None:
                raise Unauthorized(
                    "offline_unknown",
                    "the system cannot be reached and this PIN was never used on this device: sign in once online",
                ) from None
            return Associate(store, code, known["name"], known["role"], token=None, pin=pin)
        except CoreRefused as exc:
            if exc.code == "bad_credentials":
                self.cache.forget_staff(store, code, pin)  # a PIN the core refuses opens nothing here
            raise _domain(exc) from None
        self.cache.remember_staff(store, code, answer["name"], answer["role"], pin)
        if self.cache.get_meta("device_token") is None:
            try:
                await self.engine.enrol(answer["access_token"], name=f"{store} store app")
            except CoreUnavailable as exc:
                # Signed in, but a device that is not enrolled cannot sync what is done on it.
                raise DomainError("not_enrolled", f"The PIN is right, but this device could not enrol with the "
                                                  f"system ({exc}): sign in again") from None
            except CoreRefused as exc:
                raise _domain(exc) from None
            self.cache.set_meta(store=store)
        try:  # the network's names, for the screens that also show them offline
            await self.know_network(answer["access_token"])
        except (CoreUnavailable, CoreRefused):
            pass  # codes until the next sign-in or the endless aisle reads them
        return Associate(store, code, answer["name"], answer["role"], token=answer["access_token"])

    async def sign_in_online(self, associate: Associate) -> Associate:
        """An offline sign-in, signed in online with the PIN it checked, once the core answers:
        the associate with a token, or as they were while the core still cannot be reached.
        Raises Unauthorized, saying so plainly, when the core refuses that PIN (changed on
        the core meanwhile, or the account closed); any other refusal leaves them offline."""
        if associate.token or associate.pin is None:
            return associate
        try:
            return await self.sign_in(associate.store, associate.code, associate.pin)
        except Unauthorized:
            raise Unauthorized(
                "offline_pin_refused",
                "You are signed out: the system refused the PIN you signed in with offline; it may have been changed "
                "meanwhile. What you did is kept on this device: sign in again with your current PIN",
            ) from None
        except DomainError:
            return associate  # not a verdict on the PIN (the core throttles, say): still offline, tried again later

    async def sign_out(self, associate: Associate) -> None:
        if associate.token:
            try:
                await self.client.request("DELETE", "/auth/token", associate.token)
            except (CoreUnavailable, CoreRefused):
                pass  # the token expires by itself; the screen is cleared either way

    # --- lists the core provides ---------------------------------------------

    async def reject_reasons(self, associate: Associate) -> dict[str, str]:
        """The core's list, remembered for offline use; the built-in list before the first answer."""
        if associate.token:
            try:
                reasons = (await self.client.request("GET", "/reasons", associate.token))["reject"]
                self.cache.set_meta(reject_reasons=json.dumps(reasons))
                return reasons
            except (CoreUnavailable, CoreRefused):
                pass
        remembered = self.cache.get_meta("reject_reasons")
        return json.loads(remembered) if remembered else dict(REJECT_REASONS)

    @property
    def currency(self) -> str:
        """The network's currency, as the last sync said (prices shown before any sync: the default)."""
        return self.cache.get_meta("currency") or DEFAULT_CURRENCY

    @property
    def time(self) -> StoreTime:
        """The store's clock and calendar, in the network's time zone as the last sync said (a
        change head office makes reaches the device with its next sync); the device's own zone
        before a first sync. Every store day and every time shown is counted by it."""
        return StoreTime.named(self.cache.get_meta("timezone"), self.clock)

    # --- the network's locations ------------------------------------------------

    @property
    def network(self) -> dict[str, dict]:
        """The network's locations by code (name, lat, lon) as last read from the core, kept on
        the device for offline screens; empty until read once."""
        if self._network is None:
            kept = self.cache.get_meta("network")
            self._network = json.loads(kept) if kept else {}
        return self._network

    async def know_network(self, token: str) -> dict[str, dict]:
        if not self._network_read:
            locations = await self.client.locations(token)
            self._network = {location["code"]: {"name": location.get("name"), "lat": location.get("lat"),
                                                "lon": location.get("lon")} for location in locations}
            self.cache.set_meta(network=json.dumps(self._network))
            self._network_read = True
        return self.network

    # --- the store's pause switch (its manager's) --------------------------------

    async def set_paused(self, associate: Associate, paused: bool) -> "PauseAnswer":
        """Pause the store (routing sends it no new orders) or let it take orders again.
        Answers how the switch stands now and what to tell the manager: when the core
        refuses or cannot be reached, it stands as it was."""
        store = place_name(associate.store, self.network)
        doing = "pause" if paused else "take orders again for"
        still = f"{store} {'still takes orders' if paused else 'is still paused'}"
        if not associate.token:
            return PauseAnswer(not paused, False, f"Could not {doing} {store}: you signed in offline. {still}; "
                                                  "try again when the badge no longer says Offline")
        try:
            body = await self.client.request("PATCH", f"/locations/{associate.store}/operations", associate.token,
                                             json={"paused": paused})
        except CoreUnavailable:
            return PauseAnswer(not paused, False, f"Could not {doing} {store}: the system cannot be reached. {still}; "
                                                  "try again when the badge no longer says Offline")
        except CoreRefused as exc:
            return PauseAnswer(not paused, False, f"Could not {doing} {store}: {exc.message}. {still}")
        self.engine.request_sync()  # every screen of the store shows it once the change comes back
        now = bool(body["paused"])
        return PauseAnswer(now, True, f"{store} is paused: the network sends it no new orders until you switch "
                                      "this off" if now else f"{store} takes new orders again")

    # --- settings kept on this device ----------------------------------------

    def printer(self) -> tuple[str, int] | None:
        address = self.cache.get_meta("printer")
        return printer_address(address) if address else None

    def set_printer(self, address: str) -> None:
        """Keep the label printer's address ("host" or "host:port"); empty means none."""
        address = address.strip()
        if address:
            printer_address(address)  # refuse what could never be reached
        self.cache.set_meta(printer=address or None)


@dataclass(frozen=True)
class PauseAnswer:
    paused: bool  # how the switch stands now
    done: bool  # False: the core refused or could not be reached, and nothing changed
    message: str


class PauseSwitch:
    """How the manager's pause switch stands: as the store's location in the cache says (a pause
    made on another tablet reaches it with the sync). Just after a tap it shows the core's answer
    until the sync brings the location back changed: drawn from the cache meanwhile, it would
    flick back to how it stood before the tap."""

    def __init__(self) -> None:
        self._answer: tuple[bool, dict | None] | None = None  # the core's answer, and the location cached then

    def shows(self, location: dict | None) -> bool:
        if self._answer is not None and self._answer[1] != location:
            self._answer = None  # the sync brought the location: it says how things stand now
        return self._answer[0] if self._answer is not None else bool((location or {}).get("paused"))

    def answered(self, answer: PauseAnswer, location: dict | None) -> None:
        self._answer = (answer.paused, location)


def place_name(code: str, network: dict[str, dict]) -> str:
    """A location as people call it (its code until the network's names are known)."""
    return (network.get(code) or {}).get("name") or code


def paused_notice(location: dict | None) -> str | None:
    """What every associate of a paused store must know (None when it takes orders)."""
    if not (location or {}).get("paused"):
        return None
    return (f"{location.get('name') or location.get('code')} is paused: the network sends it no new orders. "
            "Orders already here are still to be prepared; a manager switches the pause off in Manager")


def printer_address(address: str) -> tuple[str, int]:
    host, colon, port = address.strip().rpartition(":")
    if not colon:
        host, port = address.strip(), "9100"
    if not host or " " in host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidInput("bad_printer_address", f"{address!r} is not a printer address: give host or host:port")
    return host, int(port)


def _domain(exc: CoreRefused) -> DomainError:
    kind = {401: Unauthorized, 403: Forbidden}.get(exc.status, DomainError)
    error = kind(exc.code, exc.message, **exc.details)
    error.status = exc.status
    return error
