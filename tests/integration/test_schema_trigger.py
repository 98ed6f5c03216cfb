"""A calendar application only INSERTs and UPDATEs; the schema does the bookkeeping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text, update

from models import CALENDAR_COLUMNS, Meeting
from tests.fixtures.databases import T0, insert_meeting, read_meeting

meetings = Meeting.__table__


def test_plain_insert_of_calendar_columns_gets_every_default(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, userid, subject, start_time, end_time, "
                "time_zone) VALUES ('cal-1', 'alice', '周会', '2030-01-08 02:00:00', "
                "'2030-01-08 03:00:00', 'Asia/Shanghai')"
            )
        )
        row_id = conn.scalar(text("SELECT id FROM meetings WHERE external_id = 'cal-1'"))
    row = read_meeting(engine, row_id)
    assert row.provider == "wemeet"
    assert row.status == "scheduled"
    assert row.subject == "周会"
    assert (row.sync_state, row.revision, row.attempts) == ("pending", 1, 0)
    assert row.synced_revision is None and row.meeting_id is None and row.error_code is None
    assert row.hosts is None and row.sync_after is None
    assert row.created_at.tzinfo is not None and row.updated_at.tzinfo is not None


def test_ids_are_assigned_in_insert_order(engine: Engine) -> None:
    first = insert_meeting(engine, "a")
    second = insert_meeting(engine, "b")
    assert second > first


def make_synced(engine: Engine, row_id: int) -> None:
    """The state a worker leaves behind: synced, with an old error and attempts to clear."""
    with engine.begin() as conn:
        conn.execute(
            update(meetings)
            .where(meetings.c.id == row_id)
            .values(
                sync_state="synced",
                synced_revision=1,
                meeting_id=f"m-{row_id}",
                attempts=3,
                next_attempt_at=T0,
                error_code="9093",
                error_message="old error",
            )
        )


NEW_VALUES: dict[str, Any] = {
    "external_id": "renamed",
    "provider": "trtc_room",
    "userid": "bob",
    "subject": "Moved",
    "start_time": T0 + timedelta(days=2),
    "end_time": T0 + timedelta(days=2, hours=1),
    "time_zone": "Europe/Berlin",
    "password": "1234",
    "location": "Room 2",
    "hosts": [{"userid": "bob"}],
    "invitees": [{"userid": "carol"}],
    "settings": {"mute_enable_join": True},
    "recurring_rule": {"recurring_type": 0, "until_count": 3},
    "status": "cancelled",
    "sync_after": T0 + timedelta(hours=5),
}


def test_the_edit_values_cover_every_calendar_column() -> None:
    assert set(NEW_VALUES) == set(CALENDAR_COLUMNS)


@pytest.mark.parametrize("column", sorted(NEW_VALUES))
def test_editing_a_calendar_column_makes_the_row_pending_again(engine: Engine, column: str) -> None:
    row_id = insert_meeting(engine, "e1", hosts=[{"userid": "alice"}])
    make_synced(engine, row_id)
    with engine.begin() as conn:
        conn.execute(
            update(meetings).where(meetings.c.id == row_id).values({column: NEW_VALUES[column]})
        )
    row = read_meeting(engine, row_id)
    assert getattr(row, column) == NEW_VALUES[column]
    assert (row.revision, row.sync_state, row.attempts) == (2, "pending", 0)
    assert (row.next_attempt_at, row.error_code, row.error_message) == (None, None, None)
    # What the worker knows about the remote meeting survives the edit.
    assert (row.meeting_id, row.synced_revision) == (f"m-{row_id}", 1)


def test_a_raw_sql_edit_counts_once_per_statement(engine: Engine) -> None:
    row_id = insert_meeting(engine, "e2")
    make_synced(engine, row_id)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE meetings SET subject = 'A', location = 'B' WHERE id = {row_id}"))
    assert read_meeting(engine, row_id).revision == 2
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE meetings SET status = 'cancelled' WHERE id = {row_id}"))
    row = read_meeting(engine, row_id)
    assert (row.revision, row.sync_state, row.status) == (3, "pending", "cancelled")


def test_an_edit_stamps_updated_at(engine: Engine) -> None:
    row_id = insert_meeting(engine, "e3")
    with engine.begin() as conn:
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(updated_at=T0))
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject="new"))
    # T0 lies in the future: the trigger replaced it with the database's clock.
    assert read_meeting(engine, row_id).updated_at < T0


def test_an_update_that_changes_nothing_does_not_fire(engine: Engine) -> None:
    row_id = insert_meeting(engine, "n1", hosts=[{"userid": "alice"}], sync_after=T0, password=None)
    make_synced(engine, row_id)
    before = read_meeting(engine, row_id)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE meetings SET subject = subject, hosts = hosts, sync_after = sync_after, "
                f"password = NULL WHERE id = {row_id}"
            )
        )
        conn.execute(
            update(meetings)
            .where(meetings.c.id == row_id)
            .values(hosts=[{"userid": "alice"}], start_time=before.start_time)
        )
    after = read_meeting(engine, row_id)
    assert (after.revision, after.sync_state, after.attempts) == (1, "synced", 3)
    assert after.error_code == "9093"


def test_worker_writes_do_not_fire(engine: Engine) -> None:
    row_id = insert_meeting(engine, "w1")
    with engine.begin() as conn:
        conn.execute(
            update(meetings)
            .where(meetings.c.id == row_id)
            .values(
                sync_state="failed",
                error_code="9093",
                error_message="invalid",
                attempts=4,
                lease_owner="host:1",
                lease_expires_at=T0,
                create_intent_at=T0,
                synced_at=T0,
                meeting_code="123456789",
                join_url="https://meeting.example/j/1",
            )
        )
    row = read_meeting(engine, row_id)
    assert (row.revision, row.sync_state, row.attempts, row.error_code) == (1, "failed", 4, "9093")


def test_an_edit_keeps_the_lease_and_the_create_intent(engine: Engine) -> None:
    """A sync in flight must still be able to write back the meeting it created."""
    row_id = insert_meeting(engine, "i1")
    with engine.begin() as conn:
        conn.execute(
            update(meetings)
            .where(meetings.c.id == row_id)
            .values(lease_owner="host:1", lease_expires_at=T0, create_intent_at=T0)
        )
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject="edited"))
    row = read_meeting(engine, row_id)
    assert (row.lease_owner, row.lease_expires_at, row.create_intent_at) == ("host:1", T0, T0)
    assert row.revision == 2


def test_revision_moves_forward_even_when_a_stale_value_is_written_back(engine: Engine) -> None:
    row_id = insert_meeting(engine, "s1")
    with engine.begin() as conn:
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject="two"))
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject="three"))
        # An application that saves the whole row it read at revision 1.
        conn.execute(
            update(meetings).where(meetings.c.id == row_id).values(subject="four", revision=1)
        )
    assert read_meeting(engine, row_id).revision == 4
