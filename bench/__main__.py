"""The benchmark suite: every benchmark, quick or full, one table each.

    .venv/bin/python -m bench [--quick] [--only overhead claim_scale ...]

`make bench` runs the quick versions (a few minutes); without --quick each benchmark runs
its full version (see bench/README.md for what each measures and its goal). A benchmark
that fails is reported and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable

from bench import (
    breakdown,
    claim_scale,
    drift,
    memory,
    metrics_cost,
    overhead,
    pickup,
    quota,
    sign_and_send,
)
from bench.infra import unavailable
from bench.report import machine


def _quota_args(quick: bool) -> list[str]:
    db = "postgresql" if unavailable("postgresql") is None else "sqlite"
    return ["--workers", "1", "2", "--rows", "90", "--db", db] if quick else ["--db", db]


# name -> (main, arguments for the quick version, arguments for the full version)
SUITE: dict[str, tuple[Callable[[list[str]], None], Callable[[bool], list[str]]]] = {
    "sign_and_send": (sign_and_send.main, lambda q: ["--quick"] if q else []),
    "overhead": (overhead.main, lambda q: ["--quick"] if q else []),
    "breakdown": (breakdown.main, lambda q: ["--quick"] if q else []),
    "claim_scale": (claim_scale.main, lambda q: ["--quick"] if q else []),
    "memory": (memory.main, lambda q: ["--quick"] if q else []),
    "pickup": (pickup.main, lambda q: ["--quick"] if q else []),
    "quota": (quota.main, _quota_args),
    "metrics_cost": (metrics_cost.main, lambda q: ["--quick"] if q else []),
    "drift": (drift.main, lambda q: ["--rows", "200"] if q else []),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="the quick version of each")
    parser.add_argument("--only", nargs="+", choices=list(SUITE), help="run only these")
    args = parser.parse_args(argv)
    chosen = args.only or list(SUITE)
    mode = "quick" if args.quick else "full"
    print(f"meeting-sync benchmarks ({mode}): {', '.join(chosen)}")
    print(f"machine: {machine()}")
    failed: list[str] = []
    began = time.monotonic()
    for name in chosen:
        run, arguments = SUITE[name]
        argv_for = arguments(args.quick)
        print(f"\n### {name}: python -m bench.{name} {' '.join(argv_for)}".rstrip(), flush=True)
        started = time.monotonic()
        try:
            run(argv_for)
        except Exception:
            failed.append(name)
            traceback.print_exc()
        print(f"({name}: {time.monotonic() - started:.0f} s)", flush=True)
    print(f"\nsuite done in {time.monotonic() - began:.0f} s", end="")
    print(f"; FAILED: {', '.join(failed)}" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
