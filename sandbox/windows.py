"""Call limits as the sandbox enforces them: ``N/period[:CODE]``, and the fixed window of a
limit's period that holds an instant. Pure.

The service documents no reset instant (spec §4), so the sandbox counts natural windows on
the wall clock of its quota time zone: seconds, minutes and hours as that clock shows them,
days from local midnight, calendar months from the first of the month at local midnight.
This is the sandbox's own arithmetic: the worker's quota ledger predicts the same windows
with code of its own, and tests/unit/test_sandbox_windows_agree.py holds the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CLOCK_UNITS = {"s": 1, "m": 60, "h": 3600}  # m is minutes; months are "mo"
DAY_SECONDS = 86400
# A century at most: longer windows mean nothing to an emulator, and a window's far end
# must stay a date Python can hold even with the sandbox's clock moved a century away.
MAX_DAYS = 36_500
MAX_UNITS = {
    "s": MAX_DAYS * DAY_SECONDS,
    "m": MAX_DAYS * 1440,
    "h": MAX_DAYS * 24,
    "d": MAX_DAYS,
    "mo": 1200,
}
# ASCII digits only: "٣٠٠/60s" is no limit anyone means to type.
_RATE = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*(mo|s|m|h|d)\s*(?::\s*([0-9]+)\s*)?")
_FIRST_DAY = date(1970, 1, 1)  # multi-day windows count whole local days from here


@dataclass(frozen=True)
class Rate:
    """At most ``calls`` calls in each window of ``count`` ``unit``s (s, m, h, d or mo);
    ``code`` is the error a full window answers (None: the usual one for its length)."""

    calls: int
    count: int
    unit: str
    code: int | None = None

    def __post_init__(self) -> None:
        if self.unit not in MAX_UNITS:
            raise ValueError(f"period unit {self.unit!r} is not one of s, m, h, d, mo")
        if self.calls < 1 or self.count < 1:
            raise ValueError(f"limit {self} must allow a call in a period longer than zero")
        if self.count > MAX_UNITS[self.unit]:
            raise ValueError(f"limit {self} has a period longer than a century")

    @property
    def at_least_a_day(self) -> bool:
        """Whether a window lasts a day or more (the service's day-limit code applies)."""
        if self.unit in ("d", "mo"):
            return True
        return self.count * CLOCK_UNITS[self.unit] >= DAY_SECONDS

    def __str__(self) -> str:
        code = "" if self.code is None else f":{self.code}"
        return f"{self.calls}/{self.count}{self.unit}{code}"


def parse_rate(text: str) -> Rate:
    """``"300/60s"``, ``"200000/1d"``, ``"5/1mo"``, or with the code to answer when the
    window is full: ``"40/20s:190311"``. A ValueError names the text when it is not one."""
    match = _RATE.fullmatch(text)
    if match is None:
        raise ValueError(f"limit {text!r} is not like 300/60s, 200000/1d or 40/20s:190311")
    calls, count, unit, code = match.groups()
    return Rate(int(calls), int(count), unit, None if code is None else int(code))


def window(rate: Rate, t: float, tz: ZoneInfo) -> tuple[float, float]:
    """The window of ``rate``'s period holding the instant ``t``: ``(start, end)`` in Unix
    seconds with ``start <= t < end``."""
    if rate.unit == "mo":
        return _months(rate.count, t, tz)
    if rate.unit == "d":
        return _days(rate.count, t, tz)
    return _clock(rate.count * CLOCK_UNITS[rate.unit], t, tz)


def _clock(length: int, t: float, tz: ZoneInfo) -> tuple[float, float]:
    # Where the local clock reads a whole multiple of the length (counted from the local
    # 1970-01-01 00:00), so "1h" starts on the hour even in a half-hour zone such as Kolkata.
    offset = datetime.fromtimestamp(t, tz).utcoffset() or timedelta(0)
    start = t - (t + offset.total_seconds()) % length
    return start, start + length


def _days(count: int, t: float, tz: ZoneInfo) -> tuple[float, float]:
    # Local dates, not 86,400-second steps: a day with a daylight saving change lasts 23 or
    # 25 hours, and it still begins and ends at local midnight.
    today = datetime.fromtimestamp(t, tz).date()
    first = today - timedelta(days=(today - _FIRST_DAY).days % count)
    return _midnight(first, tz), _midnight(first + timedelta(days=count), tz)


def _months(count: int, t: float, tz: ZoneInfo) -> tuple[float, float]:
    local = datetime.fromtimestamp(t, tz)
    month = local.year * 12 + local.month - 1  # months since January of year 0
    first = month - month % count  # so "3mo" starts in January, April, July and October
    return _midnight(_first_of(first), tz), _midnight(_first_of(first + count), tz)


def _first_of(month: int) -> date:
    return date(month // 12, month % 12 + 1, 1)


def _midnight(day: date, tz: ZoneInfo) -> float:
    """The instant the local date ``day`` begins. Where daylight saving skips midnight, the
    wall time 00:00 read with the offset before the jump is the jump itself: the first
    instant of that date."""
    return datetime.combine(day, time(0), tzinfo=tz).timestamp()
