"""Wake on insert: PostgreSQL's notifications start a pass at once; elsewhere the adaptive
poll. Real daemons against real databases; every wait is a bounded poll for an outcome."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    cli_env,
    insert,
    rows,
    start_daemon,
    update,
    wait_for,
    worker_config,
)
from worker.store.engines import make_engine
from worker.wake.listener import APPLICATION_NAME, CHANNEL, connector

POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
# Far beyond any wait below: a row synced within the test's deadline was found by a wake
# (or by the adaptive poll's short interval), never by the poll's regular tick.
NEVER = "3600"


def _listening(engine: Engine) -> Any:
    """A raw connection LISTENing on the channel, as the worker's listener does."""
    conn = connector(engine)()
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def _notified(conn: Any, seconds: float = 5.0) -> int:
    return sum(1 for _ in conn.notifies(timeout=seconds, stop_after=1))


def _run(engine: Engine, *statements: str) -> None:
    with engine.begin() as db:
        for statement in statements:
            db.execute(text(statement))


def _nothing_pending(engine: Engine, conn: Any) -> bool:
    """No notification arrived for what committed before now: a marker sent after it
    comes first (notifications arrive in commit order)."""
    _run(engine, f"SELECT pg_notify('{CHANNEL}', 'marker')")
    before: list[Any] = []
    for note in conn.notifies(timeout=30):
        if note.payload == "marker":
            return not before
        before.append(note)
    raise AssertionError("the marker notification never arrived")


@POSTGRESQL
def test_the_trigger_notifies_when_a_row_becomes_due_and_not_for_write_backs(
    engine: Engine,
) -> None:
    with _listening(engine) as conn:
        insert(engine, "cal-1", "New")
        assert _notified(conn) == 1, "an INSERT wakes the listeners"
        _run(
            engine,
            "UPDATE meetings SET sync_state = 'synced', synced_revision = revision "
            "WHERE external_id = 'cal-1'",
        )
        assert _nothing_pending(engine, conn), "a row leaving pending wakes nobody"
        update(engine, "cal-1", subject="Renamed")
        assert _notified(conn) == 1, "a calendar edit makes the row due again"
        _run(
            engine,
            "UPDATE meetings SET lease_owner = 'w', lease_expires_at = now() "
            "+ interval '1 minute' WHERE external_id = 'cal-1'",
        )
        assert _nothing_pending(engine, conn), "a claim wakes nobody"
        _run(
            engine,
            "UPDATE meetings SET lease_owner = NULL, lease_expires_at = NULL, "
            "next_attempt_at = now() + interval '1 hour' WHERE external_id = 'cal-1'",
        )
        assert _nothing_pending(engine, conn), "a row put back for later is not due"
        _run(
            engine,
            "UPDATE meetings SET lease_owner = 'w' WHERE external_id = 'cal-1'",
            "UPDATE meetings SET lease_owner = NULL, next_attempt_at = NULL "
            "WHERE external_id = 'cal-1'",
        )
        assert _notified(conn) == 1, "a lease given back on a due row wakes the others"


@pytest.fixture
def daemon_log(tmp_path: Any) -> Iterator[Any]:
    with open(tmp_path / "daemon.log", "w+", encoding="utf-8") as log:
        yield log


def _stop(daemon: subprocess.Popen[str], log: Any) -> str:
    daemon.send_signal(signal.SIGTERM)
    try:
        daemon.wait(timeout=30)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    log.seek(0)
    output: str = log.read()
    assert daemon.returncode == 0, output
    return output


def _listener_pids(admin: Engine) -> set[int]:
    with admin.connect() as conn:
        found = conn.execute(
            # Other tests' daemons may listen on the same server, in their own databases.
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": APPLICATION_NAME},
        )
        return {int(pid) for (pid,) in found}


def _synced(engine: Engine, *external_ids: str) -> bool:
    table = rows(engine)
    return all(e in table and table[e].sync_state == "synced" for e in external_ids)


@POSTGRESQL
def test_a_killed_listening_connection_is_replaced_and_rows_committed_meanwhile_sync(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, daemon_log: Any
) -> None:
    config = worker_config(migrated_url, sandbox)
    env = cli_env(config, {"MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": NEVER})
    daemon = start_daemon(env, log=daemon_log)
    # The test's database is the daemon's: its listener is the only one there.
    admin = make_engine(migrated_url)
    try:
        wait_for(lambda: len(_listener_pids(admin)) == 1, "the daemon to listen")
        insert(engine, "cal-1", "Woken")
        wait_for(lambda: _synced(engine, "cal-1"), "a row synced by its notification")
        (first,) = _listener_pids(admin)
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        # Committed while the connection is gone (or being replaced): no notification of
        # it may ever reach this daemon, and the poll will not come within the test.
        insert(engine, "cal-2", "Meanwhile")
        wait_for(lambda: bool(_listener_pids(admin) - {first}), "a new listening connection")
        wait_for(lambda: _synced(engine, "cal-2"), "the row committed while disconnected")
        insert(engine, "cal-3", "After")
        wait_for(lambda: _synced(engine, "cal-3"), "a row after the reconnect")
    finally:
        output = _stop(daemon, daemon_log)
        admin.dispose()
    assert "listen_lost" in output, output
    assert output.count("listening channel=meeting_sync") >= 2, output
    assert len(sandbox.meetings()) == 3


@POSTGRESQL
def test_a_burst_of_rows_is_synced_by_wakes_without_waiting_for_the_poll(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, daemon_log: Any
) -> None:
    env = cli_env(
        worker_config(migrated_url, sandbox, batch_size=5),
        {"MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": NEVER},
    )
    daemon = start_daemon(env, log=daemon_log)
    admin = make_engine(migrated_url)
    try:
        wait_for(lambda: len(_listener_pids(admin)) == 1, "the daemon to listen")
        names = [f"cal-{i}" for i in range(30)]
        for name in names:  # one commit each, while passes are running
            insert(engine, name, name)
        wait_for(lambda: _synced(engine, *names), "every row of the burst")
    finally:
        _stop(daemon, daemon_log)
        admin.dispose()
    assert len(sandbox.meetings()) == 30


@pytest.mark.parametrize("db_url", ["sqlite", "mariadb"], indirect=True)
def test_the_adaptive_poll_picks_up_a_row_soon_after_work_was_found(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, daemon_log: Any
) -> None:
    env = cli_env(
        worker_config(migrated_url, sandbox),
        {
            "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": NEVER,
            "MEETING_SYNC_WORKER_POLL_MIN_INTERVAL_SECONDS": "0.2",
        },
    )
    insert(engine, "cal-1", "Found at start")
    daemon = start_daemon(env, log=daemon_log)
    try:
        wait_for(lambda: _synced(engine, "cal-1"), "the row due at start")
        # The pass found work: the next polls come after 0.2 s, 0.4 s, 0.8 s … (at most
        # 26 s within the deadline), never after the idle interval.
        insert(engine, "cal-2", "Soon after")
        wait_for(lambda: _synced(engine, "cal-2"), "the row after the busy pass")
    finally:
        _stop(daemon, daemon_log)
    assert len(sandbox.meetings()) == 2
