"""Pickup latency: from the commit of a new row to its create call and to `synced`, under
the daemon.

    .venv/bin/python -m bench.pickup [--quick] [--rows 20] [--poll 5]
        [--db sqlite postgresql mariadb]

Starts `meeting-sync run` (the daemon, with the default poll interval of 5 s unless --poll
says otherwise, and its default wake: LISTEN on PostgreSQL, the adaptive poll elsewhere)
against a fresh database and a sandbox process (latency 0), then commits one new row at a
time at random moments (0.3–6 s apart, seeded), each row for its own userid. A row's
latency to its create is the sandbox's receipt of the call minus the moment its INSERT
committed, both read from this host's clock; its latency to `synced` is the row's
`synced_at` (the database's clock, on this host) minus the same moment.
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import time
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Engine, bindparam, text

from bench.infra import (
    ALL_BACKENDS,
    BACKENDS,
    ROOT,
    START,
    SandboxProcess,
    available,
    database,
    worker_command,
    worker_env,
)
from bench.report import heading, machine, table
from models.types import UTCDateTime
from worker.store.engines import make_engine

DEFAULT_POLL = 5.0  # worker.config.WorkerConfig.poll_interval_seconds
WAKE = {"postgresql": "LISTEN"}


def commit_row(engine: Engine, n: int) -> float:
    """Insert row ``n`` for userid ``pick<n>``; the host time right after the commit."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, userid, subject, start_time, end_time) "
                "VALUES (:e, :u, :s, :st, :et)"
            ).bindparams(
                bindparam("st", type_=UTCDateTime()), bindparam("et", type_=UTCDateTime())
            ),
            {
                "e": f"pick{n}",
                "u": f"pick{n}",
                "s": f"Pickup {n}",
                "st": START,
                "et": START + timedelta(hours=1),
            },
        )
    return time.time()


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of them at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def measure(
    backend: str, sandbox: SandboxProcess, count: int, poll: float, seed: int
) -> tuple[list[float], list[float]]:
    sandbox.reset()
    rng = random.Random(seed)
    with database(backend) as url:
        engine = make_engine(url)
        settings = {} if poll == DEFAULT_POLL else {"WORKER_POLL_INTERVAL_SECONDS": str(poll)}
        daemon = subprocess.Popen(
            worker_command("run"),
            env=worker_env(url, sandbox, **settings),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        committed: dict[str, float] = {}
        try:
            time.sleep(2.0)  # past the start-up and its first, empty pass
            for n in range(count):
                time.sleep(rng.uniform(0.3, 6.0))
                committed[f"pick{n}"] = commit_row(engine, n)
            created = _wait_for_creates(sandbox, set(committed), deadline=poll * 3 + 30)
            synced = _wait_for_synced(engine, set(committed), deadline=poll * 3 + 30)
        finally:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            engine.dispose()
    return (
        [created[user] - committed[user] for user in committed],
        [synced[user] - committed[user] for user in committed],
    )


def _wait_for_synced(engine: Engine, users: set[str], deadline: float) -> dict[str, float]:
    stmt = text("SELECT userid, synced_at FROM meetings WHERE synced_at IS NOT NULL").columns(
        synced_at=UTCDateTime()
    )
    end = time.monotonic() + deadline
    while True:
        with engine.connect() as conn:
            seen = {str(u): at.timestamp() for u, at in conn.execute(stmt)}
        if users <= set(seen):
            return seen
        if time.monotonic() > end:
            raise RuntimeError(f"not synced: {sorted(users - set(seen))}")
        time.sleep(0.5)


def _wait_for_creates(
    sandbox: SandboxProcess, users: set[str], deadline: float
) -> dict[str, float]:
    end = time.monotonic() + deadline
    while True:
        seen = {
            str(e["userid"]): float(e["t"])
            for e in sandbox.requests_log()
            if e["endpoint"] == "create" and e["outcome"] == "ok"
        }
        if users <= set(seen):
            return seen
        if time.monotonic() > end:
            raise RuntimeError(f"no create call for {sorted(users - set(seen))}")
        time.sleep(0.5)


def run(count: int, poll: float, backends: Sequence[str], seed: int) -> None:
    heading(
        "pickup latency: commit of a new row → its create call, → synced (daemon)",
        f"{count} rows at random moments, poll interval {poll:g} s; {machine()}",
    )
    rows: list[list[object]] = []
    with SandboxProcess() as sandbox:
        for backend in available(backends):
            for_create, for_synced = measure(backend, sandbox, count, poll, seed)
            for what, latencies in (("→ create", for_create), ("→ synced", for_synced)):
                rows.append(
                    [
                        backend,
                        WAKE.get(backend, "adaptive poll"),
                        what,
                        count,
                        percentile(latencies, 0.5),
                        percentile(latencies, 0.95),
                        min(latencies),
                        max(latencies),
                    ]
                )
    print(table(["backend", "wake", "commit", "rows", "p50 s", "p95 s", "min s", "max s"], rows))
    print(f"polling alone would give p50 ≈ {poll / 2:g} s, p95 ≈ {poll * 0.95:g} s, plus one pass")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="6 rows, SQLite only")
    parser.add_argument("--rows", type=int, help="rows committed (default 20)")
    parser.add_argument("--poll", type=float, default=DEFAULT_POLL, help="poll interval, s")
    parser.add_argument("--db", nargs="+", choices=ALL_BACKENDS)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    backends = args.db or (["sqlite"] if args.quick else list(BACKENDS))
    run(args.rows or (6 if args.quick else 20), args.poll, backends, args.seed)


if __name__ == "__main__":
    main()
