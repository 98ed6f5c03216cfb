"""Values the database driver cannot read: each fails its own row, and only that row.

A calendar can store what the worker's driver cannot turn into a Python value: on PostgreSQL
a timestamptz of 'infinity', of year 10000 or before year 1; on SQLite and MariaDB text that
is not UTF-8; on MariaDB a zero date in a worker's time column. Such a row ends `failed` with
`local.unreadable_value` and a message naming the column; every other row of the pass syncs,
`once` exits 0, the daemon never loops on `pass_crashed`, and no value of that row (its
password least of all) reaches a log line.

The poison is written with plain SQL, as a calendar application would write it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import DBAPIError

from models import meetings_table
from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY, T0, insert_meeting, read_meeting
from tests.integration.syncenv import (
    cli_env,
    insert,
    make_pass,
    meeting_sync,
    start_daemon,
    wait_for,
    worker_config,
)
from worker.domain.rows import MeetingRow
from worker.store.meetings import Store

c = meetings_table.c
# Distinctive, so that a search of the output for them cannot match anything else.
SUBJECT = "Poison-subject-4471"
PASSWORD = "Zq7-secret-pass-991"
GOOD_ROWS = 20
DEBUG = {"MEETING_SYNC_WORKER_LOG_LEVEL": "DEBUG"}


def sqlite_not_utf8(prefix: str) -> str:
    # ED A0 80 would be U+D800, a surrogate: no UTF-8 decoder accepts it.
    return f"CAST(X'{prefix.encode().hex()}EDA080' AS TEXT)"


def mariadb_not_utf8(prefix: str) -> str:
    # MariaDB stores a hex literal's bytes in a utf8mb4 column unchecked, even in strict mode.
    return f"X'{prefix.encode().hex()}EDA080'"


PG = pytest.mark.postgresql
MARIADB = pytest.mark.mariadb
# (backend, column, the SQL value that poisons it)
POISON = [
    pytest.param("postgresql", "start_time", "'infinity'", id="pg-start-infinity", marks=PG),
    pytest.param("postgresql", "start_time", "'10000-01-01'", id="pg-start-year-10000", marks=PG),
    pytest.param("postgresql", "start_time", "'0044-03-15 BC'", id="pg-start-bc", marks=PG),
    pytest.param("postgresql", "sync_after", "'-infinity'", id="pg-sync-after-infinity", marks=PG),
    pytest.param("postgresql", "end_time", "'-infinity'", id="pg-end-infinity", marks=PG),
    pytest.param(
        "postgresql", "next_attempt_at", "'-infinity'", id="pg-next-attempt-infinity", marks=PG
    ),
    pytest.param("postgresql", "created_at", "'10000-01-01'", id="pg-created-at", marks=PG),
    pytest.param("sqlite", "subject", sqlite_not_utf8(SUBJECT), id="sqlite-subject"),
    pytest.param("sqlite", "password", sqlite_not_utf8(PASSWORD), id="sqlite-password"),
    pytest.param("sqlite", "location", sqlite_not_utf8("Room"), id="sqlite-location"),
    pytest.param("sqlite", "hosts", sqlite_not_utf8('["al'), id="sqlite-hosts-json"),
    pytest.param("sqlite", "start_time", sqlite_not_utf8("2030-01-08"), id="sqlite-start"),
    pytest.param("sqlite", "revision", sqlite_not_utf8("1"), id="sqlite-revision"),
    pytest.param(
        "mariadb", "subject", mariadb_not_utf8(SUBJECT), id="mariadb-subject", marks=MARIADB
    ),
    pytest.param(
        "mariadb", "password", mariadb_not_utf8(PASSWORD), id="mariadb-password", marks=MARIADB
    ),
    pytest.param(
        "mariadb",
        "settings",
        f"CONCAT('{{\"a\": \"', {mariadb_not_utf8('x')}, '\"}}')",
        id="mariadb-settings-json",
        marks=MARIADB,
    ),
    pytest.param(
        "mariadb",
        "next_attempt_at",
        "'0000-00-00 00:00:00'",
        id="mariadb-next-attempt-zero-date",
        marks=MARIADB,
    ),
    pytest.param(
        "mariadb", "synced_at", "'0000-00-00 00:00:00'", id="mariadb-synced-at-zero", marks=MARIADB
    ),
]
# One of each kind for the end-to-end runs: the issue's own two examples.
PG_INFINITY = pytest.param(
    "postgresql", "start_time", "'infinity'", id="pg-start-infinity", marks=PG
)
SQLITE_SUBJECT = pytest.param("sqlite", "subject", sqlite_not_utf8(SUBJECT), id="sqlite-subject")


@dataclass(frozen=True)
class State:
    sync_state: str
    error_code: str | None
    error_message: str | None
    meeting_id: str | None
    lease_owner: str | None


def states(engine: Engine) -> dict[str, State]:
    """The worker's columns of every row: readable whatever the calendar's columns hold."""
    query = select(
        c.external_id, c.sync_state, c.error_code, c.error_message, c.meeting_id, c.lease_owner
    )
    with engine.connect() as db:
        return {r.external_id: State(*r[1:]) for r in db.execute(query)}


def poison(engine: Engine, column: str, value: str) -> None:
    """Write ``value`` (SQL) into the row 'poison', as a calendar's own SQL would."""
    with engine.begin() as db:
        if db.dialect.name in ("mysql", "mariadb"):
            # A calendar whose server allows zero dates: MariaDB's default mode does, MySQL's
            # does not.
            db.exec_driver_sql(
                "SET SESSION sql_mode = "
                "REPLACE(REPLACE(@@sql_mode, 'NO_ZERO_IN_DATE', ''), 'NO_ZERO_DATE', '')"
            )
        # Not text(): a time such as '00:00:00' would read as bind parameters.
        db.exec_driver_sql(f"UPDATE meetings SET {column} = {value} WHERE external_id = 'poison'")


