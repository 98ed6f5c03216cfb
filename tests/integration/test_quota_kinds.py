"""What each Tencent Meeting limit pauses, and for how long: the quota gate over the shared
ledger on every backend, in injected time (the ledger's clock moves only when a test
moves it), so each pause's end is exact.

190312 holds one interface for the day, 9061 the queries for the minute, and 9008 one
creator's creates for the minute, or for the day once the day's creates reached 100 or the
retry after the minute is refused again. Everything else goes on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from tests.fixtures.clock import DatabaseTime
from tests.unit.rowfactory import wemeet_provider
from worker.config import QuotaConfig
from worker.exceptions import ApiError, QuotaDeferred
from worker.quota.gate import QuotaGate
from worker.quota.ledger import QuotaLedger
from worker.wemeet.quota import WemeetQuotas

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00:30 in Shanghai, 7 January 2030.
T0 = datetime(2030, 1, 7, 2, 0, 30, tzinfo=UTC)
SLACK = timedelta(seconds=2)  # the ledger's boundary slack
NEXT_MINUTE = datetime(2030, 1, 7, 2, 1, tzinfo=UTC) + SLACK
NEXT_DAY = datetime(2030, 1, 8, 0, 0, tzinfo=SHANGHAI).astimezone(UTC) + SLACK
EXACT = timedelta(milliseconds=1)
QUOTA = QuotaConfig()  # Tencent's published figures
TENCENT = wemeet_provider(WemeetQuotas("app1", QUOTA.app, QUOTA.user_create))


@pytest.fixture
def time() -> DatabaseTime:
    return DatabaseTime(T0)


@pytest.fixture
def gate(engine: Engine, time: DatabaseTime) -> QuotaGate:
    # No in-process wait: whatever must wait is handed back, with the time it may go again.
    return QuotaGate(
        QuotaLedger(engine, tz=SHANGHAI, slack=SLACK.total_seconds(), clock=time),
        max_wait_seconds=0.0,
        stop=threading.Event(),
    )


def refused(code: int) -> Callable[[], None]:
    def call() -> None:
        raise ApiError(error_code=code, message="refused", http_status=500)

    return call


def sent() -> str:
    return "sent"


def parked_until(
    gate: QuotaGate, operation: str, owner: str, call: Callable[[], object]
) -> datetime:
    """The moment the gate hands the call back for (it raises QuotaDeferred)."""
    with pytest.raises(QuotaDeferred) as deferred:
        gate.attempt(TENCENT, operation, owner, call)
    return deferred.value.until


def test_one_interfaces_daily_cap_holds_that_interface_alone_until_the_day_turns(
    gate: QuotaGate,
) -> None:
    assert abs(parked_until(gate, "update", "alice", refused(190312)) - NEXT_DAY) < EXACT

    # Updates wait for the day, whoever makes them; every other interface goes on.
    assert abs(parked_until(gate, "update", "bob", sent) - NEXT_DAY) < EXACT
    for operation in ("create", "cancel", "get", "list"):
        assert gate.attempt(TENCENT, operation, "alice", sent) == "sent"


def test_queries_too_frequent_hold_the_queries_until_the_minute_turns(
    gate: QuotaGate, time: DatabaseTime
) -> None:
    with pytest.raises(ApiError):
        gate.attempt(TENCENT, "list", "alice", refused(9061))

    for query in ("list", "get"):
        assert abs(parked_until(gate, query, "bob", sent) - NEXT_MINUTE) < EXACT
    for operation in ("create", "update", "cancel"):
        assert gate.attempt(TENCENT, operation, "alice", sent) == "sent"
    time.now = NEXT_MINUTE
    assert gate.attempt(TENCENT, "list", "alice", sent) == "sent"


def test_9008_holds_the_creators_creates_for_the_minute_and_others_go_on(
    gate: QuotaGate, time: DatabaseTime
) -> None:
    assert abs(parked_until(gate, "create", "alice", refused(9008)) - NEXT_MINUTE) < EXACT

    assert abs(parked_until(gate, "create", "alice", sent) - NEXT_MINUTE) < EXACT
    assert gate.attempt(TENCENT, "create", "bob", sent) == "sent"
    assert gate.attempt(TENCENT, "update", "alice", sent) == "sent"
    time.now = NEXT_MINUTE
    assert gate.attempt(TENCENT, "create", "alice", sent) == "sent"


def test_9008_again_on_the_retry_after_the_minute_holds_the_creates_for_the_day(
    gate: QuotaGate, time: DatabaseTime
) -> None:
    parked_until(gate, "create", "alice", refused(9008))
    time.now = NEXT_MINUTE + timedelta(seconds=1)

    assert abs(parked_until(gate, "create", "alice", refused(9008)) - NEXT_DAY) < EXACT
    time.now += timedelta(hours=1)
    assert abs(parked_until(gate, "create", "alice", sent) - NEXT_DAY) < EXACT
    assert gate.attempt(TENCENT, "create", "bob", sent) == "sent"


def test_a_backlog_refused_at_each_minutes_tenth_create_waits_minute_by_minute(
    gate: QuotaGate, time: DatabaseTime
) -> None:
    minute_turn = T0 - timedelta(seconds=30)
    for minute in range(3):
        start = minute_turn + timedelta(minutes=minute) + SLACK + timedelta(seconds=1)
        time.now = start
        for _ in range(9):
            assert gate.attempt(TENCENT, "create", "alice", sent) == "sent"
        # The tenth of the minute: the minute's figure explains it, whatever came before.
        until = parked_until(gate, "create", "alice", refused(9008))
        assert abs(until - (minute_turn + timedelta(minutes=minute + 1) + SLACK)) < EXACT


def test_9008_once_the_days_hundred_creates_are_spent_holds_the_creates_for_the_day(
    gate: QuotaGate, time: DatabaseTime
) -> None:
    for _ in range(100):
        assert gate.attempt(TENCENT, "create", "alice", sent) == "sent"
        time.now += timedelta(seconds=61)  # a minute's figure never comes near

    assert abs(parked_until(gate, "create", "alice", refused(9008)) - NEXT_DAY) < EXACT
    # Bob has made none today: his 9008 is the minute's.
    until = parked_until(gate, "create", "bob", refused(9008))
    assert until - time.now <= timedelta(seconds=62)
