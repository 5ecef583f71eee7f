"""The store app's process-wide part: what the screens are told to draw again."""

import asyncio

from tests.api.conftest import TEE


async def _settled() -> None:
    """Let the callbacks already queued on the loop run (a sync's news comes through it)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_soon(done.set_result, None)
    await done


def test_screens_are_told_of_what_a_sync_brings_not_of_every_sync(shop, network):
    """Every screen that shows data is drawn again when told: an idle tablet's polls, and the
    sync its own actions' live events bring, bring nothing, so they must not draw anything."""
    shop.sync()

    async def scenario() -> list[set[str]]:
        heard: list[set[str]] = []
        stop = shop.app.watch(heard.append)
        try:
            assert await shop.app.engine.sync_once()
            await _settled()
            assert heard == [], "a sync that brought nothing drew the screens again"
            network.place([(TEE, 1)])
            assert await shop.app.engine.sync_once()
            await _settled()
            return heard
        finally:
            stop()

    heard = shop.run(scenario())
    assert any("fulfilment" in kinds for kinds in heard), heard
