"""A routing profile draft as head office edits it: plain dict operations, each
returning a changed copy (the draft on screen is never changed in place), so
that the screen stays thin and every edit is testable without a browser.
Whether the draft is valid is the core's say (POST /routing/profile/check).

Text being typed is kept apart (see Typed in the views) under keys
"kind:path", e.g. "list:rule_sets[0].filters.exclude": `folded` reads each
text as its kind says and puts it at its path."""

import copy
import math
import json
import re
from collections.abc import Callable

from contract.routing import CONDITION_OPERATORS, CRITERIA, LIST_OPERATORS

_PATH = re.compile(r"(\w+)|\[(\d+)\]")
# A value each condition test starts with, before the admin types their own.
_STARTING_VALUES = {"channel": "web", "method": "home", "country": "FR", "customer_tier": "gold", "value": 100,
                    "tags": "fragile"}


def _parts(path: str) -> list[str | int]:
    return [name or int(index) for name, index in _PATH.findall(path)]


def at(draft: dict, path: str, default: object = None) -> object:
    """The value at `path` ("rule_sets[1].split.max_parcels"), or `default` when there is none."""
    here: object = draft
    for part in _parts(path):
        try:
            here = here[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return default
    return here


def field_words(draft: dict, path: str) -> str:
    """A field's path as the form shows it: "rule_sets[1].split.max_parcels" is
    "Rule set 2 'Home' · split · max parcels" (the form numbers rule sets from 1)."""
    words: list[str] = []
    parts = _parts(path)
    for n, part in enumerate(parts):
        if isinstance(part, int):
            owner = parts[n - 1] if n else ""
            if owner == "rule_sets":
                name = at(draft, f"rule_sets[{part}].name")
                words[-1] = f"Rule set {part + 1}" + (f" '{name}'" if isinstance(name, str) and name else "")
            else:
                words[-1] = f"{words[-1]} {part + 1}"
        else:
            words.append(part.replace("_", " "))
    return " · ".join(words) or "profile"


# What the form shows for a list the profile leaves out (the core's default): written in
# first when something inside it is edited, so that the rest of what was shown stays.
DEFAULT_RANK = [{"by": "cost"}]
_SHOWN_DEFAULTS = {"rank": DEFAULT_RANK}


def set_at(draft: dict, path: str, value: object) -> dict:
    """A copy with `value` at `path`; None takes the field away (it falls back to its default)."""
    draft = copy.deepcopy(draft)
    parts = _parts(path)
    here = draft
    for part in parts[:-1]:
        if isinstance(part, str) and part not in here:
            here[part] = copy.deepcopy(_SHOWN_DEFAULTS.get(part, {}))
        here = here[part]
    if value is None:
        if isinstance(here, dict):
            here.pop(parts[-1], None)
    else:
        here[parts[-1]] = value
    return draft


def edited(draft: dict, path: str, change: Callable[[object], object], default: object = None) -> dict:
    """A copy with the value at `path` replaced by `change(value)`."""
    return set_at(draft, path, change(copy.deepcopy(at(draft, path, default))))


# --- text typed into fields ------------------------------------------------------------


def read(kind: str, text: str) -> object:
    """What a field's text means: a number (or, when it is not one, the text for the
    validator to name), an optional number (blank: none), a text, a comma-separated
    list, or JSON."""
    text = text.strip()
    if kind in ("number", "optional"):
        if kind == "optional" and not text:
            return None
        number = text.replace(",", ".")
        if re.fullmatch(r"-?\d+", number):
            return int(number)
        try:
            value = float(number)
        except ValueError:
            return text
        # "nan", "inf", "1e999" are floats but no JSON number: the validator names them as typed.
        return value if math.isfinite(value) else text
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def shown(kind: str, value: object) -> str:
    """A value as its field shows it."""
    if value is None:
        return ""
    if kind == "list" and isinstance(value, list):
        return ", ".join(map(str, value))
    if kind == "json":
        return json.dumps(value)
    return str(value)


def folded(draft: dict, typed: dict[str, str]) -> dict:
    """The draft with what is typed in its fields."""
    for key, text in typed.items():
        kind, path = key.split(":", 1)
        draft = set_at(draft, path, read(kind, text))
    return draft


# --- rule sets -------------------------------------------------------------------------


def add_rule_set(draft: dict) -> dict:
    names = {rule.get("name") for rule in draft.get("rule_sets", [])}
    name = next(f"Rule set {n}" for n in range(len(names) + 1, len(names) + 100) if f"Rule set {n}" not in names)
    return edited(draft, "rule_sets", lambda rules: [*rules, {"name": name, "rank": copy.deepcopy(DEFAULT_RANK)}], [])


def remove_rule_set(draft: dict, index: int) -> dict:
    return edited(draft, "rule_sets", lambda rules: [r for i, r in enumerate(rules) if i != index], [])


def move_rule_set(draft: dict, index: int, step: int) -> dict:
    draft = copy.deepcopy(draft)
    rules = draft["rule_sets"]
    other = index + step
    if 0 <= index < len(rules) and 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], rules[index]
    return draft


