"""Peak memory of `meeting-sync once` against the number of rows it syncs.

    .venv/bin/python -m bench.memory [--quick] [--rows 5000 20000] [--db sqlite]

For each size: a fresh database with that many pending rows, a sandbox process (no
quotas), and one `meeting-sync once` child that syncs them all; its peak resident set size
(the child's own high-water mark, VmHWM from /proc) is printed next to that of an idle run
(nothing due), which is what the imports alone take. Goal: under 200 MB at 20k rows, and no
growth with the number of rows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text

from bench.infra import (
    BACKENDS,
    ROOT,
    SandboxProcess,
    available,
    database,
    insert_meetings,
    worker_command,
    worker_env,
)
from bench.report import heading, machine, table
from worker.store.engines import make_engine

LIMIT_MB = 200.0


def peak_rss_mb(env: dict[str, str]) -> tuple[float, float]:
    """Peak RSS (MB) and wall seconds of one `meeting-sync once` child.

    The peak is the child's own high-water mark (VmHWM), read every 20 ms while it runs;
    it only rises, so the last reading before exit is the peak. (``ru_maxrss`` would not
    do: Linux carries the parent's peak across fork and exec into the child's figure.)
    """
    began = time.perf_counter()
    status = Path(f"/proc/{os.getpid()}/status")
    if not status.is_file():
        raise RuntimeError("this benchmark reads /proc/<pid>/status (Linux)")
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            worker_command("once"), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors
        )
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, _high_water_kb(proc.pid))
            time.sleep(0.02)
        if proc.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"meeting-sync once exited {proc.returncode}: {tail}")
    return peak_kb / 1024, time.perf_counter() - began


def _high_water_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:  # it has just exited
        return 0
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0  # a zombie: its memory is gone


def measure(backend: str, sandbox: SandboxProcess, count: int) -> tuple[float, float]:
    sandbox.reset()
    with database(backend) as url:
        engine = make_engine(url)
        try:
            insert_meetings(engine, count)
            peak, seconds = peak_rss_mb(worker_env(url, sandbox))
            with engine.connect() as conn:
                synced = conn.scalar(text("SELECT count(*) FROM meetings WHERE meeting_id > ''"))
        finally:
            engine.dispose()
    if synced != count:
        raise RuntimeError(f"{backend}: {synced} of {count} rows synced")
    return peak, seconds


def run(sizes: Sequence[int], backends: Sequence[str]) -> None:
    heading("peak RSS of `meeting-sync once`", machine())
    rows: list[list[object]] = []
    with SandboxProcess() as sandbox:
        for backend in available(backends):
            idle, _ = measure(backend, sandbox, 0)
            rows.append([f"{backend}, nothing due (imports)", idle, "", ""])
            first = None
            for count in sizes:
                peak, seconds = measure(backend, sandbox, count)
                first = first or peak
                rows.append([f"{backend}, {count:,} rows", peak, f"{peak / first:.2f}", seconds])
    print(table(["run", "peak RSS MB", "vs smallest", "wall s"], rows))
    print(f"goal: under {LIMIT_MB:.0f} MB at the largest size, and flat as rows grow")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="500 and 2,000 rows")
    parser.add_argument("--rows", type=int, nargs="+", help="sizes (default 5000 20000)")
    parser.add_argument("--db", nargs="+", choices=BACKENDS, default=["sqlite"])
    args = parser.parse_args(argv)
    sizes = args.rows or ([500, 2000] if args.quick else [5000, 20000])
    run(sizes, args.db)


if __name__ == "__main__":
    main()
