"""When to try a row again after a transient failure. Pure: randomness is passed in."""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def backoff_seconds(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential back-off: uniform in [base/2, min(cap, base * 2**(attempt-1))].

    The lower bound keeps a retry from landing immediately; the jitter spreads a fleet of
    workers that failed together so that they do not come back together.
    """
    attempt = max(1, attempt)
    ceiling = min(cap, base * 2 ** min(attempt - 1, 32))
    floor = min(base / 2, ceiling)
    return rng.uniform(floor, ceiling)


def next_attempt_at(
    now: datetime, attempt: int, *, base: float, cap: float, rng: random.Random
) -> datetime:
    return now + timedelta(seconds=backoff_seconds(attempt, base=base, cap=cap, rng=rng))


def long_backoff_seconds(seconds: float, rng: random.Random) -> float:
    """A long wait, jittered down to half of it: rows refused together do not all come back
    in the same second."""
    return rng.uniform(seconds / 2, seconds)
