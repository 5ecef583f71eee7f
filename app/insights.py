"""What managers and head office look at: KPIs, stock alerts, exports, order
timelines and the routing profile. Online only (these are the core's numbers,
not the tablet's cache), fetched and shaped here so the screens stay thin.
No Flet here.

Every call answers data or raises DomainError with a message for the screen
(the core's refusal as it said it, or that the core cannot be reached)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from contract.errors import DomainError, InvalidInput, Unauthorized
from contract.money import money
from contract.reasons import CANCEL_REASONS, REJECT_REASONS, RETURN_REASONS
from contract.words import counted
from local_db.client import CoreRefused, CoreUnavailable

from .dates import StoreTime
from .documents import Document
from .store import StoreApp, _domain, place_name

PERIODS = {"today": "Today", "7d": "7 days", "30d": "30 days"}
_WHOLE = re.compile(r"[0-9]+")  # not str.isdigit, which takes "²" and other digits int() refuses
EXPORTS = {"orders": "Orders", "fulfilments": "Fulfilments", "kpis": "KPIs", "returns": "Returns"}


def period_bounds(period: str, store_time: StoreTime, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a period ending now, in whole store days with today (so far) the last, the
    days the core's daily series counts: "today" starts at the store's midnight, "7 days" and
    "30 days" at its midnight 6 and 29 days before."""
    now = store_time.local(now) if now else store_time.now()
    days = {"today": 1, "7d": 7, "30d": 30}.get(period)
    if days is None:
        raise InvalidInput("unknown_period", f"period must be one of {', '.join(PERIODS)}")
    start = store_time.midnight(now.date() - timedelta(days=days - 1))
    return start.astimezone(UTC), now.astimezone(UTC)


def _params(period: str, store_time: StoreTime, now: datetime | None = None) -> dict:
    start, end = period_bounds(period, store_time, now)
    return {"from": start.isoformat(), "to": end.isoformat()}


def percent(ratio: dict | None) -> str:
    if not ratio or ratio.get("rate") is None:
        return "—"
    return f"{ratio['rate'] * 100:.0f}%"


def minutes(durations: dict | None) -> str:
    if not durations or durations.get("p50_minutes") is None:
        return "—"
    value = durations["p50_minutes"]
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Day:
    day: str  # ISO date
    orders: int
    shipped_units: int
    otif: float | None  # 0..1


@dataclass(frozen=True)
class Dashboard:
    period: str
    location: str | None
    tiles: tuple[Tile, ...]
    days: tuple[Day, ...]
    rejections: tuple[tuple[str, int], ...]  # (reason as read, count), most first
    team: tuple[tuple[str, int], ...]  # (associate, orders), most first

    @property
    def empty(self) -> bool:
        return not self.days and all(t.value in ("0", "—") for t in self.tiles)


def dashboard_of(body: dict, period: str, reasons: dict[str, str] | None = None) -> Dashboard:
    """The screen's reading of GET /kpis?series=day."""
    reasons = reasons or REJECT_REASONS
    tiles = (
        Tile("orders", "Orders", str(body["orders"]), f"{body['units_ordered']} units ordered"),
        Tile("shipped", "Units shipped", str(body["units_shipped"]), f"fill rate {percent(body['fill_rate'])}"),
        Tile("otif", "On time in full", percent(body["otif"]),
             f"{body['otif']['count']} of {body['otif']['of']}"),
        Tile("rejection", "Given back", percent(body["rejection"]),
             f"{body['rejection']['count']} of {body['rejection']['of']}"),
        Tile("accept", "Time to accept", minutes(body["time_to_accept"]), "median"),
        Tile("pick", "Time to pick", minutes(body["time_to_pick"]), "median"),
        Tile("promise", "Promise kept", percent(body["promise_kept"]),
             f"{body['promise_kept']['count']} of {body['promise_kept']['of']}"),
        Tile("cancellation", "Cancelled", percent(body["cancellation"]),
             f"{body['cancellation']['count']} of {body['cancellation']['of']}"),
    )
    days = tuple(Day(str(d["day"]), d["orders"], d["units_shipped"], d["otif"]["rate"]) for d in body.get("series", []))
    rejections = tuple(sorted(((reasons.get(k, k), n) for k, n in body["rejection_reasons"].items()),
                              key=lambda item: (-item[1], item[0])))
    store, names = body.get("location"), body.get("associate_names") or {}
    team = tuple(sorted(((names.get(who) or (who.removeprefix(f"{store}/") if store else who), n)  # "Hugo", or "S002"
                         for who, n in body["orders_per_associate"].items()), key=lambda item: (-item[1], item[0])))
    return Dashboard(period, body.get("location"), tiles, days, rejections, team)


# --- the order timeline ----------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    at: str  # "23 Nov 14:02" (the store's time)
    what: str  # "Picked by S001"
    where: str
    why: str


