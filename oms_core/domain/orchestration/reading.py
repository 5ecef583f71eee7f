"""Reading a routing profile from JSON, noting every problem with the path of
the field at fault (`rule_sets[1].filters.max_distance_km`), so that an admin
who sends a bad profile learns exactly what to fix."""

from collections.abc import Iterable
from dataclasses import dataclass, field

_MISSING = object()


@dataclass
class Problems:
    found: list[dict] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.found.append({"field": path, "message": message})


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class Fields:
    """One JSON object of the profile. Each reader returns a usable value (the
    default when the field is wrong) so that reading goes on and every problem
    is reported at once; `close()` reports the fields nobody asked for."""

    def __init__(self, body: object, path: str, problems: Problems) -> None:
        self.path = path
        self.problems = problems
        if not isinstance(body, dict):
            problems.add(path, "must be an object")
            body = {}
        self.body = body
        self._read: set[str] = set()

    def _get(self, name: str) -> tuple[object, str]:
        self._read.add(name)
        return self.body.get(name, _MISSING), child(self.path, name)

    def _bad(self, path: str, message: str, default):  # noqa: ANN001, ANN202
        self.problems.add(path, message)
        return default

    def number(self, name: str, default: float | None, low: float = 0, high: float = 1e9,
               optional: bool = False) -> float | None:
        value, path = self._get(name)
        if value is _MISSING:
            return default
        if optional and value is None:
            return None  # said to be off (no limit), whatever the default
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            return self._bad(path, f"must be a number from {low:g} to {high:g}", default)
        return float(value)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value, path = self._get(name)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return self._bad(path, f"must be a whole number from {low} to {high}", default)
        return value

    def flag(self, name: str, default: bool) -> bool:
        value, path = self._get(name)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            return self._bad(path, "must be true or false", default)
        return value

    def text(self, name: str, default: str | None, max_length: int = 100, pattern=None) -> str | None:  # noqa: ANN001
        value, path = self._get(name)
        if value is _MISSING:
            if default is None:
                return self._bad(path, "is required", "")
            return default
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            return self._bad(path, f"must be a text of 1 to {max_length} characters", default or "")
        if pattern is not None and not pattern.fullmatch(value):
            return self._bad(path, f"'{value}' is not in the expected form", default or "")
        return value

    def choice(self, name: str, options: Iterable[str], default: str | None) -> str:
        options = tuple(options)
        value, path = self._get(name)
        if value is _MISSING:
            if default is None:
                return self._bad(path, f"is required (one of {', '.join(options)})", options[0])
            return default
        if value not in options:
            return self._bad(path, f"must be one of {', '.join(options)}", default or options[0])
        return value  # type: ignore[return-value]

    def choices(self, name: str, options: Iterable[str], default: tuple[str, ...]) -> tuple[str, ...]:
        options = tuple(options)
        value, path = self._get(name)
        if value is _MISSING:
            return default
        if not isinstance(value, list) or any(v not in options for v in value):
            return self._bad(path, f"must be a list of {', '.join(options)}", default)
        return tuple(dict.fromkeys(value))

    def texts(self, name: str, max_items: int = 500) -> tuple[str, ...]:
        value, path = self._get(name)
        if value is _MISSING:
            return ()
        if not isinstance(value, list) or len(value) > max_items or not all(isinstance(v, str) and v for v in value):
            return self._bad(path, f"must be a list of at most {max_items} texts", ())
        return tuple(value)

    def obj(self, name: str) -> "Fields":
        """A nested object; absent means every field takes its default."""
        value, path = self._get(name)
        return Fields({} if value is _MISSING else value, path, self.problems)

    def items(self, name: str, low: int, high: int) -> list[tuple[str, object]]:
        """A list: (path, value) for each element."""
        value, path = self._get(name)
        if value is _MISSING and low == 0:
            return []
        if not isinstance(value, list) or not low <= len(value) <= high:
            return self._bad(path, f"must be a list of {low} to {high} items", [])
        return [(f"{path}[{i}]", v) for i, v in enumerate(value)]

    def raw(self, name: str) -> tuple[object | None, str]:
        value, path = self._get(name)
        return (None if value is _MISSING else value), path

    def close(self) -> None:
        for name in self.body:
            if name not in self._read:
                self.problems.add(child(self.path, name), "is not a field here")
