"""Recurring rows end to end: calendar rows → the worker → the sandbox over real HTTP.

A row with a ``recurring_rule`` is one series on Tencent Meeting for its whole life: created
with its rule, updated as a series when the rule or the times change, cancelled as a series
(``meeting_type: 1``, seen in the sandbox's request log), turned into a normal meeting and
back under the same meeting id, and found again, not created twice, when a create's answer
is lost.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import SOON, insert, remote, rows, run_pass, update, worker_config

SQLITE_AND_POSTGRESQL = pytest.mark.parametrize(
    "db_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
    indirect=True,
)
WEEK = 7 * 86400
WEEKLY = {"recurring_type": 2, "until_type": 1, "until_count": 4}
DAILY = {"recurring_type": 0, "until_type": 1, "until_count": 3}


def starts(meeting: dict[str, Any]) -> list[int]:
    return [int(s["start_time"]) for s in meeting.get("sub_meetings", [])]


def sent_to(sandbox: SandboxServer, endpoint: str) -> list[dict[str, Any]]:
    """What each answered call of ``endpoint`` said of the meeting's kind and rule."""
    return [
        e["sent"]
        for e in sandbox.requests_log()
        if e["endpoint"] == endpoint and e["http_status"] == 200
    ]


@SQLITE_AND_POSTGRESQL
def test_a_weekly_row_is_created_changed_moved_and_cancelled_as_one_series(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    first = int(SOON.timestamp())
    insert(engine, "cal-1", "周会", recurring_rule=json.dumps(WEEKLY))

    assert run_pass(config, engine).counts["created"] == 1
    row = rows(engine)["cal-1"]
    assert row.sync_state == "synced" and row.meeting_id is not None
    meeting = remote(sandbox)[row.meeting_id]
    assert (meeting["meeting_type"], meeting["recurring_rule"]) == (1, WEEKLY)
    assert starts(meeting) == [first + n * WEEK for n in range(4)]

    update(engine, "cal-1", recurring_rule=json.dumps(DAILY))  # the rule changes
    assert run_pass(config, engine).counts["updated"] == 1
    meeting = remote(sandbox)[row.meeting_id]
    assert (meeting["meeting_type"], meeting["recurring_rule"]) == (1, DAILY)
    assert starts(meeting) == [first + n * 86400 for n in range(3)]

    moved = SOON + timedelta(hours=3)  # the times change
    update(engine, "cal-1", start_time=moved, end_time=moved + timedelta(minutes=30))
    assert run_pass(config, engine).counts["updated"] == 1
    meeting = remote(sandbox)[row.meeting_id]
    assert meeting["meeting_type"] == 1
    assert starts(meeting) == [int(moved.timestamp()) + n * 86400 for n in range(3)]
    assert meeting["sub_meetings"][0]["end_time"] == str(int(moved.timestamp()) + 1800)

    update(engine, "cal-1", status="cancelled")
    assert run_pass(config, engine).counts["cancelled"] == 1

    [meeting] = sandbox.meetings()  # one series all along, never a second meeting
    assert meeting["meeting_id"] == row.meeting_id
    assert meeting["cancelled"] and meeting["state"] == "MEETING_STATE_CANCELLED"
    assert [s["status"] for s in meeting["sub_meetings"]] == [0, 0, 0]  # the series, whole
    assert sent_to(sandbox, "cancel") == [{"meeting_type": 1}]
    assert sent_to(sandbox, "update") == [
        {"meeting_type": 1, "recurring_rule": DAILY},
        {"meeting_type": 1, "recurring_rule": DAILY},
    ]
    [cancel] = [e for e in sandbox.requests_log() if e["endpoint"] == "cancel"]
    assert cancel["meeting_id"] == row.meeting_id
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.synced_revision) == ("synced", row.revision)


@SQLITE_AND_POSTGRESQL
def test_a_series_becomes_a_one_off_and_a_series_again_under_the_same_meeting_id(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    insert(engine, "cal-1", "Planning", recurring_rule=json.dumps(WEEKLY))
    run_pass(config, engine)
    meeting_id = rows(engine)["cal-1"].meeting_id
    assert meeting_id is not None

    update(engine, "cal-1", recurring_rule=None)
    assert run_pass(config, engine).counts["updated"] == 1
    meeting = remote(sandbox)[meeting_id]
    assert meeting["meeting_type"] == 0 and "recurring_rule" not in meeting
    assert starts(meeting) == []

    update(engine, "cal-1", recurring_rule=json.dumps(DAILY))
    assert run_pass(config, engine).counts["updated"] == 1
    meeting = remote(sandbox)[meeting_id]
    assert (meeting["meeting_type"], meeting["recurring_rule"]) == (1, DAILY)
    assert len(starts(meeting)) == 3

    assert sent_to(sandbox, "update") == [
        {"meeting_type": 0},
        {"meeting_type": 1, "recurring_rule": DAILY},
    ]
    assert len(sandbox.meetings()) == 1
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", meeting_id)


@SQLITE_AND_POSTGRESQL
@pytest.mark.parametrize(
    "first_over",
    [
        pytest.param(False, id="first-occurrence-listed"),
        # The first occurrence is over by the time of the lookup (here it was short and
        # began a few minutes before the row was synced): the list shows the series at its
        # next occurrence, a day later.
        pytest.param(True, id="a-later-occurrence-listed"),
    ],
)
def test_a_lost_create_of_a_series_is_found_not_made_twice(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, first_over: bool
) -> None:
    # A failed row waits an hour: the lookup happens in the second pass, not the first.
    config = worker_config(migrated_url, sandbox, retry_base_seconds=3600, retry_max_seconds=3600)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=3) if first_over else SOON
    insert(
        engine,
        "cal-1",
        "Daily stand-up",
        start_time=start,
        end_time=start + timedelta(minutes=2),
        recurring_rule=json.dumps({"recurring_type": 0, "until_type": 1, "until_count": 5}),
    )
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "drop"}])
    run_pass(config, engine)
    [made] = sandbox.meetings()
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None and row.create_intent_at is not None
    # The occurrence the list shows the series at: the first, or the one after it.
    current = made["sub_meetings"][1 if first_over else 0]
    assert made["current_sub_meeting_id"] == current["sub_meeting_id"]

    update(engine, "cal-1", next_attempt_at=None)  # its retry is due
    run_pass(config, engine)

    assert len(sandbox.meetings()) == 1
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert row.meeting_code == made["meeting_code"]
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["create"]["total"] == 1 and by_endpoint["list"]["ok"] == 1