# --- conditions: the tests an order must pass, all of them -------------------------------


def checks_of(when: object) -> list[dict] | None:
    """The condition as a list of tests that must all pass, or None when it is
    nested deeper (any / not), which the form shows and edits as JSON."""
    if when is None:
        return []
    if isinstance(when, dict) and "field" in when:
        return [when]
    if isinstance(when, dict) and list(when) == ["all"] and isinstance(when["all"], list) \
            and all(isinstance(c, dict) and "field" in c for c in when["all"]):
        return list(when["all"])
    return None


def check_path(rule_path: str, when: object, index: int) -> str:
    """Where test `index` of a flat condition lives (a lone test is the condition itself)."""
    return f"{rule_path}.when" if isinstance(when, dict) and "field" in when else f"{rule_path}.when.all[{index}]"


def _with_checks(checks: list[dict]) -> dict | None:
    return None if not checks else checks[0] if len(checks) == 1 else {"all": checks}


def add_check(draft: dict, rule: int) -> dict:
    when = f"rule_sets[{rule}].when"
    return edited(draft, when, lambda w: _with_checks([*checks_of(w), _new_check("channel")]))


def remove_check(draft: dict, rule: int, index: int) -> dict:
    when = f"rule_sets[{rule}].when"
    return edited(draft, when, lambda w: _with_checks([c for i, c in enumerate(checks_of(w)) if i != index]))


def set_check(draft: dict, rule: int, index: int, field: str | None = None, op: str | None = None) -> dict:
    """Another field starts the test afresh; another operator keeps the value,
    turned into a list or out of one as the operator takes."""
    def change(when: object) -> object:
        checks = checks_of(when)
        check = checks[index]
        if field is not None and field != check.get("field"):
            check = _new_check(field)
        elif op is not None:
            value = check.get("value")
            if op in LIST_OPERATORS and not isinstance(value, list):
                value = [] if value in (None, "") else [value]
            elif op not in LIST_OPERATORS and isinstance(value, list):
                value = value[0] if value else ""
            check = {**check, "op": op, "value": value}
        checks[index] = check
        return _with_checks(checks)

    return edited(draft, f"rule_sets[{rule}].when", change)


def _new_check(field: str) -> dict:
    return {"field": field, "op": CONDITION_OPERATORS[field][0], "value": _STARTING_VALUES[field]}


# --- filters and ranking -----------------------------------------------------------------


def toggled(draft: dict, path: str, option: str, on: bool, options: tuple[str, ...], default: tuple[str, ...]) -> dict:
    """A list of choices (location types, capabilities) with `option` in or out, in the options' order."""
    def change(chosen: object) -> list[str]:
        chosen = set(chosen if isinstance(chosen, list) else default)
        chosen = chosen | {option} if on else chosen - {option}
        return [o for o in options if o in chosen]

    return edited(draft, path, change)


def add_criterion(draft: dict, rule: int) -> dict:
    def change(rank: object) -> list[dict]:
        rank = rank if isinstance(rank, list) else copy.deepcopy(DEFAULT_RANK)
        used = {c.get("by") for c in rank}
        unused = [c for c in CRITERIA if c not in used]
        return [*rank, {"by": unused[0]}] if unused else rank

    return edited(draft, f"rule_sets[{rule}].rank", change)


def remove_criterion(draft: dict, rule: int, index: int) -> dict:
    return edited(draft, f"rule_sets[{rule}].rank", lambda rank: [c for i, c in enumerate(rank or []) if i != index])


# --- in words ------------------------------------------------------------------------------


# The conditions' operators as head office reads them (the profile keeps the codes).
OPERATOR_WORDS = {"eq": "is", "in": "is one of", "gte": "is at least", "gt": "is more than", "lte": "is at most",
                  "lt": "is less than", "has": "has the tag", "has_any": "has any tag of"}


def condition_text(when: object) -> str:
    """A rule set's condition in words ("every order" when it has none)."""
    if when is None:
        return "every order"
    if not isinstance(when, dict):
        return str(when)
    if "all" in when:
        return " and ".join(f"({condition_text(c)})" for c in when["all"])
    if "any" in when:
        return " or ".join(f"({condition_text(c)})" for c in when["any"])
    if "not" in when:
        return f"not ({condition_text(when['not'])})"
    value = when.get("value")
    value = ", ".join(map(str, value)) if isinstance(value, list) else value
    return f"{when.get('field')} {OPERATOR_WORDS.get(when.get('op'), when.get('op'))} {value}"
