"""A create whose answer was lost, then an edit in the calendar before the next run.

The meeting the lost create made still carries what was sent; the row now says something
else. The next run must find that meeting by what was sent, then bring it to the row's
latest content (or cancel it): exactly one live meeting per row, never a second one, never
a cancelled row whose meeting stays live. Real `meeting-sync once` processes against the
sandbox, which carries the create out and then cuts the connection before answering.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    SOON,
    cli_env,
    insert,
    meeting_sync,
    rows,
    update,
    worker_config,
)

SQLITE_AND_POSTGRESQL = pytest.mark.parametrize(
    "db_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
    indirect=True,
)
MOVED = SOON + timedelta(days=1, hours=2)


def env_for(url: str, sandbox: SandboxServer) -> dict[str, str]:
    # A failed row waits an hour, so a run does not retry it at once: the edit comes first
    # (and an edit makes the row due again).
    return cli_env(worker_config(url, sandbox, retry_base_seconds=3600, retry_max_seconds=3600))


def once(env: dict[str, str]) -> None:
    done = meeting_sync(["once"], env)
    assert done.returncode == 0, done.stderr


def lose_the_create(engine: Engine, sandbox: SandboxServer, env: dict[str, str]) -> dict[str, Any]:
    """Run once with the create's answer dropped; returns the meeting it made anyway."""
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "drop"}])
    once(env)
    [made] = sandbox.meetings()
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None and row.create_intent_at is not None
    return made


def live(sandbox: SandboxServer) -> list[dict[str, Any]]:
    return [m for m in sandbox.meetings() if not m["cancelled"]]


@SQLITE_AND_POSTGRESQL
@pytest.mark.parametrize(
    "edit",
    [
        pytest.param({"subject": "Final title"}, id="rename"),
        pytest.param({"start_time": MOVED, "end_time": MOVED + timedelta(minutes=30)}, id="move"),
        pytest.param(
            {"subject": "Final title", "start_time": MOVED, "end_time": MOVED + timedelta(hours=2)},
            id="rename-and-move",
        ),
    ],
)
def test_an_edit_after_a_lost_create_updates_that_meeting_instead_of_making_another(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, edit: dict[str, Any]
) -> None:
    insert(engine, "cal-1", "Draft title")
    env = env_for(migrated_url, sandbox)
    made = lose_the_create(engine, sandbox, env)

    update(engine, "cal-1", **edit)
    once(env)

    [meeting] = live(sandbox)
    assert meeting["meeting_id"] == made["meeting_id"]
    assert len(sandbox.meetings()) == 1
    row = rows(engine)["cal-1"]
    assert meeting["subject"] == row.subject
    assert meeting["start_time"] == int(row.start_time.timestamp())  # type: ignore[union-attr]
    assert meeting["end_time"] == int(row.end_time.timestamp())  # type: ignore[union-attr]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert row.synced_revision == row.revision
    assert row.meeting_code == made["meeting_code"]
    assert row.create_intent_at is None and row.create_intent_sent is None
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["create"]["total"] == 1
    assert by_endpoint["update"]["total"] == 1


@SQLITE_AND_POSTGRESQL
@pytest.mark.parametrize(
    "edit",
    [
        pytest.param({"start_time": MOVED, "end_time": MOVED + timedelta(hours=1)}, id="moved"),
        # Moved so that it no longer validates (ends before it starts), then cancelled.
        pytest.param({"start_time": MOVED, "end_time": MOVED - timedelta(hours=1)}, id="invalid"),
        pytest.param({"subject": ""}, id="subject-cleared"),
    ],
)
def test_a_lost_create_then_an_edit_and_a_cancel_leaves_no_live_meeting(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, edit: dict[str, Any]
) -> None:
    insert(engine, "cal-1", "Offsite")
    env = env_for(migrated_url, sandbox)
    made = lose_the_create(engine, sandbox, env)

    update(engine, "cal-1", **edit)
    update(engine, "cal-1", status="cancelled")
    once(env)

    assert live(sandbox) == []
    [meeting] = sandbox.meetings()
    assert meeting["meeting_id"] == made["meeting_id"] and meeting["cancelled"]
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert sandbox.stats()["by_endpoint"]["cancel"]["total"] == 1


@SQLITE_AND_POSTGRESQL
def test_an_edit_that_no_longer_validates_keeps_the_found_meeting_on_the_failed_row(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Planning")
    env = env_for(migrated_url, sandbox)
    made = lose_the_create(engine, sandbox, env)

    update(engine, "cal-1", subject="x" * 600)
    once(env)
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.error_code) == ("failed", "local.subject_too_long")
    assert row.meeting_id == made["meeting_id"] and row.create_intent_at is None

    # Fixed in the calendar: an update of that meeting, no lookup, no second create.
    update(engine, "cal-1", subject="Planning, take two")
    once(env)
    [meeting] = live(sandbox)
    assert (meeting["meeting_id"], meeting["subject"]) == (made["meeting_id"], "Planning, take two")
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["create"]["total"] == 1 and by_endpoint["list"]["total"] == 1
    assert rows(engine)["cal-1"].sync_state == "synced"


@SQLITE_AND_POSTGRESQL
def test_a_second_lost_create_after_an_edit_is_found_by_its_own_content(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # The first create was lost and really did fail server-side (nothing to find); the
    # edited row is created again and that answer is lost too. The lookup must now match
    # the second create's content, not the first's.
    insert(engine, "cal-1", "First")
    env = env_for(migrated_url, sandbox)
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "fail"}])
    once(env)
    assert rows(engine)["cal-1"].create_intent_at is not None and sandbox.meetings() == []
    update(engine, "cal-1", subject="Second")
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "drop"}])
    once(env)
    [made] = sandbox.meetings()
    assert made["subject"] == "Second"

    update(engine, "cal-1", next_attempt_at=None)  # its retry is due
    once(env)

    assert len(sandbox.meetings()) == 1
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