def seed(engine: Engine, good: int, column: str, value: str) -> None:
    for i in range(good):
        insert(engine, f"good-{i}", f"Good {i}")
    insert(engine, "poison", SUBJECT, password=PASSWORD)
    poison(engine, column, value)


def assert_no_value_of_the_poison_row(text: str, where: str) -> None:
    assert PASSWORD not in text, f"the poison row's password reached {where}"
    assert SUBJECT not in text, f"the poison row's subject reached {where}"


def assert_failed_alone(engine: Engine, column: str, good: int) -> None:
    table = states(engine)
    bad = table.pop("poison")
    assert (bad.sync_state, bad.error_code) == ("failed", "local.unreadable_value"), bad
    assert bad.lease_owner is None
    assert bad.error_message is not None
    assert bad.error_message.startswith(
        f"{column} holds a value the database driver cannot read ("
    ), bad.error_message
    assert bad.error_message.endswith("."), bad.error_message
    assert_no_value_of_the_poison_row(bad.error_message, "the row's error message")
    assert len(table) == good
    assert {s.sync_state for s in table.values()} == {"synced"}, table
    assert all(s.meeting_id for s in table.values())


@pytest.mark.parametrize("db_url,column,value", POISON, indirect=["db_url"])
def test_a_value_the_driver_cannot_read_fails_its_row_alone(
    engine: Engine,
    migrated_url: str,
    sandbox: SandboxServer,
    caplog: pytest.LogCaptureFixture,
    column: str,
    value: str,
) -> None:
    seed(engine, 3, column, value)
    caplog.set_level(logging.DEBUG)

    report = make_pass(worker_config(migrated_url, sandbox), engine).run()

    assert_failed_alone(engine, column, good=3)
    assert report.counts == {"claimed": 4, "created": 3, "failed": 1}
    assert len(sandbox.meetings()) == 3  # nothing was sent for the poison row
    assert_no_value_of_the_poison_row(caplog.text, "the log")


@pytest.mark.parametrize(
    "db_url,column,value",
    [
        pytest.param("postgresql", "start_time", "'infinity'", id="postgresql", marks=PG),
        pytest.param("sqlite", "password", sqlite_not_utf8(PASSWORD), id="sqlite"),
        pytest.param("mariadb", "subject", mariadb_not_utf8(SUBJECT), id="mariadb", marks=MARIADB),
    ],
    indirect=["db_url"],
)
def test_the_claim_hands_out_an_unreadable_row_with_no_value_of_it(
    engine: Engine, store: Store, column: str, value: str
) -> None:
    good = [insert_meeting(engine, f"good-{i}") for i in range(2)]
    bad_id = insert_meeting(engine, "poison", subject=SUBJECT, password=PASSWORD)
    poison(engine, column, value)
    with engine.connect() as db:
        revision = db.scalar(select(c.revision).where(c.id == bad_id))

    claimed = store.claim(owner="w", now=T0, lease_seconds=60, limit=10)

    by_id = {r.id: r for r in claimed}
    assert set(by_id) == {*good, bad_id}
    for row_id in good:  # its neighbours are read in full, as in any claim
        assert by_id[row_id] == read_meeting(engine, row_id)
    bad = by_id[bad_id]
    assert not isinstance(bad, MeetingRow)
    assert [col.name for col in bad.columns] == [column]
    assert bad.revision == revision
    assert_no_value_of_the_poison_row(f"{bad} {bad!r}", "the unreadable row")
    assert states(engine)["poison"].lease_owner == "w"  # leased like the rest, to fail it


