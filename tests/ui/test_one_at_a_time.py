"""The guard against a second tap while the first is on its way (app/views/context.py)."""

import asyncio

import pytest
from flet.utils.object_model import get_param_count

from app.views.context import OneAtATime


def test_a_second_tap_while_the_first_is_on_its_way_does_nothing():
    runs: list[str] = []

    async def taps() -> list:
        answered = asyncio.Event()

        async def tapped() -> str:
            runs.append("sent")
            await answered.wait()  # on its way to the core: the other taps come in meanwhile
            return "done"

        async def core_answers() -> None:
            answered.set()

        once = OneAtATime()(tapped)
        said = await asyncio.gather(once(), once(), core_answers())
        return [*said[:2], await once()]  # answered: the next tap goes

    assert asyncio.run(taps()) == ["done", None, "done"]
    assert runs == ["sent", "sent"]


def test_a_tap_that_failed_does_not_block_the_next():
    guard = OneAtATime()
    runs: list[int] = []

    async def failing() -> None:
        runs.append(1)
        raise RuntimeError("the line dropped")

    with pytest.raises(RuntimeError):
        asyncio.run(guard(failing)())
    with pytest.raises(RuntimeError):
        asyncio.run(guard(failing)())
    assert runs == [1, 1] and not guard.busy


def test_flet_hands_the_guarded_handler_the_event_only_if_the_action_takes_one():
    async def no_event() -> None: ...

    async def with_code(code: str) -> None: ...

    assert get_param_count(OneAtATime()(no_event)) == 0
    assert get_param_count(OneAtATime()(with_code)) == 1