# What each event of an order's timeline says, by its kind and, where one kind says several
# things, the status it led to; {who} is who did it (the network's own steps say no one).
EVENT_WORDS = {
    ("order.created", None): "Order placed by {who}",
    ("order.cancelled", None): "Order cancelled by {who}",
    ("order.rerouted", None): "Routed again",
    ("order.parked", None): "Parked for customer service",
    ("order.shipped_to_pickup_store", None): "To be shipped to the pickup store",
    ("fulfilment.assigned", None): "Sent to be prepared",
    ("fulfilment.accept", None): "Accepted by {who}",
    ("fulfilment.pick", "picking"): "Picking started by {who}",
    ("fulfilment.pick", None): "Picked by {who}",
    ("fulfilment.pack", None): "Packed by {who}",
    ("fulfilment.ship", None): "Handed to the carrier by {who}",
    ("fulfilment.ready", None): "Put on the pickup shelf by {who}",
    ("fulfilment.collect", "ready_for_pickup"): "Partly collected, handed over by {who}",
    ("fulfilment.collect", None): "Collected, handed over by {who}",
    ("fulfilment.receive", None): "Parcel arrived, scanned in by {who}",
    ("fulfilment.reject", None): "Given back by {who}",
    ("fulfilment.expire", None): "Not accepted in time",
    ("fulfilment.cancel", None): "Cancelled by {who}",
    ("pickup.reminded", None): "Customer reminded to collect",
    ("pickup.code_resent", None): "Pickup code sent again by {who}",
    ("stock.missing", None): "Reported missing by {who}",
    ("return.received", None): "Return taken by {who}",
    ("return.restocked", None): "Returned items back in stock",
    ("return.to_warehouse", None): "Returned items set aside for the warehouse",
    ("return.refunded", None): "Refunded",
}


def moment_of(event: dict, network: dict[str, dict], store_time: StoreTime) -> Moment:
    kind, where = event["kind"], event.get("location")
    words = (EVENT_WORDS.get((kind, event.get("to_status"))) or EVENT_WORDS.get((kind, None))
             or kind.rsplit(".", 1)[-1].replace("_", " ").capitalize() + " by {who}")
    actor, name = event.get("actor") or "someone", event.get("actor_name")
    store = actor.partition("/")[0] if "/" in actor else None
    if store is not None and store != where:  # staff of a store acting for an order as a whole, or elsewhere
        who = f"{name or actor.partition('/')[2]} ({place_name(store, network)})"
    elif store is not None:
        who = name or actor.partition("/")[2]  # "LYS-01/S001" at LYS-01 is Hugo (S001 without a name)
    else:
        who = "the system" if actor == "system" else actor
    reasons = RETURN_REASONS if kind.startswith("return.") else CANCEL_REASONS if "cancel" in kind else REJECT_REASONS
    why = event.get("reason") or ""
    return Moment(store_time.readable(event["at"]), words.format(who=who), place_name(where, network) if where else "—",
                  reasons.get(why, why))


# --- the routing profile ---------------------------------------------------------


@dataclass(frozen=True)
class TrialRow:
    ref: str
    active: str
    draft: str
    active_cost: float
    draft_cost: float
    changed: bool


@dataclass(frozen=True)
class Trial:
    orders: int
    changed: int
    active_cost: float
    draft_cost: float
    rows: tuple[TrialRow, ...] = field(default=())

    def summary(self, currency: str) -> str:
        """What the draft would change, its routing costs in the network's currency."""
        delta = self.draft_cost - self.active_cost
        return (f"{counted(self.orders, 'recent order')}: {self.changed} would go elsewhere; "
                f"cost {money(self.active_cost, currency)} in force, {money(self.draft_cost, currency)} with the draft "
                f"({'+' if delta >= 0 else ''}{money(delta, currency)})")


def trial_of(body: dict) -> Trial:
    def where(outcome: dict) -> str:
        text = " + ".join(outcome["locations"]) or "nowhere"
        return text + (" (some units wait)" if outcome.get("unfulfilled") else "")

    return Trial(body["orders"], body["changed"], body["cost"]["active"], body["cost"]["draft"], tuple(
        TrialRow(r["external_ref"], where(r["active"]), where(r["draft"]), r["active"]["cost"], r["draft"]["cost"],
                 r["changed"]) for r in body["results"]))


# --- the calls ------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadOffice:
    """Head office on this screen: an admin API key, held in memory for the session only."""
    key: str
    network: str = "network"


