"""What `meeting-sync status` reports, the call log, and an unreachable database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from models import meetings_table as meetings
from models import sync_log_table as sync_log
from tests.fixtures.databases import T0, insert_meeting
from worker.domain.rows import CallLogEntry
from worker.exceptions import DatabaseUnavailable
from worker.store.engines import make_engine
from worker.store.meetings import Store


def test_status_counts_rows_by_state_and_failures_by_code(engine: Engine, store: Store) -> None:
    ids = [insert_meeting(engine, f"r{n}") for n in range(7)]
    states = {
        ids[0]: {"sync_state": "synced"},
        ids[1]: {"sync_state": "synced"},
        ids[2]: {"sync_state": "failed", "error_code": "9093"},
        ids[3]: {"sync_state": "failed", "error_code": "9093"},
        ids[4]: {"sync_state": "failed", "error_code": "local.subject_too_long"},
        ids[5]: {"next_attempt_at": T0 + timedelta(hours=1), "updated_at": T0},  # parked
        ids[6]: {"updated_at": T0 - timedelta(minutes=10)},  # pending, due
    }
    with engine.begin() as conn:
        for row_id, values in states.items():
            conn.execute(update(meetings).where(meetings.c.id == row_id).values(values))
    store.claim(owner="w", now=T0, lease_seconds=30, limit=1)

    summary = store.status(T0)

    assert summary.at == T0
    assert summary.total == 7
    assert summary.by_state == {"synced": 2, "failed": 3, "pending": 2}
    assert summary.failed_by_code == {"9093": 2, "local.subject_too_long": 1}
    assert (summary.due_now, summary.leased) == (0, 1)  # the due one is now leased
    assert summary.oldest_pending_since == T0 - timedelta(minutes=10)
    assert summary.oldest_pending_age_seconds == 600.0
    assert store.status(T0 + timedelta(seconds=30)).due_now == 1  # its lease ran out


def test_status_of_an_empty_table(store: Store) -> None:
    summary = store.status(T0)
    assert (summary.total, summary.by_state, summary.failed_by_code) == (0, {}, {})
    assert summary.oldest_pending_since is None and summary.oldest_pending_age_seconds is None


def test_log_calls_appends_one_row_per_call(engine: Engine, store: Store) -> None:
    entries = [
        CallLogEntry(
            action="create",
            at=T0,
            worker="host:1",
            meeting_row_id=7,
            external_id="cal-7",
            http_status=200,
            duration_ms=35,
            trace_id="t-1",
        ),
        CallLogEntry(action="list", at=T0, worker="host:1", http_status=429, error_code="190310"),
    ]
    store.log_calls(entries)
    store.log_calls([])
    with engine.connect() as conn:
        rows = conn.execute(select(sync_log).order_by(sync_log.c.id)).mappings().all()
    assert [(r["action"], r["http_status"], r["error_code"]) for r in rows] == [
        ("create", 200, None),
        ("list", 429, "190310"),
    ]
    assert (rows[0]["meeting_row_id"], rows[0]["external_id"], rows[0]["trace_id"]) == (
        7,
        "cal-7",
        "t-1",
    )
    assert rows[0]["at"] == T0 and rows[0]["duration_ms"] == 35


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/none",
        "mysql+pymysql://root@127.0.0.1:1/none",
    ],
    ids=["postgresql", "mariadb"],
)
def test_an_unreachable_server_raises_database_unavailable(url: str) -> None:
    engine = make_engine(url, connect_args={"connect_timeout": 2})
    with pytest.raises(DatabaseUnavailable, match=r"127\.0\.0\.1:1"):
        Store(engine).now()
    engine.dispose()


def test_an_unopenable_sqlite_file_raises_database_unavailable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'calendar.db'}")
    with pytest.raises(DatabaseUnavailable, match="missing-dir"):
        Store(engine).claim(owner="w", now=datetime.now(UTC), lease_seconds=1, limit=1)
    engine.dispose()


def test_a_password_never_appears_in_the_error(tmp_path: Path) -> None:
    engine = make_engine("postgresql+psycopg://u:s3cret-pw@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable) as caught:
        Store(engine).now()
    assert "s3cret-pw" not in str(caught.value)
    engine.dispose()
