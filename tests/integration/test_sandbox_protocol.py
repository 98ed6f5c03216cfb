"""The sandbox authenticates like the real service, over real HTTP: required headers with
case-sensitive names, credentials, timestamps, byte-exact signatures and replays."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from urllib.parse import quote

import pytest
import requests

from sandbox.auth import REQUIRED_HEADERS
from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender, error_of, meeting_body
from worker.wemeet.signing import aksk_headers

LIST = "/v1/meetings?userid=alice&instanceid=1"


def test_a_good_create_answers_a_real_looking_meeting(signed: SignedSender) -> None:
    response = signed.create()
    assert response.status_code == 200
    assert response.headers["X-TC-Trace"] and response.headers["Date"]
    assert response.headers["Content-Type"].startswith("application/json")
    assert "周会".encode() in response.content  # UTF-8 text, not \\u escapes
    doc = response.json()
    assert doc["meeting_number"] == 1
    (info,) = doc["meeting_info_list"]
    assert len(info["meeting_id"]) == 19 and info["meeting_id"].isdigit()
    assert len(info["meeting_code"]) == 9 and info["meeting_code"].isdigit()
    assert info["join_url"].startswith("https://meeting.tencent.com/dm/")
    assert len(info["join_url"].rsplit("/", 1)[1]) == 12
    assert info["subject"] == "周会"
    assert info["start_time"] == meeting_body()["start_time"]  # a string, as sent
    assert info["hosts"] == [{"userid": "alice"}] and "settings" in info


@pytest.mark.parametrize("name", REQUIRED_HEADERS)
def test_each_missing_required_header_is_200001(signed: SignedSender, name: str) -> None:
    response = signed.send("POST", "/v1/meetings", meeting_body(), change=lambda h: h.pop(name))
    assert error_of(response) == (400, 200001)
    assert response.headers["X-TC-Trace"]


# Each required name respelled as clients get it wrong; werkzeug alone would hide all of
# these, the sandbox's server keeps the names as sent.
RESPELLED = sorted(
    {
        (name, other)
        for name in REQUIRED_HEADERS
        for other in (name.lower(), name.upper(), name.replace("-", "_"), name.swapcase())
        if other != name
    }
)


@pytest.mark.parametrize(("name", "respelled"), RESPELLED)
def test_a_wrongly_cased_header_name_on_the_wire_counts_as_missing(
    signed: SignedSender, name: str, respelled: str
) -> None:
    def respell(headers: dict[str, str]) -> None:
        headers[respelled] = headers.pop(name)

    response = signed.send("GET", LIST, change=respell)
    assert error_of(response) == (400, 200001)
    assert name in response.json()["error_info"]["message"]


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h.update({"X-TC-Key": "demo-secret-key"}),  # the SecretKey, not the SecretId
        lambda h: h.update({"AppId": "999"}),
        lambda h: h.update({"SdkId": "18000"}),  # never assigned
    ],
)
def test_unknown_credentials_are_190303(
    signed: SignedSender, change: Callable[[dict[str, str]], None]
) -> None:
    assert error_of(signed.send("GET", LIST, change=change)) == (400, 190303)


def test_an_empty_sdk_id_header_means_none(signed: SignedSender) -> None:
    assert signed.send("GET", LIST, change=lambda h: h.update(SdkId="")).status_code == 200


def test_an_assigned_sdk_id_is_accepted_and_another_is_not(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender = SignedSender(sandbox_factory(sdk_id="18000"))
    assert sender.send("GET", LIST).status_code == 200
    assert error_of(sender.send("GET", LIST, change=lambda h: h.update(SdkId="17"))) == (
        400,
        190303,
    )


def test_the_signature_covers_the_exact_body_bytes(signed: SignedSender) -> None:
    body = meeting_body()
    signed_for = json.dumps(body, ensure_ascii=False).encode()
    sent = json.dumps(body).encode()  # the same JSON with \\u escapes: other bytes
    headers = aksk_headers(
        signed.creds,
        "POST",
        "/v1/meetings",
        signed_for,
        nonce=7,
        timestamp=int(signed.server.now()),
    )
    response = requests.post(
        signed.server.base_url + "/v1/meetings", data=sent, headers=headers, timeout=10
    )
    assert error_of(response) == (500, 200003)
    assert response.json()["error_info"]["message"] == "Signature failed!"
    assert signed.server.meetings() == []


def test_any_json_spelling_is_fine_when_signed_as_sent(signed: SignedSender) -> None:
    escaped = json.dumps(meeting_body(), indent=2).encode()  # \\u escapes, spaces, newlines
    response = signed.send("POST", "/v1/meetings", raw_body=escaped)
    assert response.status_code == 200
    assert response.json()["meeting_info_list"][0]["subject"] == "周会"


def test_the_signature_covers_the_query_as_sent(signed: SignedSender) -> None:
    def signed_for_other_order(headers: dict[str, str]) -> None:
        other = aksk_headers(
            signed.creds,
            "GET",
            "/v1/meetings?instanceid=1&userid=alice",
            b"",
            nonce=int(headers["X-TC-Nonce"]),
            timestamp=int(headers["X-TC-Timestamp"]),
        )
        headers["X-TC-Signature"] = other["X-TC-Signature"]

    assert error_of(signed.send("GET", LIST, change=signed_for_other_order)) == (500, 200003)
    # A percent-encoded Chinese userid is signed exactly as it is sent.
    uri = f"/v1/meetings?userid={quote('李雷@example.com')}&instanceid=1"
    assert signed.send("GET", uri).status_code == 200


def test_raw_utf8_bytes_in_the_request_target_are_signed_as_those_bytes(
    signed: SignedSender,
) -> None:
    uri = "/v1/meetings?userid=李雷&instanceid=1"
    headers = aksk_headers(
        signed.creds, "GET", uri, b"", nonce=99, timestamp=int(signed.server.now())
    )
    head = f"GET {uri} HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    host, port = signed.server.base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(head.encode("utf-8"))
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(("skew", "expected"), [(-301, 190300), (301, 190300), (400, 190300)])
def test_timestamps_more_than_five_minutes_off_are_refused(
    signed: SignedSender, skew: int, expected: int
) -> None:
    response = signed.send("GET", LIST, timestamp=int(signed.server.now()) + skew)
    assert error_of(response) == (400, expected)


def test_timestamps_within_five_minutes_are_fine(signed: SignedSender) -> None:
    now = int(signed.server.now())
    assert signed.send("GET", LIST, timestamp=now - 290).status_code == 200
    assert signed.send("GET", LIST, timestamp=now + 290).status_code == 200


def test_a_replayed_timestamp_and_nonce_is_refused(signed: SignedSender) -> None:
    now = int(signed.server.now())
    assert signed.send("GET", LIST, timestamp=now, nonce=42).status_code == 200
    assert error_of(signed.send("GET", LIST, timestamp=now, nonce=42)) == (400, 190301)
    assert signed.send("GET", LIST, timestamp=now, nonce=43).status_code == 200


def test_a_replayed_create_creates_nothing(signed: SignedSender) -> None:
    now = int(signed.server.now())
    first = signed.send("POST", "/v1/meetings", meeting_body(), timestamp=now, nonce=5)
    again = signed.send("POST", "/v1/meetings", meeting_body(), timestamp=now, nonce=5)
    assert first.status_code == 200 and error_of(again) == (400, 190301)
    assert len(signed.server.meetings()) == 1


def test_checks_come_in_the_real_services_order(signed: SignedSender) -> None:
    stale = int(signed.server.now()) - 1000

    def bad_everything(headers: dict[str, str]) -> None:
        headers["X-TC-Signature"] = "x" * 88

    # A stale timestamp is reported before the bad signature ...
    assert error_of(signed.send("GET", LIST, timestamp=stale, change=bad_everything))[1] == 190300
    # ... an unknown key before the stale timestamp ...
    unknown = signed.send(
        "GET",
        LIST,
        timestamp=stale,
        change=lambda h: (bad_everything(h), h.update({"X-TC-Key": "nobody"})),
    )
    assert error_of(unknown)[1] == 190303
    # ... and a missing header before everything.
    missing = signed.send(
        "GET",
        LIST,
        timestamp=stale,
        change=lambda h: (h.update({"X-TC-Key": "nobody"}), h.pop("AppId")),
    )
    assert error_of(missing)[1] == 200001
