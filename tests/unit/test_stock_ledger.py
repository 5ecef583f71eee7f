"""Property: whatever happens to stock, the service does exactly what a simple
model of the rules says, the ledger sums to the stock row, and available to
promise is on hand - reserved - safety, never below zero. Runs the real stock
service on a real SQLite database."""

from dataclasses import dataclass

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import func, select

from oms_core.core.db import make_engine, session_scope
from oms_core.models import Location, Product, Stock, StockMovement
from oms_core.services import stock
from oms_core.services.stock import Count, Move, StockShortage

LOCATIONS = ["L1", "L2"]
SKUS = ["A", "B"]

pair = st.tuples(st.sampled_from(LOCATIONS), st.sampled_from(SKUS))
operation = st.one_of(
    st.tuples(st.sampled_from(["receive", "remove", "reserve", "release", "ship"]), pair,
              st.integers(min_value=1, max_value=8)),
    st.tuples(st.just("count"), pair, st.integers(min_value=0, max_value=20)),
    st.tuples(st.just("safety"), pair, st.integers(min_value=0, max_value=5)),
)


@dataclass
class Row:
    on_hand: int = 0
    reserved: int = 0
    safety: int = 0

    def allows(self, op: str, n: int) -> bool:
        return {
            "remove": self.on_hand - n >= self.reserved,
            "reserve": self.on_hand - self.reserved - self.safety >= n,
            "release": self.reserved >= n,
            "ship": self.on_hand >= n and self.reserved >= n,
        }.get(op, True)

    def apply(self, op: str, n: int) -> None:
        match op:
            case "receive": self.on_hand += n
            case "remove": self.on_hand -= n
            case "reserve": self.reserved += n
            case "release": self.reserved -= n
            case "ship": self.on_hand, self.reserved = self.on_hand - n, self.reserved - n
            case "count": self.on_hand = n
            case "safety": self.safety = n


def _run(engine, op, location, sku, n, model: Row) -> bool:
    moves = {
        "receive": Move(location, sku, on_hand_delta=n, kind="receipt"),
        "remove": Move(location, sku, on_hand_delta=-n, kind="adjustment"),
        "reserve": Move(location, sku, reserved_delta=n, kind="reserve"),
        "release": Move(location, sku, reserved_delta=-n, kind="release"),
        "ship": Move(location, sku, on_hand_delta=-n, reserved_delta=-n, kind="ship"),
    }
    try:
        with session_scope(engine) as session:
            if op == "count":
                stock.count(session, [Count(location, sku, n)], "prop")
            elif op == "safety":
                stock.count(session, [Count(location, sku, model.on_hand, n)], "prop")
            else:
                stock.apply(session, [moves[op]], "prop")
        return True
    except StockShortage:
        return False


def _books(engine) -> dict:
    with session_scope(engine) as session:
        ledger = {
            (r.location, r.sku): (r.on_hand, r.reserved)
            for r in session.execute(
                select(StockMovement.location, StockMovement.sku,
                       func.sum(StockMovement.on_hand_delta).label("on_hand"),
                       func.sum(StockMovement.reserved_delta).label("reserved"))
                .group_by(StockMovement.location, StockMovement.sku)
            )
        }
        rows = {}
        for r in session.execute(
            select(Stock.location, Stock.sku, Stock.on_hand, Stock.reserved, Stock.safety, stock.ATP.label("atp"))
        ):
            assert ledger.get((r.location, r.sku), (0, 0)) == (r.on_hand, r.reserved), "ledger != stock row"
            assert r.atp == max(0, r.on_hand - r.reserved - r.safety) >= 0
            rows[(r.location, r.sku)] = Row(r.on_hand, r.reserved, r.safety)
        return rows


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=25))
def test_stock_follows_the_rules_and_the_ledger_balances(settings, operations):
    engine = make_engine(settings)
    with session_scope(engine) as session:
        if session.get(Location, "L1") is None:
            for code in LOCATIONS:
                session.add(Location(code=code, name=code, type="store", lat=48.0, lon=2.0))
            for sku in SKUS:
                session.add(Product(sku=sku, name=sku, price=1))
    model = _books(engine)  # examples share the database: start from what is there
    for op, (location, sku), n in operations:
        row = model.setdefault((location, sku), Row())
        expected = row.allows(op, n)
        assert _run(engine, op, location, sku, n, row) is expected, (op, n, row)
        if expected:
            row.apply(op, n)
        assert _books(engine).get((location, sku), Row()) == row
    engine.dispose()
