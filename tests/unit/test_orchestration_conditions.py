"""Rule set conditions: AND / OR / NOT over the order's attributes."""

import pytest

from oms_core.domain.orchestration.conditions import ALWAYS, parse_condition
from oms_core.domain.orchestration.reading import Problems

from .orchestration_network import order

WEB_FR = order({"A": 1}, channel="web", country="FR", value=120.0, tags=frozenset({"gift"}), customer_tier="gold")


def condition(body):
    problems = Problems()
    parsed = parse_condition(body, "when", problems)
    assert problems.found == []
    return parsed


@pytest.mark.parametrize(("body", "expected"), [
    ({"field": "channel", "op": "eq", "value": "web"}, True),
    ({"field": "channel", "op": "in", "value": ["app", "marketplace"]}, False),
    ({"field": "method", "op": "eq", "value": "click_collect"}, False),
    ({"field": "country", "op": "in", "value": ["FR", "BE"]}, True),
    ({"field": "customer_tier", "op": "eq", "value": "gold"}, True),
    ({"field": "value", "op": "gte", "value": 120}, True),
    ({"field": "value", "op": "gt", "value": 120}, False),
    ({"field": "value", "op": "lt", "value": 120}, False),
    ({"field": "value", "op": "lte", "value": 120}, True),
    ({"field": "tags", "op": "has", "value": "gift"}, True),
    ({"field": "tags", "op": "has_any", "value": ["fragile", "bulky"]}, False),
])
def test_each_field_and_operator(body, expected):
    assert condition(body).matches(WEB_FR) is expected


def test_and_or_not_combine():
    big_web = {"all": [{"field": "channel", "op": "eq", "value": "web"}, {"field": "value", "op": "gte", "value": 100}]}
    assert condition(big_web).matches(WEB_FR)
    assert not condition({"not": big_web}).matches(WEB_FR)
    either = {"any": [{"field": "country", "op": "eq", "value": "ES"}, {"field": "tags", "op": "has", "value": "gift"}]}
    assert condition(either).matches(WEB_FR)
    assert not condition({"all": [either, {"not": {"field": "customer_tier", "op": "eq", "value": "gold"}}]}).matches(WEB_FR)


def test_no_condition_matches_every_order():
    assert condition(None) is ALWAYS and ALWAYS.matches(order({"A": 1}))


def test_an_order_without_country_or_tier_matches_no_test_on_them():
    bare = order({"A": 1}, method="click_collect", pickup_store="PAR")
    assert not condition({"field": "country", "op": "eq", "value": "FR"}).matches(bare)
    assert condition({"not": {"field": "customer_tier", "op": "in", "value": ["gold"]}}).matches(bare)


@pytest.mark.parametrize(("body", "path", "words"), [
    ({"field": "colour", "op": "eq", "value": "red"}, "when.field", "must be one of"),
    ({"field": "value", "op": "eq", "value": 3}, "when.op", "gte, gt, lte, lt"),
    ({"field": "value", "op": "gte", "value": "lots"}, "when.value", "must be a number"),
    ({"field": "channel", "op": "eq", "value": "fax"}, "when.value", "'fax' is not a channel"),
    ({"field": "country", "op": "in", "value": ["France"]}, "when.value", "not a country code"),
    ({"field": "tags", "op": "has_any", "value": "gift"}, "when.value", "list of texts"),
    ({"all": [{"field": "channel", "op": "eq", "value": "web"}, {"op": "eq"}]}, "when.all[1].field", "required"),
    ({"any": []}, "when.any", "1 to 50"),
    ({"not": {"field": "channel", "op": "eq", "value": "web", "extra": 1}}, "when.not.extra", "not a field"),
    ("web", "when", "must be an object"),
])
def test_bad_conditions_name_the_field(body, path, words):
    problems = Problems()
    parse_condition(body, "when", problems)
    assert any(p["field"] == path and words in p["message"] for p in problems.found), problems.found


def test_nesting_is_bounded():
    body: dict = {"field": "channel", "op": "eq", "value": "web"}
    for _ in range(50):
        body = {"not": body}
    problems = Problems()
    parse_condition(body, "when", problems)
    assert "nest at most" in problems.found[0]["message"]
