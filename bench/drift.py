"""API calls of a drift check: N synced meetings across U users, in the sandbox's request log.

    .venv/bin/python -m bench.drift [--rows 1000] [--users 10] [--days 30] [--db sqlite]

The rows start every few minutes over the next ``--days`` days, spread evenly over the
users, and are synced first. Then, with 3 meetings cancelled, 2 moved and 1 renamed "in
the app" (the sandbox's inspection endpoint), four checks run with the default intervals
(meetings in the next 24 h every 5 minutes, later ones every hour), each after the
interval it stands for, with the ledger's limits off so that each check's full need is
counted (the budget spreads a larger one over several minutes: see README):

- first: every row never checked; every user's list is read to its last due meeting
- again at once: nothing due, nothing read
- 5 minutes on: the next 24 h are due; one page per user shows them
- an hour on: every row due again, as in the first

Reported: list and get calls per check, per user, and the drift found.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bench.infra import client_credentials, database
from bench.report import machine, table
from sandbox.app_side import change_from_app
from sandbox.server import SandboxServer
from worker.composition import build_pass
from worker.config import DriftConfig, QuotaConfig, for_api
from worker.drift_runs import build_drift
from worker.store.engines import make_engine
from worker.store.meetings import Store


def insert(url: str, rows: int, users: int, days: int) -> None:
    engine = make_engine(url)
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    step = timedelta(days=days) / rows
    stmt = text(
        "INSERT INTO meetings (external_id, userid, subject, start_time, end_time) "
        "VALUES (:e, :u, :s, :st, :et)"
    )
    values = [
        {
            "e": f"d{i}",
            "u": f"user{i % users}",
            "s": f"Drift bench {i}",
            "st": first + step * i,
            "et": first + step * i + timedelta(minutes=30),
        }
        for i in range(rows)
    ]
    with engine.begin() as conn:
        conn.execute(stmt, values)
    engine.dispose()


def change_six(sandbox: SandboxServer) -> None:
    meetings = sorted(sandbox.meetings(), key=lambda m: m["start_time"])
    app = sandbox.app
    with app.lock:
        for m in meetings[10:13]:
            change_from_app(app.meetings, app.config, m["meeting_id"], {"cancel": True}, app.now())
        for m in meetings[20:22]:
            start = m["start_time"] + 900
            change = {"start_time": start, "end_time": start + 1800}
            change_from_app(app.meetings, app.config, m["meeting_id"], change, app.now())
        change_from_app(
            app.meetings, app.config, meetings[30]["meeting_id"], {"subject": "x"}, app.now()
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="sqlite")
    args = parser.parse_args(argv)
    print(f"{args.rows} meetings, {args.users} users, over {args.days} days, {args.db}")
    print(f"machine: {machine()}")
    with database(args.db) as url, SandboxServer() as sandbox:
        insert(url, args.rows, args.users, args.days)
        config = for_api(
            url,
            sandbox.base_url,
            client_credentials(sandbox.credentials),
            quota=QuotaConfig(app=(), user_create=()),
        )
        sync = build_pass(config, store=Store(make_engine(url)))
        created = sync.run().counts.get("created", 0)
        change_six(sandbox)
        results = []
        # (what the check stands for, the intervals that make it so)
        default = DriftConfig()
        steps = [
            ("first check", default),
            ("again at once", default),
            ("5 minutes on", replace(default, soon_interval_seconds=1e-6)),
            (
                "an hour on",
                replace(default, soon_interval_seconds=1e-6, later_interval_seconds=1e-6),
            ),
        ]
        for label, drift in steps:
            check = build_drift(replace(config, drift=drift), sync)
            mark = len(sandbox.requests_log())
            report = check.run()
            calls = [e for e in sandbox.requests_log()[mark:] if e["endpoint"] in ("list", "get")]
            lists = sum(1 for e in calls if e["endpoint"] == "list")
            found = sum(report.counts.get(k, 0) for k in ("cancelled", "changed", "missing"))
            results.append(
                (label, lists, len(calls) - lists, len(calls) / args.users,
                 report.counts.get("checked", 0), found)
            )  # fmt: skip
    print(f"{created} meetings synced; 3 cancelled, 2 moved, 1 renamed in the app")
    print(
        table(
            ["check", "list calls", "get calls", "calls per user", "rows compared", "drift found"],
            results,
        )
    )


if __name__ == "__main__":
    main()
