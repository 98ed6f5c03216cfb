"""The daemon and a fleet of workers: real processes against real databases."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    cli_env,
    insert,
    meeting_sync,
    rows,
    spawn_once,
    start_daemon,
    wait_for,
    worker_config,
)
from worker.config import Config
from worker.daemon import EXIT_AT_ONCE


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


def _in_flight(engine: Engine) -> bool:
    # The intent marker is committed right before the create goes out; the sandbox's
    # latency then holds the answer back, so the call is in flight from here on.
    return any(r.create_intent_at is not None for r in rows(engine).values())


def start_with_a_create_in_flight(engine: Engine, config: Config) -> subprocess.Popen[str]:
    """A daemon, once it has sent a create whose answer the sandbox is holding back."""
    daemon = start_daemon(cli_env(config))
    try:
        wait_for(lambda: _in_flight(engine), "a create to be in flight")
    except BaseException:
        daemon.kill()
        daemon.communicate(timeout=30)
        raise
    return daemon


def read_until(daemon: subprocess.Popen[str], text: str) -> None:
    """Read the daemon's log until a line holds ``text``."""
    assert daemon.stdout is not None
    for line in daemon.stdout:
        if text in line:
            return
    raise AssertionError(f"the daemon ended without logging {text!r}")


def test_sigterm_lets_the_call_in_flight_finish_and_hands_back_the_rest(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(latency_ms=1500)
    for i in range(3):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    daemon = start_with_a_create_in_flight(
        engine, worker_config(migrated_url, server, batch_size=3)
    )
    daemon.send_signal(signal.SIGTERM)
    output, _ = daemon.communicate(timeout=30)
    assert daemon.returncode == 0, output
    assert "daemon_stopped" in output
    table = rows(engine)
    done = [r for r in table.values() if r.sync_state == "synced"]
    assert len(done) == 1, output
    assert [m["meeting_id"] for m in server.meetings()] == [done[0].meeting_id]
    handed_back = [r for r in table.values() if r.sync_state == "pending"]
    assert len(handed_back) == 2
    assert all(r.lease_owner is None and r.create_intent_at is None for r in handed_back)


def test_a_second_signal_exits_at_once_without_waiting_for_the_call(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(latency_ms=5000)
    insert(engine, "cal-1", "Slow")
    daemon = start_with_a_create_in_flight(engine, worker_config(migrated_url, server))
    try:
        daemon.send_signal(signal.SIGTERM)
        read_until(daemon, "stopping finishing_in_flight_call")
        daemon.send_signal(signal.SIGTERM)
    finally:
        output, _ = daemon.communicate(timeout=30)
    assert daemon.returncode == EXIT_AT_ONCE, output
    assert "second_signal exiting_at_once" in output
    # The answer was not waited for: the row keeps its intent marker for the next pass.
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None and row.create_intent_at is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_at_any_moment_stops_the_daemon_cleanly(
    migrated_url: str, sandbox: SandboxServer
) -> None:
    # A 1 ms poll interval keeps the scheduler submitting ticks almost all the time, so
    # signals land inside the scheduler's own locks. A handler that took a lock there
    # would hang the process or crash it; each daemon must instead stop and exit 0.
    env = cli_env(
        worker_config(migrated_url, sandbox), {"MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.001"}
    )
    rng = random.Random(20261122)
    for _ in range(20):
        daemon = start_daemon(env)
        read_until(daemon, "daemon_started")
        time.sleep(rng.uniform(0.0, 0.3))  # a random moment, not a wait for anything
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
        assert daemon.returncode == 0, output
        assert "daemon_stopped" in output and "Traceback" not in output, output
