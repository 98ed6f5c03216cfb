"""The ledger on every backend under an injected clock: the window guarantee, all-or-none,
calendar days, pauses, the database-clock path and pruning (races: test_quota_ledger_race)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.engine import make_url

from models import quota_counters_table, quota_events_table, quota_pauses_table
from tests.fixtures.clock import DatabaseTime
from worker.quota.ledger import Granted, QuotaLedger, Wait
from worker.quota.rates import parse_period, parse_rate
from worker.quota.scopes import Scope
from worker.store.engines import make_engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def ledger(engine: Engine, clock: DatabaseTime | None = None) -> QuotaLedger:
    return QuotaLedger(engine, tz=SHANGHAI, margin=0.02, clock=clock)


def test_never_more_than_n_in_any_window_and_full_use_of_it(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("10/5s"),))
    granted: list[int] = []  # milliseconds, to compare exactly
    for _ in range(400):  # 40 s of a worker asking every 0.1 s
        if isinstance(book.reserve([app]), Granted):
            granted.append((clock.now - T0) // timedelta(milliseconds=1))
        clock.now += timedelta(seconds=0.1)
    for i, t in enumerate(granted):
        in_window = [g for g in granted[i:] if g < t + 5100]
        assert len(in_window) <= 10
    # Full use, exactly (the clock is injected): ten at once whenever a 5.1 s window has
    # turned, at 0, 5.1, 10.2, ... 35.7 s: eight windows' worth in the 40 s.
    assert granted[::10] == [5100 * w for w in range(8)]
    assert len(granted) == 80


def test_all_or_none_a_full_user_quota_spends_nothing_of_the_app_quota(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("100/60s"),))
    user = Scope("user_create:x:alice", (parse_rate("2/1h"),))
    assert isinstance(book.reserve([app, user]), Granted)
    assert isinstance(book.reserve([app, user]), Granted)
    refused = book.reserve([app, user])
    assert isinstance(refused, Wait) and refused.scope == "user_create:x:alice"
    assert 3500 < refused.seconds <= 3600 * 1.02
    with engine.connect() as db:
        app_calls = db.scalars(
            select(quota_events_table.c.at).where(quota_events_table.c.scope == "app:x")
        ).all()
    assert len(app_calls) == 2


def test_work_on_the_grant_commits_with_it_or_takes_it_back(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("100/60s"), parse_rate("1000/1d")))
    seen: list[tuple[int, datetime]] = []

    def record(conn: Connection, at: datetime) -> None:
        # Inside the grant's transaction: its own event is already there to count.
        seen.append((conn.scalar(select(func.count()).select_from(quota_events_table)) or 0, at))

    assert isinstance(book.reserve([app], record), Granted)
    assert seen == [(1, T0)]

    class Declined(Exception):
        pass

    def decline(conn: Connection, at: datetime) -> None:
        raise Declined

    with pytest.raises(Declined):
        book.reserve([app], decline)
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_events_table)) == 1
        assert db.scalar(select(quota_counters_table.c.used)) == 1


def test_day_counters_follow_the_provider_calendar(engine: Engine) -> None:
    clock = DatabaseTime(T0)  # 17:00 in Shanghai
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("3/1d"),))
    assert [isinstance(book.reserve([app]), Granted) for _ in range(4)] == [True] * 3 + [False]
    wait = book.reserve([app])
    assert isinstance(wait, Wait)
    # Midnight in Shanghai, and two seconds more in case the provider's clock is behind.
    assert wait.until == datetime(2030, 1, 8, 0, 0, 2, tzinfo=SHANGHAI)
    clock.now = wait.until.astimezone(UTC)
    assert isinstance(book.reserve([app]), Granted)


def test_a_pause_stops_every_scope_user_until_its_window_turns(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    first, second = ledger(engine, clock), ledger(engine, clock)
    app = Scope("app:x", (parse_rate("300/60s"),))
    until = first.pause("app:x", 190310, parse_period("60s"))
    assert until == T0 + timedelta(minutes=1, seconds=2)  # the next minute, and the slack
    blocked = second.reserve([app])
    assert isinstance(blocked, Wait) and blocked.error_code == 190310
    assert blocked.until == until
    assert [p.scope for p in first.pauses()] == ["app:x"]
    clock.now = until
    assert isinstance(second.reserve([app]), Granted)


def test_the_database_clock_path_works(engine: Engine) -> None:
    book = ledger(engine)
    result = book.reserve([Scope("app:y", (parse_rate("5/1s"), parse_rate("100/1d")))])
    assert isinstance(result, Granted)
    assert abs((result.at - datetime.now(UTC)).total_seconds()) < 5


def test_prune_forgets_what_no_window_can_see_and_keeps_the_current_day(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("10/60s"), parse_rate("1/1d")))
    assert isinstance(book.reserve([app]), Granted)
    book.pause("app:x", 190310, parse_period("60s"))
    clock.now += timedelta(hours=3)
    book.prune(clock.now)
    assert book.calls_since(T0 - timedelta(days=1)) == {}
    assert book.pauses() == []
    assert isinstance(book.reserve([app]), Wait)  # today's call is still counted
    clock.now += timedelta(days=1)
    book.prune(clock.now)
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_counters_table)) == 0


def _per_provider_day(grants: list[datetime], offset: float) -> dict[str, int]:
    """How a provider whose clock is ``offset`` seconds ahead of ours counts the calls."""
    days: dict[str, int] = {}
    for t in grants:
        day = (t + timedelta(seconds=offset)).astimezone(SHANGHAI).date().isoformat()
        days[day] = days.get(day, 0) + 1
    return days


def test_calls_at_the_turn_of_the_day_never_overfill_a_skewed_provider_day(
    engine: Engine,
) -> None:
    clock = DatabaseTime(T0)
    book = QuotaLedger(engine, tz=SHANGHAI, margin=0.02, slack=2.0, clock=clock)
    app = Scope("app:x", (parse_rate("5/1d"),))
    grants: list[datetime] = []

    def ask() -> None:
        if isinstance(book.reserve([app]), Granted):
            grants.append(clock.now)

    clock.now = datetime(2030, 1, 7, 12, 0, tzinfo=SHANGHAI).astimezone(UTC)
    ask()
    ask()
    # A worker asking four times a second from just before midnight to just after it.
    clock.now = datetime(2030, 1, 7, 23, 59, 58, 500000, tzinfo=SHANGHAI).astimezone(UTC)
    for _ in range(40):
        ask()
        clock.now += timedelta(seconds=0.25)
    for offset in (-1.5, 0.0, 1.5):
        assert max(_per_provider_day(grants, offset).values()) <= 5, offset
    # The first day is used up; the 3 calls in its last seconds count in the second day too
    # (the price of the guarantee), which grants the remaining 2 once the slack is over.
    assert len(grants) == 7
    first_of_day_two = grants[5].astimezone(SHANGHAI)
    assert first_of_day_two == datetime(2030, 1, 8, 0, 0, 2, tzinfo=SHANGHAI)


def _engine_in_shanghai_session(url: str) -> Engine:
    """An engine whose sessions speak Asia/Shanghai time, as a host configured so might."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return make_engine(url, connect_args={"options": "-c timezone=Asia/Shanghai"})
    if backend in ("mysql", "mariadb"):
        return make_engine(url, connect_args={"init_command": "SET time_zone = '+08:00'"})
    return make_engine(url)  # SQLite sessions have no time zone


