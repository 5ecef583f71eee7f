"""The routing profile: the retailer's rules for choosing who fulfils an order.

A profile has a cost model, ordered rule sets and a fallback. The first rule
set whose condition matches the order and that can serve all of it wins;
when none can, the one that serves the most units does, and the fallback
decides what happens to the rest: `backorder` (the lines wait, unfulfilled,
for stock) or `park` (customer service decides). Every profile is versioned;
`parse_profile` refuses a bad one with every problem named by its field path.
"""

from dataclasses import dataclass

from contract.errors import InvalidInput
from contract.routing import FALLBACKS

from .conditions import ALWAYS, Condition, parse_condition
from .cost import CostModel, parse_cost
from .criteria import Criterion, parse_ranking
from .filters import Filters, parse_filters
from .promise import PromiseSettings, parse_promise
from .reading import Fields, Problems
from .split import SplitPolicy, parse_split


@dataclass(frozen=True)
class RuleSet:
    name: str
    when: Condition = ALWAYS
    filters: Filters = Filters()
    rank: tuple[Criterion, ...] = (Criterion("cost"),)
    split: SplitPolicy = SplitPolicy()
    # Click & collect: what the pickup store lacks may be shipped to it from other locations.
    ship_to_store: bool = True


@dataclass(frozen=True)
class Profile:
    name: str
    rule_sets: tuple[RuleSet, ...]
    cost: CostModel = CostModel()
    fallback: str = "backorder"
    promise: PromiseSettings = PromiseSettings()


def parse_profile(body: object) -> Profile:
    """The profile this JSON describes, or InvalidInput listing every problem."""
    problems = Problems()
    fields = Fields(body, "", problems)
    name = fields.text("name", "Routing profile")
    cost = parse_cost(fields.obj("cost"))
    rule_sets = [_rule_set(value, path, problems) for path, value in fields.items("rule_sets", 1, 20)]
    for i, rule in enumerate(rule_sets):
        if any(other.name == rule.name for other in rule_sets[:i]):
            problems.add(f"rule_sets[{i}].name", f"another rule set is already called '{rule.name}'")
    fallback = fields.choice("fallback", FALLBACKS, "backorder")
    promise = parse_promise(fields.obj("promise"))
    fields.close()
    if problems.found:
        first = problems.found[0]
        where = f"{first['field']}: " if first["field"] else ""
        raise InvalidInput("invalid_profile", f"{where}{first['message']}", errors=problems.found)
    return Profile(name=name, rule_sets=tuple(rule_sets), cost=cost, fallback=fallback, promise=promise)


def _rule_set(body: object, path: str, problems: Problems) -> RuleSet:
    # Read in the order the fields are documented, so that problems are reported in that order.
    fields = Fields(body, path, problems)
    name = fields.text("name", None)
    when = parse_condition(*fields.raw("when"), problems)
    filters = parse_filters(fields.obj("filters"))
    rank = parse_ranking(fields, "rank", problems) if "rank" in fields.body else RuleSet.rank
    rule = RuleSet(name=name, when=when, filters=filters, rank=rank, split=parse_split(fields.obj("split")),
                   ship_to_store=fields.flag("ship_to_store", True))
    fields.close()
    return rule


# The profile a new installation starts with (version 1); the README explains it in plain words.
DEFAULT_PROFILE: dict = {
    "name": "Backroom default",
    "cost": {"parcel": 4.5, "per_km": 0.005, "carbon_kg_per_parcel": 0.2, "carbon_kg_per_parcel_km": 0.0005},
    "rule_sets": [
        {
            "name": "Click & collect",
            "when": {"field": "method", "op": "eq", "value": "click_collect"},
            # The pickup store serves its own customers even on a busy day.
            "filters": {"min_capacity_left": 0},
            "rank": [{"by": "cost"}, {"by": "distance"}],
            "split": {"allowed": True, "max_parcels": 3},
            "ship_to_store": True,
        },
        {
            "name": "Home delivery",
            "when": {"field": "method", "op": "eq", "value": "home"},
            "filters": {"min_capacity_left": 1},
            # Within 25 cents of the cheapest plan, prefer locations that accept
            # their orders, then the less busy, then the nearer.
            "rank": [
                {"by": "cost", "tolerance": 0.25},
                {"by": "reject_rate", "tolerance": 0.05},
                {"by": "backlog", "tolerance": 0.1},
                {"by": "distance"},
            ],
            "split": {"allowed": True, "max_parcels": 3, "min_value_per_parcel": 10},
        },
        {
            "name": "Overflow",
            # When no location with capacity left can serve the order, the
            # stock still goes where it is rather than wait.
            "filters": {"min_capacity_left": 0},
            "rank": [{"by": "cost"}],
            "split": {"allowed": True, "max_parcels": 5},
        },
    ],
    "fallback": "backorder",
    "promise": {
        "timezone": "Europe/Paris",
        "cutoff": "15:00",
        "km_per_transit_day": 450,
        "express_surcharge": 6.0,
        "express_max_km": 800,
        "express_carbon_factor": 1.5,
        "pickup_stores": 3,
        "pickup_max_km": 30,
        "pickup_ready_hours": 2,
        "home_standard_price": 4.9,
        "home_express_price": 9.9,
        "click_collect_price": 0,
        "express_pickup_price": 0,
        "free_home_over": 50,
    },
}
