"""Ranking criteria applied in order, with tolerances, on hand-made plans."""

from types import SimpleNamespace

import pytest

from oms_core.domain.orchestration.criteria import Criterion, parse_ranking, rank
from oms_core.domain.orchestration.reading import Fields, Problems


def plan(codes, *, served=2, cost=10.0, distance_km=100.0, carbon_kg=1.0, stock_left=5, backlog=0.0,
         reject_rate=0.0):
    return SimpleNamespace(codes=tuple(codes), parcels=len(codes), served=served, cost=cost, distance_km=distance_km,
                           carbon_kg=carbon_kg, stock_left=stock_left, backlog=backlog, reject_rate=reject_rate)


def winner(plans, *ranking):
    return rank(plans, ranking)[0].plan.codes


def test_the_first_criterion_decides_outside_its_tolerance():
    cheap_but_rejecting = plan(["A"], cost=10.0, reject_rate=0.4)
    dearer = plan(["B"], cost=10.6, reject_rate=0.0)
    ranking = (Criterion("cost", 0.5), Criterion("reject_rate"))
    assert winner([cheap_but_rejecting, dearer], *ranking) == ("A",)


def test_within_the_tolerance_the_next_criterion_decides():
    cheap_but_rejecting = plan(["A"], cost=10.0, reject_rate=0.4)
    dearer = plan(["B"], cost=10.4, reject_rate=0.0)
    ranked = rank([cheap_but_rejecting, dearer], (Criterion("cost", 0.5), Criterion("reject_rate")))
    assert ranked[0].plan.codes == ("B",)
    assert ranked[0].verdict == "chosen: cost 10.00, reject_rate 0%"
    assert ranked[1].verdict == "reject_rate 40%, best 0%"


def test_tolerances_chain_through_three_criteria():
    plans = [
        plan(["A"], distance_km=100, backlog=0.5, carbon_kg=1.0),
        plan(["B"], distance_km=104, backlog=0.2, carbon_kg=2.0),
        plan(["C"], distance_km=108, backlog=0.25, carbon_kg=0.5),  # beyond 5 km of A
        plan(["D"], distance_km=103, backlog=0.25, carbon_kg=0.9),
    ]
    ranking = (Criterion("distance", 5), Criterion("backlog", 0.1), Criterion("carbon"))
    # Distance keeps A, B, D; backlog (best 0.2, +0.1) keeps B, D; carbon picks D.
    ranked = rank(plans, ranking)
    assert [r.plan.codes[0] for r in ranked[:1]] == ["D"]
    verdicts = {r.plan.codes[0]: r.verdict for r in ranked}
    assert verdicts["C"] == "distance 108.0 km, best 100.0 km + 5"
    assert verdicts["A"] == "backlog 50% of a day's capacity, best 20% of a day's capacity + 0.1"
    assert verdicts["B"] == "carbon 2.00 kg CO2e, best 0.90 kg CO2e"


def test_stock_level_prefers_the_deeper_stock():
    assert winner([plan(["A"], stock_left=0), plan(["B"], stock_left=12)], Criterion("stock_level")) == ("B",)
    assert winner([plan(["A"], stock_left=10), plan(["B"], stock_left=12, cost=9)],
                  Criterion("stock_level", 2), Criterion("cost")) == ("B",)


def test_serving_more_units_beats_any_criterion():
    ranked = rank([plan(["A"], served=1, cost=1), plan(["B", "C"], served=2, cost=50)], (Criterion("cost"),))
    assert ranked[0].plan.codes == ("B", "C")
    assert ranked[1].verdict == "serves 1 units, another plan serves 2"


def test_ties_go_to_fewer_parcels_then_lower_cost_then_code():
    ranking = (Criterion("distance", 1000),)
    assert winner([plan(["A", "B"], cost=9), plan(["C"], cost=10)], *ranking) == ("C",)
    assert winner([plan(["D"], cost=10), plan(["C"], cost=9.5)], *ranking) == ("C",)
    assert winner([plan(["D"]), plan(["C"])], *ranking) == ("C",)


def test_ranking_is_read_with_its_paths():
    problems = Problems()
    fields = Fields({"rank": [{"by": "cost", "tolerance": -1}, {"by": "speed"}, {"by": "cost"}, {"by": "distance", "x": 1}]},
                    "rule_sets[0]", problems)
    parse_ranking(fields, "rank", problems)
    assert [(p["field"], p["message"]) for p in problems.found] == [
        ("rule_sets[0].rank[0].tolerance", "must be a number from 0 to 1e+06"),
        ("rule_sets[0].rank[1].by", "must be one of cost, distance, carbon, stock_level, backlog, reject_rate"),
        ("rule_sets[0].rank[2].by", "cost is already ranked above"),
        ("rule_sets[0].rank[3].x", "is not a field here"),
    ]


@pytest.mark.parametrize("body", [[], "cost", [{"by": "cost"}] * 7])
def test_a_ranking_needs_one_to_six_criteria(body):
    problems = Problems()
    parse_ranking(Fields({"rank": body}, "r", problems), "rank", problems)
    assert problems.found[0]["field"] == "r.rank"
