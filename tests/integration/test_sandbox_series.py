"""Recurring meetings in the sandbox over real HTTP: a series with its sub-meetings as get
and the list show them, cancelling the series or one occurrence, updates that keep, change
or drop the rule, and what the inspection API and the request log show of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender, error_of

NOW = 1_790_000_000  # an injected clock: 2026-09-21 in Shanghai
START = NOW + 3600
WEEK = 7 * 86400
WEEKLY = {"recurring_type": 2, "until_type": 1, "until_count": 4}


@pytest.fixture
def clock() -> list[float]:
    return [float(NOW)]


@pytest.fixture
def sender(sandbox_factory: Callable[..., SandboxServer], clock: list[float]) -> SignedSender:
    return SignedSender(sandbox_factory(clock=lambda: clock[0]))


def create(sender: SignedSender, **fields: Any) -> str:
    body: dict[str, Any] = {
        "userid": "alice",
        "instanceid": 1,
        "subject": "周会",
        "type": 0,
        "start_time": str(START),
        "end_time": str(START + 1800),
        "meeting_type": 1,
        "recurring_rule": WEEKLY,
        **fields,
    }
    response = sender.send("POST", "/v1/meetings", body)
    assert response.status_code == 200, response.text
    return str(response.json()["meeting_info_list"][0]["meeting_id"])


def get(sender: SignedSender, mid: str) -> dict[str, Any]:
    response = sender.send("GET", f"/v1/meetings/{mid}?userid=alice&instanceid=1")
    assert response.status_code == 200, response.text
    info: dict[str, Any] = response.json()["meeting_info_list"][0]
    return info


def update(sender: SignedSender, mid: str, **fields: Any) -> None:
    body = {"userid": "alice", "instanceid": 1, **fields}
    response = sender.send("PUT", f"/v1/meetings/{mid}", body)
    assert response.status_code == 200, response.text


def cancel(sender: SignedSender, mid: str, **fields: Any) -> Any:
    body = {"userid": "alice", "instanceid": 1, "reason_code": 1, **fields}
    return sender.send("POST", f"/v1/meetings/{mid}/cancel", body)


def listed(sender: SignedSender) -> list[dict[str, Any]]:
    response = sender.send("GET", "/v1/meetings?userid=alice&instanceid=1")
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["meeting_info_list"]
    return entries


def starts(info: dict[str, Any]) -> list[int]:
    return [int(s["start_time"]) for s in info["sub_meetings"]]


def test_get_shows_a_series_with_its_sub_meetings(sender: SignedSender) -> None:
    info = get(sender, create(sender))
    assert (info["meeting_type"], info["recurring_rule"]) == (1, WEEKLY)
    assert starts(info) == [START + n * WEEK for n in range(4)]
    assert info["sub_meetings"][0] == {
        "sub_meeting_id": str(START),
        "start_time": str(START),
        "end_time": str(START + 1800),
        "status": 0,
    }
    assert info["current_sub_meeting_id"] == str(START)
    assert (info["remain_sub_meetings"], info["has_more_sub_meeting"]) == (4, 0)
    assert (info["start_time"], info["status"]) == (str(START), "MEETING_STATE_INIT")


def test_a_normal_meeting_has_no_sub_meetings(sender: SignedSender) -> None:
    info = get(sender, create(sender, meeting_type=0, recurring_rule=None))
    assert info["meeting_type"] == 0
    assert "sub_meetings" not in info and "current_sub_meeting_id" not in info


def test_the_list_shows_a_series_once_at_its_current_occurrence(
    sender: SignedSender, clock: list[float]
) -> None:
    mid = create(sender)
    once = START + 3 * 86400
    later = create(
        sender, meeting_type=0, recurring_rule=None, start_time=str(once), end_time=str(once + 60)
    )
    assert [(m["meeting_id"], m["start_time"]) for m in listed(sender)] == [
        (mid, str(START)),
        (later, str(once)),
    ]
    clock[0] = START + 1800  # the first occurrence is over: the series moves on
    assert [(m["meeting_id"], m["start_time"]) for m in listed(sender)] == [
        (later, str(once)),
        (mid, str(START + WEEK)),
    ]
    page = sender.send("GET", f"/v1/meetings?userid=alice&instanceid=1&pos={START + WEEK}")
    assert [m["meeting_id"] for m in page.json()["meeting_info_list"]] == [mid]
    info = get(sender, mid)
    assert info["current_sub_meeting_id"] == str(START + WEEK)
    assert (info["start_time"], info["remain_sub_meetings"]) == (str(START + WEEK), 3)
    clock[0] = START + 3 * WEEK + 1800  # every occurrence is over
    assert get(sender, mid)["status"] == "MEETING_STATE_ENDED"
    assert [m["meeting_id"] for m in listed(sender)] == []


def test_meeting_type_1_cancels_the_whole_series(sender: SignedSender) -> None:
    mid = create(sender)
    response = cancel(sender, mid, meeting_type=1)
    assert (response.status_code, response.json()) == (200, {})
    assert get(sender, mid)["status"] == "MEETING_STATE_CANCELLED"
    assert listed(sender) == []
    (held,) = sender.server.meetings()
    assert held["cancelled"] and held["state"] == "MEETING_STATE_CANCELLED"


def test_a_cancel_without_meeting_type_1_takes_only_the_current_occurrence(
    sender: SignedSender,
) -> None:
    mid = create(sender)
    assert cancel(sender, mid).status_code == 200
    info = get(sender, mid)
    assert info["status"] == "MEETING_STATE_INIT"  # the series lives on
    assert [s["status"] for s in info["sub_meetings"]] == [1, 0, 0, 0]
    assert info["current_sub_meeting_id"] == str(START + WEEK)
    assert [m["start_time"] for m in listed(sender)] == [str(START + WEEK)]
    (held,) = sender.server.meetings()
    assert not held["cancelled"]


def test_sub_meeting_id_cancels_that_occurrence(sender: SignedSender) -> None:
    mid = create(sender)
    assert cancel(sender, mid, sub_meeting_id=str(START + 2 * WEEK)).status_code == 200
    info = get(sender, mid)
    assert [s["status"] for s in info["sub_meetings"]] == [0, 0, 1, 0]
    assert info["current_sub_meeting_id"] == str(START)
    assert error_of(cancel(sender, mid, sub_meeting_id=str(START + 2 * WEEK))) == (500, 9003)
    assert error_of(cancel(sender, mid, sub_meeting_id="42")) == (500, 9003)
    assert error_of(cancel(sender, mid, sub_meeting_id=7)) == (400, 190004)
    normal = create(sender, meeting_type=0, recurring_rule=None)
    assert error_of(cancel(sender, normal, sub_meeting_id=str(START))) == (400, 190004)
    assert error_of(cancel(sender, mid, meeting_type=2)) == (400, 190004)


def test_meeting_type_1_on_a_normal_meeting_cancels_it(sender: SignedSender) -> None:
    normal = create(sender, meeting_type=0, recurring_rule=None)
    assert cancel(sender, normal, meeting_type=1).status_code == 200
    assert get(sender, normal)["status"] == "MEETING_STATE_CANCELLED"


def test_an_update_that_keeps_meeting_type_1_keeps_the_series(sender: SignedSender) -> None:
    mid = create(sender)
    assert cancel(sender, mid, sub_meeting_id=str(START + WEEK)).status_code == 200
    update(sender, mid, meeting_type=1, subject="still weekly")
    info = get(sender, mid)
    assert (info["meeting_type"], info["subject"]) == (1, "still weekly")
    # Only the subject changed: the series and its deleted occurrence stay as they were.
    assert [s["status"] for s in info["sub_meetings"]] == [0, 1, 0, 0]


def test_a_new_rule_or_new_times_reschedule_the_whole_series(sender: SignedSender) -> None:
    mid = create(sender)
    daily = {"recurring_type": 0, "until_type": 1, "until_count": 3}
    update(sender, mid, meeting_type=1, recurring_rule=daily)
    info = get(sender, mid)
    assert info["recurring_rule"] == daily
    assert starts(info) == [START, START + 86400, START + 2 * 86400]

    moved = START + 7200
    update(sender, mid, meeting_type=1, start_time=str(moved), end_time=str(moved + 600))
    info = get(sender, mid)
    assert starts(info) == [moved, moved + 86400, moved + 2 * 86400]
    assert info["sub_meetings"][0]["end_time"] == str(moved + 600)
    assert info["recurring_rule"] == daily  # kept when an update does not send it


def test_a_series_becomes_a_normal_meeting_and_back_under_the_same_id(
    sender: SignedSender,
) -> None:
    mid = create(sender)
    update(sender, mid, meeting_type=0)
    info = get(sender, mid)
    assert info["meeting_type"] == 0 and "sub_meetings" not in info
    assert "recurring_rule" not in info
    body = {"userid": "alice", "instanceid": 1, "meeting_type": 1}
    error = sender.send("PUT", f"/v1/meetings/{mid}", body)
    assert error_of(error) == (400, 190004)  # a series needs its rule again
    update(sender, mid, meeting_type=1, recurring_rule=WEEKLY)
    info = get(sender, mid)
    assert (info["meeting_id"], info["meeting_type"]) == (mid, 1)
    assert starts(info) == [START + n * WEEK for n in range(4)]


def test_inspection_and_the_request_log_show_the_series_and_what_a_cancel_asked(
    sender: SignedSender,
) -> None:
    mid = create(sender, password="1234")
    cancel(sender, mid, meeting_type=1)
    (held,) = sender.server.meetings()
    assert (held["meeting_type"], held["recurring_rule"]) == (1, WEEKLY)
    assert len(held["sub_meetings"]) == 4 and held["start_time"] == START
    created, cancelled = sender.server.requests_log()
    assert (created["meeting_id"], created["sent"]) == (
        None,
        {"meeting_type": 1, "recurring_rule": WEEKLY},
    )
    assert (cancelled["endpoint"], cancelled["meeting_id"]) == ("cancel", mid)
    assert cancelled["sent"] == {"meeting_type": 1}
    assert "1234" not in repr(sender.server.requests_log())  # no password in the log
    # Entries are copies: changing one changes nothing the sandbox holds.
    created["sent"]["recurring_rule"]["until_count"] = 99
    assert sender.server.requests_log()[0]["sent"]["recurring_rule"] == WEEKLY
