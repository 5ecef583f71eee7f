from contract.fulfilment import FulfilmentStatus as S
from oms_core.domain.orders import OrderStatus as O
from oms_core.domain.orders import demand_by_sku, order_status, unfulfilled_by_sku


def test_same_sku_on_several_lines_is_one_summed_demand():
    assert demand_by_sku([("A", 1), ("B", 2), ("A", 3)]) == {"A": 4, "B": 2}


def test_released_fulfilments_leave_their_units_unfulfilled():
    fulfilments = [(S.REJECTED, {"A": 2}), (S.ASSIGNED, {"A": 1})]
    assert unfulfilled_by_sku({"A": 3}, fulfilments) == {"A": 2}


def test_status_follows_the_fulfilments():
    demand = {"A": 2}
    assert order_status(False, demand, []) is O.UNFULFILLED
    assert order_status(False, demand, [(S.ASSIGNED, {"A": 2})]) is O.ALLOCATED
    assert order_status(False, demand, [(S.PICKING, {"A": 1})]) is O.PARTIALLY_ALLOCATED
    assert order_status(False, demand, [(S.SHIPPED, {"A": 1}), (S.PACKED, {"A": 1})]) is O.ALLOCATED
    assert order_status(False, demand, [(S.SHIPPED, {"A": 1}), (S.COLLECTED, {"A": 1})]) is O.COMPLETED
    assert order_status(False, demand, [(S.SHIPPED, {"A": 1}), (S.REJECTED, {"A": 1})]) is O.PARTIALLY_COMPLETED
    assert order_status(False, demand, [(S.REJECTED, {"A": 2})]) is O.UNFULFILLED
    assert order_status(True, demand, [(S.CANCELLED, {"A": 2})]) is O.CANCELLED
