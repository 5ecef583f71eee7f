"""Every (status, action, delivery, pick completeness) of the fulfilment state
machine, checked against the diagram of DESIGN.md written out by hand."""

import itertools

import pytest

from contract.errors import Conflict
from contract.fulfilment import Action as A
from contract.fulfilment import FulfilmentStatus as S
from contract.fulfilment import next_status

OPEN = [S.ASSIGNED, S.ACCEPTED, S.PICKING, S.PICKED, S.PACKED, S.READY_FOR_PICKUP]

# For both delivery methods: (status, action) -> target.
ANY_METHOD = {
    (S.ASSIGNED, A.ACCEPT): S.ACCEPTED,
    (S.ASSIGNED, A.EXPIRE): S.EXPIRED,
    **{(s, A.REJECT): S.REJECTED for s in (S.ASSIGNED, S.ACCEPTED, S.PICKING, S.PICKED)},
    **{(s, A.CANCEL): S.CANCELLED for s in OPEN},
}
HOME = {(S.PICKED, A.PACK): S.PACKED, (S.PACKED, A.SHIP): S.SHIPPED}
PICKUP = {(S.PICKED, A.READY): S.READY_FOR_PICKUP, (S.READY_FOR_PICKUP, A.COLLECT): S.COLLECTED}
class Refused(str):
    """A refusal code (FulfilmentStatus values are strings too, hence a type of its own)."""


RESULT = {A.ACCEPT: S.ACCEPTED, A.EXPIRE: S.EXPIRED, A.REJECT: S.REJECTED, A.CANCEL: S.CANCELLED,
          A.PACK: S.PACKED, A.SHIP: S.SHIPPED, A.READY: S.READY_FOR_PICKUP, A.COLLECT: S.COLLECTED}


def expected(status, action, collect_here, all_picked):
    """The target, None for a repeat (no-op), or the refusal code."""
    if action is A.PICK:
        if status is S.PICKED and all_picked:
            return None
        if status in (S.ACCEPTED, S.PICKING):
            return S.PICKED if all_picked else S.PICKING
        return Refused("invalid_transition")
    if RESULT[action] is status:
        return None
    if action in (A.PACK, A.SHIP) and collect_here:
        return Refused("wrong_delivery_method")
    if action in (A.READY, A.COLLECT) and not collect_here:
        return Refused("wrong_delivery_method")
    table = {**ANY_METHOD, **(PICKUP if collect_here else HOME)}
    return table.get((status, action), Refused("invalid_transition"))


CASES = list(itertools.product(list(S), list(A), [False, True], [False, True]))


@pytest.mark.parametrize("status,action,collect_here,all_picked", CASES)
def test_transition(status, action, collect_here, all_picked):
    want = expected(status, action, collect_here, all_picked)
    if isinstance(want, Refused):
        with pytest.raises(Conflict) as err:
            next_status(status, action, collect_here=collect_here, all_picked=all_picked)
        assert err.value.code == want
    else:
        assert next_status(status, action, collect_here=collect_here, all_picked=all_picked) is want


def test_the_table_covers_both_journeys():
    home = [S.ASSIGNED, S.ACCEPTED, S.PICKING, S.PICKED, S.PACKED, S.SHIPPED]
    steps = [(A.ACCEPT, False), (A.PICK, False), (A.PICK, True), (A.PACK, False), (A.SHIP, False)]
    for status, (action, done), target in zip(home, steps, home[1:]):
        assert next_status(status, action, collect_here=False, all_picked=done) is target
    assert next_status(S.PICKED, A.READY, collect_here=True) is S.READY_FOR_PICKUP
    assert next_status(S.READY_FOR_PICKUP, A.COLLECT, collect_here=True) is S.COLLECTED


def test_refusal_names_the_status_and_action():
    with pytest.raises(Conflict) as err:
        next_status(S.SHIPPED, A.ACCEPT, collect_here=False)
    assert err.value.details == {"status": "shipped", "action": "accept"}
    assert "shipped" in err.value.message
