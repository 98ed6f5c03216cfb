"""What the API did not apply of a meeting, from its answer to the row: the parse, the
words for the admin, the column's bound, and the sandbox's judgement of who is a user."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox.registered import applied, named, unknown_people
from worker.store.meetings import NOT_APPLIED_LENGTH, not_applied_text
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo, parse_first_meeting
from worker.wemeet.not_applied import not_applied

SPEC = MeetingSpec(
    userid="alice",
    subject="Review",
    start=datetime(2030, 1, 1, 1, tzinfo=UTC),
    end=datetime(2030, 1, 1, 2, tzinfo=UTC),
    hosts=("bob@corp", "erin"),
    invitees=("dave", "erin"),
)


def answer(**item: object) -> MeetingInfo:
    return parse_first_meeting({"meeting_info_list": [{"meeting_id": "1", **item}]})


def test_the_answers_userids_are_read_each_once() -> None:
    info = answer(user_non_registered=["bob@corp", {"userid": "dave"}, "bob@corp"])
    assert info.user_non_registered == ("bob@corp", "dave")
    assert answer().user_non_registered == ()


def test_a_surprise_in_the_list_does_not_make_the_answer_malformed() -> None:
    # The meeting was made: an odd entry of an informative list is left out, not raised.
    assert answer(user_non_registered="bob").user_non_registered == ()
    assert answer(user_non_registered=[1, None, {"id": 2}, "", "ok"]).user_non_registered == ("ok",)


def test_each_userid_is_named_with_its_role_in_the_request() -> None:
    info = MeetingInfo("1", user_non_registered=("bob@corp", "dave", "erin", "zed"))
    assert not_applied(info, SPEC) == (
        "host bob@corp is not a registered user: not applied",
        "invitee dave is not a registered user: not applied",
        "host and invitee erin is not a registered user: not applied",
        "zed is not a registered user: not applied",
    )
    assert not_applied(info, None)[0] == "bob@corp is not a registered user: not applied"
    assert not_applied(MeetingInfo("1"), SPEC) == ()


def test_the_column_holds_whole_lines_within_its_length() -> None:
    assert not_applied_text([]) == ""
    assert not_applied_text(["a", "b"]) == "a; b"
    many = [f"invitee user{i:03} is not a registered user: not applied" for i in range(300)]
    text = not_applied_text(many)
    assert len(text) <= NOT_APPLIED_LENGTH
    kept = text.split("; ")
    assert kept[-1].startswith("and ") and kept[-1].endswith(" more")
    assert len(kept) - 1 + int(kept[-1].split()[1]) == 300
    assert kept[:-1] == many[: len(kept) - 1]


def test_the_sandbox_leaves_out_who_is_no_user_and_names_them() -> None:
    body = {
        "subject": "Review",
        "hosts": [{"userid": "bob"}],
        "invitees": [{"userid": "carol"}, {"userid": "dave"}, {"userid": "bob"}],
    }
    unknown = unknown_people(body, ("alice", "carol"))
    assert unknown == {"hosts": ["bob"], "invitees": ["dave", "bob"]}
    assert applied(body, unknown) == {
        "subject": "Review",
        "hosts": [],
        "invitees": [{"userid": "carol"}],
    }
    assert named(unknown) == ["bob", "dave"]
    # Without a user list everyone is known; a role not sent is not judged.
    assert unknown_people(body, None) == {"hosts": [], "invitees": []}
    assert unknown_people({"subject": "x"}, ("alice",)) == {}
