from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from worker.config import QuotaConfig
from worker.quota.rates import parse_period, parse_rate
from worker.quota.scopes import (
    Escalation,
    PauseTarget,
    calendar_wait,
    calendar_windows,
    escalates,
    is_sliding,
    pause_until,
    sliding_wait,
    sliding_window,
)
from worker.wemeet.quota import WemeetQuotas, pause_target, scopes_for

SHANGHAI = ZoneInfo("Asia/Shanghai")


def quotas(app_id: str) -> WemeetQuotas:
    defaults = QuotaConfig()
    return WemeetQuotas(app_id=app_id, app=defaults.app, user_create=defaults.user_create)


def test_a_create_spends_the_app_quota_and_the_creators_quota_together() -> None:
    keys = [s.key for s in scopes_for("create", "alice", quotas("app1"))]
    assert keys == [
        "app:app1",
        "app_op:app1:create",
        "app_create:app1",
        "user_create:app1:alice",
    ]
    assert [s.key for s in scopes_for("update", "alice", quotas("app1"))] == [
        "app:app1",
        "app_op:app1:update",
    ]


def test_queries_pass_the_scope_of_their_interface_and_that_of_all_queries() -> None:
    for operation in ("get", "list"):
        keys = [s.key for s in scopes_for(operation, "alice", quotas("a"))]
        assert keys == ["app:a", f"app_op:a:{operation}", "app_query:a"]
    assert [s.key for s in scopes_for("cancel", "alice", quotas("a"))] == [
        "app:a",
        "app_op:a:cancel",
    ]


def test_the_creators_scope_counts_the_minute_and_the_day_a_9008_is_judged_by() -> None:
    user = scopes_for("create", "alice", quotas("a"))[-1]
    assert user.counted == (parse_period("60s"), parse_period("1d"))
    assert all(s.counted == () for s in scopes_for("create", "alice", quotas("a"))[:-1])


def test_short_rates_slide_and_calendar_rates_do_not() -> None:
    assert is_sliding(parse_rate("300/60s")) and is_sliding(parse_rate("2000/1h"))
    assert not is_sliding(parse_rate("200000/1d")) and not is_sliding(parse_rate("5/1mo"))
    assert sliding_window(parse_rate("30/5s"), 0.02) == 5.1


def calls_at(times: list[float]) -> tuple[int, Callable[[int], float]]:
    """A window's calls as the ledger hands them over: a count and a look-up by age."""
    return len(times), times.__getitem__


def test_sliding_wait_is_zero_while_there_is_room_then_until_the_oldest_call_leaves() -> None:
    assert sliding_wait(*calls_at([1.0, 2.0]), calls=3, window=10.0, now=5.0) == 0.0
    assert sliding_wait(*calls_at([1.0, 2.0, 3.0]), calls=3, window=10.0, now=5.0) == 6.0
    # Two too many (another worker raced): the second-oldest must leave too.
    assert sliding_wait(*calls_at([1.0, 2.0, 3.0, 4.0]), calls=3, window=10.0, now=5.0) == 7.0


def target(code: int, operation: str = "create", userid: str | None = "u") -> PauseTarget | None:
    return pause_target(code, operation, userid, quotas("a"))


def test_quota_errors_pause_the_scope_they_name_for_its_window() -> None:
    assert target(190310) == PauseTarget("app:a", parse_period("60s"))
    assert target(190311) == PauseTarget("app:a", parse_period("1d"))
    assert target(500029) == PauseTarget("user_create:a:u", parse_period("1h"))
    assert target(500029, userid=None) == PauseTarget("app_create:a", parse_period("1h"))
    assert target(500168) == PauseTarget("app_create:a", parse_period("1mo"))
    assert target(9093) is None


def test_one_interfaces_daily_cap_pauses_that_operation_alone_for_the_day() -> None:
    for operation in ("create", "update", "cancel", "get", "list"):
        assert target(190312, operation) == PauseTarget(f"app_op:a:{operation}", parse_period("1d"))


def test_queries_too_frequent_pause_the_queries_until_the_minute_turns() -> None:
    assert target(9061, "list") == PauseTarget("app_query:a", parse_period("60s"))


def test_9008_parks_the_creators_creates_for_the_minute_unless_the_day_is_the_cause() -> None:
    escalation = Escalation(parse_period("1d"), calls=100, short_calls=9)
    assert target(9008) == PauseTarget("user_create:a:u", parse_period("60s"), escalation)
    assert target(9008, userid=None) == PauseTarget("app_create:a", parse_period("60s"), escalation)


MINUTE = parse_period("60s")
ESCALATION = Escalation(parse_period("1d"), calls=100, short_calls=9)


def day_instead(used_long: int, used_short: int, previous_until: float | None) -> bool:
    return escalates(
        ESCALATION,
        MINUTE,
        used_long=used_long,
        used_short=used_short,
        previous_until=previous_until,
        now=1000.0,
    )


def test_a_first_refusal_waits_for_the_minute() -> None:
    assert not day_instead(used_long=5, used_short=5, previous_until=None)
    assert not day_instead(used_long=100, used_short=1, previous_until=None)


def test_once_the_days_figure_was_reached_the_refusal_waits_for_the_day() -> None:
    # The refused call is counted too: 100 before it reached the figure.
    assert day_instead(used_long=101, used_short=1, previous_until=None)


