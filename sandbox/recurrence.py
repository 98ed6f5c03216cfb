"""The occurrences of a recurring meeting (a series), from its first one and its rule. Pure.

A rule is what a create or update sends as ``recurring_rule`` (spec §3; the official SDK's
``V1MeetingsPostRequestRecurringRule``): ``recurring_type`` 0 daily, 1 weekdays, 2 weekly,
3 biweekly, 4 monthly, 5 custom; ``until_type`` 0 ends on ``until_date`` (Unix seconds; by
default a week after the first occurrence), 1 after ``until_count`` occurrences (7 by
default). Integers may come as decimal strings, as everywhere in the API.

The series repeats the first occurrence's wall-clock time in the meeting's time zone
(Asia/Shanghai unless the meeting names one), and holds at most 50 occurrences: the SDK
documents "at most 50 sub-meetings" for ``until_date`` and 1–50 for ``until_count``.

A simplification, stated here rather than guessed at: a custom rule (5) repeats every
``customized_recurring_step`` days (``customized_recurring_type`` 0), weeks (1) or months
(2, 3) from the first occurrence; the ``customized_recurring_days`` selection is not
modelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.validate import int_field

MAX_OCCURRENCES = 50
DEFAULT_COUNT = 7
DEFAULT_SPAN = timedelta(days=7)
DEFAULT_ZONE = "Asia/Shanghai"

DAILY, WEEKDAYS, WEEKLY, BIWEEKLY, MONTHLY, CUSTOM = range(6)
UNTIL_DATE, UNTIL_COUNT = 0, 1


def meeting_zone(name: Any) -> ZoneInfo:
    """The zone a series repeats in: the meeting's, when it names one that exists."""
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_ZONE)


def occurrences(start: int, rule: Mapping[str, Any], zone: ZoneInfo) -> list[int]:
    """The start times (Unix seconds) of every occurrence, the first being ``start``.

    A series running past year 9999 (the service takes any 12-digit time) ends there."""
    try:
        first = datetime.fromtimestamp(start, zone)
    except (OverflowError, OSError, ValueError):
        return [start]
    starts = _starts(first, rule)
    if _int(rule, "until_type", UNTIL_DATE) == UNTIL_COUNT:
        count = min(max(_int(rule, "until_count", DEFAULT_COUNT), 1), MAX_OCCURRENCES)
        return [int(s.timestamp()) for _, s in zip(range(count), starts, strict=False)]
    last = _last_day(rule, first)
    out: list[int] = []
    for moment in starts:
        # until_date names a day: every occurrence on that day (in the meeting's zone) counts.
        if len(out) == MAX_OCCURRENCES or (out and last is not None and moment.date() > last):
            break
        out.append(int(moment.timestamp()))
    return out


def _last_day(rule: Mapping[str, Any], first: datetime) -> date | None:
    """The day ``until_date`` names; None (only the 50-occurrence cap) for a time no
    calendar reaches."""
    until = int_field(rule.get("until_date"))
    try:
        if until is None:
            return (first + DEFAULT_SPAN).date()
        return datetime.fromtimestamp(until, first.tzinfo).date()
    except (OverflowError, OSError, ValueError):
        return None


def _starts(first: datetime, rule: Mapping[str, Any]) -> Iterator[datetime]:
    """Every start the rule allows, in order. Aware datetime arithmetic in one zone keeps
    the wall-clock time, as a calendar does across a daylight-saving change."""
    kind = _int(rule, "recurring_type", DAILY)
    if kind == WEEKDAYS:
        return (d for d in _every(first, _days(1)) if d.weekday() < 5 or d == first)
    if kind == MONTHLY:
        return _every(first, _months(1))
    if kind == CUSTOM:
        step = max(_int(rule, "customized_recurring_step", 1), 1)
        unit = _int(rule, "customized_recurring_type", 0)
        if unit == 0:
            return _every(first, _days(step))
        return _every(first, _days(7 * step) if unit == 1 else _months(step))
    days = {WEEKLY: 7, BIWEEKLY: 14}.get(kind, 1)
    return _every(first, _days(days))


def _every(first: datetime, nth: Callable[[datetime, int], datetime | None]) -> Iterator[datetime]:
    for n in range(50 * 366):  # a bound far beyond 50 occurrences of any rule
        try:
            moment = nth(first, n)
        except (OverflowError, ValueError):  # past year 9999
            return
        if moment is not None:
            yield moment


def _days(step: int) -> Callable[[datetime, int], datetime | None]:
    return lambda first, n: first + timedelta(days=step * n)


def _months(step: int) -> Callable[[datetime, int], datetime | None]:
    def nth(first: datetime, n: int) -> datetime | None:
        month = first.month - 1 + step * n
        year = first.year + month // 12
        if year > 9999:
            raise OverflowError("past year 9999")
        try:
            return first.replace(year=year, month=month % 12 + 1)
        except ValueError:  # no such day that month (the 31st, say): no occurrence then
            return None

    return nth


def _int(rule: Mapping[str, Any], name: str, default: int) -> int:
    value = int_field(rule.get(name))
    return default if value is None else value
