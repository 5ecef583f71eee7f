"""Dates and times the way associates read them ("5 Dec 10:03", in the store's own time),
never the ISO stamps the core and the cache keep. Every screen says a date through here."""

from datetime import UTC, date, datetime


def readable(value: str | date | datetime, today: date | None = None) -> str:
    """"5 Dec 10:03" for a moment, "5 Dec" for a day, with the year when it is not this one.
    A moment is said in the device's time zone (the store's); one without a zone is the core's UTC."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone()
        day, time = local.date(), f" {local:%H:%M}"
    else:
        day, time = value, ""
    year = "" if day.year == (today or date.today()).year else f" {day.year}"
    return f"{day.day} {day:%b}{year}{time}"
