"""What PyrateLimiter offers for a quota shared by a fleet, measured.

Findings: bench/notes/pyrate_limiter.md.

PyrateLimiter is not a dependency of meeting-sync; run this in a throwaway environment:

    python3 -m venv /tmp/pyrate && /tmp/pyrate/bin/pip install pyrate-limiter \
        'psycopg[binary]' psycopg-pool
    /tmp/pyrate/bin/python bench/pyrate_probe.py

It uses a brand-new database `pyrate_<random>` on the PostgreSQL server of
``MEETING_SYNC_TEST_POSTGRES_URL`` (libpq form, default postgresql://postgres@127.0.0.1:5432/test)
and drops it afterwards.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import secrets
import time
from datetime import datetime
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import psycopg
import pyrate_limiter
from psycopg_pool import ConnectionPool
from pyrate_limiter import BucketFactory, Duration, InMemoryBucket, Limiter, Rate, RateItem
from pyrate_limiter.buckets import PostgresBucket

SERVER = os.environ.get(
    "MEETING_SYNC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SERVER = SERVER.replace("postgresql+psycopg://", "postgresql://")
LIMIT, RUN_SECONDS, PROCESSES = 20, 2.5, 3


def database(name: str) -> str:
    parts = urlsplit(SERVER)
    return urlunsplit(parts._replace(path=f"/{name}"))


def hammer(url: str, tz: str, blocking: bool, ready: Any, out: Any) -> None:
    """One worker: a Limiter over the shared PostgresBucket, asking as fast as it is allowed."""
    # The session time zone of this worker (libpq's PGTZ), as a host's environment may set it.
    pool = ConnectionPool(url, min_size=1, max_size=2, kwargs={"options": f"-c timezone={tz}"})
    pool.wait()
    contention = LockRefusals()
    logging.getLogger("pyrate_limiter.buckets.postgres").addHandler(contention)
    logging.getLogger("pyrate_limiter.buckets.postgres").setLevel(logging.DEBUG)
    limiter = Limiter(PostgresBucket(pool, "app", [Rate(LIMIT, Duration.SECOND)]))
    ready.wait(60)
    grants: list[float] = []
    refused = 0
    end = time.time() + RUN_SECONDS
    while time.time() < end:
        if blocking:
            ok = limiter.try_acquire("app", blocking=True, timeout=max(0.0, end - time.time()))
        else:
            ok = limiter.try_acquire("app", blocking=False)
        if ok:
            grants.append(time.time())  # when the call would go out
        else:
            refused += 1
    out.put((grants, refused, end, contention.count))
    pool.close()


class LockRefusals(logging.Handler):
    """Counts the refusals the PostgresBucket gives because another worker holds its table."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage() == "LockNotAvailable"


