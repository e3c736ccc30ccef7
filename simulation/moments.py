"""Moments in a scenario ("day 2 10:00") and the clock that turns them into instants.

A scenario counts in days from its start, in one time zone, so a path reads the way a
marketer plans a campaign ("day 5, out of office until day 19") and is the same on every run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

_DAY = re.compile(r"^\s*day\s+(\d+)(?:\s+(\d{1,2}):(\d{2}))?\s*$", re.IGNORECASE)
_FORMS = "'day N', 'day N HH:MM' or an ISO date and time such as 2026-03-02T09:00"


class Moment(BaseModel):
    """`day N` (start + N days, same local time), `day N HH:MM`, or an exact date and time.

    An exact time without a UTC offset is local time in the scenario's time zone.
    """

    model_config = ConfigDict(frozen=True)

    day: int | None = None
    at_time: time | None = None
    exact: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _read(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            return {"exact": value}
        if isinstance(value, date):
            raise ValueError(f"{value.isoformat()} has no time of day: write {_FORMS}")
        if not isinstance(value, str):
            return value if isinstance(value, dict) else _reject(value)
        match = _DAY.match(value)
        if match is None:
            try:
                return {"exact": datetime.fromisoformat(value.strip())}
            except ValueError:
                return _reject(value)
        day, hour, minute = match.groups()
        if hour is None:
            return {"day": int(day)}
        if int(hour) > 23 or int(minute) > 59:
            raise ValueError(f"{value!r} is not a time of day (HH:MM, 00:00 to 23:59)")
        return {"day": int(day), "at_time": time(int(hour), int(minute))}

    def __str__(self) -> str:
        if self.exact is not None:
            return self.exact.isoformat()
        clock = f" {self.at_time:%H:%M}" if self.at_time is not None else ""
        return f"day {self.day}{clock}"


def _reject(value: object) -> NoReturn:
    raise ValueError(f"{value!r} is not a moment: write {_FORMS}")


def parse_day(value: object) -> int | None:
    """N for a plain `day N`, else None (used for dates inside event data)."""
    match = _DAY.match(value) if isinstance(value, str) else None
    return int(match.group(1)) if match and match.group(2) is None else None


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Warsaw')"
        ) from error


def _existing_zone(name: str) -> str:
    zone_named(name)
    return name


# An IANA time zone name, checked when the scenario is read.
ZoneName = Annotated[str, AfterValidator(_existing_zone)]


@dataclass(frozen=True)
class ScenarioClock:
    """Day 0 is the local date of `start`; "day N" keeps the local time of `start`."""

    start: datetime  # local, in `zone`
    zone: ZoneInfo

    @classmethod
    def starting(cls, start: datetime, zone: ZoneInfo) -> ScenarioClock:
        local = start.replace(tzinfo=zone) if start.tzinfo is None else start.astimezone(zone)
        return cls(start=local, zone=zone)

    @property
    def day_zero(self) -> datetime:
        """The start in UTC, like every instant the interpreter is given."""
        return self.start.astimezone(UTC)

    def instant(self, moment: Moment) -> datetime:
        """The moment in UTC."""
        if moment.exact is not None:
            exact = moment.exact
            local = exact.replace(tzinfo=self.zone) if exact.tzinfo is None else exact
            return local.astimezone(UTC)
        assert moment.day is not None, "a moment is a day or an exact time"
        clock = moment.at_time if moment.at_time is not None else self.start.timetz()
        local_day = self.date_of_day(moment.day)
        return datetime.combine(local_day, clock.replace(tzinfo=self.zone)).astimezone(UTC)

    def date_of_day(self, day: int) -> date:
        return self.start.date() + timedelta(days=day)

    def day_of(self, instant: datetime) -> int:
        return (instant.astimezone(self.zone).date() - self.start.date()).days

    def local_time(self, instant: datetime) -> str:
        return f"{instant.astimezone(self.zone):%H:%M}"

    def label(self, instant: datetime) -> str:
        """'day 5 09:00': how a path line names its moment."""
        return f"day {self.day_of(instant)} {self.local_time(instant)}"
