"""The split search: which combination of locations serves the order best.

A plan is a set of locations, each sending one parcel (or, for click &
collect, the pickup store serving from its own shelves). Its cost is the sum
of its parcels' costs, so the search weighs whole combinations, not one
location at a time: two nearby stores can beat one distant warehouse, and one
warehouse can beat three stores.

- Units served come first: a plan that serves more of the order always wins.
- Exact when the candidates are few: every combination of up to `max_parcels`
  of them is weighed (branch and bound: candidates are tried best first on
  the first ranking criterion, and a branch stops as soon as it is worse than
  the best complete plan plus the tolerance).
- Bounded when they are many: the search keeps a shortlist (for each item of
  the order the few best candidates that hold it, plus, when these fall short
  of the quantity ordered, the best that holds all of it or those holding the
  most of it; the few best that hold everything; the next best holders fill
  what room is left), at most `SHORTLIST` locations, and is exact over those.
- Ship-together groups (kits) are served whole by one location or not at all.
- Within a plan, units are taken from its locations in ranking order; when that
  leaves a parcel of a split worth less than the policy's minimum, other ways
  of dividing the same items among the same locations are tried (a bounded
  number), and the plan is refused only when none keeps every parcel above it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice, permutations, product
from math import inf

from contract import ship_together

from .criteria import Criterion, Ranked, rank
from .reading import Fields

SHORTLIST = 12
_PER_ITEM = 4  # shortlisted candidates per item of the order, and that hold everything
# Bounds on the search for another division of a plan's items among its locations
# (only when a parcel falls under the minimum value): fill orders tried per SKU,
# divisions tried per plan, and the most items an order may have for it.
_FILL_ORDERS = 24
_DIVISIONS = 64
_REBALANCED_ITEMS = 8


@dataclass(frozen=True)
class SplitPolicy:
    allowed: bool = True
    max_parcels: int = 3
    # Each parcel of a split order must carry at least this value (goods collected
    # at the pickup store are not a parcel).
    min_value_per_parcel: float = 0.0

    @property
    def limit(self) -> int:
        return self.max_parcels if self.allowed else 1


def parse_split(fields: Fields) -> SplitPolicy:
    d = SplitPolicy()
    policy = SplitPolicy(
        allowed=fields.flag("allowed", d.allowed),
        max_parcels=fields.integer("max_parcels", d.max_parcels, 1, 10),
        min_value_per_parcel=fields.number("min_value_per_parcel", d.min_value_per_parcel, 0, 1e6),
    )
    fields.close()
    return policy


@dataclass(slots=True)  # not frozen: routing makes ~100 per order and a frozen init costs 5x
class Candidate:
    """A location that passed the rule set's filters, with what it holds of the order."""

    code: str
    type: str
    collect_here: bool  # the pickup store itself: nothing travels
    distance_km: float
    cost: float
    carbon_kg: float
    stock: Mapping[str, int]  # units it may give, per SKU of the order
    backlog: float  # open fulfilments as a share of its daily capacity
    reject_rate: float

    @property
    def stock_left(self) -> int:
        return sum(self.stock.values())

    def covers(self, units: Mapping[str, int]) -> bool:
        return all(self.stock.get(sku, 0) >= qty for sku, qty in units.items())


@dataclass(frozen=True)
class Item:
    """What the search places: one SKU (its units may come from several
    locations), or a ship-together group (all from one location)."""

    units: Mapping[str, int]
    together: bool

    @property
    def size(self) -> int:
        return sum(self.units.values())


def items_of(demand: Mapping[str, int], together: Sequence[frozenset[str]]) -> list[Item]:
    """Groups that share a SKU become one group (contract/ship_together.py: a store giving back
    part of a group gives back the same group)."""
    groups = ship_together.groups(together, {sku for sku, qty in demand.items() if qty > 0})
    grouped = set().union(*groups) if groups else set()
    items = [Item({sku: demand[sku] for sku in sorted(g)}, True) for g in groups]
    items += [Item({sku: qty}, False) for sku, qty in sorted(demand.items()) if qty > 0 and sku not in grouped]
    return items


@dataclass(slots=True)
class Plan:
    parts: list[tuple[Candidate, dict[str, int]]]
    served: int
    missing: list[tuple[Item, int]]  # items not fully served, with the units still wanted
    cost: float
    distance_km: float
    carbon_kg: float
    stock_left: int  # the fewest units any location keeps of a SKU it gives
    backlog: float
    reject_rate: float
    parcels: int
    codes: tuple[str, ...]

    def gains_from(self, c: Candidate) -> bool:
        """Would adding this location serve more?"""
        for item, wanted in self.missing:
            if item.together:
                if c.covers(item.units):
                    return True
            elif c.stock.get(next(iter(item.units)), 0) > 0:
                return True
        return False