def race(url: str, zones: list[str], blocking: bool) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS ratelimit___app")
    spawn = multiprocessing.get_context("spawn")
    ready, out = spawn.Barrier(len(zones) + 1), spawn.Queue()
    procs = [spawn.Process(target=hammer, args=(url, tz, blocking, ready, out)) for tz in zones]
    for p in procs:
        p.start()
    ready.wait(60)
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    grants = sorted(t for r in results for t in r[0])
    refused = sum(r[1] for r in results)
    busy = sum(r[3] for r in results)
    end = min(r[2] for r in results)
    best = max(sum(1 for u in grants[i:] if u < t + 1.0) for i, t in enumerate(grants))
    ideal = LIMIT * -(-(end - grants[0]) // 1.0)
    used = sum(1 for t in grants if t < end)
    mode = "blocking" if blocking else "non-blocking"
    print(f"  {len(zones)} processes, session time zones {zones}, {mode} try_acquire:")
    print(f"    granted {len(grants)}, refused {refused} ({busy} of them: table lock busy)")
    print(f"    most in any 1 s of the moments the calls could go out: {best} (limit {LIMIT})")
    if len(set(zones)) == 1:
        with psycopg.connect(url, options=f"-c timezone={zones[0]}") as conn:
            rows = conn.execute(
                "SELECT extract(epoch FROM item_timestamp::timestamptz) FROM ratelimit___app"
            )
            stamps = sorted(float(r[0]) for r in rows.fetchall())
        own = max(sum(1 for u in stamps[i:] if u < t + 1.0) for i, t in enumerate(stamps))
        print(f"    most in any 1 s of the bucket's own timestamps: {own}")
    print(f"    used while all ran: {used} of an ideal {ideal:.0f} ({used / ideal:.0%})")


def day_log_cost(url: str) -> None:
    """A per-day rate keeps every call of the day in the log and counts it at every put."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS ratelimit___day")
    pool = ConnectionPool(url, min_size=1, max_size=2)
    pool.wait()
    limiter = Limiter(
        PostgresBucket(pool, "day", [Rate(300, Duration.MINUTE), Rate(200_000, Duration.DAY)])
    )
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO ratelimit___day SELECT 'day', 1, now() - g * interval '300 ms'"
            " - interval '2 minutes' FROM generate_series(1, 199000) g"
        )
    start = time.perf_counter()
    granted = sum(limiter.try_acquire("day", blocking=False) for _ in range(50))
    took = (time.perf_counter() - start) / 50 * 1000
    print(f"  300/1m + 200000/1d, 199,000 calls already today: {granted}/50 granted, {took:.0f} ms")
    print("    per put, each under an EXCLUSIVE lock on the bucket's table")
    pool.close()


def all_or_none() -> None:
    """App and user quotas in one Limiter: one bucket per item, reserved one after the other."""

    class Scopes(BucketFactory):
        def __init__(self) -> None:
            self.buckets = {
                "app": InMemoryBucket([Rate(100, Duration.MINUTE)]),
                "user:alice": InMemoryBucket([Rate(2, Duration.HOUR)]),
            }

        def wrap_item(self, name: str, weight: int = 1) -> RateItem:
            return RateItem(name, int(time.time() * 1000), weight)

        def get(self, item: RateItem) -> Any:
            return self.buckets[item.name]

    scopes = Scopes()
    limiter = Limiter(scopes)
    outcomes = []
    for _ in range(3):
        app_ok = limiter.try_acquire("app", blocking=False)
        user_ok = limiter.try_acquire("user:alice", blocking=False)
        outcomes.append((app_ok, user_ok))
    print(f"  three creates by alice (app, user) -> {outcomes}")
    print(f"  app calls spent: {scopes.buckets['app'].count()} for 2 creates that could go out")


def natural_day() -> None:
    """Rate(N, Duration.DAY) is a sliding 24 h, not the provider's natural day."""
    shanghai = ZoneInfo("Asia/Shanghai")
    bucket = InMemoryBucket([Rate(3, Duration.DAY)])

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text).replace(tzinfo=shanghai).timestamp() * 1000)

    late = [bucket.put(RateItem("app", ms("2030-01-07 23:00:00"))) for _ in range(3)]
    next_day = bucket.put(RateItem("app", ms("2030-01-08 00:00:10")))
    print(
        f"  3/1d, 3 calls at 23:00 Shanghai -> {late}; a call at 00:00:10 the next day -> "
        f"{next_day} (the provider's new day is empty)"
    )


def main() -> None:
    print(f"pyrate-limiter {version('pyrate-limiter')}")
    buckets = sorted(n for n in dir(pyrate_limiter.buckets) if n.endswith("Bucket"))
    print(f"buckets: {', '.join(buckets)}")
    print("MySQL/MariaDB bucket:", any("sql" in n.lower() and "my" in n.lower() for n in buckets))
    name = f"pyrate_{secrets.token_hex(4)}"
    with psycopg.connect(SERVER, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = database(name)
        print("PostgresBucket, 20/1s, real processes for 2.5 s:")
        race(url, ["UTC"] * PROCESSES, blocking=False)
        race(url, ["UTC"] * PROCESSES, blocking=True)
        # Two hosts whose libpq sessions speak different time zones (PGTZ) share the bucket.
        race(url, ["UTC", "Asia/Shanghai"], blocking=False)
        print("PostgresBucket, a day's log:")
        day_log_cost(url)
    finally:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print("Several scopes:")
    all_or_none()
    print("Days:")
    natural_day()


if __name__ == "__main__":
    main()
