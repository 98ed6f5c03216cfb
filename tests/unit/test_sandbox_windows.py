"""The sandbox's own rate parsing and natural windows (sandbox/windows.py), checked against
wall-clock facts rather than against the worker's quota code."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from sandbox.windows import Rate, parse_rate, window

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
SANTIAGO = ZoneInfo("America/Santiago")
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45


def at(text: str, tz: tzinfo = SHANGHAI) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def bounds(rate: str, t: float, tz: ZoneInfo = SHANGHAI) -> tuple[float, float]:
    return window(parse_rate(rate), t, tz)


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("300/60s", Rate(300, 60, "s")),
        ("9/1m", Rate(9, 1, "m")),
        ("2000/1h", Rate(2000, 1, "h")),
        ("200000/1d", Rate(200000, 1, "d")),
        ("5/1mo", Rate(5, 1, "mo")),
        ("40/20s:190311", Rate(40, 20, "s", 190311)),
        (" 100 / 60 s : 190313 ", Rate(100, 60, "s", 190313)),
    ],
)
def test_limits_parse_and_print_back(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate
    assert parse_rate(str(rate)) == rate
    assert str(rate) == text.replace(" ", "")


@pytest.mark.parametrize(
    "text",
    [
        "300 per minute",
        "",
        "300",
        "/60s",
        "300/60",
        "300/s",
        "0/60s",
        "5/0s",
        "5/1w",
        "5/1mon",
        "5/1d:",
        "-5/1d",
        "٣٠٠/60s",  # digits, but not ASCII ones
        "1/36501d",  # over a century
        "1/1201mo",
        "1/99999999999999999999s",
    ],
)
def test_anything_else_is_a_value_error_naming_it(text: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(text)


def test_a_rate_built_directly_is_checked_too() -> None:
    for bad in ((1, 1, "w"), (0, 1, "s"), (1, 0, "d"), (1, 1201, "mo")):
        with pytest.raises(ValueError):
            Rate(*bad)


@pytest.mark.parametrize(
    ("text", "long"),
    [
        ("1/60s", False),
        ("1/86399s", False),
        ("1/23h", False),
        ("1/86400s", True),
        ("1/1440m", True),
        ("1/24h", True),
        ("1/1d", True),
        ("1/1mo", True),
    ],
)
def test_a_window_of_a_day_or_more_is_told_apart(text: str, long: bool) -> None:
    assert parse_rate(text).at_least_a_day is long


# -- clock windows: seconds, minutes, hours ----------------------------------------------------


def test_seconds_and_minutes_follow_the_clock() -> None:
    t = at("2026-11-22 10:15:42.5")
    assert bounds("1/60s", t) == (at("2026-11-22 10:15:00"), at("2026-11-22 10:16:00"))
    assert bounds("1/1m", t) == bounds("1/60s", t)
    assert bounds("1/5s", t) == (at("2026-11-22 10:15:40"), at("2026-11-22 10:15:45"))
    assert bounds("1/20s", t) == (at("2026-11-22 10:15:40"), at("2026-11-22 10:16:00"))
    assert bounds("1/15m", t) == (at("2026-11-22 10:15:00"), at("2026-11-22 10:30:00"))


def test_a_window_starts_at_its_boundary_and_ends_just_before_the_next() -> None:
    boundary = at("2026-11-22 10:16:00")
    assert bounds("1/60s", boundary)[0] == boundary
    assert bounds("1/60s", boundary - 0.001)[1] == boundary


def test_hours_start_on_the_local_hour_in_a_quarter_hour_zone() -> None:
    # Kathmandu is UTC+05:45: its hours begin at a quarter past the hour in UTC.
    t = at("2026-11-22 10:20:00", KATHMANDU)
    start, end = bounds("1/1h", t, KATHMANDU)
    assert (start, end) == (
        at("2026-11-22 10:00:00", KATHMANDU),
        at("2026-11-22 11:00:00", KATHMANDU),
    )
    assert datetime.fromtimestamp(start, UTC).minute == 15


def test_hours_stay_an_hour_long_while_new_york_falls_back() -> None:
    # 2026-11-01 02:00 EDT becomes 01:00 EST: the local hour 01:00 happens twice.
    change = at("2026-11-01 06:00:00", UTC)
    for step in range(-150, 150):
        t = change + step * 41.0
        start, end = bounds("1/1h", t, NEW_YORK)
        assert start <= t < end and end - start == 3600
        assert bounds("1/1h", end, NEW_YORK)[0] == end


# -- day windows: from local midnight --------------------------------------------------------


def test_a_shanghai_day_begins_at_shanghai_midnight() -> None:
    # 01:30 in Shanghai is 17:30 UTC the evening before; it belongs to the new Shanghai day.
    t = at("2026-11-22 01:30:00")
    assert bounds("1/1d", t) == (at("2026-11-22 00:00:00"), at("2026-11-23 00:00:00"))
    assert bounds("1/1d", t, ZoneInfo("UTC"))[0] == at("2026-11-21 00:00:00", UTC)
    assert at("2026-11-23 00:00:00") == at("2026-11-22 16:00:00", UTC)


def test_the_shanghai_day_turns_exactly_at_midnight() -> None:
    midnight = at("2026-11-23 00:00:00")
    assert bounds("1/1d", midnight - 0.001)[1] == midnight
    assert bounds("1/1d", midnight)[0] == midnight


def test_every_shanghai_day_lasts_86400_seconds() -> None:
    # No daylight saving in China since 1991, not even on the dates other zones switch.
    for day in ("2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2028-02-29"):
        start, end = bounds("1/1d", at(f"{day} 12:00:00"))
        assert (start, end - start) == (at(f"{day} 00:00:00"), 86400)


@pytest.mark.parametrize(("day", "hours"), [("2026-03-08", 23), ("2026-11-01", 25)])
def test_new_york_days_with_a_clock_change_still_run_midnight_to_midnight(
    day: str, hours: int
) -> None:
    start, end = bounds("1/1d", at(f"{day} 12:00:00", NEW_YORK), NEW_YORK)
    assert start == at(f"{day} 00:00:00", NEW_YORK)
    assert datetime.fromtimestamp(end, NEW_YORK).time().isoformat() == "00:00:00"
    assert end - start == hours * 3600


def test_a_day_whose_midnight_is_skipped_begins_at_its_first_instant() -> None:
    # Santiago's clocks jump from Saturday 24:00 to Sunday 01:00 on 2026-09-06.
    start, end = bounds("1/1d", at("2026-09-06 12:00:00", SANTIAGO), SANTIAGO)
    assert datetime.fromtimestamp(start, SANTIAGO).isoformat() == "2026-09-06T01:00:00-03:00"
    assert end - start == 23 * 3600
    assert bounds("1/1d", start - 0.001, SANTIAGO)[1] == start


def test_week_windows_are_seven_whole_local_days() -> None:
    start, end = bounds("1/7d", at("2026-11-22 15:00:00"))
    assert end - start == 7 * 86400
    assert datetime.fromtimestamp(start, SHANGHAI).time().isoformat() == "00:00:00"
    # Counted from 1970-01-01, local: that Thursday opened the first seven-day window.
    assert bounds("1/7d", at("1970-01-08 00:00:00"))[0] == at("1970-01-08 00:00:00")


# -- month windows: calendar months ----------------------------------------------------------


def test_months_are_calendar_months_in_shanghai() -> None:
    assert bounds("1/1mo", at("2026-12-31 23:59:59")) == (
        at("2026-12-01 00:00:00"),
        at("2027-01-01 00:00:00"),
    )
    assert bounds("1/1mo", at("2027-01-01 00:00:00"))[0] == at("2027-01-01 00:00:00")
    start, end = bounds("1/1mo", at("2028-02-15 08:00:00"))
    assert end - start == 29 * 86400  # a leap February
    # 03:00 on the 1st in Shanghai is still the 30th in UTC: the month has already turned.
    assert bounds("1/1mo", at("2026-12-01 03:00:00"))[0] == at("2026-12-01 00:00:00")


def test_a_new_york_month_with_a_clock_change_is_an_hour_short() -> None:
    start, end = bounds("1/1mo", at("2026-03-20 12:00:00", NEW_YORK), NEW_YORK)
    assert (start, end) == (
        at("2026-03-01 00:00:00", NEW_YORK),
        at("2026-04-01 00:00:00", NEW_YORK),
    )
    assert end - start == 31 * 86400 - 3600


@pytest.mark.parametrize(
    ("rate", "when", "first", "after"),
    [
        ("1/3mo", "2026-05-20", "2026-04-01", "2026-07-01"),
        ("1/2mo", "2026-02-10", "2026-01-01", "2026-03-01"),
        ("1/12mo", "2026-11-22", "2026-01-01", "2027-01-01"),
    ],
)
def test_several_months_line_up_with_the_year(rate: str, when: str, first: str, after: str) -> None:
    assert bounds(rate, at(f"{when} 12:00:00")) == (at(f"{first} 00:00"), at(f"{after} 00:00"))


# -- every window -------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", ["1/5s", "1/60s", "1/15m", "1/1h", "1/1d", "1/7d", "1/1mo"])
@pytest.mark.parametrize("zone", [SHANGHAI, NEW_YORK, SANTIAGO, KATHMANDU])
def test_windows_hold_their_instant_and_follow_one_another(rate: str, zone: ZoneInfo) -> None:
    step = 7.3 if rate in ("1/5s", "1/60s") else 86399.7
    for i in range(300):
        t = at("2026-01-01 00:00:00", zone) + i * step
        start, end = bounds(rate, t, zone)
        assert start <= t < end
        assert bounds(rate, end, zone)[0] == end  # no gap, no overlap
