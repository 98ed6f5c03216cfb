from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.rowfactory import NOW, make_row
from worker.plan import Cancel, Create, Reconcile, Reject, Settle, Update, plan, reject_unreadable
from worker.rows import MalformedJSON, MalformedTime, UnreadableColumn, UnreadableRow
from worker.wemeet.local_errors import LOCAL_ERRORS


def act(**overrides: object) -> object:
    return plan(make_row(**overrides), now=NOW, max_attempts=5)


def test_new_row_is_created_with_its_content() -> None:
    action = act(subject="周会 🎉", invitees=["bob", {"userid": "carol"}])
    assert isinstance(action, Create)
    assert action.spec.subject == "周会 🎉"
    assert action.spec.invitees == ("bob", "carol")


def test_row_with_create_intent_but_no_id_is_reconciled_not_created_again() -> None:
    assert isinstance(act(create_intent_at=NOW - timedelta(minutes=1)), Reconcile)


def test_edited_row_with_a_meeting_is_updated() -> None:
    action = act(meeting_id="123", revision=3, synced_revision=2)
    assert isinstance(action, Update) and action.meeting_id == "123"


def test_row_already_at_its_synced_revision_needs_nothing() -> None:
    assert isinstance(act(meeting_id="123", revision=2, synced_revision=2), Settle)


def test_cancelled_row_with_a_meeting_is_cancelled_by_its_creator() -> None:
    action = act(status="cancelled", meeting_id="123")
    assert action == Cancel("123", "alice")


def test_cancelled_before_any_create_needs_nothing() -> None:
    assert isinstance(act(status="cancelled"), Settle)


def test_cancelled_after_a_possibly_lost_create_looks_for_the_meeting_first() -> None:
    assert isinstance(act(status="cancelled", create_intent_at=NOW), Reconcile)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"provider": "zoom"}, "local.unknown_provider"),
        ({"status": "tentative"}, "local.bad_status"),
        ({"userid": None}, "local.userid_missing"),
        ({"subject": None}, "local.subject_missing"),
        ({"start_time": None}, "local.time_missing"),
        ({"end_time": MalformedTime("tomorrow")}, "local.bad_time"),
        ({"invitees": MalformedJSON("[bob")}, "local.bad_json"),
        ({"invitees": "bob"}, "local.bad_invitees"),
        ({"hosts": [1, 2]}, "local.bad_hosts"),
        ({"settings": ["mute"]}, "local.bad_settings"),
        (
            {"start_time": NOW - timedelta(hours=2), "end_time": NOW - timedelta(hours=1)},
            "local.start_in_past",
        ),
        ({"attempts": 6, "error_code": "transport"}, "local.too_many_attempts"),
    ],
)
def test_bad_rows_are_rejected_with_a_code_and_an_actionable_message(
    overrides: dict[str, object], code: str
) -> None:
    action = act(**overrides)
    assert isinstance(action, Reject), action
    assert action.code == code
    assert len(action.message) > 20


def test_too_many_attempts_message_names_the_last_error() -> None:
    action = act(attempts=6, error_code="500", error_message="internal")
    assert isinstance(action, Reject)
    assert "500: internal" in action.message and "5 attempts" in action.message


@pytest.mark.parametrize(
    "backend,reason",
    [
        ("postgresql", "after year 9999, or an infinity"),
        ("mariadb", "a zero date"),
        ("mysql", "a zero date"),
        ("sqlite", "not valid UTF-8 text, or text that is not a time"),
    ],
)
def test_an_unreadable_row_fails_naming_each_column_and_what_to_write(
    backend: str, reason: str
) -> None:
    row = UnreadableRow(
        id=7,
        revision=3,
        columns=(UnreadableColumn("start_time", "time"), UnreadableColumn("subject", "text")),
        backend=backend,
    )

    action = reject_unreadable(row)

    assert action.code == "local.unreadable_value" and action.code in LOCAL_ERRORS
    start, subject = action.message.split(". ")
    assert start.startswith("start_time holds a value the database driver cannot read (")
    assert reason in start and start.endswith("write a time between years 1 and 9999 in UTC")
    assert subject == (
        "subject holds a value the database driver cannot read (bytes that are not valid "
        "UTF-8 text); write it again as UTF-8 text."
    )
