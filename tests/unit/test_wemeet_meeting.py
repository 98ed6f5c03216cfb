from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from worker.exceptions import InvalidMeeting
from worker.wemeet.clearing import clearing_forms, note
from worker.wemeet.local_errors import EVERY_LOCAL_ERROR as LOCAL_ERRORS
from worker.wemeet.meeting import (
    MeetingSpec,
    cancel_body,
    create_body,
    encode_body,
    update_body,
)
from worker.wemeet.settings import DEFAULTS
from worker.wemeet.signing import sign

START = datetime.fromtimestamp(1700003600, UTC)
END = datetime.fromtimestamp(1700007200, UTC)
TV2_BODY = (
    '{"end_time":"1700007200","instanceid":1,"start_time":"1700003600",'
    '"subject":"周会","type":0,"userid":"tester1"}'
).encode()
TV2 = "MzFhNGJmZjAyOTZiM2Y1MmNmNWEzNzIzNmU1ZThlMThkZWFhMjkxZmIwYTNmZDNlMGE1MWU5ZTk4ODZiOTY5Yw=="


def spec(**changes: Any) -> MeetingSpec:
    values: dict[str, Any] = {"userid": "tester1", "subject": "周会", "start": START, "end": END}
    values.update(changes)
    return MeetingSpec.from_values(**values)


def test_create_body_bytes_are_what_the_official_sdk_sends() -> None:
    body = encode_body(create_body(spec()))
    assert body == TV2_BODY
    signature = sign(
        "POST", "/v1/meetings", body, secret_id="TestSecretId", secret_key="TestSecretKey",
        nonce=1234567890, timestamp=1700000000,
    )  # fmt: skip
    assert signature == TV2


def test_encode_body_is_compact_sorted_utf8() -> None:
    assert encode_body({"b": "会 😀", "a": [1, {"z": True}]}) == (
        '{"a":[1,{"z":true}],"b":"会 😀"}'.encode()
    )


@pytest.mark.parametrize(
    "value,code",
    [({"s": "\ud800"}, "local.not_utf8"), ({"x": float("nan")}, "local.not_json"),
     ({"x": object()}, "local.not_json")],
)  # fmt: skip
def test_encode_body_refuses_what_cannot_be_sent(value: object, code: str) -> None:
    with pytest.raises(InvalidMeeting) as caught:
        encode_body(value)
    assert caught.value.code == code


def test_optional_fields_appear_in_the_create_body() -> None:
    full = spec(
        password="1234", time_zone="Asia/Shanghai", location="三楼 Room 3",
        hosts=["alice"], invitees=[{"userid": "bob"}, "carol"],
        settings={"mute_enable_join": True, "only_user_join_type": 2},
    )  # fmt: skip
    body = json.loads(encode_body(create_body(full)))
    assert body["password"] == "1234"
    assert body["time_zone"] == "Asia/Shanghai"
    assert body["location"] == "三楼 Room 3"
    assert body["hosts"] == [{"userid": "alice"}]
    assert body["invitees"] == [{"userid": "bob"}, {"userid": "carol"}]
    assert body["settings"] == {"mute_enable_join": True, "only_user_join_type": 2}
    assert "meeting_type" not in body


def test_a_recurring_meeting_keeps_meeting_type_1_on_create_and_update() -> None:
    rule = {"recurring_type": 2, "until_type": 1, "until_count": 5}
    recurring = spec(recurring_rule=rule)
    assert recurring.meeting_type == 1
    for body in (create_body(recurring), update_body(recurring)):
        assert body["meeting_type"] == 1
        assert body["recurring_rule"] == rule


def test_update_body_has_no_type_and_says_meeting_type_0_for_a_normal_meeting() -> None:
    body = update_body(spec())
    assert "type" not in body
    assert body["meeting_type"] == 0
    assert body["userid"] == "tester1" and body["instanceid"] == 1
    assert body["start_time"] == "1700003600" and body["end_time"] == "1700007200"


