"""Rate limits as data: parsing ``N/period`` and the provider's fixed windows. Pure.

The provider counts natural windows: minutes and hours on the clock, days from local
midnight and calendar months in its time zone (Asia/Shanghai by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"^\s*(\d+)\s*(s|m|h|d|mo)\s*$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*([^:]+?)\s*(?::\s*(\d+))?\s*$")


@dataclass(frozen=True)
class Period:
    count: int
    unit: str  # s, m, h, d or mo

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
    """At most ``calls`` calls per ``period``; ``code`` is the error the provider answers with."""

    calls: int
    period: Period
    code: int | None = None

    def __str__(self) -> str:
        suffix = f":{self.code}" if self.code is not None else ""
        return f"{self.calls}/{self.period}{suffix}"


def parse_period(text: str) -> Period:
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


def window_bounds(period: Period, t: float, tz: ZoneInfo) -> tuple[float, float]:
    """The fixed window of ``period`` that holds the instant ``t``, as Unix seconds."""
    if period.unit == "mo":
        local = datetime.fromtimestamp(t, tz)
        index = (local.year * 12 + local.month - 1) // period.count * period.count
        start = datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)
        end_index = index + period.count
        end = datetime(end_index // 12, end_index % 12 + 1, 1, tzinfo=tz)
        return start.timestamp(), end.timestamp()
    length = period.count * UNITS[period.unit]
    if period.unit == "d":
        # Count whole local days since the epoch's local date, so windows start at midnight.
        local = datetime.fromtimestamp(t, tz)
        day = local.date().toordinal() - datetime(1970, 1, 1).date().toordinal()
        first = day // period.count * period.count
        start = datetime(1970, 1, 1, tzinfo=tz) + timedelta(days=first)
        start = start.replace(tzinfo=tz)
        return start.timestamp(), (start + timedelta(days=period.count)).timestamp()
    start_s = t // length * length
    return float(start_s), float(start_s + length)
