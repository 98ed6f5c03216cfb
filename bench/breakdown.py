"""Where a synced meeting's time goes: the real sync pass, timed part by part.

    .venv/bin/python -m bench.breakdown [--quick] [--rows N] [--db sqlite postgresql]

Runs the worker's own pass (worker.composition.build_pass) in this process against a sandbox
process, over N new rows and then the same rows edited, with timers on the parts that do
I/O: the quota reservation, the HTTP call (signing included), the store's transactions and
its clock reads. What is left is the pass's own Python (planning, tenacity, bookkeeping).
It also counts, per meeting, the SQL statements sent, the commits, and the pool check-outs
(each one costs a pre-ping round trip).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text

from bench.infra import (
    BACKENDS,
    UNLIMITED,
    SandboxProcess,
    available,
    database,
    insert_meetings,
)
from bench.report import heading, machine, table
from worker.composition import build_pass
from worker.config import QuotaConfig, for_api
from worker.quota.rates import parse_rate
from worker.store.engines import make_engine
from worker.store.meetings import Store
from worker.sync.loop import SyncPass

# The parts timed, as (label, owner attribute path, method).
PARTS = (
    ("quota reservation (ledger)", "gate.ledger", "reserve"),
    # The provider's client, behind the sync core's provider registry.
    ("HTTP call (sign, send, parse)", "rows.providers.wemeet.client", "create_meeting"),
    ("HTTP call (sign, send, parse)", "rows.providers.wemeet.client", "update_meeting"),
    ("claim (per batch)", "store", "claim"),
    ("create-intent marker (inside the reservation's transaction)", "store", "mark_create_intent"),
    (
        "write-back (inside the next reservation's transaction, or the group's)",
        "store",
        "record_synced",
    ),
    ("write-back group (per batch: its transaction)", "rows.writes", "flush"),
    ("database clock reads", "store", "now"),
    ("call log insert (per batch)", "store", "log_calls"),
)


@dataclass
class Meter:
    """Exclusive times: a timed part running inside another (the create-intent marker
    inside the quota reservation's transaction) is counted once, as itself."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[str] = field(default_factory=Counter)
    _nested: list[float] = field(default_factory=list)

    def wrap(self, owner: Any, method: str, label: str) -> None:
        inner: Callable[..., Any] = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            self._nested.append(0.0)
            try:
                return inner(*args, **kwargs)
            finally:
                spent = time.perf_counter() - began
                own = spent - self._nested.pop()
                if self._nested:
                    self._nested[-1] += spent
                self.seconds[label] += own
                self.calls[label] += 1

        setattr(owner, method, timed)


def _resolve(root: Any, path: str) -> Any:
    for name in path.split("."):
        root = root[name] if isinstance(root, Mapping) else getattr(root, name)
    return root


def instrumented_pass(url: str, sandbox: SandboxProcess) -> tuple[SyncPass, Meter, Counter[str]]:
    unlimited = (parse_rate(UNLIMITED),)
    config = for_api(
        url,
        sandbox.base_url,
        sandbox.credentials,
        quota=QuotaConfig(app=unlimited, user_create=unlimited),
    )
    store = Store(make_engine(url))
    sync = build_pass(config, store=store)
    meter = Meter()
    for label, path, method in PARTS:
        meter.wrap(_resolve(sync, path), method, label)
    sql: Counter[str] = Counter()
    began: list[float] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _statement(*args: Any) -> None:
        sql["statements"] += 1
        began.append(time.perf_counter())

    @event.listens_for(store.engine, "after_cursor_execute")
    def _statement_done(*args: Any) -> None:
        # Kept as microseconds: a Counter holds ints.
        sql["execute_us"] += int((time.perf_counter() - began.pop()) * 1e6)

    @event.listens_for(store.engine.pool, "checkout")
    def _checkout(*args: Any) -> None:
        sql["checkouts"] += 1

    @event.listens_for(store.engine, "commit")
    def _commit(*args: Any) -> None:
        sql["commits"] += 1

    return sync, meter, sql


def measure(backend: str, sandbox: SandboxProcess, count: int) -> dict[str, list[list[object]]]:
    out: dict[str, list[list[object]]] = {}
    with database(backend) as url:
        sync, meter, sql = instrumented_pass(url, sandbox)
        try:
            insert_meetings(sync.store.engine, count)
            for phase in ("create", "update"):
                if phase == "update":
                    with sync.store.engine.begin() as conn:
                        conn.execute(text("UPDATE meetings SET subject = subject || ' v2'"))
                meter.seconds.clear()
                meter.calls.clear()
                sql.clear()
                began = time.perf_counter()
                report = sync.run()
                total = time.perf_counter() - began
                done = report.counts.get(f"{phase}d", 0)
                if done != count:
                    raise RuntimeError(f"{backend} {phase}: {report.as_dict()}")
                out[phase] = _rows(meter, sql, total, count)
        finally:
            sync.store.engine.dispose()
    return out


def _rows(meter: Meter, sql: Counter[str], total: float, count: int) -> list[list[object]]:
    rows: list[list[object]] = []
    labels = list(dict.fromkeys(label for label, _, _ in PARTS))
    for label in labels:
        seconds = meter.seconds[label]
        rows.append([label, seconds * 1000 / count, f"{seconds / total:.0%}"])
    rest = total - sum(meter.seconds.values())
    rows.append(
        ["pass logic (plan, retry wrapper, rest)", rest * 1000 / count, f"{rest / total:.0%}"]
    )
    rows.append(["total per meeting", total * 1000 / count, "100%"])
    rows.append(["  SQL statements per meeting", sql["statements"] / count, ""])
    rows.append(
        ["  of which executing them (driver, database)", sql["execute_us"] / 1000 / count, ""]
    )
    rows.append(["  commits per meeting", sql["commits"] / count, ""])
    rows.append(["  pool check-outs (pre-pings) per meeting", sql["checkouts"] / count, ""])
    return rows


def run(count: int, backends: Sequence[str]) -> None:
    heading("where a meeting's time goes (the pass in-process, parts timed)", machine())
    with SandboxProcess() as sandbox:
        for backend in available(backends):
            sandbox.reset()
            result = measure(backend, sandbox, count)
            for phase, rows in result.items():
                print(f"\n{backend}, {phase} path, {count} meetings")
                print(table(["part", "ms/meeting", "share"], rows))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 rows")
    parser.add_argument("--rows", type=int, help="meetings (default 1000)")
    parser.add_argument("--db", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args(argv)
    run(args.rows or (200 if args.quick else 1000), args.db)


if __name__ == "__main__":
    main()
