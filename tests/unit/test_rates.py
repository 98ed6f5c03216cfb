from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from worker.quota.rates import Period, Rate, parse_period, parse_rate, window_bounds

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def ts(text: str, tz: ZoneInfo = SHANGHAI) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def test_parse_rate_with_and_without_code() -> None:
    assert parse_rate("300/60s") == Rate(300, Period(60, "s"))
    assert parse_rate(" 40 / 20s : 190311 ") == Rate(40, Period(20, "s"), 190311)
    assert parse_rate("200000/1d") == Rate(200000, Period(1, "d"))
    assert parse_rate("2/1mo").period == Period(1, "mo")
    assert str(parse_rate("30/5s:190310")) == "30/5s:190310"
    assert str(parse_rate("300/1m")) == "300/1m"


@pytest.mark.parametrize(
    "bad", ["", "300", "300/", "/60s", "0/60s", "5/0s", "5/60x", "x/60s", "5/1w", "5/60s:abc"]
)
def test_bad_rates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(bad)


@pytest.mark.parametrize(
    ("text", "period", "seconds"),
    [
        ("5s", Period(5, "s"), 5),
        ("60s", Period(60, "s"), 60),
        ("1m", Period(1, "m"), 60),
        ("5m", Period(5, "m"), 300),
        ("1h", Period(1, "h"), 3600),
        ("1d", Period(1, "d"), 86400),
        ("1mo", Period(1, "mo"), 30 * 86400),
    ],
)
def test_parse_period_units(text: str, period: Period, seconds: int) -> None:
    assert parse_period(text) == period
    assert parse_period(text).approx_seconds == seconds
    assert str(period) == text


def test_only_days_and_months_are_calendar_periods() -> None:
    assert parse_period("1d").is_calendar and parse_period("1mo").is_calendar
    assert not parse_period("60s").is_calendar and not parse_period("1h").is_calendar


@pytest.mark.parametrize("bad", ["0s", "1y", "m", "1.5h", "-1s"])
def test_bad_periods_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)
    with pytest.raises(ValueError):
        Period(0, "s")
    with pytest.raises(ValueError):
        Period(1, "w")


def test_minute_and_second_windows_are_natural() -> None:
    t = ts("2026-11-22 10:15:42.5")
    assert window_bounds(Period(60, "s"), t, SHANGHAI) == (
        ts("2026-11-22 10:15:00"),
        ts("2026-11-22 10:16:00"),
    )
    assert window_bounds(Period(5, "s"), t, SHANGHAI) == (
        ts("2026-11-22 10:15:40"),
        ts("2026-11-22 10:15:45"),
    )
    assert window_bounds(Period(1, "h"), t, SHANGHAI) == (
        ts("2026-11-22 10:00:00"),
        ts("2026-11-22 11:00:00"),
    )


def test_a_rate_or_its_period_give_the_same_window() -> None:
    t = ts("2026-11-22 10:15:42")
    rate = parse_rate("300/60s:190310")
    assert window_bounds(rate, t, SHANGHAI) == window_bounds(rate.period, t, SHANGHAI)


def test_a_window_starts_exactly_at_its_boundary() -> None:
    boundary = ts("2026-11-22 10:16:00")
    assert window_bounds(Period(60, "s"), boundary, SHANGHAI)[0] == boundary
    assert window_bounds(Period(60, "s"), boundary - 0.001, SHANGHAI)[1] == boundary


def test_hours_follow_the_local_clock_in_a_half_hour_time_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30
    t = ts("2026-11-22 10:15:00", kolkata)
    assert window_bounds(Period(1, "h"), t, kolkata) == (
        ts("2026-11-22 10:00:00", kolkata),
        ts("2026-11-22 11:00:00", kolkata),
    )


