"""Quota use by a fleet: N worker processes share one metered quota through the ledger.

    .venv/bin/python -m bench.quota [--workers 1 2 4] [--rows 150] [--limit 30/5s] [--db postgresql]

For each N it starts the sandbox with the limit, N `meeting-sync once` processes against one
fresh database, and prints the utilisation of the provider's windows (calls per full window
÷ limit: the mean, and the worst window), the number of 190310 answers, and the completion
time next to the ideal (rows ÷ limit × window).

Utilisation is a figure of this benchmark, not of the test suite: it falls when the workers
get less CPU than they want (a descheduled worker leaves part of a window unused), so it is
quoted with the machine and its load. The suite holds what load cannot change: no 190310,
never more than the limit in a window (tests/integration/test_quota_fleet.py), and every
call a window allows granted to a worker that has work, in injected time
(tests/integration/test_quota_gate.py).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from collections import Counter

from bench.infra import ROOT, database, insert_meetings, worker_command, worker_env
from bench.report import machine
from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from sandbox.windows import parse_rate as sandbox_rate
from worker.quota.rates import parse_rate
from worker.store.engines import make_engine


def run_fleet(workers: int, rows: int, limit: str, db: str) -> dict[str, float]:
    rate = parse_rate(limit)
    window = rate.period.approx_seconds
    with (
        database(db) as url,
        SandboxServer(SandboxConfig(quotas=(sandbox_rate(limit),))) as sandbox,
    ):
        engine = make_engine(url)
        insert_meetings(engine, rows)
        engine.dispose()
        env = worker_env(
            url,
            sandbox,
            QUOTA_APP=limit,
            QUOTA_MAX_WAIT_SECONDS=str(window * 2),
            WORKER_BATCH_SIZE="10",
        )
        began = time.monotonic()
        procs = [
            subprocess.Popen(
                worker_command("once"),
                env={**env, "MEETING_SYNC_WORKER_WORKER_ID": f"bench{n}"},
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for n in range(workers)
        ]
        for proc in procs:
            proc.wait(timeout=600)
        elapsed = time.monotonic() - began
        log = sandbox.requests_log()
    per_window = Counter(int(e["t"] // window) for e in log)
    full = [per_window.get(w, 0) for w in range(min(per_window) + 1, max(per_window))]
    return {
        "workers": workers,
        "utilisation": statistics.mean(full) / rate.calls if full else float("nan"),
        "worst_window": min(full) / rate.calls if full else float("nan"),
        "max_per_window": max(full, default=0),
        "rejected_190310": sum(1 for e in log if e["error_code"] == 190310),
        "seconds": elapsed,
        "ideal_seconds": rows / rate.calls * window,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--rows", type=int, default=150)
    parser.add_argument("--limit", default="30/5s")
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args(argv)
    print(f"{args.rows} rows, limit {args.limit}, {args.db}; {machine()}")
    print(
        f"{'workers':>8}{'util.':>8}{'worst':>8}{'max/win':>9}{'190310':>8}"
        f"{'time s':>9}{'ideal s':>9}"
    )
    for n in args.workers:
        r = run_fleet(n, args.rows, args.limit, args.db)
        print(
            f"{r['workers']:>8}{r['utilisation']:>8.1%}{r['worst_window']:>8.1%}"
            f"{r['max_per_window']:>9}"
            f"{r['rejected_190310']:>8}{r['seconds']:>9.1f}{r['ideal_seconds']:>9.1f}"
        )


if __name__ == "__main__":
    main()