# The update body of a row that sets nothing optional: every clearable field in its
# clearing form, every managed setting at its default, no time zone (it has no empty form).
EMPTY_UPDATE = {
    "userid": "tester1", "instanceid": 1, "subject": "周会",
    "start_time": "1700003600", "end_time": "1700007200", "meeting_type": 0,
    "password": "", "location": "", "hosts": [], "invitees": [],
    "settings": {
        "allow_in_before_host": True, "allow_unmute_self": True,
        "auto_in_waiting_room": False, "allow_screen_shared_watermark": False,
        "mute_enable_join": True, "mute_enable_type_join": 2,
        "only_enterprise_user_allowed": False, "only_user_join_type": 1,
    },
}  # fmt: skip


def test_an_update_sends_every_empty_field_in_its_clearing_form() -> None:
    for empty in (spec(), spec(password="", location="", hosts=[], invitees=None, settings={})):
        assert json.loads(encode_body(update_body(empty))) == EMPTY_UPDATE
    assert dict(DEFAULTS) == EMPTY_UPDATE["settings"]


def test_a_create_still_leaves_empty_fields_to_the_api() -> None:
    body = create_body(spec())
    assert not {"password", "location", "hosts", "invitees", "settings", "time_zone"} & set(body)


def test_an_update_sends_what_the_row_sets_over_the_clearing_forms() -> None:
    full = spec(
        password="1234", time_zone="Asia/Shanghai", location="三楼", hosts=["alice"],
        invitees=["bob"], settings={"auto_in_waiting_room": True, "auto_record_type": "cloud"},
    )  # fmt: skip
    body = update_body(full)
    assert (body["password"], body["time_zone"], body["location"]) == (
        "1234",
        "Asia/Shanghai",
        "三楼",
    )
    assert (body["hosts"], body["invitees"]) == ([{"userid": "alice"}], [{"userid": "bob"}])
    assert body["settings"] == {
        **DEFAULTS, "auto_in_waiting_room": True, "auto_record_type": "cloud",
    }  # fmt: skip
    assert full.uncleared == ()


def test_an_empty_time_zone_is_left_out_of_an_update_and_named_as_uncleared() -> None:
    assert "time_zone" not in update_body(spec(time_zone=""))
    assert spec(settings={"auto_record_type": "none"}).uncleared == ("time_zone",)
    assert spec(time_zone="UTC").uncleared == ("settings.auto_record_type",)
    assert spec().uncleared == ("time_zone", "settings.auto_record_type")


def test_the_rows_message_names_what_an_update_could_not_clear_and_why() -> None:
    assert note(()) is None
    message = note(spec().uncleared)
    assert message is not None
    assert "time_zone (Tencent Meeting documents no way to remove a meeting's time zone)" in message
    assert "settings.auto_record_type (no default to return to" in message


def test_the_clearing_forms_are_a_fresh_copy_each_time() -> None:
    forms = clearing_forms()
    forms["hosts"] = [{"userid": "x"}]
    assert clearing_forms()["hosts"] == []


@pytest.mark.parametrize(
    "given,sent",
    [
        # The typed key wins when both are held, so it follows the row's flag...
        ({"mute_enable_join": False}, {"mute_enable_join": False, "mute_enable_type_join": 0}),
        ({"mute_enable_join": True}, {"mute_enable_join": True, "mute_enable_type_join": 1}),
        ({"only_enterprise_user_allowed": True},
         {"only_enterprise_user_allowed": True, "only_user_join_type": 3}),
        ({"only_enterprise_user_allowed": False},
         {"only_enterprise_user_allowed": False, "only_user_join_type": 1}),
        # ...unless the row sets the typed key itself, which then decides, as it would.
        ({"mute_enable_join": False, "mute_enable_type_join": 2},
         {"mute_enable_join": False, "mute_enable_type_join": 2}),
        ({"only_user_join_type": 2},
         {"only_enterprise_user_allowed": False, "only_user_join_type": 2}),
    ],
)  # fmt: skip
def test_a_setting_with_two_keys_sends_both_so_no_stale_one_decides(
    given: dict[str, Any], sent: dict[str, Any]
) -> None:
    settings = update_body(spec(settings=given))["settings"]
    assert isinstance(settings, dict)
    assert {key: settings[key] for key in sent} == sent


