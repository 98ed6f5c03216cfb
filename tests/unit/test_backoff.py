from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from worker.sync.backoff import backoff_seconds, next_attempt_at


def test_backoff_grows_then_caps_and_never_lands_immediately() -> None:
    rng = random.Random(1)
    for attempt in range(1, 30):
        ceiling = min(600.0, 30.0 * 2 ** (attempt - 1))
        for _ in range(50):
            delay = backoff_seconds(attempt, base=30.0, cap=600.0, rng=rng)
            assert 15.0 <= delay <= ceiling


def test_backoff_is_spread_so_a_fleet_does_not_return_together() -> None:
    rng = random.Random(2)
    delays = {round(backoff_seconds(6, base=30.0, cap=3600.0, rng=rng)) for _ in range(100)}
    assert len(delays) > 50


def test_next_attempt_is_in_the_future_of_now() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    at = next_attempt_at(now, 1, base=10.0, cap=10.0, rng=random.Random(3))
    assert now + timedelta(seconds=5) <= at <= now + timedelta(seconds=10)