@pytest.mark.parametrize("db_url", [pytest.param("postgresql", marks=PG)], indirect=True)
def test_a_database_fault_while_reading_one_by_one_is_raised_not_blamed_on_a_value(
    engine: Engine, store: Store
) -> None:
    insert_meeting(engine, "good")
    insert_meeting(engine, "poison", subject=SUBJECT, password=PASSWORD)
    poison(engine, "start_time", "'infinity'")

    @event.listens_for(engine, "before_cursor_execute")
    def abort_the_transaction(conn: Any, cursor: Any, statement: str, *args: object) -> None:
        # Once the batch read has failed and the rows are read one by one, the server aborts
        # the claim's transaction: from then on every statement fails, whatever it reads.
        if statement.startswith("SELECT") and "WHERE meetings.id = %(" in statement:
            with contextlib.suppress(Exception):
                conn.connection.dbapi_connection.execute("SELECT 1 / 0")

    with pytest.raises(DBAPIError) as raised:
        store.claim(owner="w", now=T0, lease_seconds=60, limit=10)

    assert "current transaction is aborted" in str(raised.value)
    chain: list[BaseException] = []
    error: BaseException | None = raised.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    # Not the batch read's error either: psycopg's quotes the value it could not read.
    assert not any("infinity" in str(e) or SUBJECT in str(e) for e in chain), chain
    table = states(engine)  # the claim rolled back: nothing leased, nothing failed
    assert {(s.sync_state, s.lease_owner) for s in table.values()} == {("pending", None)}


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_a_claim_of_readable_rows_is_one_claim_and_one_read_whatever_the_batch(
    engine: Engine, store: Store
) -> None:
    # The defence costs nothing per row: the claim takes ids, one SELECT reads the batch.
    for i in range(12):
        insert_meeting(engine, f"row-{i}")
    statements: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    one = store.claim(owner="w", now=T0, lease_seconds=60, limit=1)
    per_single = len(statements)
    statements.clear()
    many = store.claim(owner="w", now=T0, lease_seconds=60, limit=10)

    assert (len(one), len(many)) == (1, 10)
    assert len(statements) == per_single
    # PostgreSQL: UPDATE … RETURNING id, then the read. SQLite selects the ids first, then
    # updates them. MariaDB selects the cancellations, then the rest (each in order off its
    # own index), then updates them (no UPDATE … RETURNING there).
    assert len(statements) == {"postgresql": 2, "sqlite": 3}.get(engine.dialect.name, 4)


@pytest.mark.parametrize("db_url,column,value", [PG_INFINITY, SQLITE_SUBJECT], indirect=["db_url"])
def test_a_poison_row_beside_20_good_rows_20_synced_1_failed_alone_exit_0(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, column: str, value: str
) -> None:
    seed(engine, GOOD_ROWS, column, value)

    done = meeting_sync(["once"], cli_env(worker_config(migrated_url, sandbox), DEBUG))

    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["created"], summary["failed"]) == (GOOD_ROWS, 1), summary
    assert_failed_alone(engine, column, good=GOOD_ROWS)
    assert "DEBUG" in done.stderr  # the search below is over a full log
    assert "Traceback" not in done.stderr
    assert_no_value_of_the_poison_row(done.stdout + done.stderr, "the output of once")


@pytest.mark.parametrize("db_url,column,value", [PG_INFINITY, SQLITE_SUBJECT], indirect=["db_url"])
def test_the_same_under_run_no_pass_crashed_loop(
    engine: Engine,
    migrated_url: str,
    sandbox: SandboxServer,
    tmp_path: Path,
    column: str,
    value: str,
) -> None:
    seed(engine, GOOD_ROWS, column, value)
    env = cli_env(
        worker_config(migrated_url, sandbox),
        {**DEBUG, "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2"},
    )
    log_path = tmp_path / "daemon.log"

    def settled() -> bool:
        table = states(engine)
        return table["poison"].sync_state == "failed" and all(
            s.sync_state == "synced" for k, s in table.items() if k != "poison"
        )

    with log_path.open("w") as log:
        daemon = start_daemon(env, log)
        try:
            wait_for(settled, "20 rows synced and the poison row failed")
            # Passes go on after it; a crash would show in any of them.
            passes_then = passes(log_path)
            wait_for(lambda: passes(log_path) >= passes_then + 5, "five more passes")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
    output = log_path.read_text()

    assert daemon.returncode == 0, output[-3000:]
    assert "daemon_stopped" in output
    assert "pass_crashed" not in output and "Traceback" not in output, output[-3000:]
    assert_failed_alone(engine, column, good=GOOD_ROWS)
    assert_no_value_of_the_poison_row(output, "the daemon's log")


def passes(log_path: Path) -> int:
    """Passes the daemon has finished, by the scheduler's INFO line for each tick."""
    lines = log_path.read_text().splitlines()
    return sum("Daemon.tick" in line and "executed successfully" in line for line in lines)


@SQLITE_ONLY
def test_the_poison_rows_password_reaches_no_log_line(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # SQLite's driver names the text it cannot decode in its error: here the password.
    seed(engine, 2, "password", sqlite_not_utf8(PASSWORD))

    done = meeting_sync(["once"], cli_env(worker_config(migrated_url, sandbox), DEBUG))

    assert PASSWORD not in done.stdout + done.stderr, "the password reached the log"
    assert done.returncode == 0, done.stderr[-3000:]
    assert_failed_alone(engine, "password", good=2)