def evaluate(items: Sequence[Item], combo: Sequence[Candidate], prices: Mapping[str, float],
             policy: SplitPolicy) -> Plan | None:
    """The plan that takes the order from these locations, in this order; None
    when one of them would send nothing or a parcel below the minimum value."""
    taken: list[dict[str, int]] = [{} for _ in combo]
    served = 0
    missing: list[tuple[Item, int]] = []
    for item in items:
        if item.together:
            for k, c in enumerate(combo):
                if c.covers(item.units):
                    taken[k].update(item.units)
                    served += item.size
                    break
            else:
                missing.append((item, item.size))
            continue
        ((sku, need),) = item.units.items()
        for k, c in enumerate(combo):
            have = c.stock.get(sku, 0)
            if have:
                take = min(have, need)
                taken[k][sku] = take
                need -= take
                if need == 0:
                    break
        served += item.size - need
        if need:
            missing.append((item, need))
    if not all(taken):
        return None
    if len(combo) > 1 and policy.min_value_per_parcel > 0 and not _worth_sending(combo, taken, prices, policy):
        # Filling in ranking order left a parcel too small, but another division of
        # the same items among the same locations may not: e.g. stores holding
        # P1 P2 P3 and P2 P3 P4 can send P1 P2 and P3 P4 rather than P1 P2 P3 and P4.
        # Every division serves the same units at the same cost (the cost is the
        # locations'), so the first that keeps every parcel above the minimum will do.
        rebalanced = _rebalanced(items, combo, taken, prices, policy)
        if rebalanced is None:
            return None
        taken = rebalanced
    return Plan(
        parts=list(zip(combo, taken)),
        served=served,
        missing=missing,
        cost=sum(c.cost for c in combo),
        distance_km=sum(c.distance_km for c in combo),
        carbon_kg=sum(c.carbon_kg for c in combo),
        stock_left=min(c.stock[s] - q for c, lines in zip(combo, taken) for s, q in lines.items()),
        backlog=max(c.backlog for c in combo),
        reject_rate=max(c.reject_rate for c in combo),
        parcels=len(combo),
        codes=tuple(sorted(c.code for c in combo)),
    )


def _worth_sending(combo: Sequence[Candidate], taken: Sequence[Mapping[str, int]], prices: Mapping[str, float],
                   policy: SplitPolicy) -> bool:
    """Does every parcel carry the policy's minimum value? (Goods collected at the
    pickup store are not a parcel.)"""
    return all(c.collect_here or sum(q * prices.get(s, 0.0) for s, q in lines.items()) >= policy.min_value_per_parcel
               for c, lines in zip(combo, taken))


def _divisions(item: Item, combo: Sequence[Candidate]) -> list[tuple[tuple[int, str, int], ...]]:
    """The ways this item can be divided among the combination's locations, each
    serving as many of its units as the ranking-order fill does, that one first.
    A division is a tuple of (location index, SKU, units)."""
    if item.together:
        ways = [tuple((k, sku, q) for sku, q in item.units.items())
                for k, c in enumerate(combo) if c.covers(item.units)]
        return ways or [()]
    ((sku, qty),) = item.units.items()
    holders = [k for k, c in enumerate(combo) if c.stock.get(sku, 0)]
    ways: dict[tuple[tuple[int, str, int], ...], None] = {}
    # Filling from its holders in each order (the ranking order first) always serves
    # the most units, each time divided differently; several orders may give the same.
    for order in islice(permutations(holders), _FILL_ORDERS):
        need, division = qty, []
        for k in order:
            take = min(combo[k].stock[sku], need)
            division.append((k, sku, take))
            need -= take
            if need == 0:
                break
        ways.setdefault(tuple(sorted(division)), None)
    return list(ways) or [()]


def _rebalanced(items: Sequence[Item], combo: Sequence[Candidate], taken: Sequence[Mapping[str, int]],
                prices: Mapping[str, float], policy: SplitPolicy) -> list[dict[str, int]] | None:
    """The first division of the items among these locations in which each sends
    something and every parcel carries the minimum value; None when none of the
    divisions tried does. Only for a few items (a big order's divisions are too many
    to weigh in each plan), and only when the goods are worth enough for every parcel."""
    parcels = sum(1 for c in combo if not c.collect_here)
    worth = sum(q * prices.get(s, 0.0) for lines in taken for s, q in lines.items())  # whatever the division
    if len(items) > _REBALANCED_ITEMS or worth < parcels * policy.min_value_per_parcel:
        return None
    for choice in islice(product(*(_divisions(item, combo) for item in items)), _DIVISIONS):
        taken: list[dict[str, int]] = [{} for _ in combo]
        for division in choice:
            for k, sku, q in division:
                taken[k][sku] = q
        if all(taken) and _worth_sending(combo, taken, prices, policy):
            return taken
    return None


@dataclass
class Search:
    ranked: list[Ranked] = field(default_factory=list)  # best first; empty when nothing serves
    weighed: int = 0  # plans evaluated
    pool: int = 0  # candidates the search combined
    candidates: int = 0  # candidates it was given
    complete: bool = True  # False when the budget ran out first

    @property
    def best(self) -> Plan | None:
        return self.ranked[0].plan if self.ranked else None  # type: ignore[return-value]


