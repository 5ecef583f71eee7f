"""Which orders a rule set applies to: a tree of AND / OR / NOT over the
order's channel, delivery method, country, value, tags and customer tier.

In JSON: `{"all": [...]}`, `{"any": [...]}`, `{"not": {...}}`, or a test
`{"field": "value", "op": "gte", "value": 150}`. No condition: every order.
"""

import re
from dataclasses import dataclass

from contract.routing import CHANNELS, CONDITION_OPERATORS, LIST_OPERATORS, METHODS

from ..routing import RoutingRequest
from .reading import Fields, Problems

_COUNTRY = re.compile(r"[A-Z]{2}")
_MAX_DEPTH = 8


@dataclass(frozen=True)
class All:
    parts: tuple["Condition", ...]

    def matches(self, order: RoutingRequest) -> bool:
        return all(part.matches(order) for part in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Condition", ...]

    def matches(self, order: RoutingRequest) -> bool:
        return any(part.matches(order) for part in self.parts)


@dataclass(frozen=True)
class Not:
    part: "Condition"

    def matches(self, order: RoutingRequest) -> bool:
        return not self.part.matches(order)


@dataclass(frozen=True)
class Check:
    field: str
    op: str
    value: object  # a text, a number, or a frozenset of texts for in / has_any

    def matches(self, order: RoutingRequest) -> bool:
        actual = getattr(order, self.field)
        match self.op:
            case "eq":
                return actual == self.value
            case "in":
                return actual in self.value  # type: ignore[operator]
            case "gte":
                return actual >= self.value
            case "gt":
                return actual > self.value
            case "lte":
                return actual <= self.value
            case "lt":
                return actual < self.value
            case "has":
                return self.value in actual
            case "has_any":
                return bool(actual & self.value)
        raise AssertionError(self.op)


Condition = All | AnyOf | Not | Check
ALWAYS: Condition = All(())


def parse_condition(body: object, path: str, problems: Problems, depth: int = 0) -> Condition:
    if body is None:
        return ALWAYS
    if depth > _MAX_DEPTH:
        problems.add(path, f"conditions nest at most {_MAX_DEPTH} levels deep")
        return ALWAYS
    fields = Fields(body, path, problems)
    if isinstance(body, dict) and len(body.keys() & {"all", "any", "not"}) == 1 and len(body) == 1:
        if "not" in body:
            value, inner = fields.raw("not")
            return Not(parse_condition(value, inner, problems, depth + 1))
        name = "all" if "all" in body else "any"
        parts = tuple(parse_condition(v, p, problems, depth + 1) for p, v in fields.items(name, 1, 50))
        return All(parts) if name == "all" else AnyOf(parts)
    name = fields.choice("field", CONDITION_OPERATORS, None)
    op = fields.choice("op", CONDITION_OPERATORS[name], None)
    value, value_path = fields.raw("value")
    fields.close()
    return Check(name, op, _test_value(name, op, value, value_path, problems))


def _test_value(name: str, op: str, value: object, path: str, problems: Problems) -> object:
    if name == "value":
        # NaN fails the comparison; an order's value has twelve digits at most.
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1e10 < value < 1e10:
            problems.add(path, "must be a number (the order's value), under 10,000,000,000")
            return 0.0
        return float(value)
    many = op in LIST_OPERATORS
    values = value if many else [value]
    allowed = {"channel": CHANNELS, "method": METHODS}.get(name)
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        problems.add(path, "must be a list of texts" if many else "must be a text")
        return frozenset() if many else ""
    for v in values:
        if allowed is not None and v not in allowed:
            problems.add(path, f"'{v}' is not a {name} ({', '.join(allowed)})")
        if name == "country" and not _COUNTRY.fullmatch(v):
            problems.add(path, f"'{v}' is not a country code (two capital letters, e.g. FR)")
    return frozenset(values) if many else values[0]
