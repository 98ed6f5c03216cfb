"""Claiming: only due rows, oldest due first, each row to exactly one worker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text, update

from models import Meeting
from tests.fixtures.databases import SQLITE_ONLY, T0, insert_meeting, read_meeting
from worker.domain.rows import WriteOutcome
from worker.store.engines import make_engine
from worker.store.meetings import Store

meetings = Meeting.__table__
MINUTE = timedelta(minutes=1)


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


def test_rows_come_oldest_due_first_and_limit_holds(engine: Engine, store: Store) -> None:
    late = insert_meeting(engine, "late")
    early = insert_meeting(engine, "early")
    fresh_1 = insert_meeting(engine, "fresh-1")
    fresh_2 = insert_meeting(engine, "fresh-2")
    set_columns(engine, late, next_attempt_at=T0 - MINUTE)
    set_columns(engine, early, next_attempt_at=T0 - 5 * MINUTE)

    first = store.claim(owner="w", now=T0, lease_seconds=60, limit=3)
    rest = store.claim(owner="w", now=T0, lease_seconds=60, limit=3)

    assert [r.id for r in first] == [fresh_1, fresh_2, early]
    assert [r.id for r in rest] == [late]
    assert store.claim(owner="w", now=T0, lease_seconds=60, limit=0) == []


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
