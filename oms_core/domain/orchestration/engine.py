"""The orchestration engine: routes an order by the routing profile and says why.

Rule sets cascade: each one whose condition matches the order screens the
locations with its filters and searches the best split; the first that
serves every unit wins. When none does, the one that serves the most units
wins (the earlier on a tie) and the profile's fallback takes the rest.
"""

from dataclasses import dataclass

from ..routing import Allocation, NetworkView, RoutingPlan, RoutingRequest
from .filters import Dropped, screen
from .profile import Profile, RuleSet
from .split import SHORTLIST, Candidate, Plan, Search, items_of, search

# How much of the decision the trace keeps (it is stored with every order).
_TRACE_CANDIDATES = 10
_TRACE_PLANS = 5


@dataclass
class _Attempt:
    rule: RuleSet
    kept: list[Candidate]
    dropped: list[Dropped]
    found: Search

    @property
    def served(self) -> int:
        return self.found.best.served if self.found.best else 0


class ProfileRouter:
    name = "profile"

    def __init__(self, profile: Profile, version: int, shortlist: int | None = SHORTLIST) -> None:
        self.profile = profile
        self.version = version
        self.shortlist = shortlist

    def plan(self, request: RoutingRequest, network: NetworkView) -> RoutingPlan:
        items = items_of(request.demand, request.together)
        wanted = sum(item.size for item in items)
        outcomes: list[dict] = []
        best: _Attempt | None = None
        for rule in self.profile.rule_sets:
            if not rule.when.matches(request):
                outcomes.append({"rule": rule.name, "outcome": "does not apply to this order"})
                continue
            kept, dropped = screen(rule.filters, rule.ship_to_store, request, network, self.profile.cost)
            attempt = _Attempt(rule, kept, dropped,
                               search(items, kept, rule.split, rule.rank, request.prices, shortlist=self.shortlist))
            outcomes.append({"rule": rule.name, "outcome": f"serves {attempt.served} of {wanted} units"})
            if best is None or attempt.served > best.served:
                best = attempt
            if attempt.served == wanted:
                break
        plan = best.found.best if best else None
        allocations = self._allocations(plan, request)
        unfulfilled = dict(request.demand)
        for allocation in allocations:
            for sku, qty in allocation.lines.items():
                unfulfilled[sku] -= qty
        unfulfilled = {sku: qty for sku, qty in unfulfilled.items() if qty > 0}
        fallback = self.profile.fallback if unfulfilled else None
        trace = {
            "router": self.name,
            "profile_version": self.version,
            "rule": best.rule.name if plan and best else None,
            "rule_sets": outcomes,
            **(self._weighed(best) if best else {"candidates": [], "dropped": [], "plans": []}),
            "chosen": [a.location for a in allocations],
            "unfulfilled": unfulfilled,
            "fallback": fallback,
        }
        return RoutingPlan(allocations, unfulfilled, trace, parked=fallback == "park")

    @staticmethod
    def _allocations(plan: Plan | None, request: RoutingRequest) -> list[Allocation]:
        if plan is None:
            return []
        allocations = []
        # The main parcel first.
        for c, lines in sorted(plan.parts, key=lambda part: (-sum(part[1].values()), part[0].cost, part[0].code)):
            if request.method != "click_collect":
                method, ship_to = "home", None
            elif c.collect_here:
                method, ship_to = "click_collect", None
            else:
                method, ship_to = "ship_to_store", request.pickup_store
            allocations.append(Allocation(c.code, dict(lines), method, ship_to, distance_km=c.distance_km,
                                          cost=c.cost, carbon_kg=c.carbon_kg))
        return allocations

    @staticmethod
    def _weighed(attempt: _Attempt) -> dict:
        """The candidates, the dropped locations and the plans of the rule set that decided."""
        primary = attempt.rule.rank[0]
        kept = sorted(attempt.kept, key=lambda c: (primary.value(c), c.code))
        dropped = sorted(attempt.dropped, key=lambda d: (d.distance_km is None, d.distance_km, d.location))
        found = attempt.found
        return {
            "candidates": [
                {"location": c.code, "type": c.type, "distance_km": round(c.distance_km, 1), "cost": round(c.cost, 2),
                 "units": c.stock_left, "backlog": round(c.backlog, 2), "reject_rate": round(c.reject_rate, 2),
                 **({"collect_here": True} if c.collect_here else {})}
                for c in kept[:_TRACE_CANDIDATES]
            ],
            "candidates_total": len(kept),
            "dropped": [{"location": d.location, "reason": d.reason, "distance_km": d.distance_km}
                        for d in dropped[:_TRACE_CANDIDATES]],
            "dropped_total": len(dropped),
            "search": {"combined": found.pool, "of": found.candidates, "plans_weighed": found.weighed,
                       "complete": found.complete},
            "plans": [
                {"locations": list(r.plan.codes), "served": r.plan.served, "parcels": r.plan.parcels,
                 "cost": round(r.plan.cost, 2), "distance_km": round(r.plan.distance_km, 1),
                 "carbon_kg": round(r.plan.carbon_kg, 3), "verdict": r.verdict}
                for r in found.ranked[:_TRACE_PLANS]
            ],
        }
