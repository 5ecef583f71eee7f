"""What an associate sees: the core's state with their unconfirmed actions on
top, applied with the same rules the core will apply (contract/). An action the
rules refuse is left out here; the core refuses it too and the app says why."""

import copy

from contract.errors import DomainError
from contract.fulfilment import Action, FulfilmentStatus, next_status
from contract.picking import add_picks, everything_picked


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
        for line in state["lines"]:
            line["qty"] -= min(returned.get(line["sku"], 0), line["qty"])
            line["picked"] = min(line["picked"], line["qty"])
        state["lines"] = [line for line in state["lines"] if line["qty"] > 0]
        if not state["lines"]:
            pass  # everything given back: rejected
        elif status is FulfilmentStatus.PICKING and all(line["picked"] >= line["qty"] for line in state["lines"]):
            target = FulfilmentStatus.PICKED  # what is left was all picked already
        else:
            target = None
    else:
        target = next_status(status, action, collect_here=collect_here)
        if action is Action.PACK:
            state["parcels"] = [{"service": args.get("service"), **parcel}
                                for parcel in args.get("parcels") or [{"weight_kg": 0.0, "box": None}]]
            state["carrier"] = args.get("carrier") or state.get("carrier")
        if action is Action.SHIP:
            state["carrier"] = args.get("carrier") or state.get("carrier")
            state["tracking_number"] = args.get("tracking_number") or state.get("tracking_number")
    if target is not None:
        state["status"] = target.value
