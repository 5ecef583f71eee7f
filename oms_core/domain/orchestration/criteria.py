"""Ranking: how a rule set chooses among the plans that serve the order.

Criteria apply in order. Each keeps the plans within its tolerance of the
best (in the criterion's own unit: money for cost, km for distance, kg for
carbon, units for stock level, share of a day's capacity for backlog, share
of recent fulfilments for reject rate); the next criterion chooses among
those. Plans still tied go to the one with fewer parcels, then the cheaper,
then by location code, so that the same order always gets the same answer.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from contract.routing import CRITERIA

from .reading import Fields, Problems

# criterion -> (attribute of a plan and of a candidate, 1 if lower is better else -1, how to show a value)
_CRITERIA = {
    "cost": ("cost", 1, "{:.2f}"),
    "distance": ("distance_km", 1, "{:.1f} km"),
    "carbon": ("carbon_kg", 1, "{:.2f} kg CO2e"),
    "stock_level": ("stock_left", -1, "{:.0f} units left"),
    "backlog": ("backlog", 1, "{:.0%} of a day's capacity"),
    "reject_rate": ("reject_rate", 1, "{:.0%}"),
}
_EPSILON = 1e-9


@dataclass(frozen=True)
class Criterion:
    by: str
    tolerance: float = 0.0

    def value(self, thing: object) -> float:
        """The plan's (or candidate's) figure, lower is better."""
        attribute, sign, _ = _CRITERIA[self.by]
        return sign * getattr(thing, attribute)

    def show(self, value: float) -> str:
        _, sign, form = _CRITERIA[self.by]
        return form.format(sign * value)

    @property
    def grows_with_locations(self) -> bool:
        """True when adding a location to a plan can only make this figure worse
        (sums and maxima): the split search may then stop early."""
        return self.by != "stock_level"


def parse_ranking(fields: Fields, name: str, problems: Problems) -> tuple[Criterion, ...]:
    ranking: list[Criterion] = []
    for path, body in fields.items(name, 1, len(CRITERIA)):
        item = Fields(body, path, problems)
        by = item.choice("by", CRITERIA, None)
        tolerance = item.number("tolerance", 0.0, 0, 1e6)
        item.close()
        if item.body.get("by") == by and any(c.by == by for c in ranking):
            problems.add(f"{path}.by", f"{by} is already ranked above")
        ranking.append(Criterion(by, tolerance))
    return tuple(ranking)


@dataclass(frozen=True)
class Ranked:
    plan: object
    verdict: str


def rank(plans: Sequence, ranking: Sequence[Criterion]) -> list[Ranked]:
    """The plans, best first, each with why it won or lost. Plans that serve
    fewer units than another always lose."""
    most = max(p.served for p in plans)
    verdicts: dict[int, str] = {}
    pool = []
    for p in plans:
        if p.served < most:
            verdicts[id(p)] = f"serves {p.served} units, another plan serves {most}"
        else:
            pool.append(p)
    kept_by: list[str] = []
    for criterion in ranking:
        best = min(criterion.value(p) for p in pool)
        keep = []
        for p in pool:
            value = criterion.value(p)
            if value <= best + criterion.tolerance + _EPSILON:
                keep.append(p)
            else:
                margin = f" + {criterion.tolerance:g}" if criterion.tolerance else ""
                verdicts[id(p)] = f"{criterion.by} {criterion.show(value)}, best {criterion.show(best)}{margin}"
        pool = keep
        kept_by.append(f"{criterion.by} {criterion.show(best)}")
    pool.sort(key=lambda p: (p.parcels, p.cost, p.codes))
    winner = pool[0]
    verdicts[id(winner)] = "chosen: " + ", ".join(kept_by)
    for p in pool[1:]:
        verdicts[id(p)] = "as good on every criterion; fewer parcels, lower cost, then location code decided"
    finalists = {id(p) for p in pool}
    order = sorted(plans, key=lambda p: (p is not winner, -p.served, id(p) not in finalists,
                                         ranking[0].value(p), p.parcels, p.codes))
    return [Ranked(p, verdicts[id(p)]) for p in order]
