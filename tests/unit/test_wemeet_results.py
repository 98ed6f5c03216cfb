from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from worker.wemeet.meetings_read import (
    MalformedResponse,
    MeetingInfo,
    MeetingPage,
    parse_first_meeting,
    parse_meeting,
    parse_page,
)

CREATED = {
    "meeting_number": 1,
    "meeting_info_list": [
        {
            "subject": "周会 🚀",
            "meeting_id": "7567173273889276131",
            "meeting_code": "806146667",
            "join_url": "https://meeting.tencent.com/s/abc",
            "start_time": "1700003600",
            "end_time": "1700007200",
            "user_non_registered": [],
        }
    ],
}


def test_a_create_answer() -> None:
    assert parse_first_meeting(CREATED) == MeetingInfo(
        meeting_id="7567173273889276131",
        meeting_code="806146667",
        join_url="https://meeting.tencent.com/s/abc",
        subject="周会 🚀",
        start_time=datetime(2023, 11, 14, 23, 13, 20, tzinfo=UTC),
        end_time=datetime(2023, 11, 15, 0, 13, 20, tzinfo=UTC),
    )


def test_numbers_where_text_is_documented_are_accepted() -> None:
    info = parse_meeting({"meeting_id": 75671, "meeting_code": 806146667, "start_time": 1700003600})
    assert (info.meeting_id, info.meeting_code) == ("75671", "806146667")
    assert info.start_time == datetime.fromtimestamp(1700003600, UTC)


def test_status_and_creator() -> None:
    info = parse_meeting({"meeting_id": "1", "status": "MEETING_STATE_CANCELLED",
                          "creator_userid": "alice"})  # fmt: skip
    assert (info.status, info.creator_userid) == ("MEETING_STATE_CANCELLED", "alice")
    by_role = parse_meeting(
        {"meeting_id": "1", "join_meeting_role": "creator"}, queried_userid="bob"
    )
    assert by_role.creator_userid == "bob"
    invited = parse_meeting({"meeting_id": "1", "join_meeting_role": "invitee"}, queried_userid="b")
    assert invited.creator_userid is None


def test_an_update_answer_without_meeting_id_keeps_the_known_one() -> None:
    doc = {"meeting_info_list": [{"meeting_code": "123456789"}]}
    assert parse_first_meeting(doc, meeting_id="m1") == MeetingInfo("m1", "123456789")


def test_a_list_page() -> None:
    doc = {
        "meeting_number": 2,
        "remaining": 3,
        "next_pos": 1700003600,
        "next_cursory": 1700000000123,
        "meeting_info_list": [{"meeting_id": "a"}, {"meeting_id": "b"}],
    }
    assert parse_page(doc, userid="u") == MeetingPage(
        meetings=(MeetingInfo("a"), MeetingInfo("b")),
        remaining=3,
        next_pos=1700003600,
        next_cursory=1700000000123,
    )


def test_an_empty_list_page() -> None:
    assert parse_page({"meeting_number": 0}, userid="u") == MeetingPage((), 0)


@pytest.mark.parametrize(
    "doc,complaint",
    [
        ([], "not a JSON object"),
        ({}, "no meeting_info_list"),
        ({"meeting_info_list": []}, "no meeting_info_list entry"),
        ({"meeting_info_list": ["x"]}, "not a JSON object"),
        ({"meeting_info_list": [{"subject": "s"}]}, "no meeting_id"),
        ({"meeting_info_list": [{"meeting_id": "1", "start_time": "soon"}]}, "not a whole number"),
        ({"meeting_info_list": [{"meeting_id": "1", "end_time": 10**20}]}, "not a usable time"),
        ({"meeting_info_list": [{"meeting_id": ["1"]}]}, "not text"),
        ({"meeting_info_list": [{"meeting_id": True}]}, "not text"),
    ],
)
def test_malformed_meeting_answers_say_what_is_off(doc: Any, complaint: str) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_first_meeting(doc)
    assert complaint in str(caught.value)


@pytest.mark.parametrize(
    "doc,complaint",
    [
        ({"meeting_info_list": {"meeting_id": "a"}}, "not a list"),
        ({"remaining": "many"}, "not a whole number"),
        ({"remaining": -1}, "negative"),
        ({"remaining": True}, "boolean"),
    ],
)
def test_malformed_pages(doc: Any, complaint: str) -> None:
    with pytest.raises(MalformedResponse) as caught:
        parse_page(doc, userid="u")
    assert complaint in str(caught.value)