class Insights:
    def __init__(self, store: StoreApp) -> None:
        self.store = store

    async def _call(self, method: str, path: str, token: str | None, **kwargs) -> dict | list:  # noqa: ANN003
        if not token:
            raise Unauthorized("offline_sign_in",
                               "You signed in offline: this shows once the badge no longer says Offline")
        try:
            return await self.store.client.request(method, path, token, **kwargs)
        except CoreUnavailable:
            raise DomainError("core_unavailable", "The system cannot be reached: try again in a moment") from None
        except CoreRefused as exc:
            raise _domain(exc) from None

    # --- manager ---

    async def dashboard(self, token: str | None, period: str, now: datetime | None = None) -> Dashboard:
        body = await self._call("GET", "/kpis", token, params=_params(period, self.store.time, now) | {"series": "day"})
        return dashboard_of(body, period)

    async def stock_alerts(self, token: str | None, period: str = "7d") -> dict:
        return await self._call("GET", "/stock/alerts", token, params=_params(period, self.store.time))

    async def set_threshold(self, token: str | None, location: str, sku: str, threshold: str) -> str:
        text = threshold.strip()
        if text and not _WHOLE.fullmatch(text):
            raise InvalidInput("bad_threshold", "The threshold is a whole number of units (empty stops the alert)")
        typed = sku.strip()
        if not typed:
            raise InvalidInput("no_sku", "Give the SKU to watch")
        sku = await self._catalog_sku(token, typed)
        value = int(text) if text else None
        await self._call("PUT", "/stock/alerts", token,
                         json={"thresholds": [{"location": location, "sku": sku, "threshold": value}]})
        return f"{sku}: alert at {value} units or fewer" if value is not None else f"{sku}: no alert any more"

    async def _catalog_sku(self, token: str | None, typed: str) -> str:
        """The SKU as the catalog spells it, typed in any case (or scanned): SKUs are not all in
        capitals. As typed when the catalog has no such SKU, for the core to say so."""
        found = await self._call("GET", "/products", token, params={"q": typed, "limit": 50})
        spelled = [p["sku"] for p in found if p["sku"] == typed] or [
            p["sku"] for p in found if p["sku"].casefold() == typed.casefold() or typed in p.get("barcodes", [])]
        return spelled[0] if len(spelled) == 1 else typed

    async def set_capacity(self, token: str | None, store: str, capacity: str) -> str:
        """The store's daily capacity, as its manager sets it. Only the capacity is sent:
        the pause is its own switch (StoreApp.set_paused), and a screen's idea of it may
        be older than the core's."""
        text = capacity.strip()
        if not _WHOLE.fullmatch(text):
            raise InvalidInput("bad_capacity", "The daily capacity is a whole number of orders")
        body = await self._call("PATCH", f"/locations/{store}/operations", token,
                                json={"daily_capacity": int(text)})
        state = "paused: no new orders are sent here" if body["paused"] else "taking orders"
        return f"{place_name(store, self.store.network)}: up to {body['daily_capacity']} orders a day, {state}"

    async def export(self, token: str | None, export: str, period: str) -> Document:
        """The core's CSV, fetched with the token and kept for the browser to download."""
        if export not in EXPORTS:
            raise InvalidInput("unknown_export", f"export must be one of {', '.join(EXPORTS)}")
        if not token:
            raise Unauthorized("offline_sign_in",
                               "You signed in offline: export once the badge no longer says Offline")
        try:
            filename, content = await self.store.client.download(f"/exports/{export}.csv", token,
                                                                  params=_params(period, self.store.time))
        except CoreUnavailable:
            raise DomainError("core_unavailable", "The system cannot be reached: try again in a moment") from None
        except CoreRefused as exc:
            raise _domain(exc) from None
        return self.store.documents.keep(filename or f"{export}.csv", content, "text/csv", title=EXPORTS[export])

    # --- anyone ---

    async def search_orders(self, token: str | None, query: str) -> list[dict]:
        query = query.strip()
        if len(query) < 2:
            raise InvalidInput("short_query", "Type at least 2 characters: order number, name, phone, e-mail or SKU")
        return (await self._call("GET", "/orders", token, params={"q": query, "limit": 50}))["items"]

    async def timeline(self, token: str | None, order_id: str) -> list[Moment]:
        # Where, by the names read at sign-in (head office on a device where no one signed in reads codes).
        events = await self._call("GET", f"/orders/{order_id}/timeline", token)
        store_time = self.store.time
        return [moment_of(e, self.store.network, store_time) for e in events]

    # --- head office ---

    async def head_office(self, key: str) -> HeadOffice:
        """Check that the key is an admin's (a network KPI read is refused to any other)."""
        key = key.strip()
        if not key:
            raise InvalidInput("no_key", "Paste head office's admin API key")
        await self._call("GET", "/kpis", key, params=_params("today", self.store.time))
        return HeadOffice(key)

    async def profile(self, key: str) -> dict:
        return await self._call("GET", "/routing/profile", key)

    async def versions(self, key: str) -> list[dict]:
        return await self._call("GET", "/routing/profile/versions", key)

    async def check(self, key: str, draft: dict) -> dict[str, str]:
        """Field path → what is wrong with it, by the core's own reading (empty: the draft is valid)."""
        answer = await self._call("POST", "/routing/profile/check", key, json=draft)
        return {p["field"]: p["message"] for p in reversed(answer["problems"])}  # a field's first problem

    async def dry_run(self, key: str, draft: dict, orders: int = 50) -> Trial:
        return trial_of(await self._call("POST", "/routing/profile/dry-run", key,
                                         json={"profile": draft, "orders": orders}))

    async def put_in_force(self, key: str, draft: dict) -> dict:
        return await self._call("PUT", "/routing/profile", key, json=draft)

    async def activate(self, key: str, version: int) -> dict:
        return await self._call("POST", f"/routing/profile/versions/{version}/activate", key)
