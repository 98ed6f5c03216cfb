"""Write-backs through a database outage: retried while the database is unreachable, for
as long as the patience allows, on an injected clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fixtures.clock import SteppingTime
from worker.exceptions import DatabaseUnavailable
from worker.store.durable import DurableWrites


def failing(times: int, result: str = "written") -> tuple[list[int], Callable[[], str]]:
    calls: list[int] = []

    def write() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise DatabaseUnavailable("postgresql://db/calendar: connection refused")
        return result

    return calls, write


def test_an_outage_shorter_than_the_patience_is_waited_out() -> None:
    t = SteppingTime()
    calls, write = failing(3)
    durable = DurableWrites(60, sleep=t.sleep, clock=t.clock)
    assert durable("write_back", write) == "written"
    assert len(calls) == 4
    assert t.waits == [0.25, 0.5, 1.0]


def test_waits_are_capped() -> None:
    t = SteppingTime()
    _, write = failing(8)
    DurableWrites(600, sleep=t.sleep, clock=t.clock, max_wait=2.0)("write_back", write)
    assert max(t.waits) == 2.0
    assert t.waits[-3:] == [2.0, 2.0, 2.0]


def test_a_longer_outage_gives_up_with_the_database_error() -> None:
    t = SteppingTime()
    calls, write = failing(1000)
    with pytest.raises(DatabaseUnavailable, match="connection refused"):
        DurableWrites(10, sleep=t.sleep, clock=t.clock)("write_back", write)
    assert t.now >= 10
    # It stopped soon after its patience ran out rather than trying forever.
    assert t.now < 10 + 5.0 + 1e-9
    assert len(calls) == len(t.waits) + 1


def test_no_patience_means_one_try() -> None:
    t = SteppingTime()
    calls, write = failing(1)
    with pytest.raises(DatabaseUnavailable):
        DurableWrites(0, sleep=t.sleep, clock=t.clock)("write_back", write)
    assert len(calls) == 1
    assert t.waits == []


def test_other_errors_are_not_retried() -> None:
    t = SteppingTime()
    calls: list[int] = []

    def write() -> None:
        calls.append(1)
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        DurableWrites(60, sleep=t.sleep, clock=t.clock)("write_back", write)
    assert len(calls) == 1


def test_each_wait_is_logged_without_hiding_the_cause(caplog: pytest.LogCaptureFixture) -> None:
    t = SteppingTime()
    _, write = failing(2)
    with caplog.at_level("WARNING", logger="worker.store.durable"):
        DurableWrites(60, sleep=t.sleep, clock=t.clock)("write_back", write)
    waits = [r.getMessage() for r in caplog.records]
    assert len(waits) == 2
    assert all("during=write_back" in w and "connection refused" in w for w in waits)
