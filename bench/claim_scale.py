"""Claim time against the size of the calendar: 1k rows due among 10k, 100k and 1M.

    .venv/bin/python -m bench.claim_scale [--quick] [--sizes 10000 100000 1000000]
                                          [--repeats 30] [--db sqlite postgresql]

One database per backend grows in place: 1,000 pending rows due now, then synced rows
(set-based INSERT … SELECT from generate_series / a recursive CTE) up to each size. At each
size it times the worker's own ``Store.claim`` of a 50-row batch (one write transaction,
committed) and gives the batch back with ``Store.release`` outside the timing, so the same
1,000 rows stay due; the figure is the median over the repeats. PostgreSQL is ANALYZEd after
each growth, as autovacuum would; SQLite is left as an application leaves it. The plan of
the statement that chooses the claim's rows is printed once per backend, at the largest
size, with whether it reads `ix_meetings_claim` and sorts nothing but the batch. Goal: claim
time at 1M ÷ claim time at 10k ≤ 1.5, i.e. the claim walks the partial index
`ix_meetings_claim` in its order (cancellations, then the soonest start) and stops after the
batch, instead of reading or sorting the table.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, event, text

from bench.infra import BACKENDS, START, available, database, insert_meetings
from bench.report import heading, machine, table
from models.types import UTCDateTime
from worker.store.engines import make_engine
from worker.store.meetings import Store

DUE = 1000
BATCH = 50
OWNER = "bench-claim"
COLUMNS = (
    "external_id, userid, subject, start_time, end_time, sync_state, revision, "
    "synced_revision, meeting_id, meeting_code, synced_at"
)
SYNCED_PG = f"""
INSERT INTO meetings ({COLUMNS})
SELECT 's' || g, 'user' || (g % 500), 'Meeting ' || g, :st, :et, 'synced', 1, 1,
       'm' || g, lpad((g % 1000000000)::text, 9, '0'), :at
FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g
"""
SYNCED_SQLITE = f"""
INSERT INTO meetings ({COLUMNS})
WITH RECURSIVE s(g) AS (SELECT :lo UNION ALL SELECT g + 1 FROM s WHERE g < :hi)
SELECT 's' || g, 'user' || (g % 500), 'Meeting ' || g, :st, :et, 'synced', 1, 1,
       'm' || g, printf('%09d', g % 1000000000), :at
FROM s
"""


def add_synced(engine: Engine, low: int, high: int) -> None:
    """Synced rows ``low``..``high`` (inclusive), in one set-based statement."""
    sql = SYNCED_PG if engine.dialect.name == "postgresql" else SYNCED_SQLITE
    stmt = text(sql).bindparams(
        bindparam("st", type_=UTCDateTime()),
        bindparam("et", type_=UTCDateTime()),
        bindparam("at", type_=UTCDateTime()),
    )
    values = {"st": START, "et": START + timedelta(hours=1), "at": START - timedelta(days=2)}
    with engine.begin() as conn:
        conn.execute(stmt, {**values, "lo": low, "hi": high})
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE meetings"))


def time_claims(store: Store, repeats: int) -> list[float]:
    """Seconds of each of ``repeats`` claims of a batch, each given back afterwards."""
    out = []
    for _ in range(repeats):
        now = store.now()
        began = time.perf_counter()
        rows = store.claim(owner=OWNER, now=now, lease_seconds=300, limit=BATCH)
        out.append(time.perf_counter() - began)
        if len(rows) != BATCH:
            raise RuntimeError(f"claimed {len(rows)} rows, expected {BATCH}")
        store.release([r.id for r in rows], owner=OWNER)
    return out


def claim_plan(store: Store) -> list[str]:
    """The plan of the statement that chooses the claim's rows, exactly as the store sends
    it (rolled back): PostgreSQL's one UPDATE, SQLite's SELECT before its UPDATE."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if "ORDER BY" in statement:
            seen.append((statement, params))

    event.listen(store.engine, "before_cursor_execute", capture)
    try:
        rows = store.claim(owner=OWNER, now=store.now(), lease_seconds=300, limit=BATCH)
    finally:
        event.remove(store.engine, "before_cursor_execute", capture)
    store.release([r.id for r in rows], owner=OWNER)
    statement, params = seen[0]
    pg = store.engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " if pg else "EXPLAIN QUERY PLAN "
    with store.engine.connect() as conn:
        result = conn.exec_driver_sql(prefix + statement, params).all()
        conn.rollback()  # EXPLAIN ANALYZE ran the UPDATE: undo it
    return [str(r[0]) if pg else f"{r[-1]}" for r in result]


def sorts_the_due_rows(plan: list[str]) -> bool:
    """Whether the plan sorts the rows it chooses from, rather than only the chosen batch
    (PostgreSQL sorts the batch again after its UPDATE, outside ``CTE due``)."""
    if any("TEMP B-TREE" in line for line in plan):  # SQLite
        return True
    if "  CTE due" in plan and "  CTE leased" in plan:
        due = plan[plan.index("  CTE due") : plan.index("  CTE leased")]
        return any("Sort" in line for line in due)
    return any("Sort" in line for line in plan)


def measure(backend: str, sizes: Sequence[int], repeats: int) -> list[list[object]]:
    rows: list[list[object]] = []
    with database(backend) as url:
        engine = make_engine(url)
        store = Store(engine)
        try:
            insert_meetings(engine, DUE, prefix="due")
            total, base = DUE, None
            for size in sizes:
                began = time.perf_counter()
                if size > total:
                    add_synced(engine, total + 1, size)
                    total = size
                fill = time.perf_counter() - began
                time_claims(store, 3)  # warm the caches and the pool
                ms = statistics.median(time_claims(store, repeats)) * 1000
                base = base or ms
                rows.append([f"{backend} {size:,}", DUE, ms, f"{ms / base:.2f}", fill])
            plan = claim_plan(store)
            uses = any("ix_meetings_claim" in line for line in plan)
            sorted_due = sorts_the_due_rows(plan)
            print(
                f"\nclaim plan, {backend}, {total:,} rows (ix_meetings_claim used: "
                f"{'yes' if uses else 'NO'}; due rows sorted: {'YES' if sorted_due else 'no'}):"
            )
            print("\n".join("    " + line for line in plan))
        finally:
            engine.dispose()
    return rows


def run(sizes: Sequence[int], repeats: int, backends: Sequence[str]) -> None:
    heading(
        "claim time against the size of the table",
        f"{BATCH}-row batch, {DUE:,} rows due, median of {repeats} claims; {machine()}",
    )
    rows: list[list[object]] = []
    for backend in available(backends):
        rows += measure(backend, sizes, repeats)
    print()
    print(table(["backend, rows", "due", "claim ms", "vs smallest", "fill s"], rows))
    print(f"goal: claim at {sizes[-1]:,} rows ÷ claim at {sizes[0]:,} rows ≤ 1.5")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10k and 100k rows, 10 claims")
    parser.add_argument("--sizes", type=int, nargs="+", help="table sizes (default 10k 100k 1M)")
    parser.add_argument("--repeats", type=int, help="claims timed per size (default 30)")
    parser.add_argument("--db", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args(argv)
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    if sorted(sizes) != sizes or sizes[0] < DUE:
        parser.error(f"--sizes must be increasing and at least {DUE}")
    run(sizes, args.repeats or (10 if args.quick else 30), args.db)


if __name__ == "__main__":
    main()
