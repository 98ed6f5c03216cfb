"""Write-backs: guarded by the lease, conditional on the revision, never losing an id."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, text, update

from models import meetings_table as meetings
from tests.fixtures.databases import T0, insert_meeting, read_meeting
from worker.domain.rows import MeetingRow, WriteOutcome
from worker.store.meetings import Store

LEASE = 60.0


def claim_one(store: Store, owner: str = "w1", now: datetime = T0) -> MeetingRow:
    rows = store.claim(owner=owner, now=now, lease_seconds=LEASE, limit=1)
    assert len(rows) == 1
    return rows[0]


def calendar_edit(engine: Engine, row_id: int, subject: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject=subject))


def synced(store: Store, row: MeetingRow, owner: str = "w1", **ids: str | None) -> WriteOutcome:
    values = {"meeting_id": "m-1", "meeting_code": "111222333", "join_url": "https://j/1"}
    values.update(ids)
    return store.record_synced(
        row.id, owner=owner, revision=row.revision, now=T0 + timedelta(seconds=5), **values
    )


def test_record_synced_writes_the_ids_and_releases_the_row(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    assert store.mark_create_intent(row_id, owner="w1", now=T0)
    assert synced(store, row) is WriteOutcome.WRITTEN
    after = read_meeting(engine, row_id)
    assert (after.sync_state, after.synced_revision, after.revision) == ("synced", 1, 1)
    assert (after.meeting_id, after.meeting_code, after.join_url) == (
        "m-1",
        "111222333",
        "https://j/1",
    )
    assert after.synced_at == T0 + timedelta(seconds=5)
    assert (after.lease_owner, after.lease_expires_at, after.create_intent_at) == (None, None, None)
    assert (after.attempts, after.next_attempt_at, after.error_code) == (0, None, None)
    assert store.claim(owner="w1", now=T0 + timedelta(days=1), lease_seconds=LEASE, limit=9) == []


def test_without_a_time_synced_at_is_the_database_clock_at_the_write(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    before = store.now()
    outcome = store.record_synced(
        row.id, owner="w1", revision=row.revision, meeting_id="m-1", meeting_code=None,
        join_url=None,
    )  # fmt: skip
    after_write = store.now()
    assert outcome is WriteOutcome.WRITTEN
    after = read_meeting(engine, row_id)
    assert after.synced_at is not None and before <= after.synced_at <= after_write
    assert (after.meeting_id, after.meeting_code, after.join_url) == ("m-1", None, None)


def test_without_a_time_the_intent_is_checked_and_stamped_on_the_database_clock(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    before = store.now()
    store.claim(owner="w1", now=before, lease_seconds=LEASE, limit=1)
    assert store.mark_create_intent(row_id, owner="w1")
    after_write = store.now()
    marked = read_meeting(engine, row_id).create_intent_at
    assert marked is not None and before <= marked <= after_write
    # A lease that ran out by the database's clock refuses the marker.
    with engine.begin() as conn:
        conn.execute(
            update(meetings)
            .where(meetings.c.id == row_id)
            .values(lease_owner="w2", lease_expires_at=before - timedelta(seconds=1))
        )
    assert not store.mark_create_intent(row_id, owner="w2")


def test_an_edit_during_the_call_keeps_the_meeting_id_and_stays_pending(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    store.mark_create_intent(row_id, owner="w1", now=T0)
    calendar_edit(engine, row_id, "moved while the create was in flight")

    assert synced(store, row) is WriteOutcome.SUPERSEDED

    after = read_meeting(engine, row_id)
    assert after.meeting_id == "m-1"  # the meeting exists: never lose its id
    assert (after.sync_state, after.revision, after.synced_revision) == ("pending", 2, 1)
    assert after.create_intent_at is None and after.lease_owner is None
    # The next pass picks the edit up at once, as an update of the meeting.
    again = claim_one(store, now=T0 + timedelta(seconds=6))
    assert (again.id, again.meeting_id, again.revision, again.synced_revision) == (
        row_id,
        "m-1",
        2,
        1,
    )


def test_a_worker_whose_lease_was_taken_over_writes_nothing(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    slow = claim_one(store, owner="slow")
    later = T0 + timedelta(seconds=LEASE + 1)
    fast = claim_one(store, owner="fast", now=later)
    assert fast.attempts == 2

    assert not store.mark_create_intent(row_id, owner="slow", now=later)
    assert synced(store, slow, owner="slow") is WriteOutcome.LEASE_LOST
    assert (
        store.record_failed(row_id, owner="slow", revision=1, error_code="9093", error_message="x")
        is WriteOutcome.LEASE_LOST
    )
    assert (
        store.record_retry(
            row_id, owner="slow", error_code="41", error_message="x", next_attempt_at=later
        )
        is WriteOutcome.LEASE_LOST
    )
    assert store.release([row_id], owner="slow") == 0
    untouched = read_meeting(engine, row_id)
    assert (untouched.lease_owner, untouched.sync_state, untouched.meeting_id) == (
        "fast",
        "pending",
        None,
    )
    assert untouched.attempts == 2 and untouched.error_code is None

    assert synced(store, fast, owner="fast", meeting_id="m-fast") is WriteOutcome.WRITTEN
    assert read_meeting(engine, row_id).meeting_id == "m-fast"


def test_mark_create_intent_needs_a_live_lease(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    claim_one(store)
    assert not store.mark_create_intent(row_id, owner="someone else", now=T0)
    assert not store.mark_create_intent(row_id, owner="w1", now=T0 + timedelta(seconds=LEASE))
    assert read_meeting(engine, row_id).create_intent_at is None
    assert store.mark_create_intent(row_id, owner="w1", now=T0 + timedelta(seconds=1))
    assert read_meeting(engine, row_id).create_intent_at == T0 + timedelta(seconds=1)


def test_a_cancel_keeps_the_ids(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    assert synced(store, claim_one(store)) is WriteOutcome.WRITTEN
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE meetings SET status = 'cancelled' WHERE id = {row_id}"))
    row = claim_one(store)
    assert row.revision == 2
    outcome = store.record_synced(
        row_id, owner="w1", revision=2, meeting_id=None, meeting_code=None, join_url=None, now=T0
    )
    assert outcome is WriteOutcome.WRITTEN
    after = read_meeting(engine, row_id)
    assert (after.sync_state, after.status, after.synced_revision) == ("synced", "cancelled", 2)
    assert (after.meeting_id, after.meeting_code, after.join_url) == (
        "m-1",
        "111222333",
        "https://j/1",
    )


def test_a_note_becomes_the_synced_rows_message_and_the_next_sync_clears_it(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    outcome = store.record_synced(
        row_id, owner="w1", revision=row.revision, meeting_id="m-1", meeting_code=None,
        join_url=None, note="Synced; the meeting keeps " + "x" * 3000,
    )  # fmt: skip
    assert outcome is WriteOutcome.WRITTEN
    noted = read_meeting(engine, row_id)
    assert (noted.sync_state, noted.error_code) == ("synced", None)
    assert noted.error_message is not None and noted.error_message.startswith("Synced;")
    assert len(noted.error_message) == 2000  # clipped to what every backend's column holds

    calendar_edit(engine, row_id, "renamed")
    assert synced(store, claim_one(store)) is WriteOutcome.WRITTEN
    assert read_meeting(engine, row_id).error_message is None


def test_record_failed_until_the_row_is_edited(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    outcome = store.record_failed(
        row_id,
        owner="w1",
        revision=row.revision,
        error_code="9093",
        error_message="会议主题包含敏感词" * 300,  # longer than any column holds
    )
    assert outcome is WriteOutcome.WRITTEN
    failed = read_meeting(engine, row_id)
    assert (failed.sync_state, failed.error_code, failed.lease_owner) == ("failed", "9093", None)
    assert failed.error_message is not None and failed.error_message.startswith("会议主题")
    assert failed.attempts == 1
    assert store.claim(owner="w1", now=T0 + timedelta(days=9), lease_seconds=1, limit=9) == []

    calendar_edit(engine, row_id, "fixed subject")
    assert [r.id for r in store.claim(owner="w1", now=T0, lease_seconds=1, limit=9)] == [row_id]


def test_a_failure_about_content_that_was_edited_meanwhile_is_dropped(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    row = claim_one(store)
    calendar_edit(engine, row_id, "fixed while the call was failing")
    outcome = store.record_failed(
        row_id, owner="w1", revision=row.revision, error_code="9093", error_message="bad"
    )
    assert outcome is WriteOutcome.SUPERSEDED
    after = read_meeting(engine, row_id)
    assert (after.sync_state, after.error_code, after.error_message) == ("pending", None, None)


def test_record_retry_waits_and_can_refund_the_attempt(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    claim_one(store)
    later = T0 + timedelta(minutes=5)
    outcome = store.record_retry(
        row_id, owner="w1", error_code="41", error_message="busy", next_attempt_at=later
    )
    assert outcome is WriteOutcome.WRITTEN
    waiting = read_meeting(engine, row_id)
    assert (waiting.sync_state, waiting.next_attempt_at, waiting.attempts) == ("pending", later, 1)
    assert (waiting.error_code, waiting.error_message, waiting.lease_owner) == ("41", "busy", None)
    assert store.claim(owner="w1", now=later - timedelta(seconds=1), lease_seconds=1, limit=9) == []

    claim_one(store, now=later)
    store.record_retry(
        row_id,
        owner="w1",
        error_code="190311",
        error_message="daily quota used up",
        next_attempt_at=later + timedelta(hours=1),
        refund_attempt=True,
    )
    assert read_meeting(engine, row_id).attempts == 1  # the quota wait did not count


def test_release_gives_rows_back_with_their_attempt_refunded(engine: Engine, store: Store) -> None:
    ids = [insert_meeting(engine, name) for name in ("a", "b", "c")]
    mine = store.claim(owner="w1", now=T0, lease_seconds=LEASE, limit=2)
    theirs = store.claim(owner="w2", now=T0, lease_seconds=LEASE, limit=2)
    assert store.release(ids, owner="w1") == 2
    assert store.release([], owner="w1") == 0
    for row in mine:
        after = read_meeting(engine, row.id)
        assert (after.lease_owner, after.lease_expires_at, after.attempts) == (None, None, 0)
    assert read_meeting(engine, theirs[0].id).lease_owner == "w2"
    again = store.claim(owner="w3", now=T0, lease_seconds=LEASE, limit=9)
    assert {r.id for r in again} == {r.id for r in mine}


def test_an_edit_during_the_lease_never_makes_attempts_negative(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    claim_one(store)
    calendar_edit(engine, row_id, "edited")  # the trigger resets attempts to 0
    assert store.release([row_id], owner="w1") == 1
    assert read_meeting(engine, row_id).attempts == 0


def test_meeting_ids_taken_names_ids_other_rows_hold(engine: Engine, store: Store) -> None:
    a = insert_meeting(engine, "a")
    b = insert_meeting(engine, "b")
    with engine.begin() as conn:
        conn.execute(update(meetings).where(meetings.c.id == a).values(meeting_id="m-a"))
        conn.execute(update(meetings).where(meetings.c.id == b).values(meeting_id="m-b"))
    assert store.meeting_ids_taken(["m-a", "m-b", "m-x"], except_row=a) == {"m-b"}
    assert store.meeting_ids_taken([], except_row=a) == set()


def test_what_was_not_applied_is_set_kept_when_nothing_is_known_and_cleared(
    engine: Engine, store: Store
) -> None:
    row_id = insert_meeting(engine, "a")
    edits = iter(range(3))

    def sync_with(not_applied: tuple[str, ...] | None) -> str | None:
        with engine.begin() as conn:  # pending again, as a calendar edit makes it
            subject = f"edit {next(edits)}"
            conn.execute(update(meetings).where(meetings.c.id == row_id).values(subject=subject))
        row = claim_one(store, now=T0 + timedelta(hours=1))
        outcome = store.record_synced(
            row.id,
            owner="w1",
            revision=row.revision,
            meeting_id="m-1",
            meeting_code=None,
            join_url=None,
            not_applied=not_applied,
        )
        assert outcome is WriteOutcome.WRITTEN
        return read_meeting(engine, row_id).user_non_registered

    lines = ("host bob is not a registered user: not applied", "invitee 张三 is not ...")
    assert sync_with(lines) == "; ".join(lines)
    assert sync_with(None) == "; ".join(lines)  # a write that learnt nothing keeps it
    assert sync_with(()) is None
