"""The daemon and a fleet of workers: real processes against real databases."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    ROOT,
    cli_env,
    insert,
    meeting_sync,
    rows,
    spawn_once,
    worker_config,
)

DEADLINE = 60.0


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll a condition that real processes will make true, up to a deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_daemon(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "run"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_daemon_syncs_new_rows_and_stops_gracefully_on_sigterm(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    env = cli_env(config, {"MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2"})
    daemon = start_daemon(env)
    try:
        insert(engine, "cal-1", "First")
        wait_for(lambda: rows(engine)["cal-1"].sync_state == "synced", "the first row")
        insert(engine, "cal-2", "Second")
        wait_for(lambda: rows(engine)["cal-2"].sync_state == "synced", "a row added later")
    finally:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, output
    assert "daemon_stopped" in output
    assert {r.lease_owner for r in rows(engine).values()} == {None}
    assert len(sandbox.meetings()) == 2


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_two_workers_never_sync_the_same_row_twice(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(latency_ms=50)
    config = worker_config(migrated_url, server, batch_size=5)
    for i in range(60):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(config)
    workers = spawn_once(env, 2)
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    creates = Counter(m["subject"] for m in server.meetings())
    assert len(creates) == 60 and set(creates.values()) == {1}
    table = rows(engine)
    assert {r.sync_state for r in table.values()} == {"synced"}
    assert {r.meeting_id for r in table.values()} == {m["meeting_id"] for m in server.meetings()}
    # Both workers took part, so the test really exercised concurrent claiming.
    assert all('"created"' in out for out, _ in outputs), outputs


def test_second_once_after_the_daemon_finds_nothing_due(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    insert(engine, "cal-1", "Only")
    assert meeting_sync(["once"], cli_env(config)).returncode == 0
    sent = sandbox.stats()["total"]
    again = meeting_sync(["once"], cli_env(config))
    assert again.returncode == 0
    assert sandbox.stats()["total"] == sent
