"""From a row to its TRTC room: the derived RoomId, the name's limit, the schedule rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.rowfactory import NOW, make_row
from worker.exceptions import InvalidMeeting
from worker.trtc.room import RoomSpec, check_room_id, room_from_row

START = NOW + timedelta(days=1)


def room(**overrides: object) -> RoomSpec:
    return room_from_row(make_row(provider="trtc_room", **overrides))


def test_the_room_carries_the_row() -> None:
    spec = room(invitees=["bob", "carol"])
    body = spec.create_body()
    info = body["RoomInfo"]
    assert isinstance(info, dict)
    assert info["RoomType"] == "Conference" and info["Owner_Account"] == "alice"
    assert info["RoomName"] == "Weekly sync" and info["RoomId"] == spec.room_id
    assert info["ScheduleStartTime"] == int(START.timestamp())
    assert info["ScheduleEndTime"] == int((START + timedelta(hours=1)).timestamp())
    assert body["ScheduleInviteeList_Account"] == ["bob", "carol"]
    check_room_id(spec.room_id)
    assert len(spec.room_id) <= 48


def test_the_room_id_is_stable_and_kept_by_a_rename() -> None:
    assert room().room_id == room().room_id
    assert room(subject="Renamed").room_id == room().room_id
    assert room(invitees=["b", "a"]).room_id == room(invitees=["a", "b"]).room_id


@pytest.mark.parametrize(
    "change",
    [
        {"start_time": START + timedelta(minutes=30)},
        {"end_time": START + timedelta(hours=2)},
        {"userid": "bob"},
        {"invitees": ["dave"]},
        {"external_id": "cal-2"},
    ],
)
def test_what_update_room_info_cannot_change_derives_another_room(
    change: dict[str, object],
) -> None:
    assert room(**change).room_id != room().room_id


def test_a_long_subject_is_cut_to_100_bytes_on_a_character_boundary_with_a_note() -> None:
    subject = "周" * 40  # 120 bytes
    spec = room(subject=subject)
    assert spec.name == "周" * 33 and len(spec.name.encode()) == 99
    assert spec.note is not None and "120 bytes" in spec.note
    assert room(subject="周" * 33).note is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"end_time": START + timedelta(minutes=4, seconds=59)}, "local.room_too_short"),
        ({"password": "1234"}, "local.room_password"),
        ({"recurring_rule": {"recurring_type": 0}}, "local.room_recurring"),
        ({"subject": " "}, "local.subject_missing"),
        ({"userid": None}, "local.userid_missing"),
        ({"invitees": "bob"}, "local.bad_invitees"),
        ({"start_time": None}, "local.time_missing"),
    ],
)
def test_a_row_no_room_can_hold_fails_with_its_code(change: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidMeeting) as refused:
        room(**change)
    assert refused.value.code == code


def test_five_minutes_is_enough() -> None:
    assert room(end_time=START + timedelta(minutes=5)).end == START + timedelta(minutes=5)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "local.meeting_id_missing"),
        ("a/b", "local.bad_room_id"),
        ("x" * 49, "local.bad_room_id"),
    ],
)
def test_a_stored_room_id_is_checked(value: str, code: str) -> None:
    with pytest.raises(InvalidMeeting) as refused:
        check_room_id(value)
    assert refused.value.code == code