def test_day_windows_start_at_shanghai_midnight_not_utc_midnight() -> None:
    # 01:30 in Shanghai is 17:30 UTC the day before: it belongs to the new Shanghai day.
    t = ts("2026-11-22 01:30:00")
    assert window_bounds(Period(1, "d"), t, SHANGHAI) == (
        ts("2026-11-22 00:00:00"),
        ts("2026-11-23 00:00:00"),
    )
    assert window_bounds(Period(1, "d"), t, UTC)[0] == ts("2026-11-21 00:00:00", UTC)
    # 23:59:59 Shanghai is still that day; midnight starts the next one.
    assert window_bounds(Period(1, "d"), ts("2026-11-22 23:59:59"), SHANGHAI)[1] == ts(
        "2026-11-23 00:00:00"
    )
    assert window_bounds(Period(1, "d"), ts("2026-11-23 00:00:00"), SHANGHAI)[0] == ts(
        "2026-11-23 00:00:00"
    )


def test_shanghai_days_are_always_86400_seconds() -> None:
    # China has kept no daylight saving since 1991: every natural day has the same length,
    # including the dates other zones switch on.
    for day in ("2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2028-02-29"):
        start, end = window_bounds(Period(1, "d"), ts(f"{day} 12:00:00"), SHANGHAI)
        assert start == ts(f"{day} 00:00:00")
        assert end - start == 86400


def test_days_in_a_daylight_saving_zone_are_natural_days() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 2026-03-29: 02:00 -> 03:00, a 23-hour day
    start, end = window_bounds(Period(1, "d"), ts("2026-03-29 12:00:00", berlin), berlin)
    assert start == ts("2026-03-29 00:00:00", berlin)
    assert end - start == 23 * 3600


def test_multi_day_windows_are_whole_local_days() -> None:
    start, end = window_bounds(Period(7, "d"), ts("2026-11-22 15:00:00"), SHANGHAI)
    assert end - start == 7 * 86400
    assert datetime.fromtimestamp(start, SHANGHAI).time().isoformat() == "00:00:00"


def test_month_windows_are_calendar_months() -> None:
    assert window_bounds(Period(1, "mo"), ts("2026-12-31 23:59:59"), SHANGHAI) == (
        ts("2026-12-01 00:00:00"),
        ts("2027-01-01 00:00:00"),
    )
    assert window_bounds(Period(1, "mo"), ts("2027-01-01 00:00:00"), SHANGHAI)[0] == ts(
        "2027-01-01 00:00:00"
    )
    start, end = window_bounds(Period(1, "mo"), ts("2028-02-15 08:00:00"), SHANGHAI)
    assert end - start == 29 * 86400  # a leap February
    # The first hours of a month in Shanghai are still the previous month in UTC.
    t = ts("2026-12-01 03:00:00")
    assert window_bounds(Period(1, "mo"), t, SHANGHAI)[0] == ts("2026-12-01 00:00:00")
    assert window_bounds(Period(1, "mo"), t, UTC)[0] == ts("2026-11-01 00:00:00", UTC)


def test_quarter_windows_start_in_january_april_july_october() -> None:
    start, end = window_bounds(Period(3, "mo"), ts("2026-05-20 00:00:00"), SHANGHAI)
    assert (start, end) == (ts("2026-04-01 00:00:00"), ts("2026-07-01 00:00:00"))


@pytest.mark.parametrize("period", ["5s", "20s", "60s", "1m", "1h", "1d", "7d", "1mo", "3mo"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "Europe/Berlin", "Asia/Kolkata"])
def test_windows_hold_their_instant_and_tile_time(period: str, zone: str) -> None:
    p, tz = parse_period(period), ZoneInfo(zone)
    step = 86399.7 if p.approx_seconds >= 3600 else 7.3
    for i in range(400):
        t = 1_790_000_000 + i * step
        start, end = window_bounds(p, t, tz)
        assert start <= t < end
        # The next window begins where this one ends: no gaps, no overlaps.
        assert window_bounds(p, end, tz)[0] == end


@pytest.mark.parametrize("period", ["60s", "15m", "1h"])
def test_clock_windows_tile_across_a_daylight_saving_change(period: str) -> None:
    berlin, p = ZoneInfo("Europe/Berlin"), parse_period(period)
    change = ts("2026-10-25 01:00:00", UTC)  # clocks go back an hour
    for i in range(-200, 200):
        t = change + i * 37.0
        start, end = window_bounds(p, t, berlin)
        assert start <= t < end and end - start == p.approx_seconds
        assert window_bounds(p, end, berlin)[0] == end