def test_workers_whose_sessions_use_other_time_zones_count_together(
    engine: Engine, migrated_url: str
) -> None:
    elsewhere = _engine_in_shanghai_session(migrated_url)
    try:
        app = Scope("app:tz", (parse_rate("2/60s"), parse_rate("3/1d")))
        here, there = ledger(engine), ledger(elsewhere)
        first = here.reserve([app])
        assert isinstance(first, Granted)
        assert isinstance(there.reserve([app]), Granted)
        blocked = here.reserve([app])
        # Room again when the first call leaves the minute (and the margin): an hour or eight
        # off would be a session's time zone leaking in. Measured from the grant, not from
        # now, so however slowly a busy machine runs the three reservations it holds.
        assert isinstance(blocked, Wait), blocked
        assert abs(blocked.until - (first.at + timedelta(seconds=60 * 1.02))) < timedelta(
            milliseconds=1
        )
        assert isinstance(there.reserve([app]), Wait)
    finally:
        elsewhere.dispose()


def test_a_minute_rate_and_a_day_rate_together_across_midnight(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = QuotaLedger(engine, tz=SHANGHAI, margin=0.02, slack=2.0, clock=clock)
    app = Scope("app:x", (parse_rate("10/5s"), parse_rate("100/1d")))
    steps = random.Random(4)  # irregular asking, the same on every run
    clock.now = datetime(2030, 1, 7, 23, 58, tzinfo=SHANGHAI).astimezone(UTC)
    end = clock.now + timedelta(minutes=4)
    grants: list[datetime] = []
    while clock.now < end:
        if isinstance(book.reserve([app]), Granted):
            grants.append(clock.now)
        clock.now += timedelta(seconds=steps.uniform(0.3, 1.0))
    stamps = [t.timestamp() for t in grants]
    for i, t in enumerate(stamps):
        assert len([u for u in stamps[i:] if u < t + 5.1]) <= 10
    for offset in (-1.5, 0.0, 1.5):
        assert max(_per_provider_day(grants, offset).values()) <= 100, offset
    # Each day's 100 are all used; the second day's start only after the slack.
    assert len(grants) == 200
    first_after_midnight = min(g for g in grants if g.astimezone(SHANGHAI).day == 8)
    assert first_after_midnight >= datetime(2030, 1, 8, 0, 0, 2, tzinfo=SHANGHAI)
    assert first_after_midnight < datetime(2030, 1, 8, 0, 0, 3, tzinfo=SHANGHAI)


def test_counted_windows_count_every_call_and_never_hold_one_back(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    minute, day = parse_period("60s"), parse_period("1d")
    user = Scope("user_create:x:alice", (parse_rate("2000/1h"),), counted=(minute, day))
    for _ in range(30):
        assert isinstance(book.reserve([user]), Granted)
    counted = select(quota_counters_table.c.period, quota_counters_table.c.used).where(
        quota_counters_table.c.scope == "user_create:x:alice"
    )
    with engine.connect() as db:
        assert {str(p): int(n) for p, n in db.execute(counted)} == {"60s": 30, "1d": 30}


def test_a_pause_that_ran_out_is_kept_a_while_for_the_retry_after_it(engine: Engine) -> None:
    clock = DatabaseTime(T0)
    book = ledger(engine, clock)
    book.pause("user_create:x:alice", 9008, parse_period("60s"))
    clock.now += timedelta(minutes=5)
    book.prune(clock.now)
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_pauses_table)) == 1
    assert book.pauses() == []  # no longer holding anything back
    clock.now += timedelta(hours=3)
    book.prune(clock.now)
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_pauses_table)) == 0
