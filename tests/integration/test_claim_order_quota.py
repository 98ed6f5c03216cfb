"""When the quota is scarce, the soonest meetings reach the API first.

A real sandbox metering 3 calls per 3 s and a pass whose quota ledger knows that limit: the
pass waits for the quota between calls (for real: 30 creates take about 30 s), and claims
its rows five at a time, so that the order across batches is the claim's. What the sandbox
received, in the order it received it, is the proof; how long anything took is not asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from sandbox.windows import parse_rate as sandbox_rate
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import SOON, insert, rows, run_pass, worker_config
from worker.config import QuotaConfig
from worker.quota.rates import parse_rate

ROWS = 30


@SQLITE_ONLY
def test_creates_reach_a_scarce_quota_in_start_time_order(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(quotas=(sandbox_rate("3/3s"),))
    config = worker_config(migrated_url, server, batch_size=5)
    config = replace(config, quota=QuotaConfig(app=(parse_rate("3/3s"),)))
    # Latest start first: the insertion order (and so the ids) is the reverse of the urgency.
    # Each row has its own creator, so that the sandbox's log names the row of each create.
    for n in reversed(range(ROWS)):
        start = SOON + timedelta(minutes=n)
        insert(
            engine,
            f"cal-{n:02}",
            f"Meeting {n}",
            userid=f"user-{n:02}",
            start_time=start,
            end_time=start + timedelta(hours=1),
        )

    # Written last, with no start the worker can read: they are claimed all the same (first,
    # as test_store_claim.py shows), fail with their message, and send no request.
    insert(engine, "no-start", "No start", userid="user-none", start_time=None)
    insert(engine, "garbled-start", "Garbled", userid="user-garbled", start_time="next tuesday")

    report = run_pass(config, engine)

    creates = [e for e in server.requests_log() if e["endpoint"] == "create"]
    assert [e["outcome"] for e in creates] == ["ok"] * ROWS, creates
    assert [e["userid"] for e in creates] == [f"user-{n:02}" for n in range(ROWS)]
    assert report.counts == {"claimed": ROWS + 2, "created": ROWS, "failed": 2}, report
    table = rows(engine)
    assert (table["no-start"].sync_state, table["no-start"].error_code) == (
        "failed",
        "local.time_missing",
    )
    assert (table["garbled-start"].sync_state, table["garbled-start"].error_code) == (
        "failed",
        "local.bad_time",
    )
    assert {table[f"cal-{n:02}"].sync_state for n in range(ROWS)} == {"synced"}