def search(items: Sequence[Item], candidates: Sequence[Candidate], policy: SplitPolicy,
           ranking: Sequence[Criterion], prices: Mapping[str, float], *,
           shortlist: int | None = SHORTLIST, budget: int | None = None) -> Search:
    """Weigh the combinations and rank them. `shortlist=None` combines every
    candidate (exact; the benchmark uses it for the optimum); `budget` caps the
    plans evaluated."""
    primary = ranking[0]
    ordered = sorted(candidates, key=lambda c: (primary.value(c), c.code))
    pool = _shortlist(items, ordered, shortlist, policy.limit) if shortlist and len(ordered) > shortlist else ordered
    result = Search(pool=len(pool), candidates=len(candidates))
    if not pool:
        return result
    reachable = _served_by_all(items, pool)
    plans: list[Plan] = []
    bound = inf  # no plan worse than this on the first criterion can win any more

    def consider(combo: list[Candidate]) -> Plan | None:
        nonlocal bound
        result.weighed += 1
        plan = evaluate(items, combo, prices, policy)
        if plan is None:
            return None
        if plan.served == reachable:
            bound = min(bound, primary.value(plan) + primary.tolerance)
        plans.append(plan)
        return plan

    def extend(chosen: list[Candidate], plan: Plan, start: int) -> None:
        for j in range(start, len(pool)):
            if budget is not None and result.weighed >= budget:
                result.complete = False
                return
            c = pool[j]
            if not plan.gains_from(c):
                continue
            trial = consider([*chosen, c])
            if trial is None:
                continue
            if primary.value(trial) > bound:
                if primary.grows_with_locations:
                    return  # later candidates are no better on this criterion
                continue
            if len(chosen) + 1 < policy.limit and trial.served < reachable:
                extend([*chosen, c], trial, j + 1)

    singles = [(i, plan) for i, c in enumerate(pool) if (plan := consider([c])) is not None]
    if policy.limit > 1:
        for i, plan in singles:
            if plan.served < reachable and not (primary.grows_with_locations and primary.value(plan) > bound):
                extend([pool[i]], plan, i + 1)
    if plans:
        result.ranked = rank(plans, ranking)
    return result


def _served_by_all(items: Sequence[Item], pool: Sequence[Candidate]) -> int:
    """The most units any plan from this pool could serve, however many parcels."""
    served = 0
    for item in items:
        if item.together:
            served += item.size if any(c.covers(item.units) for c in pool) else 0
        else:
            ((sku, qty),) = item.units.items()
            served += min(qty, sum(c.stock.get(sku, 0) for c in pool))
    return served


def _shortlist(items: Sequence[Item], ordered: Sequence[Candidate], size: int, parcels: int) -> list[Candidate]:
    """At most `size` candidates, best first: the best few that hold the whole
    order come first (a single parcel is usually the answer), then the best
    holders of each item in turn, then the next best holders while there is room."""
    whole = islice((c for c in ordered if all(c.covers(item.units) for item in items)), _PER_ITEM)
    picked = dict.fromkeys(c.code for c in whole)
    per_item = [_holders(item, ordered, parcels) for item in items]
    for place in range(max(map(len, per_item), default=0)):
        for holders in per_item:
            if place < len(holders):
                picked.setdefault(holders[place].code)
    # Room left (an order of one or two items rarely fills it): the next best
    # holders, which can only add plans to weigh.
    for c in ordered:
        if len(picked) >= size:
            break
        if c.code not in picked and any(_holds(c, item) for item in items):
            picked[c.code] = None
    kept = set(list(picked)[:size])
    return [c for c in ordered if c.code in kept]


def _holds(c: Candidate, item: Item) -> bool:
    return c.covers(item.units) if item.together else c.stock.get(next(iter(item.units)), 0) > 0


def _holders(item: Item, ordered: Sequence[Candidate], parcels: int) -> list[Candidate]:
    """The shortlisted holders of one item, best first: its best few, and, when
    none of these holds the whole quantity ordered, the best one that does (one
    parcel is usually cheaper than several); when even so they cannot serve the
    quantity within the parcels allowed (many near locations holding a unit or
    two), the locations holding the most of it. These come second in line, so
    that the holders of the other items do not crowd them out."""
    best = list(islice((c for c in ordered if _holds(c, item)), _PER_ITEM))
    if item.together:
        return best  # a kit is served whole by any one of its holders
    ((sku, qty),) = item.units.items()
    extra: list[Candidate] = []
    if not any(c.stock[sku] >= qty for c in best):
        extra += islice((c for c in ordered if c.stock.get(sku, 0) >= qty), 1)
    if _servable([*best, *extra], item, parcels) < qty:
        biggest = sorted((c for c in ordered if _holds(c, item)), key=lambda c: -min(c.stock[sku], qty))[:parcels]
        reachable = _servable(biggest, item, parcels)
        for c in biggest:
            if _servable([*best, *extra], item, parcels) >= reachable:
                break
            if all(c.code != b.code for b in best):
                extra.append(c)
    return [*best[:1], *extra, *best[1:]]


def _servable(holders: Sequence[Candidate], item: Item, parcels: int) -> int:
    """The most units of a single-SKU item these holders can send in `parcels` parcels."""
    ((sku, qty),) = item.units.items()
    return min(qty, sum(sorted((c.stock.get(sku, 0) for c in holders), reverse=True)[:parcels]))
