"""The store's clock and calendar, and dates and times the way associates read them ("5 Dec 10:03"),
never the ISO stamps the core and the cache keep. Every screen says a date through here, and every
store day ("today", "Done today", a manifest's date, the manager's periods) is counted here."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from local_db.engine import device_clock


@dataclass(frozen=True)
class StoreTime:
    """Moments and days in the network's time zone, the one the core counts its days in (its
    routing profile's), as the last sync said: the tablet's "today" is the core's, whatever zone
    the machine running the app (the store PC, in web mode) is set to."""

    zone: ZoneInfo | None = None  # None: the device's own (before a first sync)
    clock: Callable[[], datetime] = device_clock

    @classmethod
    def named(cls, name: str | None, clock: Callable[[], datetime] = device_clock) -> "StoreTime":
        """The zone the core named; the device's own when it named none, or this device does
        not know that zone (no time zone data on it)."""
        try:
            return cls(ZoneInfo(name) if name else None, clock)
        except (ZoneInfoNotFoundError, ValueError):
            return cls(None, clock)

    def local(self, moment: str | datetime) -> datetime:
        """A moment on the store's clock (one without a zone is the core's UTC)."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.zone)

    def now(self) -> datetime:
        return self.local(self.clock())

    def today(self) -> date:
        return self.now().date()

    def midnight(self, day: date) -> datetime:
        """When the store's day begins, at that midnight's own UTC offset (a day is 23 or 25 hours
        long when the clocks change)."""
        if self.zone is None:
            return datetime.combine(day, time(0)).astimezone()  # the device's rules
        return datetime.combine(day, time(0), tzinfo=self.zone)

    def readable(self, value: str | date | datetime, today: date | None = None) -> str:
        """"5 Dec 10:03" for a moment (on the store's clock), "5 Dec" for a day, with the year
        when it is not this one."""
        if isinstance(value, str) and len(value) == 10:
            value = date.fromisoformat(value)
        if isinstance(value, str | datetime):
            local = self.local(value)
            return f"{readable_day(local.date(), today or self.today())} {local:%H:%M}"
        return readable_day(value, today or self.today())


def readable_day(day: date, today: date) -> str:
    """"5 Dec", with the year when it is not this one."""
    year = "" if day.year == today.year else f" {day.year}"
    return f"{day.day} {day:%b}{year}"
