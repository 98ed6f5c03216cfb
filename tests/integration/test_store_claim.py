"""Claiming: only due rows, most urgent first, each row to exactly one worker."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text, update

from models import Meeting
from tests.fixtures.databases import SQLITE_ONLY, T0, insert_meeting, read_meeting
from worker.domain.rows import MeetingRow, UnreadableRow, WriteOutcome
from worker.store.claim import claim_ids
from worker.store.engines import make_engine
from worker.store.meetings import Store

meetings = Meeting.__table__
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def starting(at: datetime) -> dict[str, datetime]:
    return {"start_time": at, "end_time": at + HOUR}


def set_columns(engine: Engine, row_id: int, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(update(meetings).where(meetings.c.id == row_id).values(values))


def test_only_due_rows_are_claimed(engine: Engine, store: Store) -> None:
    ids = {name: insert_meeting(engine, name) for name in "abcdefghi"}
    set_columns(engine, ids["b"], next_attempt_at=T0 + MINUTE)  # retry not yet due
    set_columns(engine, ids["c"], sync_after=T0 + MINUTE)  # calendar says: not yet
    set_columns(engine, ids["d"], lease_owner="other", lease_expires_at=T0 + MINUTE)
    set_columns(engine, ids["e"], sync_state="synced")
    set_columns(engine, ids["f"], sync_state="failed")
    set_columns(engine, ids["g"], lease_owner="dead", lease_expires_at=T0, attempts=2)
    set_columns(engine, ids["h"], next_attempt_at=T0 - MINUTE)
    set_columns(engine, ids["i"], sync_after=T0)

    claimed = store.claim(owner="w1", now=T0, lease_seconds=90, limit=100)

    assert {r.external_id for r in claimed} == {"a", "g", "h", "i"}
    for row in claimed:
        assert row == read_meeting(engine, row.id)  # what was handed out is what is stored
        assert row.lease_owner == "w1"
        assert row.lease_expires_at == T0 + timedelta(seconds=90)
    assert {r.external_id: r.attempts for r in claimed} == {"a": 1, "g": 3, "h": 1, "i": 1}
    assert read_meeting(engine, ids["d"]).lease_owner == "other"
    assert store.claim(owner="w2", now=T0, lease_seconds=90, limit=100) == []


def test_a_cancellation_first_then_the_soonest_start_and_the_limit_holds(
    engine: Engine, store: Store
) -> None:
    # Inserted oldest first in the order the claim used to take them: never tried, by id.
    insert_meeting(engine, "next-month", **starting(T0 + 30 * DAY))
    insert_meeting(engine, "tomorrow", **starting(T0 + DAY))
    retry = insert_meeting(engine, "retry-in-20-min", **starting(T0 + 20 * MINUTE))
    insert_meeting(engine, "in-10-min", **starting(T0 + 10 * MINUTE))
    insert_meeting(engine, "cancel-in-60-days", status="cancelled", **starting(T0 + 60 * DAY))
    set_columns(engine, retry, next_attempt_at=T0 - MINUTE, attempts=1)

    first = store.claim(owner="w", now=T0, lease_seconds=60, limit=2)
    rest = store.claim(owner="w", now=T0, lease_seconds=60, limit=9)

    assert [r.external_id for r in first] == ["cancel-in-60-days", "in-10-min"]
    assert [r.external_id for r in rest] == ["retry-in-20-min", "tomorrow", "next-month"]
    assert store.claim(owner="w", now=T0, lease_seconds=60, limit=0) == []


def test_a_backlog_far_ahead_waits_behind_a_meeting_that_starts_soon(
    engine: Engine, store: Store
) -> None:
    for n in range(20):  # next month's backlog, written long before
        insert_meeting(engine, f"backlog-{n:02}", **starting(T0 + 30 * DAY + n * MINUTE))
    insert_meeting(engine, "standup", **starting(T0 + 10 * MINUTE))

    batch = store.claim(owner="w", now=T0, lease_seconds=60, limit=5)

    assert [r.external_id for r in batch] == ["standup", *(f"backlog-{n:02}" for n in range(4))]


def test_cancellations_among_themselves_and_equal_starts_go_by_start_then_age(
    engine: Engine, store: Store
) -> None:
    later = insert_meeting(engine, "cancel-later", status="cancelled", **starting(T0 + DAY))
    sooner = insert_meeting(engine, "cancel-sooner", status="cancelled", **starting(T0 + HOUR))
    older = insert_meeting(engine, "same-start-older", **starting(T0 + HOUR))
    newer = insert_meeting(engine, "same-start-newer", **starting(T0 + HOUR))

    claimed = store.claim(owner="w", now=T0, lease_seconds=60, limit=9)

    assert [r.id for r in claimed] == [sooner, later, older, newer]


def test_a_row_without_a_start_is_still_claimed_and_first(engine: Engine, store: Store) -> None:
    # It fails without a request (the start is required), so it costs no quota to go first.
    for n in range(3):
        insert_meeting(engine, f"soon-{n}", **starting(T0 + (n + 1) * MINUTE))
    insert_meeting(engine, "no-start", start_time=None, end_time=None)
    insert_meeting(engine, "cancel-no-start", status="cancelled", start_time=None, end_time=None)

    batch = store.claim(owner="w", now=T0, lease_seconds=60, limit=3)

    assert [r.external_id for r in batch] == ["cancel-no-start", "no-start", "soon-0"]


@SQLITE_ONLY
def test_a_start_written_as_other_text_ranks_by_its_instant_or_first(engine: Engine) -> None:
    with engine.begin() as conn:
        # 10:00 in Shanghai is 02:00 UTC: as text it would sort after every 09:30 UTC.
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, start_time) VALUES "
                "('at-0930-utc', '2030-01-08 09:30:00.000000'), "
                "('at-0200-utc', '2030-01-08T10:00:00+08:00'), "
                "('garbled', 'after lunch')"
            )
        )

    claimed = Store(engine).claim(owner="w", now=T0, lease_seconds=60, limit=9)

    assert [r.external_id for r in claimed] == ["garbled", "at-0200-utc", "at-0930-utc"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_start_psycopg_cannot_read_ranks_first_not_last(engine: Engine, store: Store) -> None:
    insert_meeting(engine, "soon", **starting(T0 + MINUTE))
    for name, value in (("infinite", "infinity"), ("year-10000", "10000-01-01")):
        insert_meeting(engine, name)
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE meetings SET start_time = :v WHERE external_id = :e"),
                {"v": value, "e": name},
            )

    batch = store.claim(owner="w", now=T0, lease_seconds=60, limit=2)

    # Both come back unreadable, to be failed by id: no value of theirs was decoded.
    assert [isinstance(r, UnreadableRow) for r in batch] == [True, True]
    [soon] = store.claim(owner="w", now=T0, lease_seconds=60, limit=9)
    assert isinstance(soon, MeetingRow) and soon.external_id == "soon"


def test_an_expired_lease_is_claimed_again(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "x")
    assert [r.id for r in store.claim(owner="a", now=T0, lease_seconds=60, limit=5)] == [row_id]
    assert store.claim(owner="b", now=T0 + MINUTE * 0.99, lease_seconds=60, limit=5) == []
    again = store.claim(owner="b", now=T0 + MINUTE, lease_seconds=60, limit=5)
    assert [(r.id, r.lease_owner, r.attempts) for r in again] == [(row_id, "b", 2)]


@SQLITE_ONLY
def test_sync_after_written_with_an_offset_is_compared_as_an_instant(engine: Engine) -> None:
    with engine.begin() as conn:
        # 10:00 in Shanghai is 02:00 UTC; as text it would sort after any "2030-01-07 ..." time.
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, sync_after) VALUES "
                "('offset', '2030-01-07T10:00:00+08:00'), ('garbled', 'after lunch')"
            )
        )
    store = Store(engine)

    def claim_at(hour: int, minute: int) -> list[str]:
        now = T0.replace(hour=hour, minute=minute)
        return [r.external_id for r in store.claim(owner="w", now=now, lease_seconds=9e3, limit=9)]

    # Unreadable: claimed at once, so that it fails with a message instead of waiting forever.
    assert claim_at(1, 30) == ["garbled"]
    assert claim_at(3, 0) == ["offset"]


@SQLITE_ONLY
def test_an_open_read_elsewhere_does_not_hold_the_worker_up(engine: Engine, store: Store) -> None:
    row_id = insert_meeting(engine, "a")
    with engine.connect() as reader:  # e.g. a report the calendar is running
        assert reader.scalar(select(func.count()).select_from(meetings)) == 1
        # Its transaction is still open while the worker claims and writes back.
        [row] = store.claim(owner="w", now=T0, lease_seconds=60, limit=5)
        outcome = store.record_synced(
            row_id,
            owner="w",
            revision=row.revision,
            meeting_id="m",
            meeting_code=None,
            join_url=None,
            now=T0,
        )
        assert outcome is not WriteOutcome.LEASE_LOST
        # The reader keeps its snapshot: the write is not visible inside its transaction.
        assert reader.scalar(select(meetings.c.meeting_id)) is None
    assert read_meeting(engine, row_id).meeting_id == "m"


def test_concurrent_claimers_never_share_a_row(migrated_url: str, engine: Engine) -> None:
    all_ids = {insert_meeting(engine, f"c{n}") for n in range(60)}
    workers = 4
    start = threading.Barrier(workers)
    got: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        # Each worker has its own engine, as separate processes would.
        own = make_engine(migrated_url)
        try:
            store = Store(own)
            start.wait(timeout=30)
            while rows := store.claim(owner=f"w{index}", now=T0, lease_seconds=60, limit=4):
                got[index].extend(r.id for r in rows)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    claimed = [row_id for ids in got for row_id in ids]
    assert sorted(claimed) == sorted(all_ids)  # every row once, none twice
    with engine.connect() as conn:
        assert set(conn.scalars(select(meetings.c.attempts))) == {1}


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_claim_skips_rows_locked_by_an_open_transaction(
    migrated_url: str, engine: Engine, store: Store
) -> None:
    locked = insert_meeting(engine, "locked")
    free = insert_meeting(engine, "free")
    other = make_engine(migrated_url)
    try:
        with other.connect() as holder, holder.begin():
            # Another claimer in the middle of its transaction holds this row.
            holder.execute(select(meetings.c.id).where(meetings.c.id == locked).with_for_update())
            result: list[list[int]] = []
            claimer = threading.Thread(
                target=lambda: result.append(
                    [r.id for r in store.claim(owner="w", now=T0, lease_seconds=60, limit=10)]
                )
            )
            claimer.start()
            claimer.join(timeout=20)
            assert not claimer.is_alive(), "the claim waited for a locked row"
            assert result == [[free]]
        # Once the other transaction ends, the row is claimable.
        assert [r.id for r in store.claim(owner="w", now=T0, lease_seconds=60, limit=10)] == [
            locked
        ]
    finally:
        other.dispose()


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_two_claims_at_once_share_the_most_urgent_rows_in_order(
    migrated_url: str, engine: Engine
) -> None:
    # Inserted latest start first, so that neither id nor insertion order is the answer.
    ids = [
        insert_meeting(engine, f"r{n:02}", **starting(T0 + (40 - n) * MINUTE)) for n in range(30)
    ]
    cancels = [insert_meeting(engine, f"c{n}", status="cancelled") for n in range(2)]
    by_urgency = cancels + ids[::-1]
    other = make_engine(migrated_url)
    try:
        with engine.connect() as first, first.begin():
            mine = claim_ids(first, owner="a", now=T0, expires=T0 + MINUTE, limit=5)
            # The first claim's transaction is still open, holding its rows: a sort of the
            # due rows would hold all of them (MariaDB locks what it reads before sorting).
            with other.connect() as second, second.begin():
                theirs = claim_ids(second, owner="b", now=T0, expires=T0 + MINUTE, limit=5)
    finally:
        other.dispose()

    assert mine == by_urgency[:5]
    assert theirs == by_urgency[5:10]
