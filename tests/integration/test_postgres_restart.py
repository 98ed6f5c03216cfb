"""The PostgreSQL server restarts while the daemon is syncing: the daemon keeps running,
reconnects, and every row ends with exactly one meeting — no outcome lost, none doubled.

This restarts the local cluster (pg_ctlcluster), as an operator or a failover would.
"""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.pgfaults import restart_command, restart_server
from tests.integration.syncenv import (
    cli_env,
    count_synced,
    insert,
    rows,
    start_daemon,
    wait_for,
    worker_config,
)

ROWS = 80


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_daemon_rides_out_a_postgresql_restart(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    command = restart_command()
    # Slow enough answers that the restart lands in the middle of the run.
    server = sandbox_factory(latency_ms=40)
    for i in range(ROWS):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(
        worker_config(migrated_url, server, batch_size=10),
        {
            "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2",
            # Rows of a pass the restart cut short come back soon.
            "MEETING_SYNC_WORKER_LEASE_SECONDS": "5",
            "MEETING_SYNC_WORKER_WRITEBACK_RETRY_SECONDS": "4",
        },
    )
    daemon = start_daemon(env)
    try:
        wait_for(lambda: count_synced(engine) >= 10, "the first rows to sync")
        restart_server(command)
        assert daemon.poll() is None, "the daemon ended with the database"
        wait_for(lambda: count_synced(engine) == ROWS, "every row, after the restart", 120)
        assert daemon.poll() is None
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, output
    assert "database_unavailable" in output, "the restart was never noticed: not a test"
    assert "pass_crashed" not in output, output

    made = {m["subject"]: m for m in server.meetings()}
    assert len(server.meetings()) == ROWS, "a meeting was created twice"
    for external_id, row in rows(engine).items():
        meeting = made[row.subject or ""]
        assert (row.sync_state, row.meeting_id) == ("synced", meeting["meeting_id"]), external_id
        assert meeting["cancelled"] is False
