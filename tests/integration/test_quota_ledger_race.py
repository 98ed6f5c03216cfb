"""Workers racing for one quota, on every backend: threads with their own connections, and
real processes. Under the database's own clock the guarantee is checked afterwards from the
ledger's table, sliding window by sliding window. How much of the quota such a run uses
depends on the CPU the racers get, so that is not asserted here; with the clock held still,
racers for one window are granted exactly its limit, neither more nor less."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from models import quota_counters_table as counters
from models import quota_events_table as events
from tests.fixtures.clock import DatabaseTime
from worker.quota.ledger import Granted, QuotaLedger, Wait
from worker.quota.rates import parse_rate
from worker.quota.scopes import Scope, is_sliding
from worker.store.engines import make_engine

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARGIN = 0.02
RUN_SECONDS = 2.5
APP = Scope("app:race", (parse_rate("20/1s"),))


def _work(book: QuotaLedger, scopes: Sequence[Scope], until: float) -> int:
    """Reserve as fast as the ledger allows until ``until``; wait as long as it says."""
    granted = 0
    while time.time() < until:
        result = book.reserve(scopes)
        if isinstance(result, Granted):
            granted += 1
        else:
            time.sleep(max(0.0, min(result.seconds, until - time.time())))
    return granted


def _process(
    url: str, ready: Barrier, out: multiprocessing.Queue[tuple[int, float]]
) -> None:  # pragma: no cover - runs in a child process
    engine = make_engine(url)
    book = QuotaLedger(engine, tz=SHANGHAI, margin=MARGIN)
    with engine.connect():
        pass  # connect before the start, so that every worker starts at once
    ready.wait(60)
    until = time.time() + RUN_SECONDS
    out.put((_work(book, [APP], until), until))
    engine.dispose()


def _times(engine: Engine, scope: str) -> list[float]:
    with engine.connect() as db:
        stamps = db.scalars(select(events.c.at).where(events.c.scope == scope))
        return sorted(t.timestamp() for t in stamps)


def _most_in_any_window(times: list[float], window: float) -> int:
    """The most calls inside any half-open interval [t, t + window)."""
    best, j = 0, 0
    for i, t in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] < t + window:
            j += 1
        best = max(best, j - i)
    return best


def test_threads_share_the_app_quota_and_keep_their_own_user_quotas(engine: Engine) -> None:
    book = QuotaLedger(engine, tz=SHANGHAI, margin=MARGIN)
    users = [Scope(f"user_create:race:u{i}", (parse_rate("8/1s"),)) for i in range(4)]
    start = time.time() + 0.2
    until = start + RUN_SECONDS
    totals: list[int] = []

    def worker(user: Scope) -> None:
        time.sleep(max(0.0, start - time.time()))
        totals.append(_work(book, [APP, user], until))

    threads = [threading.Thread(target=worker, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    app = _times(engine, APP.key)
    assert sum(totals) == len(app)
    assert _most_in_any_window(app, 1.0 + MARGIN) <= 20
    for user in users:
        assert _most_in_any_window(_times(engine, user.key), 1.0 + MARGIN) <= 8


def test_processes_racing_for_one_scope_never_exceed_it(engine: Engine, migrated_url: str) -> None:
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(4)
    out: multiprocessing.Queue[tuple[int, float]] = spawn.Queue()
    workers = [spawn.Process(target=_process, args=(migrated_url, ready, out)) for _ in range(3)]
    for w in workers:
        w.start()
    ready.wait(60)
    results = [out.get(timeout=60) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    times = _times(engine, APP.key)
    assert sum(granted for granted, _ in results) == len(times)
    assert _most_in_any_window(times, 1.0 + MARGIN) <= 20


@pytest.mark.parametrize("limit", ["20/60s", "20/1d"], ids=["sliding", "calendar"])
def test_racers_for_one_window_are_granted_exactly_its_limit(
    engine: Engine, migrated_url: str, limit: str
) -> None:
    # The race is for the scope's lock, not against the clock: time stands still (17:00 in
    # Shanghai, far from a day's turn), so however the racers interleave and however slowly
    # they run, all of the window's calls and not one more must be granted.
    clock = DatabaseTime(datetime(2030, 1, 7, 9, 0, tzinfo=UTC))
    rate = parse_rate(limit)
    scope = Scope("app:burst", (rate,))
    racers, asks = 4, 10
    start = threading.Barrier(racers)
    results: list[list[Granted | Wait]] = [[] for _ in range(racers)]
    errors: list[BaseException] = []

    def race(index: int) -> None:
        own = make_engine(migrated_url)  # its own connections, as another process would have
        try:
            book = QuotaLedger(own, tz=SHANGHAI, margin=MARGIN, clock=clock)
            start.wait(timeout=30)
            results[index] = [book.reserve([scope]) for _ in range(asks)]
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    answers = [r for mine in results for r in mine]
    assert len(answers) == racers * asks
    assert len([r for r in answers if isinstance(r, Granted)]) == 20
    refused = [r for r in answers if isinstance(r, Wait)]
    assert len(refused) == racers * asks - 20 and all(w.seconds > 0 for w in refused)
    # The ledger's own record agrees: sliding windows keep each call, calendar ones a count.
    with engine.connect() as db:
        if is_sliding(rate):
            recorded = db.scalar(select(func.count()).select_from(events))
        else:
            recorded = db.scalar(select(func.sum(counters.c.used)))
    assert recorded == 20
