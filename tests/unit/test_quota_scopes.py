from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from worker.config import QuotaConfig
from worker.quota_scopes import (
    is_sliding,
    pause_target,
    pause_until,
    scopes_for,
    sliding_wait,
    sliding_window,
)
from worker.rates import parse_period, parse_rate

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUOTA = QuotaConfig()


def test_a_create_spends_the_app_quota_and_the_creators_quota_together() -> None:
    keys = [s.key for s in scopes_for("create", "app1", "alice", QUOTA)]
    assert keys == ["app:app1", "app_create:app1", "user_create:app1:alice"]
    assert [s.key for s in scopes_for("update", "app1", "alice", QUOTA)] == ["app:app1"]


def test_short_rates_slide_and_calendar_rates_do_not() -> None:
    assert is_sliding(parse_rate("300/60s")) and is_sliding(parse_rate("2000/1h"))
    assert not is_sliding(parse_rate("200000/1d")) and not is_sliding(parse_rate("5/1mo"))
    assert sliding_window(parse_rate("30/5s"), 0.02) == 5.1


def test_sliding_wait_is_zero_while_there_is_room_then_until_the_oldest_call_leaves() -> None:
    assert sliding_wait([1.0, 2.0], calls=3, window=10.0, now=5.0) == 0.0
    assert sliding_wait([1.0, 2.0, 3.0], calls=3, window=10.0, now=5.0) == 6.0
    # Two too many (another worker raced): the second-oldest must leave too.
    assert sliding_wait([1.0, 2.0, 3.0, 4.0], calls=3, window=10.0, now=5.0) == 7.0


def test_quota_errors_pause_the_scope_they_name_for_its_window() -> None:
    assert pause_target(190310, "a", "u", QUOTA) == ("app:a", parse_period("60s"))
    assert pause_target(190311, "a", "u", QUOTA) == ("app:a", parse_period("1d"))
    assert pause_target(500029, "a", "u", QUOTA) == ("user_create:a:u", parse_period("1h"))
    assert pause_target(500168, "a", "u", QUOTA) == ("app_create:a", parse_period("1mo"))
    assert pause_target(9093, "a", "u", QUOTA) is None


def test_a_day_pause_lasts_until_midnight_in_shanghai() -> None:
    now = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI).timestamp()
    until = pause_until(parse_period("1d"), now, SHANGHAI)
    assert until == datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI).timestamp()
