"""What observing costs: counting one API call in the metrics (µs), and one scrape of the
table's figures (rows by state, failed by code, oldest pending, quota, pauses) when the
calendar holds 10k and 100k rows (SQLite and, when reachable, PostgreSQL).

    .venv/bin/python -m bench.metrics_cost [--quick]
"""

from __future__ import annotations

import argparse
import time
import timeit
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, generate_latest

from bench.infra import available, database, insert_meetings
from bench.report import heading, median, table
from worker.domain.calls import CallEvent, CallRecord
from worker.observe.metrics import Metrics
from worker.observe.table import TableCollector
from worker.quota.ledger import QuotaLedger
from worker.quota.rates import parse_rate
from worker.quota.scopes import Scope
from worker.store.engines import make_engine
from worker.store.meetings import Store

SCOPES = (Scope("app:bench", (parse_rate("300/60s"), parse_rate("200000/1d"))),)


def call_cost_us(repeat: int = 5, number: int = 20_000) -> float:
    metrics = Metrics()
    record = CallRecord("create", "POST", "/v1/meetings", 200, None, "t", 0.012, True)
    event = CallEvent("wemeet", "cal-1", record)
    best = min(timeit.repeat(lambda: metrics.observe_call(event), repeat=repeat, number=number))
    return best / number * 1e6


def scrape_ms(backend: str, rows: int, repeats: int) -> float:
    with database(backend) as url:
        engine = make_engine(url)
        try:
            insert_meetings(engine, rows)
            registry = CollectorRegistry()
            ledger = QuotaLedger(engine, tz=ZoneInfo("Asia/Shanghai"))
            registry.register(TableCollector(Store(engine), ledger, SCOPES))
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                generate_latest(registry)
                times.append((time.perf_counter() - started) * 1000)
            return median(times)
        finally:
            engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_cost", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k rows only, 5 scrapes")
    args = parser.parse_args(argv)
    sizes = (10_000,) if args.quick else (10_000, 100_000)
    repeats = 5 if args.quick else 15
    heading("metrics cost", f"one call counted; median of {repeats} scrapes of the table")
    print(f"counting one API call: {call_cost_us():.1f} µs (best of 5 × 20,000)")
    rows = []
    for backend in available(["sqlite", "postgresql"]):
        rows.append([backend, *(f"{scrape_ms(backend, n, repeats):.1f} ms" for n in sizes)])
    print(table(["backend", *(f"{n:,} rows" for n in sizes)], rows))


if __name__ == "__main__":
    main()
