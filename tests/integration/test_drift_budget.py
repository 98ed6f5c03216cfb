"""The drift check's budget, with real processes: a `meeting-sync run` daemon checks drift
beside its sync pass while creates flow against a tight quota. What must hold on any
machine: the drift calls, read from the sandbox's request log, stay within their share of
every window, and nothing trips the quota."""

from __future__ import annotations

import math
import signal
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from sandbox.windows import parse_rate
from tests.integration.driftenv import insert_rows
from tests.integration.syncenv import (
    cli_env,
    count_synced,
    rows,
    start_daemon,
    wait_for,
    worker_config,
)

LIMIT, WINDOW, SHARE = 60, 10, 0.05
PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


@PG_ONLY
def test_drift_checks_stay_within_their_share_while_creates_flow_against_a_tight_quota(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    server = sandbox_factory(quotas=(parse_rate(f"{LIMIT}/{WINDOW}s"),))
    config = worker_config(migrated_url, server, batch_size=5)
    insert_rows(engine, 20, prefix="early")  # synced first: the drift check has work
    env = cli_env(
        config,
        {
            "MEETING_SYNC_QUOTA_APP": f"{LIMIT}/{WINDOW}s",
            "MEETING_SYNC_QUOTA_MAX_WAIT_SECONDS": str(WINDOW * 2),
            "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.3",
            "MEETING_SYNC_DRIFT_QUOTA_SHARE": str(SHARE),
            "MEETING_SYNC_DRIFT_CHECK_EVERY_SECONDS": "0.3",
            "MEETING_SYNC_DRIFT_SOON_INTERVAL_SECONDS": "0.1",
        },
    )
    log_path = tmp_path / "daemon.log"
    with log_path.open("w") as log:
        daemon = start_daemon(env, log)
    try:
        wait_for(lambda: count_synced(engine) == 20, "the first rows to sync", 120)
        # Creates keep flowing at about the quota's rate for several windows.
        insert_rows(
            engine, 90, prefix="late", shift=timedelta(minutes=1), between=lambda: time.sleep(0.17)
        )
        wait_for(lambda: count_synced(engine) == 110, "every row to sync", 180)
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
    assert code == 0, log_path.read_text()

    entries = server.requests_log()
    assert server.stats()["by_error_code"] == {}, server.stats()
    drift = [e for e in entries if e["endpoint"] in ("list", "get")]
    creates = [e for e in entries if e["endpoint"] == "create"]
    assert len(creates) == 110 and {r.sync_state for r in rows(engine).values()} == {"synced"}
    assert drift, "the drift check made no call during the run"
    share = math.floor(LIMIT * SHARE)
    per_window = Counter(int(e["t"] // WINDOW) for e in drift)
    assert max(per_window.values()) <= share, per_window
    # And the drift calls' windows overlapped the creates': they ran while creates flowed.
    create_windows = {int(e["t"] // WINDOW) for e in creates[20:]}
    assert create_windows & set(per_window), (create_windows, per_window)