def test_unmanaged_settings_are_sent_as_the_row_gives_them() -> None:
    settings = update_body(spec(settings={"water_mark_type": 1, "mute_all": True}))["settings"]
    assert settings == {**DEFAULTS, "water_mark_type": 1, "mute_all": True}


def test_cancel_body() -> None:
    assert cancel_body("tester1") == {"userid": "tester1", "instanceid": 1, "reason_code": 1}
    assert cancel_body("u", 3, reason_detail="moved")["reason_detail"] == "moved"
    with pytest.raises(InvalidMeeting) as caught:
        cancel_body("")
    assert caught.value.code == "local.userid_missing"


def test_times_are_kept_in_utc_whole_seconds() -> None:
    plus8 = timezone(timedelta(hours=8))
    s = spec(start=datetime(2024, 5, 1, 9, 0, 0, 999_999, plus8), end=END + timedelta(days=400))
    assert s.start == datetime(2024, 5, 1, 1, 0, 0, tzinfo=UTC)
    assert s.start.tzinfo is UTC
    assert create_body(s)["start_time"] == str(int(s.start.timestamp()))


def test_spec_is_immutable_and_hashable() -> None:
    s = spec(settings={"mute_all": True, "nested": {"list": [1, 2]}}, hosts=["a"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.subject = "x"  # type: ignore[misc]
    assert s.settings is not None
    with pytest.raises(TypeError):
        s.settings["mute_all"] = False  # type: ignore[index]
    assert s.hosts == ("a",)
    assert hash(s) == hash(spec(settings={"other": 1}, hosts=("a",)))
    assert s == spec(settings={"mute_all": True, "nested": {"list": [1, 2]}}, hosts=("a",))


def test_empty_optional_values_count_as_absent() -> None:
    s = spec(password="", location="", time_zone="", settings={}, hosts=None)
    assert (s.password, s.location, s.time_zone, s.settings, s.hosts) == (
        None,
        None,
        None,
        None,
        (),
    )


def test_password_never_appears_in_repr_or_messages() -> None:
    assert "4321" not in repr(spec(password="4321"))
    with pytest.raises(InvalidMeeting) as caught:
        spec(password="hunter2")
    assert "hunter2" not in str(caught.value)


# Each local code, with one row that provokes it and the field it names.
CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("local.userid_missing", {"userid": None}, "userid"),
    ("local.userid_missing", {"userid": "  "}, "userid"),
    ("local.subject_missing", {"subject": None}, "subject"),
    ("local.subject_missing", {"subject": ""}, "subject"),
    ("local.subject_too_long", {"subject": "会" * 171}, "subject"),  # 513 bytes
    ("local.time_missing", {"start": None}, "start_time"),
    ("local.bad_time", {"end": "2024-01-01T00:00:00Z"}, "end_time"),
    ("local.naive_time", {"start": datetime(2030, 1, 1)}, "start_time"),
    ("local.naive_time", {"end": datetime(2030, 1, 1)}, "end_time"),
    ("local.end_not_after_start", {"end": START}, "end_time"),
    ("local.end_not_after_start", {"end": START - timedelta(hours=1)}, "end_time"),
    ("local.not_utf8", {"subject": "周会\ud800"}, "subject"),
    ("local.not_utf8", {"location": "\udfff"}, "location"),
    ("local.not_utf8", {"invitees": ["bob\ud800"]}, "invitees"),
    ("local.not_utf8", {"settings": {"x": ["\ud800"]}}, "settings"),
    ("local.bad_type", {"subject": 42}, "subject"),
    ("local.bad_time_zone", {"time_zone": "Mars/Olympus"}, "time_zone"),
    ("local.bad_time_zone", {"time_zone": "../../etc/passwd"}, "time_zone"),
    ("local.bad_password", {"password": "12a4"}, "password"),
    ("local.bad_password", {"password": "123"}, "password"),
    ("local.bad_password", {"password": "1234567"}, "password"),
    ("local.location_too_long", {"location": "会" * 19}, "location"),
    ("local.location_too_long", {"location": "x" * 37}, "location"),
    ("local.bad_hosts", {"hosts": "alice"}, "hosts"),
    ("local.bad_hosts", {"hosts": [{"name": "alice"}]}, "hosts"),
    ("local.bad_invitees", {"invitees": [1, 2]}, "invitees"),
    ("local.too_many_invitees", {"invitees": [f"u{i}" for i in range(301)]}, "invitees"),
    ("local.bad_settings", {"settings": ["mute"]}, "settings"),
    ("local.bad_settings", {"settings": {"mute_enable_join": "yes"}}, "settings"),
    ("local.bad_settings", {"settings": {"only_user_join_type": 4}}, "settings"),
    ("local.bad_settings", {"settings": {"only_user_join_type": True}}, "settings"),
    ("local.bad_settings", {"settings": {"auto_record_type": "tape"}}, "settings"),
    ("local.bad_settings", {"settings": {"mute_enable_type_join": 3}}, "settings"),
    ("local.bad_settings", {"settings": {"mute_enable_type_join": False}}, "settings"),
    ("local.bad_settings", {"settings": {"only_enterprise_user_allowed": 1}}, "settings"),
    ("local.bad_settings", {"settings": {"x": float("inf")}}, "settings"),
    ("local.bad_recurring_rule", {"recurring_rule": "weekly"}, "recurring_rule"),
    ("local.bad_recurring_rule", {"recurring_rule": {"until_count": 3}}, "recurring_rule"),
    ("local.bad_recurring_rule", {"recurring_rule": {"recurring_type": 9}}, "recurring_rule"),
    ("local.bad_recurring_rule", {"recurring_rule": {"recurring_type": "2"}}, "recurring_rule"),
    ("local.control_character", {"subject": "a\x00b"}, "subject"),
    ("local.control_character", {"subject": "stand-up\x1b[31m"}, "subject"),
    ("local.control_character", {"location": "Room 5\nBuilding 2"}, "location"),
    ("local.control_character", {"invitees": ["bob\x7f"]}, "invitees"),
    ("local.bad_recurring_rule", {"recurring_rule": {"recurring_type": 0, "until_count": 0}},
     "recurring_rule"),
]  # fmt: skip


@pytest.mark.parametrize("code,changes,field", CASES)
def test_invalid_rows_fail_before_sending(
    code: str, changes: dict[str, Any], field: str | None
) -> None:
    with pytest.raises(InvalidMeeting) as caught:
        spec(**changes)
    assert caught.value.code == code
    assert caught.value.field == field
    # The message says what is wrong and ends with what to do about it.
    assert str(caught.value).endswith(LOCAL_ERRORS[code])


def test_every_meeting_level_code_is_documented_and_exercised() -> None:
    # The meeting id codes are the client's (tests/unit/test_wemeet_client.py) and the plan's.
    covered = {code for code, _, _ in CASES} | {
        "local.not_json",
        "local.meeting_id_missing",
        "local.bad_meeting_id",
    }
    # The rest are decided about the row as a whole (tests/unit/test_plan.py).
    row_level = {
        "local.bad_json",
        "local.bad_sync_after",
        "local.bad_create_intent",
        "local.unknown_provider",
        "local.bad_status",
        "local.start_in_past",
        "local.too_many_attempts",
        "local.unreadable_value",
    }
    assert covered | row_level == set(LOCAL_ERRORS)
    assert not covered & row_level


def test_a_control_character_is_named_by_code_point_and_position() -> None:
    with pytest.raises(InvalidMeeting) as caught:
        spec(subject="周会\x00")
    assert "U+0000 at position 3" in caught.value.message


def test_a_huge_number_in_a_recurring_rule_is_not_echoed_whole() -> None:
    with pytest.raises(InvalidMeeting) as caught:
        spec(recurring_rule={"recurring_type": 1, "until_count": int("9" * 400)})
    assert caught.value.code == "local.bad_recurring_rule"
    assert "9" * 41 not in caught.value.message and len(caught.value.message) < 300


def test_limits_are_inclusive() -> None:
    assert spec(subject="会" * 170 + "ab").subject  # exactly 512 bytes
    assert spec(location="会" * 18).location
    assert len(spec(invitees=[f"u{i}" for i in range(300)]).invitees) == 300
    assert spec(password="123456").password == "123456"
