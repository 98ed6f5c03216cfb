"""Rate limits as data: parsing ``N/period[:CODE]`` and the provider's fixed windows. Pure.

The provider counts natural windows on the wall clock of its time zone (Asia/Shanghai by
default): minutes and hours as the clock shows them, days from local midnight, calendar
months from the first at midnight. The worker's quota ledger predicts the windows the
sandbox enforces; the sandbox computes them with code of its own (sandbox/windows.py), so a
mistake here cannot hide behind the same mistake there, and a test checks that they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"^\s*(\d+)\s*(mo|s|m|h|d)\s*$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([^:]+?)\s*(?::\s*(\d+))?\s*$")
_EPOCH_DAY = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Period:
    """A window length: ``count`` seconds, minutes, hours, days or calendar months."""

    count: int
    unit: str  # s, m, h, d or mo

    def __post_init__(self) -> None:
        if self.unit not in (*UNITS, "mo"):
            raise ValueError(f"period unit {self.unit!r} is not one of s, m, h, d, mo")
        if self.count <= 0:
            raise ValueError("a period must be longer than zero")

    @property
    def is_calendar(self) -> bool:
        """Days and months follow the provider's calendar (local midnight), not the epoch."""
        return self.unit in ("d", "mo")

    @property
    def approx_seconds(self) -> float:
        """Length in seconds (a month counts as 30 days): for ordering and sliding windows."""
        return self.count * (30 * 86400 if self.unit == "mo" else UNITS[self.unit])

    def __str__(self) -> str:
        return f"{self.count}{self.unit}"


@dataclass(frozen=True)
class Rate:
    """At most ``calls`` calls per ``period``; ``code`` is the error the provider answers with
    when the window is full (None: the provider's usual code for a window of that length)."""

    calls: int
    period: Period
    code: int | None = None

    def __str__(self) -> str:
        suffix = f":{self.code}" if self.code is not None else ""
        return f"{self.calls}/{self.period}{suffix}"


def parse_period(text: str) -> Period:
    """``"60s"``, ``"5m"``, ``"1h"``, ``"1d"`` or ``"1mo"`` (``m`` is minutes)."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"period {text!r} is not like 60s, 5m, 1h, 1d or 1mo")
    count = int(match.group(1))
    if count <= 0:
        raise ValueError(f"period {text!r} must be longer than zero")
    return Period(count, match.group(2))


def parse_rate(text: str) -> Rate:
    """``"300/60s"``, or with the provider's error code: ``"40/20s:190311"``."""
    match = _RATE.match(text)
    if not match:
        raise ValueError(f"limit {text!r} is not like 300/60s")
    calls = int(match.group(1))
    if calls <= 0:
        raise ValueError(f"limit {text!r} must allow at least one call")
    code = int(match.group(3)) if match.group(3) else None
    return Rate(calls, parse_period(match.group(2)), code)


def window_bounds(limit: Rate | Period, t: float, tz: ZoneInfo) -> tuple[float, float]:
    """The fixed window of ``limit``'s period that holds the instant ``t``: (start, end) as
    Unix seconds, ``start <= t < end``.

    Sub-day windows are aligned on the local wall clock, counted from the local epoch
    (so "1h" is a clock hour even in a half-hour time zone); day windows start at local
    midnight and month windows on the first of the month at local midnight. In a zone with
    daylight saving a natural day is 23 or 25 hours long; Asia/Shanghai has had none since
    1991, so its days are always 86,400 s.
    """
    period = limit.period if isinstance(limit, Rate) else limit
    if period.unit == "mo":
        return _month_window(period.count, t, tz)
    if period.unit == "d":
        return _day_window(period.count, t, tz)
    length = period.count * UNITS[period.unit]
    offset = _utc_offset(t, tz)
    start = t - (t + offset) % length
    return start, start + length


def _utc_offset(t: float, tz: ZoneInfo) -> float:
    delta = datetime.fromtimestamp(t, tz).utcoffset()
    return delta.total_seconds() if delta is not None else 0.0


def _day_window(days: int, t: float, tz: ZoneInfo) -> tuple[float, float]:
    # Whole local days since the local date 1970-01-01, so multi-day windows stay aligned.
    day = datetime.fromtimestamp(t, tz).date().toordinal() - _EPOCH_DAY
    first = day // days * days
    start = _local_midnight(date.fromordinal(_EPOCH_DAY + first), tz)
    end = _local_midnight(date.fromordinal(_EPOCH_DAY + first + days), tz)
    return start, end


def _month_window(months: int, t: float, tz: ZoneInfo) -> tuple[float, float]:
    local = datetime.fromtimestamp(t, tz)
    index = (local.year * 12 + local.month - 1) // months * months
    start = _local_midnight(date(index // 12, index % 12 + 1, 1), tz)
    end_index = index + months
    end = _local_midnight(date(end_index // 12, end_index % 12 + 1, 1), tz)
    return start, end


def _local_midnight(day: date, tz: ZoneInfo) -> float:
    """The instant the local date ``day`` begins (where midnight is skipped by a daylight
    saving jump, the first instant of that date)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
