"""The ledger on every backend: the guarantee under an injected clock, pauses, and a race of
real processes under the database's own clock."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, select

from models import quota_events_table
from worker.db import make_engine
from worker.quota_ledger import Granted, Ledger, Wait
from worker.quota_scopes import Scope
from worker.rates import parse_period, parse_rate

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self, conn: Connection) -> datetime:
        return self.now


def ledger(engine: Engine, clock: FakeClock | None = None) -> Ledger:
    return Ledger(engine, tz=SHANGHAI, margin=0.02, clock=clock)


def test_never_more_than_n_in_any_window_and_full_use_of_it(engine: Engine) -> None:
    clock = FakeClock()
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
    assert len(granted) >= 0.9 * 40 / 5 * 10


def test_all_or_none_a_full_user_quota_spends_nothing_of_the_app_quota(engine: Engine) -> None:
    clock = FakeClock()
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


def test_day_counters_follow_the_provider_calendar(engine: Engine) -> None:
    clock = FakeClock()  # 17:00 in Shanghai
    book = ledger(engine, clock)
    app = Scope("app:x", (parse_rate("3/1d"),))
    assert [isinstance(book.reserve([app]), Granted) for _ in range(4)] == [True] * 3 + [False]
    wait = book.reserve([app])
    assert isinstance(wait, Wait)
    assert wait.until == datetime(2030, 1, 8, 0, 0, tzinfo=SHANGHAI)
    clock.now = wait.until.astimezone(UTC)
    assert isinstance(book.reserve([app]), Granted)


def test_a_pause_stops_every_scope_user_until_its_window_turns(engine: Engine) -> None:
    clock = FakeClock()
    first, second = ledger(engine, clock), ledger(engine, clock)
    app = Scope("app:x", (parse_rate("300/60s"),))
    until = first.pause("app:x", 190310, parse_period("60s"))
    assert until == T0 + timedelta(minutes=1)
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


def _hammer(url: str, seconds: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    engine = make_engine(url)
    book = Ledger(engine, tz=SHANGHAI, margin=0.02)
    app = Scope("app:race", (parse_rate("20/1s"),))
    end = datetime.now(UTC) + timedelta(seconds=seconds)
    granted = 0
    while datetime.now(UTC) < end:
        if isinstance(book.reserve([app]), Granted):
            granted += 1
    engine.dispose()
    out.put(granted)


def test_processes_racing_for_one_scope_never_exceed_it(engine: Engine, migrated_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[int] = spawn.Queue()
    workers = [spawn.Process(target=_hammer, args=(migrated_url, 2.5, queue)) for _ in range(3)]
    for w in workers:
        w.start()
    totals = [queue.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    with engine.connect() as db:
        times = sorted(
            t.timestamp()
            for t in db.scalars(
                select(quota_events_table.c.at).where(quota_events_table.c.scope == "app:race")
            )
        )
    assert sum(totals) == len(times)
    for i, t in enumerate(times):
        assert len([u for u in times[i:] if u < t + 1.02]) <= 20
    assert len(times) >= 0.9 * 20 * 2.5 * 0.8  # startup of the processes eats a little


def test_prune_forgets_what_no_window_can_see(engine: Engine) -> None:
    clock = FakeClock()
    book = ledger(engine, clock)
    book.reserve([Scope("app:x", (parse_rate("10/60s"), parse_rate("100/1d")))])
    book.pause("app:x", 190310, parse_period("60s"))
    clock.now += timedelta(hours=3)
    book.prune(clock.now)
    assert book.calls_since(T0 - timedelta(days=1)) == {}
    assert book.pauses() == []
