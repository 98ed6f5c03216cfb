"""The meeting endpoints over real HTTP: create, get, update, cancel and the paged list,
with the real service's business rejections."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender, error_of, meeting_body

NOW = 1_790_000_000.0  # an injected clock: 2026-09-21 in Shanghai


def meeting_id(response: requests.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["meeting_info_list"][0]["meeting_id"])


def get(sender: SignedSender, mid: str, user: str = "alice") -> requests.Response:
    return sender.send("GET", f"/v1/meetings/{mid}?userid={user}&instanceid=1")


def update(sender: SignedSender, mid: str, **fields: Any) -> requests.Response:
    body = {"userid": "alice", "instanceid": 1, **fields}
    return sender.send("PUT", f"/v1/meetings/{mid}", body)


def cancel(sender: SignedSender, mid: str, user: str = "alice") -> requests.Response:
    body = {"userid": user, "instanceid": 1, "reason_code": 1}
    return sender.send("POST", f"/v1/meetings/{mid}/cancel", body)


def list_page(sender: SignedSender, user: str = "alice", cursor: str = "") -> dict[str, Any]:
    response = sender.send("GET", f"/v1/meetings?userid={user}&instanceid=1{cursor}")
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def test_create_get_update_cancel(signed: SignedSender) -> None:
    mid = meeting_id(signed.create(password="1234", settings={"mute_enable_join": True}))
    info = get(signed, mid).json()["meeting_info_list"][0]
    assert info["status"] == "MEETING_STATE_INIT"
    assert (info["subject"], info["password"]) == ("周会", "1234")
    assert info["settings"] == {"mute_enable_join": True}

    start = int(info["start_time"]) + 7200
    answer = update(
        signed, mid, subject="周会（改期）", start_time=str(start), end_time=str(start + 60)
    )
    assert answer.status_code == 200
    assert answer.json()["meeting_info_list"][0]["meeting_id"] == mid
    info = get(signed, mid).json()["meeting_info_list"][0]
    assert (info["subject"], info["start_time"]) == ("周会（改期）", str(start))

    answer = cancel(signed, mid)
    assert (answer.status_code, answer.json()) == (200, {})
    assert get(signed, mid).json()["meeting_info_list"][0]["status"] == "MEETING_STATE_CANCELLED"
    (held,) = signed.server.meetings()
    assert (held["state"], held["updates"], held["creator"]) == (
        "MEETING_STATE_CANCELLED",
        1,
        "alice",
    )


def test_get_takes_the_newer_sdks_operator_id(signed: SignedSender) -> None:
    mid = meeting_id(signed.create())
    response = signed.send("GET", f"/v1/meetings/{mid}?operator_id=alice&operator_id_type=1")
    assert response.json()["meeting_info_list"][0]["meeting_id"] == mid


def test_an_empty_cancel_answer_when_configured(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender = SignedSender(sandbox_factory(empty_cancel_body=True))
    response = cancel(sender, meeting_id(sender.create()))
    assert (response.status_code, response.content) == (200, b"")


def test_cancelled_or_unknown_meetings_are_9003(signed: SignedSender) -> None:
    mid = meeting_id(signed.create())
    assert cancel(signed, mid).status_code == 200
    assert error_of(cancel(signed, mid)) == (500, 9003)
    assert error_of(update(signed, mid, subject="again")) == (500, 9003)
    unknown = "1234567890123456789"
    assert error_of(get(signed, unknown)) == (500, 9003)
    assert error_of(cancel(signed, unknown)) == (500, 9003)
    assert error_of(update(signed, unknown, subject="x")) == (500, 9003)
    assert get(signed, unknown).json()["error_info"]["message"] == "MEETING NOT EXIST"


def test_only_the_creator_may_update_or_cancel(signed: SignedSender) -> None:
    mid = meeting_id(signed.create())
    response = signed.send(
        "PUT", f"/v1/meetings/{mid}", {"userid": "bob", "instanceid": 1, "subject": "mine"}
    )
    assert error_of(response) == (500, 9102)
    assert error_of(cancel(signed, mid, user="bob")) == (500, 9102)
    assert signed.server.meetings()[0]["subject"] == "周会"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"subject": "x" * 513}, (400, 190004)),
        ({"subject": "会" * 171}, (400, 190004)),  # 513 bytes of UTF-8
        ({"subject": None}, (400, 190004)),
        ({"end_time": meeting_body()["start_time"]}, (400, 190004)),
        ({"password": "12ab"}, (400, 190004)),
        ({"invitees": [{"userid": f"u{i}"} for i in range(301)]}, (400, 190004)),
        ({"subject": "关于敏感词的会议"}, (500, 9093)),
    ],
)
def test_create_validation(
    signed: SignedSender, fields: dict[str, Any], expected: tuple[int, int]
) -> None:
    body = {k: v for k, v in meeting_body(**fields).items() if v is not None}
    assert error_of(signed.send("POST", "/v1/meetings", body)) == expected
    assert signed.server.meetings() == []


def test_update_validation(signed: SignedSender) -> None:
    mid = meeting_id(signed.create())
    start = meeting_body()["start_time"]
    assert error_of(update(signed, mid, end_time=start)) == (400, 190004)
    assert error_of(update(signed, mid, subject="敏感词")) == (500, 9093)
    assert error_of(update(signed, mid, password="1")) == (400, 190004)
    assert signed.server.meetings()[0]["updates"] == 0


def test_an_update_clears_what_it_sends_empty_and_keeps_what_it_leaves_out(
    signed: SignedSender,
) -> None:
    mid = meeting_id(
        signed.create(
            password="1234", location="三楼", time_zone="Asia/Shanghai",
            hosts=[{"userid": "bob"}], invitees=[{"userid": "bob"}, {"userid": "carol"}],
        )
    )  # fmt: skip
    assert update(signed, mid, subject="kept").status_code == 200
    (held,) = signed.server.meetings()
    assert (held["password"], held["location"], held["time_zone"]) == (
        "1234",
        "三楼",
        "Asia/Shanghai",
    )
    assert (held["hosts"], len(held["participants"])) == ([{"userid": "bob"}], 2)

    answer = update(signed, mid, password="", location="", hosts=[], invitees=[])
    assert answer.status_code == 200, answer.text
    (held,) = signed.server.meetings()
    assert "password" not in held and "location" not in held
    assert held["hosts"] == [{"userid": "alice"}]  # with none named, the creator hosts
    assert held["participants"] == []
    assert held["time_zone"] == "Asia/Shanghai"  # not sent, so kept
    info = get(signed, mid).json()["meeting_info_list"][0]
    assert "password" not in info and info["participants"] == []


def test_an_updates_settings_change_the_keys_it_sends_and_keep_the_others(
    signed: SignedSender,
) -> None:
    mid = meeting_id(
        signed.create(settings={"auto_in_waiting_room": True, "mute_enable_join": False})
    )
    assert update(signed, mid, settings={"auto_in_waiting_room": False}).status_code == 200
    assert signed.server.meetings()[0]["settings"] == {
        "auto_in_waiting_room": False,
        "mute_enable_join": False,
    }
    assert update(signed, mid, settings={}).status_code == 200
    assert update(signed, mid, subject="no settings sent").status_code == 200
    assert signed.server.meetings()[0]["settings"]["mute_enable_join"] is False


@pytest.mark.parametrize(
    "settings",
    [
        {"auto_in_waiting_room": "yes"},
        {"mute_enable_type_join": 3},
        {"only_user_join_type": 0},
        {"only_user_join_type": True},
        {"auto_record_type": "tape"},
    ],
)
def test_settings_with_documented_values_are_checked(
    signed: SignedSender, settings: dict[str, Any]
) -> None:
    assert error_of(signed.create(settings=settings)) == (400, 190004)
    mid = meeting_id(signed.create())
    assert error_of(update(signed, mid, settings=settings)) == (400, 190004)


def test_bodies_that_are_not_json_objects(signed: SignedSender) -> None:
    assert error_of(signed.send("POST", "/v1/meetings", raw_body=b'{"userid": ')) == (400, 200005)
    assert error_of(signed.send("POST", "/v1/meetings", raw_body="周会".encode("gbk"))) == (
        400,
        200005,
    )
    assert error_of(signed.send("POST", "/v1/meetings", raw_body=b"[1, 2]")) == (400, 190004)
    assert error_of(signed.send("POST", "/v1/meetings", raw_body=b"")) == (400, 190004)


def test_unsupported_requests_are_200004(signed: SignedSender) -> None:
    assert error_of(signed.send("DELETE", "/v1/meetings/1234567890123456789")) == (400, 200004)
    assert error_of(signed.send("GET", "/v1/rooms")) == (400, 200004)


def test_unknown_users_are_20001_when_users_are_configured(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender = SignedSender(sandbox_factory(users=("alice",)))
    mid = meeting_id(sender.create())
    assert error_of(sender.create(userid="mallory")) == (500, 20001)
    assert error_of(get(sender, mid, user="mallory")) == (500, 20001)
    assert error_of(cancel(sender, mid, user="mallory")) == (500, 20001)
    response = sender.send("GET", "/v1/meetings?userid=mallory&instanceid=1")
    assert error_of(response) == (500, 20001)


def test_a_recurring_meeting_becomes_normal_when_an_update_omits_meeting_type(
    signed: SignedSender,
) -> None:
    rule = {"recurring_type": 2, "until_type": 1, "until_count": 4}
    mid = meeting_id(signed.create(meeting_type=1, recurring_rule=rule))
    assert get(signed, mid).json()["meeting_info_list"][0]["recurring_rule"] == rule
    assert update(signed, mid, meeting_type=1, subject="still weekly").status_code == 200
    assert get(signed, mid).json()["meeting_info_list"][0]["meeting_type"] == 1
    assert update(signed, mid, subject="now once").status_code == 200
    info = get(signed, mid).json()["meeting_info_list"][0]
    assert info["meeting_type"] == 0 and "recurring_rule" not in info


def test_list_pages_show_every_upcoming_meeting_once(signed: SignedSender) -> None:
    start = int(meeting_body()["start_time"])
    created = {
        meeting_id(signed.create(subject=f"m{i}", start_time=str(start + i // 3 * 60)))
        for i in range(45)
    }
    seen: list[str] = []
    remaining: list[int] = []
    cursor = ""
    while True:
        page = list_page(signed, cursor=cursor)
        assert page["meeting_number"] == len(page["meeting_info_list"]) <= 20
        seen += [m["meeting_id"] for m in page["meeting_info_list"]]
        remaining.append(page["remaining"])
        if page["remaining"] == 0:
            break
        cursor = f"&pos={page['next_pos']}&cursory={page['next_cursory']}"
    assert remaining == [25, 5, 0]
    assert len(seen) == 45 and set(seen) == created
    start_of = {m["meeting_id"]: m["start_time"] for m in signed.server.meetings()}
    assert [start_of[i] for i in seen] == sorted(start_of.values())


def test_list_holds_only_the_users_live_meetings_and_follows_the_clock(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    clock = [NOW]
    sender = SignedSender(sandbox_factory(clock=lambda: clock[0]))
    soon = meeting_id(sender.create(start_time=str(int(NOW) + 60), end_time=str(int(NOW) + 120)))
    later = meeting_id(sender.create(start_time=str(int(NOW) + 600), end_time=str(int(NOW) + 1200)))
    gone = meeting_id(sender.create(start_time=str(int(NOW) + 60), end_time=str(int(NOW) + 90)))
    assert cancel(sender, gone).status_code == 200
    sender.create(userid="bob")

    def listed() -> list[str]:
        return [m["meeting_id"] for m in list_page(sender)["meeting_info_list"]]

    assert listed() == [soon, later]
    clock[0] += 90  # the first one is running: still listed
    assert listed() == [soon, later]
    assert list_page(sender)["meeting_info_list"][0]["status"] == "MEETING_STATE_STARTED"
    clock[0] += 60  # and now it has ended
    assert listed() == [later]
    info = get(sender, soon).json()["meeting_info_list"][0]
    assert info["status"] == "MEETING_STATE_ENDED"


def test_list_from_pos_starts_at_that_time(signed: SignedSender) -> None:
    start = int(meeting_body()["start_time"])
    ids = [meeting_id(signed.create(start_time=str(start + 600 * i))) for i in range(3)]
    page = list_page(signed, cursor=f"&pos={start + 600}")
    assert [m["meeting_id"] for m in page["meeting_info_list"]] == ids[1:]
    assert error_of(signed.send("GET", "/v1/meetings?userid=alice&instanceid=1&pos=soon")) == (
        400,
        190004,
    )


def test_integers_sent_as_strings_are_taken_and_given_back_as_integers(
    signed: SignedSender,
) -> None:
    rule = {"recurring_type": "5", "until_type": "1", "until_count": "7"}
    response = signed.create(instanceid="1", type="0", meeting_type="1", recurring_rule=rule)
    info = response.json()["meeting_info_list"][0]
    assert (info["type"], info["meeting_type"]) == (0, 1)


def test_a_parameter_error_carries_the_documented_new_error_code(signed: SignedSender) -> None:
    info = signed.create(password="12ab").json()["error_info"]
    assert (info["error_code"], info["new_error_code"]) == (190004, 1000190004)
    assert "new_error_code" not in signed.create(subject="敏感词").json()["error_info"]
