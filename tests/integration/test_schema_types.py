"""Times are aware UTC and JSON is parsed on every backend; bad stored values fail alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError

from tests.fixtures.databases import SQLITE_ONLY, T0, insert_meeting, read_meeting
from worker.domain.rows import MalformedJSON, MalformedTime
from worker.store.meetings import Store

SHANGHAI = timezone(timedelta(hours=8))
INSTANT = datetime(2030, 5, 1, 2, 0, 0, 250_000, tzinfo=UTC)


def test_aware_times_round_trip_as_utc_with_microseconds(engine: Engine) -> None:
    row_id = insert_meeting(engine, "t1", start_time=INSTANT.astimezone(SHANGHAI))
    start = read_meeting(engine, row_id).start_time
    assert start == INSTANT
    assert isinstance(start, datetime) and start.utcoffset() == timedelta(0)


def test_storage_is_utc_in_each_backends_own_form(engine: Engine) -> None:
    row_id = insert_meeting(engine, "t2", start_time=INSTANT.astimezone(SHANGHAI))
    as_text = {
        "postgresql": "SELECT start_time::text FROM meetings WHERE id = :id",
        "mysql": "SELECT CAST(start_time AS CHAR) FROM meetings WHERE id = :id",
        "sqlite": "SELECT start_time FROM meetings WHERE id = :id",
    }[engine.dialect.name]
    expected = {
        "postgresql": "2030-05-01 02:00:00.25+00",
        "mysql": "2030-05-01 02:00:00.250000",
        "sqlite": "2030-05-01 02:00:00.250000",
    }[engine.dialect.name]
    with engine.connect() as conn:
        assert conn.scalar(text(as_text), {"id": row_id}) == expected


def test_times_written_by_raw_sql_read_back_as_utc(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # A calendar whose session speaks Shanghai time, writing local wall-clock times.
            conn.execute(text("SET LOCAL TIME ZONE 'Asia/Shanghai'"))
            values = ["'2030-05-01 10:00:00.25'", "'2030-05-01 04:00:00.25+02'"]
        elif engine.dialect.name == "mysql":
            values = ["'2030-05-01 02:00:00.25'", "'2030-05-01 02:00:00.250000'"]
        else:
            values = ["'2030-05-01T10:00:00.250+08:00'", "'2030-05-01T02:00:00.25Z'"]
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, start_time, end_time) "
                f"VALUES ('raw', {values[0]}, {values[1]})"
            )
        )
        row_id = conn.scalar(text("SELECT id FROM meetings WHERE external_id = 'raw'"))
    row = read_meeting(engine, row_id)
    assert row.start_time == INSTANT and row.end_time == INSTANT
    assert isinstance(row.start_time, datetime) and row.start_time.tzinfo == UTC


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        insert_meeting(engine, "naive", start_time=datetime(2030, 5, 1, 10, 0))


def test_the_database_clock_is_aware_utc(store: Store) -> None:
    now = store.now()
    assert now.tzinfo == UTC
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)


def test_json_round_trips_and_null_is_sql_null(engine: Engine) -> None:
    hosts = [{"userid": "张三"}, {"userid": "🎨"}]
    row_id = insert_meeting(engine, "j1", hosts=hosts, settings={"a": 1.5, "b": None})
    row = read_meeting(engine, row_id)
    assert row.hosts == hosts and row.settings == {"a": 1.5, "b": None}
    assert row.invitees is None
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT COUNT(*) FROM meetings WHERE invitees IS NULL")) == 1


def test_json_written_by_raw_sql_is_parsed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, hosts) "
                """VALUES ('rawjson', '[{"userid": "李四"}]')"""
            )
        )
        row_id = conn.scalar(text("SELECT id FROM meetings WHERE external_id = 'rawjson'"))
    assert read_meeting(engine, row_id).hosts == [{"userid": "李四"}]


# Only SQLite lets a calendar store text that is neither JSON nor a time.
@SQLITE_ONLY
def test_malformed_values_on_sqlite_come_back_as_markers(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, hosts, start_time, sync_after) "
                "VALUES ('bad', '[{\"userid\": ', 'next tuesday', '2030-13-45')"
            )
        )
        row_id = conn.scalar(text("SELECT id FROM meetings WHERE external_id = 'bad'"))
    row = read_meeting(engine, row_id)
    assert row.hosts == MalformedJSON('[{"userid": ')
    assert row.start_time == MalformedTime("next tuesday")
    assert row.sync_after == MalformedTime("2030-13-45")


@SQLITE_ONLY
def test_a_malformed_row_does_not_break_the_batch(engine: Engine) -> None:
    good = insert_meeting(engine, "good")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO meetings (external_id, invitees, end_time) "
                "VALUES ('bad', 'not json', 'soon')"
            )
        )
    rows = Store(engine).claim(owner="w", now=T0, lease_seconds=60, limit=10)
    by_id = {r.external_id: r for r in rows}
    assert set(by_id) == {"good", "bad"} and by_id["good"].id == good
    assert by_id["bad"].invitees == MalformedJSON("not json")
    assert by_id["bad"].end_time == MalformedTime("soon")
