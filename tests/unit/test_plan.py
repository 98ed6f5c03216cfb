from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.rowfactory import NOW, make_row, wemeet_provider
from worker.domain.rows import MalformedJSON, MalformedTime, UnreadableColumn, UnreadableRow
from worker.sync.local_errors import CORE_ERRORS
from worker.sync.lost_create import SentCreate
from worker.sync.plan import (
    Cancel,
    Create,
    Reconcile,
    Reject,
    Settle,
    Update,
    plan,
    reject_unreadable,
    sent_create,
)

PROVIDERS = {"wemeet": wemeet_provider()}


def act(**overrides: object) -> object:
    row = make_row(**overrides)
    provider = PROVIDERS.get(row.provider if row.provider is not None else "wemeet")
    return plan(row, provider, known=tuple(PROVIDERS), now=NOW, max_attempts=5)


def test_new_row_is_created_with_its_content() -> None:
    action = act(subject="周会 🎉", invitees=["bob", {"userid": "carol"}])
    assert isinstance(action, Create)
    assert action.request.subject == "周会 🎉"
    assert action.request.invitees == ("bob", "carol")


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


SENT = SentCreate(
    revision=1,
    owner="alice",
    content={
        "subject": "Weekly sync",
        "start": int((NOW + timedelta(days=1)).timestamp()),
        "end": int((NOW + timedelta(days=1, hours=1)).timestamp()),
    },
)


def test_a_lost_create_is_looked_for_by_what_it_sent_after_an_edit() -> None:
    action = act(
        create_intent_at=NOW,
        create_intent_sent=SENT.to_json(),
        revision=2,
        subject="Renamed",
        start_time=NOW + timedelta(days=2),
        end_time=NOW + timedelta(days=2, hours=1),
    )
    assert isinstance(action, Reconcile)
    assert action.sent == SENT and action.edited
    assert action.request is not None and action.request.subject == "Renamed"


def test_a_lost_create_then_a_move_and_a_cancel_is_still_looked_for() -> None:
    # The moved row no longer validates (end before start), and it is cancelled: the
    # meeting the lost create made must still be found, to be cancelled.
    action = act(
        create_intent_at=NOW,
        create_intent_sent=SENT.to_json(),
        revision=3,
        status="cancelled",
        start_time=NOW + timedelta(days=3),
        end_time=NOW + timedelta(days=2),
    )
    assert action == Reconcile(SENT, request=None, rejection=None, edited=True)


def test_a_lost_create_then_an_edit_that_does_not_validate_keeps_the_rejection() -> None:
    action = act(create_intent_at=NOW, create_intent_sent=SENT.to_json(), revision=2, subject="")
    assert isinstance(action, Reconcile) and action.request is None
    assert action.rejection is not None and action.rejection.code == "local.subject_missing"


def test_an_intent_without_what_was_sent_falls_back_to_the_row_as_it_is() -> None:
    action = act(create_intent_at=NOW, revision=4)
    assert isinstance(action, Reconcile) and not action.edited
    assert action.sent == sent_create(PROVIDERS["wemeet"], action.request, 4)  # type: ignore[arg-type]
    assert isinstance(act(create_intent_at=NOW, status="cancelled", subject=""), Settle)


@pytest.mark.parametrize("column", ["provider", "status"])
def test_an_explicit_null_in_a_column_with_a_default_means_the_default(column: str) -> None:
    # An ORM that writes every attribute sends unset ones as NULLs, past the defaults.
    assert isinstance(act(**{column: None}), Create)
    edited = act(**{column: None}, meeting_id="123", revision=2, synced_revision=1)
    assert isinstance(edited, Update) and edited.meeting_id == "123"


def test_sync_after_that_is_not_a_time_fails_the_row() -> None:
    action = act(sync_after=MalformedTime("next tuesday"))
    assert isinstance(action, Reject) and action.code == "local.bad_sync_after"
    assert "next tuesday" in action.message


@pytest.mark.parametrize("meeting_id", ["", "123/456", "abc", "12 34"])
@pytest.mark.parametrize("status", ["scheduled", "cancelled"])
def test_a_meeting_id_that_is_not_an_id_fails_the_row_alone(meeting_id: str, status: str) -> None:
    action = act(meeting_id=meeting_id, status=status, revision=2, synced_revision=1)
    assert isinstance(action, Reject)
    assert action.code in ("local.meeting_id_missing", "local.bad_meeting_id")
    assert "NULL" in action.message


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

    assert action.code == "local.unreadable_value" and action.code in CORE_ERRORS
    start, subject = action.message.split(". ")
    assert start.startswith("start_time holds a value the database driver cannot read (")
    assert reason in start and start.endswith("write a time between years 1 and 9999 in UTC")
    assert subject == (
        "subject holds a value the database driver cannot read (bytes that are not valid "
        "UTF-8 text); write it again as UTF-8 text."
    )


def test_a_known_provider_not_configured_names_what_to_set() -> None:
    # A worker that serves TRTC rooms alone meets a Tencent Meeting row.
    hint = "provider 'wemeet' (Tencent Meeting) is not configured on this worker: set X"
    action = plan(make_row(), None, known=("trtc_room",), now=NOW, max_attempts=5, unserved=hint)
    assert isinstance(action, Reject) and action.code == "local.unknown_provider"
    assert action.message == f"{hint}; until then use one of ['trtc_room']."
