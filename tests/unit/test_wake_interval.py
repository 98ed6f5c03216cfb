"""The daemon's poll interval after each pass, on a simulated clock (no waiting)."""

from __future__ import annotations

import pytest

from worker.config import from_mapping
from worker.exceptions import ConfigError
from worker.wake.interval import AdaptiveInterval, FixedInterval


def pickup_delay(policy: AdaptiveInterval, passes_with_work: set[int], commit_at: float) -> float:
    """When a row committed at ``commit_at`` is claimed: passes run one after the other on
    an injected clock, pass n finding work if n is in ``passes_with_work``."""
    now, n = 0.0, 0
    while True:
        if now >= commit_at:
            return now - commit_at
        now += policy.after_pass(found_work=n in passes_with_work)
        n += 1


def test_short_right_after_work_then_doubling_to_the_longest_when_idle() -> None:
    policy = AdaptiveInterval(0.25, 5.0)
    waits = [policy.after_pass(found_work=w) for w in (True, False, False, False, False, False)]
    assert waits == [0.25, 0.5, 1.0, 2.0, 4.0, 5.0]
    assert policy.after_pass(found_work=False) == 5.0
    assert policy.after_pass(found_work=True) == 0.25


def test_a_worker_that_just_started_idle_waits_the_longest() -> None:
    assert AdaptiveInterval(0.25, 5.0).after_pass(found_work=False) == 5.0


def test_a_row_soon_after_a_busy_pass_is_picked_up_far_sooner_than_by_the_idle_poll() -> None:
    # Work at the first pass; the next row commits 0.3 s later.
    delay = pickup_delay(AdaptiveInterval(0.25, 5.0), {0}, commit_at=0.3)
    assert delay <= 0.5
    # The fixed poll the daemon keeps beside a listener would take up to its interval.
    fixed = pickup_delay_fixed(5.0, commit_at=0.3)
    assert fixed == pytest.approx(4.7)


def pickup_delay_fixed(seconds: float, commit_at: float) -> float:
    policy, now = FixedInterval(seconds), 0.0
    while now < commit_at:
        now += policy.after_pass(found_work=True)
    return now - commit_at


def test_an_idle_worker_never_polls_more_often_than_the_longest_interval_allows() -> None:
    policy = AdaptiveInterval(0.25, 5.0)
    policy.after_pass(found_work=True)
    idle = [policy.after_pass(found_work=False) for _ in range(100)]
    # After the climb (0.5, 1, 2, 4), one claim per 5 s: the load of an idle worker.
    assert idle[:4] == [0.5, 1.0, 2.0, 4.0] and set(idle[4:]) == {5.0}


def test_bounds_that_cross_are_clamped_and_a_zero_minimum_is_refused() -> None:
    assert AdaptiveInterval(2.0, 0.5).after_pass(found_work=True) == 0.5
    with pytest.raises(ValueError):
        AdaptiveInterval(0.0, 5.0)


def test_the_wake_settings_come_from_the_environment_and_are_checked() -> None:
    env = {
        "MEETING_SYNC_WORKER_LISTEN": "false",
        "MEETING_SYNC_WORKER_POLL_MIN_INTERVAL_SECONDS": "0.1",
    }
    config = from_mapping({}, env, source="t")
    assert config.worker.listen is False
    assert config.worker.poll_min_interval_seconds == 0.1
    with pytest.raises(ConfigError, match="poll_min_interval_seconds must be greater than 0"):
        from_mapping({"worker": {"poll_min_interval_seconds": 0}}, {}, source="t")
