"""A worker that dies between the API's answer and the database commit: the meeting exists,
the row does not know it. The next run must adopt that meeting, never create a second one.

Real processes: `meeting-sync once`, started through a test entry point that passes the
CLI's fault-injection seam, is ended with os._exit, as kill -9 would end it, right after the
API has answered.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.crashing_cli import CRASH_EXIT_CODE
from tests.integration.syncenv import (
    ROOT,
    cli_env,
    insert,
    meeting_sync,
    rows,
    update,
    wait_for,
    worker_config,
)
from worker.domain.rows import MeetingRow
from worker.store.meetings import Store

SHORT_LEASE = {
    "MEETING_SYNC_WORKER_LEASE_SECONDS": "1",
    "MEETING_SYNC_WORKER_WRITEBACK_RETRY_SECONDS": "0.5",
}


def wait_for_lease_expiry(engine: Engine, row: MeetingRow) -> None:
    store = Store(engine)
    expires = row.lease_expires_at
    assert expires is not None
    wait_for(lambda: store.now() > expires, "the dead worker's lease to expire")


def once_after_the_lease(engine: Engine, row: MeetingRow, env: dict[str, str]) -> None:
    """The next run, once the crashed worker's lease on ``row`` has expired."""
    wait_for_lease_expiry(engine, row)
    again = meeting_sync(["once"], env)
    assert again.returncode == 0, again.stderr


def once_crashing_after(operation: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`meeting-sync once` that dies right after the API has answered ``operation``."""
    return subprocess.run(
        [sys.executable, "-m", "tests.integration.crashing_cli", operation, "once"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def crash_after(operation: str, env: dict[str, str]) -> None:
    crashed = once_crashing_after(operation, env)
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr


def test_a_create_whose_answer_died_with_the_worker_is_adopted(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "季度评审 Quarterly review")
    env = cli_env(worker_config(migrated_url, sandbox), SHORT_LEASE)

    crash_after("create", env)

    [made] = sandbox.meetings()
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None, "the worker died before writing anything back"
    assert row.create_intent_at is not None

    once_after_the_lease(engine, row, env)

    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert row.meeting_code == made["meeting_code"]
    assert len(sandbox.meetings()) == 1
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["create"]["total"] == 1
    assert by_endpoint["list"]["total"] == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_row_cancelled_while_its_create_was_lost_cancels_the_adopted_meeting(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Offsite")
    env = cli_env(worker_config(migrated_url, sandbox), SHORT_LEASE)
    crash_after("create", env)
    row = rows(engine)["cal-1"]
    update(engine, "cal-1", status="cancelled")

    once_after_the_lease(engine, row, env)

    [made] = sandbox.meetings()
    assert made["cancelled"] is True
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert sandbox.stats()["by_endpoint"]["create"]["total"] == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_an_update_whose_answer_died_with_the_worker_is_sent_again(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Draft title")
    env = cli_env(worker_config(migrated_url, sandbox), SHORT_LEASE)
    assert meeting_sync(["once"], env).returncode == 0
    update(engine, "cal-1", subject="Final title")
    crash_after("update", env)
    row = rows(engine)["cal-1"]
    assert row.sync_state == "pending"

    once_after_the_lease(engine, row, env)

    [made] = sandbox.meetings()
    assert made["subject"] == "Final title"
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.synced_revision) == ("synced", row.revision)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_row_that_kills_its_worker_every_time_ends_failed_after_the_maximum(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "poison", "Poison")
    env = cli_env(
        worker_config(migrated_url, sandbox),
        {**SHORT_LEASE, "MEETING_SYNC_WORKER_MAX_ATTEMPTS": "2"},
    )
    assert meeting_sync(["once"], env).returncode == 0
    update(engine, "poison", subject="Poison, edited")
    # Every update of this row ends its worker; each crash cost one attempt, at claim.
    for attempt in (1, 2):
        crash_after("update", env)
        row = rows(engine)["poison"]
        assert (row.sync_state, row.attempts) == ("pending", attempt)
        wait_for_lease_expiry(engine, row)
    insert(engine, "healthy", "Healthy")

    last = once_crashing_after("update", env)

    assert last.returncode == 0, last.stderr
    poison = rows(engine)["poison"]
    assert (poison.sync_state, poison.error_code) == ("failed", "local.too_many_attempts")
    assert "Gave up after 2 attempts" in (poison.error_message or "")
    assert "Edit the row to try again" in (poison.error_message or "")
    assert rows(engine)["healthy"].sync_state == "synced"
    assert sandbox.stats()["by_endpoint"]["update"]["total"] == 2
