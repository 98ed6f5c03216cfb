"""The sandbox's quota counters: fixed natural windows, every attempt counts, real codes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sandbox.config import quota_code
from sandbox.quota import QuotaCounters
from sandbox.windows import parse_rate

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def codes(counters: QuotaCounters, times: list[float]) -> list[int]:
    out = []
    for t in times:
        rejection = counters.count(t)
        out.append(0 if rejection is None else rejection.error_code)
    return out


def test_the_default_code_follows_the_window_length() -> None:
    assert quota_code(parse_rate("300/60s")) == 190310
    assert quota_code(parse_rate("9/1m")) == 190310
    assert quota_code(parse_rate("2000/1h")) == 190310
    assert quota_code(parse_rate("200000/1d")) == 190311
    assert quota_code(parse_rate("5/1mo")) == 190311
    assert quota_code(parse_rate("40/20s:190311")) == 190311
    assert quota_code(parse_rate("100/60s:190313")) == 190313


def test_a_minute_window_refuses_the_call_after_the_limit_until_it_turns() -> None:
    counters = QuotaCounters((parse_rate("3/60s"),), SHANGHAI)
    t = at("2026-11-22 10:15:10")
    assert codes(counters, [t, t + 1, t + 2, t + 3, t + 49.9]) == [0, 0, 0, 190310, 190310]
    assert codes(counters, [at("2026-11-22 10:16:00")]) == [0]


def test_refused_attempts_count_too() -> None:
    # 2/5s and 3/1d: the two refused attempts in the first 5 s still spend the day.
    counters = QuotaCounters((parse_rate("2/5s"), parse_rate("3/1d")), SHANGHAI)
    t = at("2026-11-22 10:15:00")
    assert codes(counters, [t, t, t, t]) == [0, 0, 190310, 190310]
    assert codes(counters, [t + 5]) == [190311]


def test_the_day_turns_at_midnight_in_shanghai() -> None:
    counters = QuotaCounters((parse_rate("2/1d"),), SHANGHAI)
    assert codes(counters, [at("2026-11-22 23:59:58")] * 3) == [0, 0, 190311]
    # 16:00 UTC is midnight in Shanghai: a new day.
    assert codes(counters, [at("2026-11-23 00:00:00")]) == [0]


def test_an_override_code_lets_a_short_window_act_as_a_day() -> None:
    counters = QuotaCounters((parse_rate("2/20s:190311"),), SHANGHAI)
    t = at("2026-11-22 10:15:00")
    assert codes(counters, [t, t + 1, t + 2]) == [0, 0, 190311]
    assert codes(counters, [t + 20]) == [0]


def test_the_first_full_window_names_the_error() -> None:
    counters = QuotaCounters((parse_rate("1/60s"), parse_rate("1/1d")), SHANGHAI)
    t = at("2026-11-22 10:15:00")
    assert codes(counters, [t, t + 1]) == [0, 190310]


def test_usage_reports_the_current_windows() -> None:
    counters = QuotaCounters((parse_rate("5/60s"), parse_rate("9/1d")), SHANGHAI)
    t = at("2026-11-22 10:15:30")
    codes(counters, [t, t])
    minute, day = counters.usage(t)
    assert minute["used"] == 2 and minute["window_start"] == at("2026-11-22 10:15:00")
    assert day["used"] == 2 and day["window_end"] == at("2026-11-23 00:00:00")
    assert counters.usage(t + 60)[0]["used"] == 0


def test_old_windows_are_forgotten() -> None:
    counters = QuotaCounters((parse_rate("5/5s"),), SHANGHAI)
    for i in range(1000):
        counters.count(at("2026-11-22 10:00:00") + 5 * i)
    assert len(counters.used) <= 4 + 16 + 1


def test_no_quota_means_no_limit() -> None:
    counters = QuotaCounters((), SHANGHAI)
    assert set(codes(counters, [at("2026-11-22 10:00:00")] * 1000)) == {0}
