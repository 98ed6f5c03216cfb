"""Workers racing for one quota under the database's own clock, on every backend: threads
with their own connections, and real processes. The guarantee is checked afterwards from the
ledger's table, sliding window by sliding window, and so is how much of the quota was used."""

from __future__ import annotations

import math
import multiprocessing
import threading
import time
from collections.abc import Sequence
from multiprocessing.synchronize import Barrier
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from models import quota_events_table as events
from worker.quota.ledger import Granted, QuotaLedger
from worker.quota.rates import parse_rate
from worker.quota.scopes import Scope
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


def _ideal(times: list[float], end: float, calls: int, window: float) -> int:
    """What a perfect limiter grants from the first grant until ``end``: a full window's worth
    at the start of every window."""
    return calls * math.ceil((end - times[0]) / window)


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
    # Four users at 8/s want more than the app's 20/s: the app quota is the bottleneck.
    assert len(app) >= 0.9 * _ideal(app, until, 20, 1.0 + MARGIN)


def test_processes_racing_for_one_scope_never_exceed_it_and_use_it_fully(
    engine: Engine, migrated_url: str
) -> None:
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
    # Measured while all three were still asking: until the first of them stopped.
    end = min(until for _, until in results)
    assert len([t for t in times if t < end]) >= 0.9 * _ideal(times, end, 20, 1.0 + MARGIN)
