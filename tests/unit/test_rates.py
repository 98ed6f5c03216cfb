from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from worker.rates import Period, Rate, parse_period, parse_rate, window_bounds

SHANGHAI = ZoneInfo("Asia/Shanghai")


def ts(text: str, tz: ZoneInfo = SHANGHAI) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def test_parse_rate_with_and_without_code() -> None:
    assert parse_rate("300/60s") == Rate(300, Period(60, "s"))
    assert parse_rate(" 40 / 20s : 190311 ") == Rate(40, Period(20, "s"), 190311)
    assert parse_rate("2/1mo").period.approx_seconds == 30 * 86400
    assert str(parse_rate("30/5s:190310")) == "30/5s:190310"


@pytest.mark.parametrize("bad", ["", "300", "300/", "0/60s", "5/0s", "5/60x", "x/60s", "5/1w"])
def test_bad_rates_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_rate(bad)


def test_parse_period_units() -> None:
    assert parse_period("5m").approx_seconds == 300
    assert parse_period("1h").approx_seconds == 3600
    assert parse_period("1d").is_calendar and not parse_period("60s").is_calendar


def test_minute_windows_are_natural_minutes() -> None:
    t = ts("2026-11-22 10:15:42")
    start, end = window_bounds(Period(60, "s"), t, SHANGHAI)
    assert (start, end) == (ts("2026-11-22 10:15:00"), ts("2026-11-22 10:16:00"))
    assert window_bounds(Period(5, "s"), ts("2026-11-22 10:15:42"), SHANGHAI) == (
        ts("2026-11-22 10:15:40"),
        ts("2026-11-22 10:15:45"),
    )


def test_day_windows_start_at_shanghai_midnight_not_utc_midnight() -> None:
    # 01:30 in Shanghai is 17:30 UTC the day before: it belongs to the new Shanghai day.
    t = ts("2026-11-22 01:30:00")
    assert window_bounds(Period(1, "d"), t, SHANGHAI) == (
        ts("2026-11-22 00:00:00"),
        ts("2026-11-23 00:00:00"),
    )
    utc = ZoneInfo("UTC")
    assert window_bounds(Period(1, "d"), t, utc)[0] == ts("2026-11-21 00:00:00", utc)


def test_month_windows_are_calendar_months() -> None:
    start, end = window_bounds(Period(1, "mo"), ts("2026-12-31 23:59:59"), SHANGHAI)
    assert (start, end) == (ts("2026-12-01 00:00:00"), ts("2027-01-01 00:00:00"))
    start, end = window_bounds(Period(1, "mo"), ts("2027-01-01 00:00:00"), SHANGHAI)
    assert start == ts("2027-01-01 00:00:00")


def test_every_instant_lies_in_its_window() -> None:
    for period in (
        Period(5, "s"),
        Period(60, "s"),
        Period(1, "h"),
        Period(1, "d"),
        Period(1, "mo"),
    ):
        for t in range(1_700_000_000, 1_700_000_000 + 90 * 86400, 86_399):
            start, end = window_bounds(period, float(t), SHANGHAI)
            assert start <= t < end
