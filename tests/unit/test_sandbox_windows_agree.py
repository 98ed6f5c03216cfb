"""The worker's quota ledger predicts the windows the sandbox enforces. The two sides compute
them with code of their own (so that neither can hide the other's mistake); here they must
agree, instant by instant."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sandbox.windows import parse_rate as sandbox_rate
from sandbox.windows import window
from worker.quota.rates import parse_rate as worker_rate
from worker.quota.rates import window_bounds

LIMITS = ["300/60s", "30/5s", "20/20s:190311", "9/1m", "1/15m", "2000/1h", "1/1d", "1/7d"]
LIMITS += ["5/1mo", "1/3mo"]
ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]
# Daylight saving changes in New York and Berlin, and midnight of a new year in Shanghai.
TURNS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 12, 31, 16, tzinfo=UTC),
]
# A year in steps of a little under eleven hours, and two hours around each turn.
INSTANTS = [datetime(2026, 1, 1, tzinfo=UTC).timestamp() + i * 39_599.7 for i in range(800)]
INSTANTS += [turn.timestamp() + k * 61.3 for turn in TURNS for k in range(-60, 60)]


@pytest.mark.parametrize("text", LIMITS)
@pytest.mark.parametrize("zone", ZONES)
def test_both_sides_see_the_same_windows(text: str, zone: str) -> None:
    tz, ours, theirs = ZoneInfo(zone), sandbox_rate(text), worker_rate(text)
    assert str(ours) == str(theirs)
    for t in INSTANTS:
        assert window(ours, t, tz) == window_bounds(theirs, t, tz), (text, zone, t)
