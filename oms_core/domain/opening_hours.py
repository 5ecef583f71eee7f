"""Opening hours of a location: {"mon": ["09:00", "19:00"], ...}; a missing day is closed."""

from collections.abc import Mapping
from datetime import date, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS: Mapping[str, list[str]] = {day: ["09:00", "19:00"] for day in WEEKDAYS[:6]}


def hours_on(hours: Mapping[str, list[str]], day: date) -> tuple[time, time] | None:
    """Opening and closing time on that day, or None when closed."""
    span = hours.get(WEEKDAYS[day.weekday()])
    if not span:
        return None
    opens, closes = (time.fromisoformat(t) for t in span)
    return (opens, closes) if opens < closes else None

