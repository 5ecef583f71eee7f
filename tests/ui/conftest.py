"""The store app's logic against the real core in process (no browser)."""

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest

from app.store import StoreApp
from app.work import Work
from local_db.engine import device_clock
from tests.api.conftest import Core, core, network  # noqa: F401


class Shop:
    """A store app install (LYS-01) signed in, with helpers to sync and act."""

    def __init__(self, network: Core, tmp_path, clock: Callable[[], datetime] = device_clock) -> None:  # noqa: ANN001
        self.core = network
        self.app = StoreApp("http://core", tmp_path, transport=httpx.ASGITransport(app=network.client.app), live=False,
                            clock=clock)
        self.work = Work(self.app)
        network.add_staff("LYS-01", "S001", "1234")
        self.associate = self.run(self.app.sign_in("LYS-01", "S001", "1234"))

    def run(self, coro):  # noqa: ANN001, ANN201
        return asyncio.run(coro)

    def sync(self) -> None:
        assert self.run(self.app.engine.sync_once()), self.app.engine.status.last_error

    def order(self, lines, **kw) -> str:  # noqa: ANN001
        order = self.core.place(lines, **kw)
        self.sync()
        return next(f["id"] for f in order["fulfilments"] if f["location"] == "LYS-01")


@pytest.fixture
def shop(network, tmp_path) -> Shop:
    shop = Shop(network, tmp_path)
    yield shop
    shop.app.cache.close()


@pytest.fixture
def in_paris(monkeypatch):
    """The store's device is set to Paris time (UTC+1 in winter, +2 in summer): its `today`
    starts at the local midnight."""
    yield from _device_zone(monkeypatch, "Europe/Paris")


@pytest.fixture
def on_a_utc_machine(monkeypatch):
    """The machine running the store app (the store PC or a server, in web mode) is set to UTC,
    while the network's routing profile says Europe/Paris."""
    yield from _device_zone(monkeypatch, "UTC")


def _device_zone(monkeypatch, zone: str):  # noqa: ANN001, ANN202
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
