"""The quota gate over the shared ledger, on every backend, in injected time.

What the fleet tests cannot show on a loaded machine, where a worker may be descheduled for
a second: that a worker that has work is granted every call a window allows, the moment it
is allowed, and never one more; and that a provider's pause holds every worker exactly until
the window turns. The clock is the ledger's (the database's), moved only by the gates' waits
and by the calls themselves, so the figures are exact on any machine.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, func, select

from models import quota_events_table
from tests.fixtures.clock import DatabaseTime
from tests.unit.rowfactory import wemeet_provider
from worker.config import QuotaConfig
from worker.exceptions import ApiError, QuotaDeferred
from worker.quota.gate import QuotaGate
from worker.quota.ledger import QuotaLedger
from worker.quota.rates import parse_rate
from worker.wemeet.quota import WemeetQuotas

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # the start of a 5 s window, as the provider counts
LIMIT = 30
MARGIN = 0.02
# The ledger's sliding window: the provider's 5 s and the safety margin.
WINDOW = timedelta(seconds=5 * (1 + MARGIN))
# What one API call takes in the injected time, between its grant and the worker's next ask.
CALL = timedelta(milliseconds=50)
# The ledger's times pass through float seconds: equal to well under a call's length.
EXACT = timedelta(milliseconds=1)
QUOTA = QuotaConfig(app=(parse_rate(f"{LIMIT}/5s"),), max_wait_seconds=10.0, safety_margin=MARGIN)
# The provider names the scopes a call spends and what a quota error pauses.
TENCENT = wemeet_provider(WemeetQuotas("app1", QUOTA.app, QUOTA.user_create))


def gates(engine: Engine, time: DatabaseTime, count: int) -> list[QuotaGate]:
    """``count`` workers, each with its own ledger on the one database and its clock."""
    return [
        QuotaGate(
            QuotaLedger(engine, tz=SHANGHAI, margin=MARGIN, clock=time),
            max_wait_seconds=QUOTA.max_wait_seconds,
            stop=threading.Event(),
            wait=time.wait,
        )
        for _ in range(count)
    ]


def test_workers_with_work_are_granted_every_call_the_window_allows_and_no_more(
    engine: Engine,
) -> None:
    time = DatabaseTime(T0)
    workers = gates(engine, time, 2)
    asked: list[datetime] = []
    granted: list[datetime] = []

    def grant(conn: Connection, at: datetime) -> None:
        granted.append(at)

    def call() -> None:
        time.now += CALL

    # 150 rows (five windows' worth) between two workers taking turns, as in the fleet test.
    for n in range(5 * LIMIT):
        asked.append(time.now)
        workers[n % 2].attempt(TENCENT, "update", "alice", call, before_send=grant)

    assert len(granted) == 5 * LIMIT
    assert time.waits, "the workers never reached the limit: nothing was shown"
    # Never one call more than the limit in any window of the ledger.
    for i, t in enumerate(granted):
        assert len([g for g in granted[i:] if g < t + WINDOW]) <= LIMIT, i
    # Full use: a call waits only while the window is full, and only until the oldest call
    # in it leaves; the first window's worth goes at once.
    for k, (ask, at) in enumerate(zip(asked, granted, strict=True)):
        allowed = ask if k < LIMIT else max(ask, granted[k - LIMIT] + WINDOW)
        assert abs(at - allowed) < EXACT, (k, at - T0, allowed - T0)
    # So five windows' worth of calls is done at the earliest the limit permits: four
    # windows on, plus the calls of the last burst.
    assert abs(granted[-1] - (T0 + 4 * WINDOW + (LIMIT - 1) * CALL)) < EXACT


def test_a_pause_holds_every_worker_until_the_window_turns_and_not_longer(
    engine: Engine,
) -> None:
    time = DatabaseTime(T0)
    first, second = gates(engine, time, 2)
    time.now = T0 + timedelta(seconds=1.3)

    def spent_by_someone_else() -> None:
        raise ApiError(error_code=190310, message="too many requests", http_status=429)

    with pytest.raises(ApiError):
        first.attempt(TENCENT, "update", "alice", spent_by_someone_else)
    granted: list[datetime] = []
    second.attempt(
        TENCENT, "update", "bob", lambda: None, before_send=lambda c, at: granted.append(at)
    )

    # The provider's window turns at T0 + 5 s; the ledger adds its 2 s of boundary slack.
    turn = T0 + timedelta(seconds=5 + 2)
    assert len(time.waits) == 1 and abs(time.waits[0] - 5.7) < EXACT.total_seconds()
    assert len(granted) == 1 and abs(granted[0] - turn) < EXACT
    # After the pause the window is the workers' again: a full window's worth at once.
    for _ in range(LIMIT - 1):
        first.attempt(TENCENT, "update", "alice", lambda: None)
    assert len(time.waits) == 1 and time.now == granted[0]


def test_a_shutdown_during_a_quota_wait_hands_the_row_back_unsent(engine: Engine) -> None:
    time = DatabaseTime(T0)
    (gate,) = gates(engine, time, 1)
    for _ in range(LIMIT):
        gate.attempt(TENCENT, "update", "alice", lambda: None)
    sent: list[str] = []
    stopping = QuotaGate(
        gate.ledger, max_wait_seconds=QUOTA.max_wait_seconds, stop=threading.Event(),
        wait=lambda s: True,
    )  # fmt: skip

    with pytest.raises(QuotaDeferred) as deferred:
        stopping.attempt(TENCENT, "update", "alice", lambda: sent.append("call"))

    assert sent == []
    assert abs(deferred.value.until - (T0 + WINDOW)) < EXACT
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_events_table)) == LIMIT