def test_a_retry_right_after_the_minute_refused_again_waits_for_the_day() -> None:
    assert day_instead(used_long=12, used_short=1, previous_until=998.0)
    assert day_instead(used_long=12, used_short=9, previous_until=941.0)


def test_a_refusal_past_the_minutes_figure_is_the_minute_again() -> None:
    # A backlog: the nine calls after the pause went through, the tenth is refused.
    assert not day_instead(used_long=20, used_short=10, previous_until=990.0)
    # The previous pause ended long ago: a new burst, not the retry.
    assert not day_instead(used_long=20, used_short=1, previous_until=900.0)


def test_a_day_pause_lasts_until_midnight_in_shanghai() -> None:
    now = datetime(2026, 11, 22, 15, 30, tzinfo=SHANGHAI).timestamp()
    until = pause_until(parse_period("1d"), now, SHANGHAI)
    assert until == datetime(2026, 11, 23, 0, 0, tzinfo=SHANGHAI).timestamp()


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).timestamp()


def test_a_minute_pause_lasts_until_the_next_natural_minute_plus_the_slack() -> None:
    until = pause_until(parse_period("60s"), at("2026-11-22 15:30:42.5"), SHANGHAI, slack=2.0)
    assert until == at("2026-11-22 15:31:02")
    assert pause_until(parse_period("1h"), at("2026-11-22 15:30:42"), SHANGHAI) == at(
        "2026-11-22 16:00:00"
    )


def test_a_month_pause_lasts_until_the_first_of_the_next_month_in_shanghai() -> None:
    month = parse_period("1mo")
    assert pause_until(month, at("2026-11-22 15:30"), SHANGHAI) == at("2026-12-01 00:00")
    # 31 December 20:00 UTC is already 1 January in Shanghai: the pause runs to February.
    new_year = datetime(2026, 12, 31, 20, 0, tzinfo=UTC).timestamp()
    assert pause_until(month, new_year, SHANGHAI) == at("2027-02-01 00:00")


def test_a_call_near_the_turn_of_a_day_counts_in_both_days() -> None:
    day = parse_period("1d")
    assert calendar_windows(day, at("2026-11-22 12:00"), SHANGHAI, 2.0) == (at("2026-11-22 00:00"),)
    both = (at("2026-11-22 00:00"), at("2026-11-23 00:00"))
    assert calendar_windows(day, at("2026-11-22 23:59:58.5"), SHANGHAI, 2.0) == both
    assert calendar_windows(day, at("2026-11-23 00:00:01.5"), SHANGHAI, 2.0) == both
    assert calendar_windows(day, at("2026-11-23 00:00:02"), SHANGHAI, 2.0) == both[1:]


def test_calendar_wait_is_zero_with_room_and_runs_past_the_turn_when_full() -> None:
    day, today, tomorrow = parse_period("1d"), at("2026-11-22 00:00"), at("2026-11-23 00:00")
    noon = at("2026-11-22 12:00")
    assert calendar_wait(day, 3, {today: 2}, noon, SHANGHAI, 2.0) == 0.0
    assert calendar_wait(day, 3, {today: 3}, noon, SHANGHAI, 2.0) == tomorrow + 2.0 - noon
    # A full yesterday still blocks the first seconds of today: the provider may count there.
    just_after = at("2026-11-23 00:00:00.5")
    assert calendar_wait(day, 3, {today: 3}, just_after, SHANGHAI, 2.0) == 1.5
    # Tomorrow already full (calls counted in both around midnight): wait for the day after.
    late = at("2026-11-22 23:59:59")
    wait = calendar_wait(day, 3, {today: 1, tomorrow: 3}, late, SHANGHAI, 2.0)
    assert wait == at("2026-11-24 00:00:02") - late


def test_calendar_windows_of_a_month_in_the_provider_time_zone() -> None:
    month = parse_period("1mo")
    edge = calendar_windows(month, at("2026-11-30 23:59:59"), SHANGHAI, 2.0)
    assert edge == (at("2026-11-01 00:00"), at("2026-12-01 00:00"))
    assert calendar_wait(
        month, 1, {at("2026-11-01 00:00"): 1}, at("2026-11-10 00:00"), SHANGHAI, 0.0
    ) == at("2026-12-01 00:00") - at("2026-11-10 00:00")


def test_sliding_wait_boundaries() -> None:
    # The oldest call leaves exactly one window after it was made.
    assert sliding_wait(*calls_at([0.0, 1.0]), calls=2, window=5.0, now=4.0) == 1.0
    assert sliding_wait(*calls_at([0.0, 1.0]), calls=2, window=5.0, now=5.0) == 0.0
    # A call stamped later than now (the database clock stepped back) still counts.
    assert sliding_wait(*calls_at([6.0]), calls=1, window=5.0, now=5.0) == 6.0
    assert sliding_wait(*calls_at([]), calls=1, window=5.0, now=5.0) == 0.0


def test_a_create_without_a_known_creator_still_spends_the_app_and_create_quotas() -> None:
    keys = [s.key for s in scopes_for("create", None, quotas("a"))]
    assert keys == ["app:a", "app_op:a:create", "app_create:a"]
    scopes = scopes_for("create", "u", quotas("a"))
    assert scopes[0].rates == QuotaConfig().app and scopes[3].rates == QuotaConfig().user_create
