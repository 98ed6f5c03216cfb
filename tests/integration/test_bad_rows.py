"""The bad-input catalogue: each malformed row fails alone, with a code and a message a
calendar administrator can act on, and every other row of the same pass still syncs.

Rows are written with plain SQL, as a calendar application would write them. What is caught
before sending carries a documented ``local.*`` code and costs no request; what only the API
can judge carries the API's code and message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import SOON, insert, make_pass, rows, worker_config
from worker.wemeet.local_errors import EVERY_LOCAL_ERROR as LOCAL_ERRORS

PAST = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
GOOD = ("good-1", "good-2", "good-3")


def later(hours: float) -> datetime:
    return SOON + timedelta(hours=hours)


# (case id, columns of the bad row, expected error_code, a word the message must contain)
CATALOGUE: list[tuple[str, dict[str, Any], str, str]] = [
    ("empty subject", {"subject": ""}, "local.subject_missing", "subject"),
    ("no subject", {"subject": None}, "local.subject_missing", "subject"),
    ("subject over 512 bytes", {"subject": "会" * 171}, "local.subject_too_long", "512"),
    (
        "end before start",
        {"end_time": SOON - timedelta(hours=1)},
        "local.end_not_after_start",
        "end_time",
    ),
    ("end equal to start", {"end_time": SOON}, "local.end_not_after_start", "end_time"),
    (
        "start in the past",
        {"start_time": PAST, "end_time": PAST + timedelta(hours=1)},
        "local.start_in_past",
        "past",
    ),
    ("no start time", {"start_time": None}, "local.time_missing", "start_time"),
    ("time that is not a time", {"start_time": "next tuesday"}, "local.bad_time", "start_time"),
    ("unknown time zone", {"time_zone": "Mars/Olympus_Mons"}, "local.bad_time_zone", "time_zone"),
    ("invitees not a list", {"invitees": json.dumps("bob")}, "local.bad_invitees", "invitees"),
    (
        "more than 300 invitees",
        {"invitees": json.dumps([f"u{i}" for i in range(301)])},
        "local.too_many_invitees",
        "300",
    ),
    ("hosts not userids", {"hosts": json.dumps([1, 2])}, "local.bad_hosts", "hosts"),
    ("settings not JSON", {"settings": "{mute: yes"}, "local.bad_json", "settings"),
    (
        "settings of the wrong type",
        {"settings": json.dumps({"mute_enable_join": "yes"})},
        "local.bad_settings",
        "settings",
    ),
    ("recurring rule not JSON", {"recurring_rule": "[1,"}, "local.bad_json", "recurring_rule"),
    (
        "recurring type out of range",
        {"recurring_rule": json.dumps({"recurring_type": 9})},
        "local.bad_recurring_rule",
        "recurring_rule",
    ),
    ("password of letters", {"password": "abcd"}, "local.bad_password", "password"),
    ("password too short", {"password": "123"}, "local.bad_password", "password"),
    ("password too long", {"password": "1234567"}, "local.bad_password", "password"),
    ("location too long", {"location": "会" * 19}, "local.location_too_long", "location"),
    ("no userid", {"userid": None}, "local.userid_missing", "userid"),
    ("unknown provider", {"provider": "zoom"}, "local.unknown_provider", "provider"),
    ("unknown status", {"status": "tentative"}, "local.bad_status", "status"),
    (
        "control character in the subject",
        {"subject": "Standup \x1b[31m"},
        "local.control_character",
        "U+001B",
    ),
    ("sync_after that is not a time", {"sync_after": "soon"}, "local.bad_sync_after", "soon"),
    # meeting_id is the worker's column, but nothing stops anyone from writing it.
    ("empty meeting id", {"meeting_id": ""}, "local.meeting_id_missing", "meeting_id"),
    ("meeting id with a slash", {"meeting_id": "123/456"}, "local.bad_meeting_id", "123/456"),
    (
        "create intent the worker did not write",
        {
            "create_intent_at": SOON - timedelta(days=1),
            "create_intent_sent": json.dumps({"revision": 1, "owner": "alice", "content": {}}),
        },
        "local.bad_create_intent",
        "create_intent_sent",
    ),
    ("unknown user", {"userid": "stranger"}, "20001", "'stranger'"),
    ("sensitive word", {"subject": "敏感词 briefing"}, "9093", ""),
]


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(users=("alice", "bob"))


def seed(engine: Engine, bad_rows: list[tuple[str, dict[str, Any]]]) -> None:
    insert(engine, GOOD[0], "Standup 站会", start_time=later(1), end_time=later(2))
    for external_id, columns in bad_rows:
        insert(engine, external_id, columns.pop("subject", "Bad row"), **columns)
    insert(engine, GOOD[1], "Retro 🚀", userid="bob", start_time=later(3), end_time=later(4))
    insert(engine, GOOD[2], "Planning", password="1234", start_time=later(5), end_time=later(6))


def assert_good_rows_synced(engine: Engine, server: SandboxServer) -> None:
    made = {m["subject"]: m["meeting_id"] for m in server.meetings()}
    for external_id in GOOD:
        row = rows(engine)[external_id]
        assert row.sync_state == "synced", (external_id, row.error_code, row.error_message)
        assert row.meeting_id == made[row.subject or ""]


def assert_actionable(code: str, message: str | None, word: str) -> None:
    assert message, "a failed row must say why"
    assert "Traceback" not in message and "Error(" not in message, message
    assert word in message, message
    if code.startswith("local."):
        assert code in LOCAL_ERRORS, f"{code} is not documented"
        # It ends with what to change, not with what went wrong inside the worker.
        assert message.rstrip().endswith((".", ")")), message


@SQLITE_ONLY
@pytest.mark.parametrize(
    "columns,code,word", [c[1:] for c in CATALOGUE], ids=[c[0] for c in CATALOGUE]
)
def test_a_malformed_row_fails_alone_with_an_actionable_error(
    engine: Engine,
    migrated_url: str,
    server: SandboxServer,
    columns: dict[str, Any],
    code: str,
    word: str,
) -> None:
    seed(engine, [("bad", dict(columns))])

    report = make_pass(worker_config(migrated_url, server), engine).run()

    bad = rows(engine)["bad"]
    assert (bad.sync_state, bad.error_code) == ("failed", code), bad.error_message
    assert_actionable(code, bad.error_message, word)
    assert report.counts["failed"] == 1
    assert not report.circuit_open, "one row's fault must not stop the worker"
    assert_good_rows_synced(engine, server)
    create_calls = server.stats()["by_endpoint"]["create"]["total"]
    # Caught before sending: no request for the bad row; the API's own refusals cost one.
    assert create_calls == len(GOOD) + (0 if code.startswith("local.") else 1)


def test_the_catalogue_is_at_least_twenty_rows_and_covers_the_local_codes() -> None:
    assert len(CATALOGUE) >= 20
    local = {code for _, _, code, _ in CATALOGUE if code.startswith("local.")}
    # Codes no plain INSERT can produce: attempts exhausted, the API's own id missing,
    # surrogates and non-JSON values (only a driver could write them), a naive time (every
    # backend's column stores UTC), a non-text column value.
    unreachable_by_insert = {
        "local.too_many_attempts",
        "local.not_utf8",
        "local.not_json",
        "local.naive_time",
        "local.bad_type",
    }
    # Reached by plain SQL, but not through bound parameters (what a driver cannot read, it
    # cannot write either): tests/integration/test_poison_rows.py.
    values_no_driver_can_read = {"local.unreadable_value"}
    assert local | unreachable_by_insert | values_no_driver_can_read == set(LOCAL_ERRORS)


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_the_whole_catalogue_in_one_pass_on_a_server_database(
    engine: Engine, migrated_url: str, server: SandboxServer
) -> None:
    # A server database refuses what its column types cannot hold (a time that is not a
    # time, text that is not JSON); every other case goes in together, judged in one pass.
    refused_by_the_column = {"local.bad_time", "local.bad_json", "local.bad_sync_after"}
    insertable = [c for c in CATALOGUE if c[2] not in refused_by_the_column]
    seed(engine, [(f"bad-{i}", dict(c[1])) for i, c in enumerate(insertable)])

    report = make_pass(worker_config(migrated_url, server), engine).run()

    assert report.counts["failed"] == len(insertable)
    by_id = rows(engine)
    for i, (case, _, code, word) in enumerate(insertable):
        bad = by_id[f"bad-{i}"]
        assert (bad.sync_state, bad.error_code) == ("failed", code), (case, bad.error_message)
        assert_actionable(code, bad.error_message, word)
    assert_good_rows_synced(engine, server)


@SQLITE_ONLY
def test_a_nul_in_the_subject_is_refused_before_sending(
    engine: Engine, migrated_url: str, server: SandboxServer
) -> None:
    # SQLite stores a NUL inside text (PostgreSQL refuses it at INSERT).
    seed(engine, [("bad", {"subject": "Board\x00meeting"})])
    make_pass(worker_config(migrated_url, server), engine).run()
    bad = rows(engine)["bad"]
    assert (bad.sync_state, bad.error_code) == ("failed", "local.control_character")
    assert "U+0000" in (bad.error_message or "")
    assert_good_rows_synced(engine, server)


@pytest.mark.parametrize("column", ["provider", "status"])
def test_an_explicit_null_where_the_column_has_a_default_syncs_as_the_default(
    engine: Engine, migrated_url: str, server: SandboxServer, column: str
) -> None:
    # An ORM that writes every attribute sends NULL for the unset ones, past the defaults.
    seed(engine, [("nulls", {column: None, "subject": "Written by an ORM"})])
    make_pass(worker_config(migrated_url, server), engine).run()
    row = rows(engine)["nulls"]
    assert (row.sync_state, row.error_code) == ("synced", None)
    assert row.meeting_id in {m["meeting_id"] for m in server.meetings()}
    assert_good_rows_synced(engine, server)
