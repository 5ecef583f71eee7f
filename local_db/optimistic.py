"""What an associate sees: the core's state with their unconfirmed actions on
top, applied with the same rules the core will apply (contract/). An action the
rules refuse is left out here; the core refuses it too and the app says why."""

import copy

from contract.errors import DomainError, InvalidInput
from contract.fulfilment import Action, FulfilmentStatus, next_status
from contract.picking import add_picks, everything_picked
from contract.pickup import handover
from contract.ship_together import rest_of_sets

# A parcel scanned in at the counter: the cache shows the arrival as its own
# view until the core's arrives (LocalCache._arrivals); nothing to apply.
RECEIVE = "receive"


def effective(view: dict, intents: list[dict]) -> dict:
    state = copy.deepcopy(view)
    for intent in intents:
        try:
            apply(state, intent["type"], intent["args"])
        except DomainError:
            continue
    return state


def apply(state: dict, kind: str, args: dict) -> None:
    """Apply one intent to a fulfilment view in place; raises DomainError if refused."""
    if kind == RECEIVE:
        return
    action = Action(kind)
    status = FulfilmentStatus(state["status"])
    collect_here = state["delivery_method"] == "click_collect"
    if action is Action.PICK:
        lines = {line["sku"]: (line["qty"], line["picked"]) for line in state["lines"]}
        picks = [(item["sku"], item.get("qty", 1)) for item in args.get("items", [])] or [
            (sku, qty - done) for sku, (qty, done) in lines.items() if qty > done
        ]
        picked = add_picks(lines, picks)
        target = next_status(status, action, collect_here=collect_here, all_picked=everything_picked(lines, picked))
        for line in state["lines"]:
            line["picked"] = picked[line["sku"]]
    elif action is Action.REJECT and args.get("lines"):
        target = next_status(status, action, collect_here=collect_here)
        returned = {}
        for item in args["lines"]:
            returned[item["sku"]] = returned.get(item["sku"], 0) + item["qty"]
        held = {line["sku"]: line["qty"] for line in state["lines"]}
        for sku, qty in returned.items():  # refused as the core refuses them, not capped
            if sku not in held:
                raise InvalidInput("wrong_item", f"{sku} is not in this fulfilment", sku=sku)
            if qty > held[sku]:
                raise InvalidInput("too_many", f"only {held[sku]} of {sku} to reject", sku=sku, qty=held[sku])
        returned = given_back(state, returned)
        for line in state["lines"]:
            line["qty"] -= returned.get(line["sku"], 0)
            line["picked"] = min(line["picked"], line["qty"])
        state["lines"] = [line for line in state["lines"] if line["qty"] > 0]
        if not state["lines"]:
            pass  # everything given back: rejected
        elif status is FulfilmentStatus.PICKING and all(line["picked"] >= line["qty"] for line in state["lines"]):
            target = FulfilmentStatus.PICKED  # what is left was all picked already
        else:
            target = None
    elif action is Action.COLLECT:
        target = next_status(status, action, collect_here=collect_here)
        if target is None:
            return
        taken = args.get("lines")
        _, left = handover({line["sku"]: line["qty"] for line in state["lines"]},
                           None if taken is None else [(item["sku"], item["qty"]) for item in taken],
                           args.get("rest", "keep"), args.get("reason"))
        if left:  # a partial handover: what was taken leaves on a fulfilment of its own
            state["lines"] = [{**line, "qty": left[line["sku"]], "picked": min(line["picked"], left[line["sku"]])}
                              for line in state["lines"] if line["sku"] in left]
            target = FulfilmentStatus.CANCELLED if args.get("rest") == "cancel" else None
    else:
        target = next_status(status, action, collect_here=collect_here)
        if action is Action.READY and args.get("shelf"):
            state["shelf"] = args["shelf"]
        if action is Action.PACK:
            state["parcels"] = [{"service": args.get("service"), **parcel}
                                for parcel in args.get("parcels") or [{"weight_kg": 0.0, "box": None}]]
            state["carrier"] = args.get("carrier") or state.get("carrier")
        if action is Action.SHIP:
            state["carrier"] = args.get("carrier") or state.get("carrier")
            state["tracking_number"] = args.get("tracking_number") or state.get("tracking_number")
    if target is not None:
        state["status"] = target.value


def given_back(view: dict, named: dict[str, int]) -> dict[str, int]:
    """The units giving back `named` (sku -> units) takes from the fulfilment: those, and every unit of
    the ship-together sets they belong to, which leave whole from one location (the core does the same)."""
    lines = {line["sku"]: (line["qty"], line.get("ship_together")) for line in view["lines"]}
    return named | rest_of_sets(lines, named)


def arrival(parcel: dict, arrival_id: str, tracking_number: str, shelf: str | None, at: str) -> dict:
    """The view of a parcel scanned in at its pickup store, as the core will
    make it (services/counter.receive): this store's fulfilment, ready for the
    customer, on the shelf it was put on."""
    return {
        **parcel, "id": arrival_id, "location": parcel["ship_to"], "status": FulfilmentStatus.READY_FOR_PICKUP.value,
        "delivery_method": "click_collect", "ship_to": None, "tracking_number": tracking_number, "parcels": [],
        "shelf": shelf, "ready_at": at, "reminders_sent": 0, "arrived_from": parcel["id"], "destination": None,
        "lines": [{**line, "picked": line["qty"]} for line in parcel["lines"]],
        "version": 0, "created_at": at, "updated_at": at,
    }
