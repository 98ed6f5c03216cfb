"""The sandbox's TRTC room API over real HTTP: UserSigs from the official library and from
the worker, the refusals, the frequency limit, and a lost answer after the room was made."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import TLSSigAPIv2

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from sandbox.trtc_settings import TrtcSettings
from worker.exceptions import ApiError, TransportError
from worker.trtc.auth import AdminAuth, TrtcCredentials
from worker.trtc.client import TrtcClient
from worker.trtc.room import RoomSpec

SDKAPPID, KEY, ADMIN = 1400000777, "a-secret-trtc-key", "room-admin"
URL = "/v4/room_engine_http_srv/"


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    config = SandboxConfig(trtc=TrtcSettings(sdkappid=SDKAPPID, key=KEY, admin=ADMIN))
    with SandboxServer(config) as running:
        yield running


def post(
    server: SandboxServer,
    command: str,
    body: dict[str, Any],
    *,
    usersig: str,
    identifier: str = ADMIN,
    sdkappid: int = SDKAPPID,
) -> dict[str, Any]:
    query = {
        "sdkappid": sdkappid,
        "identifier": identifier,
        "usersig": usersig,
        "random": 4294967295,
        "contenttype": "json",
    }
    answer = requests.post(server.base_url + URL + command, params=query, json=body, timeout=10)
    assert answer.status_code == 200  # every API-level outcome
    doc: dict[str, Any] = answer.json()
    assert set(doc) >= {"ActionStatus", "ErrorCode", "ErrorInfo", "RequestId"}
    return doc


def official(identifier: str, expire: int = 600, key: str = KEY, sdkappid: int = SDKAPPID) -> str:
    return str(TLSSigAPIv2.TLSSigAPIv2(sdkappid, key).gen_sig(identifier, expire))


def room_body(room_id: str = "r-1", **info: Any) -> dict[str, Any]:
    start = int(time.time()) + 86400
    fields = {
        "RoomId": room_id,
        "RoomType": "Conference",
        "RoomName": "Design review",
        "Owner_Account": "alice",
        "ScheduleStartTime": start,
        "ScheduleEndTime": start + 3600,
        **info,
    }
    return {"RoomInfo": fields, "ScheduleInviteeList_Account": ["bob"]}


def test_an_official_usersig_is_accepted(server: SandboxServer) -> None:
    doc = post(server, "create_room", room_body(), usersig=official(ADMIN))
    assert (doc["ActionStatus"], doc["ErrorCode"]) == ("OK", 0)
    [room] = server.rooms()
    assert (room["room_id"], room["owner"], room["invitees"]) == ("r-1", "alice", ["bob"])
    got = post(server, "get_room_info", {"RoomId": "r-1"}, usersig=official(ADMIN))
    assert got["Response"]["RoomInfo"]["RoomName"] == "Design review"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        # Made when the test runs, not when it is collected: a UserSig lives 600 s, and a
        # long run would otherwise meet an expired one (70001) before the fault it tests.
        (lambda: official("somebody-else"), 70013),
        (lambda: official(ADMIN, key="another-key"), 70009),
        (lambda: official(ADMIN, sdkappid=SDKAPPID + 1), 70014),
        (lambda: "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSm", 70003),
    ],
    ids=["another-identifier", "another-key", "another-sdkappid", "malformed"],
)
def test_a_wrong_usersig_is_refused_with_its_code(
    server: SandboxServer, make: Callable[[], str], code: int
) -> None:
    doc = post(server, "create_room", room_body(), usersig=make())
    assert (doc["ActionStatus"], doc["ErrorCode"]) == ("FAIL", code)
    assert server.rooms() == []


def test_an_expired_usersig_is_refused(server: SandboxServer) -> None:
    sig = official(ADMIN, expire=5)
    server.advance_clock(10)
    assert post(server, "get_room_info", {"RoomId": "r-1"}, usersig=sig)["ErrorCode"] == 70001


def test_only_the_administrator_may_call(server: SandboxServer) -> None:
    doc = post(server, "create_room", room_body(), usersig=official("alice"), identifier="alice")
    assert doc["ErrorCode"] == 60010


def test_the_room_codes(server: SandboxServer) -> None:
    sig = official(ADMIN)
    assert post(server, "create_room", room_body(), usersig=sig)["ErrorCode"] == 0
    mine = post(server, "create_room", room_body(), usersig=sig)
    theirs = post(server, "create_room", room_body(Owner_Account="eve"), usersig=sig)
    assert (mine["ErrorCode"], theirs["ErrorCode"]) == (100010, 100003)
    start = int(time.time()) + 86400
    short = room_body("r-2", ScheduleStartTime=start, ScheduleEndTime=start + 299)
    assert post(server, "create_room", short, usersig=sig)["ErrorCode"] == 100002
    bad_type = room_body("r-3", RoomType="Live")
    assert post(server, "create_room", bad_type, usersig=sig)["ErrorCode"] == 100015
    word = room_body("r-4", RoomName="有敏感词的会")
    assert post(server, "create_room", word, usersig=sig)["ErrorCode"] == 100026
    assert post(server, "destroy_room", {"RoomId": "r-1"}, usersig=sig)["ErrorCode"] == 0
    # Made again at once: the same RoomId only once a second.
    assert post(server, "create_room", room_body(), usersig=sig)["ErrorCode"] == 100012
    assert post(server, "destroy_room", {"RoomId": "nope"}, usersig=sig)["ErrorCode"] == 100004
    bad = requests.post(
        server.base_url + URL + "get_room_info",
        params={
            "sdkappid": SDKAPPID,
            "identifier": ADMIN,
            "usersig": sig,
            "random": 1,
            "contenttype": "json",
        },
        data=b"{not json",
        timeout=10,
    )
    assert bad.json()["ErrorCode"] == 60003


def test_the_frequency_limit_answers_60007() -> None:
    settings = TrtcSettings(sdkappid=SDKAPPID, key=KEY, admin=ADMIN, calls_per_second=3)
    now = [1_900_000_000.5]
    with SandboxServer(SandboxConfig(trtc=settings), clock=lambda: now[0]) as server:
        sig = official(ADMIN, expire=10**9)
        codes = [
            post(server, "get_room_info", {"RoomId": "x"}, usersig=sig)["ErrorCode"]
            for _ in range(4)
        ]
        assert codes == [100004, 100004, 100004, 60007]
        now[0] += 1  # the next second
        assert post(server, "get_room_info", {"RoomId": "x"}, usersig=sig)["ErrorCode"] == 100004


def test_the_worker_client_and_a_lost_answer_after_the_room_was_made(
    server: SandboxServer,
) -> None:
    auth = AdminAuth(TrtcCredentials(sdkappid=SDKAPPID, key=KEY, admin=ADMIN))
    client = TrtcClient(auth, server.base_url)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    spec = RoomSpec("ms-lost", "alice", "周会", start, start + timedelta(hours=1))
    server.set_room_faults(inject=[{"action": "drop", "command": "create_room"}])
    with pytest.raises(TransportError) as lost:
        client.create_room(spec)
    assert lost.value.may_have_reached
    assert KEY not in str(lost.value) and "usersig" not in str(lost.value)
    [room] = server.rooms()
    assert (room["room_id"], room["state"]) == ("ms-lost", "live")
    with pytest.raises(ApiError) as again:
        client.create_room(spec)
    assert again.value.error_code == 100010
    assert client.get_room_info("ms-lost").name == "周会"
    server.set_room_faults(
        inject=[{"action": "error", "command": "destroy_room", "error_code": 60018}]
    )
    with pytest.raises(ApiError) as limited:
        client.destroy_room("ms-lost")
    assert limited.value.error_code == 60018
    stats = json.loads(requests.get(server.base_url + "/_sandbox/rooms/stats", timeout=10).text)
    assert stats["stats"]["create_room:dropped"] == 1
    listed = requests.get(server.base_url + "/_sandbox/rooms", timeout=10).json()
    assert [r["room_id"] for r in listed] == ["ms-lost"]
