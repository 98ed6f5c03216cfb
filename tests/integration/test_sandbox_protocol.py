"""The sandbox rejects what the real service rejects, with the real codes, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
import requests

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from worker.rates import parse_rate
from worker.wemeet.signing import aksk_headers

START = int(time.time()) + 86400
CREATE = {
    "userid": "alice",
    "instanceid": 1,
    "subject": "周会",
    "type": 0,
    "start_time": str(START),
    "end_time": str(START + 3600),
}


class Raw:
    """Signed requests built by hand, so that each header and byte can be got wrong."""

    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.creds = server.credentials
        self.nonce = 1000

    def send(
        self,
        method: str,
        uri: str,
        body: Any = None,
        *,
        timestamp: int | None = None,
        nonce: int | None = None,
        change: Callable[[dict[str, str]], None] | None = None,
        raw_body: bytes | None = None,
    ) -> requests.Response:
        payload = (
            raw_body
            if raw_body is not None
            else (b"" if body is None else json.dumps(body, ensure_ascii=False).encode())
        )
        self.nonce += 1
        headers = aksk_headers(
            self.creds,
            method,
            uri,
            payload,
            nonce=nonce or self.nonce,
            timestamp=timestamp or int(time.time()),
        )
        if change:
            change(headers)
        return requests.request(
            method, self.server.base_url + uri, data=payload, headers=headers, timeout=10
        )


def error_of(response: requests.Response) -> tuple[int, int]:
    return response.status_code, response.json()["error_info"]["error_code"]


@pytest.fixture
def raw(sandbox: SandboxServer) -> Raw:
    return Raw(sandbox)


def create(raw: Raw, **changes: Any) -> requests.Response:
    return raw.send("POST", "/v1/meetings", {**CREATE, **changes})


def test_a_good_create_answers_a_real_looking_meeting(raw: Raw) -> None:
    response = create(raw)
    assert response.status_code == 200
    assert response.headers["X-TC-Trace"] and response.headers["Date"]
    (info,) = response.json()["meeting_info_list"]
    assert len(info["meeting_id"]) == 19 and info["meeting_id"].isdigit()
    assert len(info["meeting_code"]) == 9 and info["meeting_code"].isdigit()
    assert info["join_url"].startswith("https://meeting.tencent.com/dm/")
    assert info["subject"] == "周会"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda h: h.pop("AppId"), (400, 200001)),
        (lambda h: h.pop("X-TC-Signature"), (400, 200001)),
        # Header names are case-sensitive on the real server.
        (lambda h: h.update({"x-tc-key": h.pop("X-TC-Key")}), (400, 200001)),
        (lambda h: h.update({"X-TC-Key": "someone-else"}), (400, 190303)),
        (lambda h: h.update({"AppId": "999"}), (400, 190303)),
        (lambda h: h.update({"SdkId": "18000"}), (400, 190303)),
        (lambda h: h.update({"X-TC-Signature": h["X-TC-Signature"][:-4] + "AAA="}), (500, 200003)),
    ],
)
def test_header_and_credential_rejections(
    raw: Raw, change: Callable[[dict[str, str]], None], expected: tuple[int, int]
) -> None:
    assert error_of(raw.send("POST", "/v1/meetings", CREATE, change=change)) == expected


def test_an_empty_sdk_id_header_means_none(raw: Raw) -> None:
    response = raw.send("POST", "/v1/meetings", CREATE, change=lambda h: h.update(SdkId=""))
    assert response.status_code == 200


def test_an_assigned_sdk_id_is_accepted(sandbox_factory: Callable[..., SandboxServer]) -> None:
    raw = Raw(sandbox_factory(sdk_id="18000"))
    assert create(raw).status_code == 200
    response = raw.send("POST", "/v1/meetings", CREATE, change=lambda h: h.update(SdkId="17"))
    assert error_of(response) == (400, 190303)


def test_signature_must_cover_the_exact_bytes_sent(raw: Raw) -> None:
    signed_for = json.dumps(CREATE, ensure_ascii=False).encode()
    sent = json.dumps(CREATE).encode()  # same JSON, \\u escapes: different bytes
    creds = raw.creds
    headers = aksk_headers(
        creds, "POST", "/v1/meetings", signed_for, nonce=7, timestamp=int(time.time())
    )
    response = requests.post(
        raw.server.base_url + "/v1/meetings", data=sent, headers=headers, timeout=10
    )
    assert error_of(response) == (500, 200003)


def test_timestamps_more_than_five_minutes_off_are_refused(raw: Raw) -> None:
    now = int(time.time())
    assert error_of(
        raw.send("GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=now - 301)
    ) == (400, 190300)
    assert error_of(
        raw.send("GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=now + 400)
    ) == (400, 190300)
    assert (
        raw.send("GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=now - 250).status_code
        == 200
    )


def test_a_replayed_timestamp_and_nonce_is_refused(raw: Raw) -> None:
    now = int(time.time())
    first = raw.send("GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=now, nonce=42)
    again = raw.send("GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=now, nonce=42)
    assert first.status_code == 200
    assert error_of(again) == (400, 190301)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"subject": "x" * 513}, (400, 190004)),
        ({"subject": "会" * 171}, (400, 190004)),  # 513 bytes of UTF-8
        ({"end_time": str(START)}, (400, 190004)),
        ({"password": "12ab"}, (400, 190004)),
        ({"invitees": [{"userid": f"u{i}"} for i in range(301)]}, (400, 190004)),
        ({"subject": "关于敏感词的会议"}, (500, 9093)),
    ],
)
def test_create_validation(raw: Raw, changes: dict[str, Any], expected: tuple[int, int]) -> None:
    assert error_of(create(raw, **changes)) == expected


def test_a_subject_of_exactly_512_bytes_is_fine(raw: Raw) -> None:
    assert create(raw, subject="会" * 170 + "xy").status_code == 200


def test_unparsable_json_is_refused(raw: Raw) -> None:
    response = raw.send("POST", "/v1/meetings", raw_body=b'{"userid": ')
    assert error_of(response) == (400, 200005)


def test_unknown_meetings_and_users(sandbox_factory: Callable[..., SandboxServer]) -> None:
    raw = Raw(sandbox_factory(users=("alice",)))
    assert error_of(create(raw, userid="mallory")) == (500, 20001)
    gone = raw.send("GET", "/v1/meetings/1234567890123456789?userid=alice&instanceid=1")
    assert error_of(gone) == (500, 9003)
    cancel = raw.send(
        "POST",
        "/v1/meetings/1234567890123456789/cancel",
        {"userid": "alice", "instanceid": 1, "reason_code": 1},
    )
    assert error_of(cancel) == (500, 9003)


def test_only_the_creator_may_update(raw: Raw) -> None:
    meeting_id = create(raw).json()["meeting_info_list"][0]["meeting_id"]
    response = raw.send(
        "PUT", f"/v1/meetings/{meeting_id}", {"userid": "bob", "instanceid": 1, "subject": "mine"}
    )
    assert error_of(response) == (500, 9102)


def test_list_pages_show_every_upcoming_meeting_once(raw: Raw) -> None:
    for i in range(45):
        create(raw, subject=f"m{i}", start_time=str(START + i // 3), end_time=str(START + 3600))
    seen: list[str] = []
    uri = "/v1/meetings?userid=alice&instanceid=1"
    pages = 0
    while True:
        page = raw.send("GET", uri).json()
        pages += 1
        seen += [m["meeting_id"] for m in page["meeting_info_list"]]
        if page["remaining"] == 0:
            break
        cursor = f"pos={page['next_pos']}&cursory={page['next_cursory']}"
        uri = f"/v1/meetings?userid=alice&instanceid=1&{cursor}"
    assert pages == 3 and len(seen) == 45 == len(set(seen))


def test_quota_windows_answer_190310_then_190311_on_an_injected_clock() -> None:
    clock = [1_700_000_000.0]  # 06:13:20 in Shanghai: a day window is open
    config_quotas = (parse_rate("3/5s"), parse_rate("5/1d"))
    with SandboxServer(SandboxConfig(quotas=config_quotas), clock=lambda: clock[0]) as server:
        raw = Raw(server)

        def get() -> requests.Response:
            return raw.send(
                "GET", "/v1/meetings?userid=alice&instanceid=1", timestamp=int(clock[0])
            )

        assert [get().status_code for _ in range(3)] == [200, 200, 200]
        assert error_of(get()) == (500, 190310)
        clock[0] += 5  # the 5-second window turns; the refused attempt still counted today
        assert get().status_code == 200
        assert error_of(get()) == (500, 190311)
        clock[0] += 86400
        assert get().status_code == 200


def test_fault_injection_fail_drop_and_queued_errors(raw: Raw, sandbox: SandboxServer) -> None:
    sandbox.set_faults(
        inject=[
            {"action": "fail"},
            {"action": "drop", "endpoint": "create"},
            {"action": "error", "error_code": 190310},
        ]
    )
    failed = create(raw)
    assert failed.status_code == 500 and failed.content == b""
    with pytest.raises(requests.ConnectionError):
        create(raw)
    assert len(sandbox.meetings()) == 1  # the dropped create happened
    assert error_of(create(raw))[1] == 190310
    assert create(raw).status_code == 200
    assert sandbox.stats()["by_status"] == {"500": 1, "dropped": 1, "400": 1, "200": 1}


def test_clock_offset_fault_and_inspection_api(raw: Raw, sandbox: SandboxServer) -> None:
    base = sandbox.base_url
    requests.post(f"{base}/_sandbox/faults", json={"clock_offset_seconds": 400}, timeout=5)
    assert error_of(create(raw)) == (400, 190300)
    skewed = create(raw, subject="x")
    assert abs(time.time() + 400 - _date_of(skewed)) < 5
    requests.post(f"{base}/_sandbox/faults", json={"clock_offset_seconds": 0}, timeout=5)
    assert create(raw).status_code == 200
    meetings = requests.get(f"{base}/_sandbox/meetings", timeout=5).json()
    assert [m["subject"] for m in meetings] == ["周会"]
    stats = requests.get(f"{base}/_sandbox/stats", timeout=5).json()
    assert stats["by_error_code"] == {"190300": 2}
    assert len(requests.get(f"{base}/_sandbox/requests", timeout=5).json()) == 3
    requests.post(f"{base}/_sandbox/reset", timeout=5)
    assert requests.get(f"{base}/_sandbox/meetings", timeout=5).json() == []


def _date_of(response: requests.Response) -> float:
    return parsedate_to_datetime(response.headers["Date"]).timestamp()
