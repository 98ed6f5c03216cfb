"""Injected faults over real HTTP: server failures, lost answers after the work was done,
latency, a shifted clock, and the exact fault queue."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import pytest
import requests

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender, error_of, meeting_body

LIST = "/v1/meetings?userid=alice&instanceid=1"


def lost(call: Callable[[], requests.Response]) -> BaseException:
    """The connection error a lost answer gives, with its root cause."""
    with pytest.raises(requests.ConnectionError) as caught:
        call()
    cause: BaseException = caught.value
    while cause.__context__ is not None or cause.__cause__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    return cause


def test_fail_rate_answers_500_without_a_body_and_does_nothing(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender = SignedSender(sandbox_factory(fail_rate=1.0))
    response = sender.create()
    assert (response.status_code, response.content) == (500, b"")
    assert response.headers["X-TC-Trace"]
    assert sender.server.meetings() == []
    assert sender.server.stats()["by_endpoint"]["create"] == {"total": 1, "fail": 1}


def test_a_dropped_create_was_carried_out_and_the_client_hears_nothing(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(drop_response_rate=1.0)
    sender = SignedSender(server)
    cause = lost(lambda: sender.create(subject="lost answer"))
    assert isinstance(cause, http.client.RemoteDisconnected | ConnectionResetError)
    (held,) = server.meetings()
    assert held["subject"] == "lost answer"
    assert server.stats()["by_status"] == {"dropped": 1}
    # The list is how a client finds out what the lost create did.
    server.set_faults(drop_response_rate=0.0)
    listed = sender.send("GET", LIST).json()["meeting_info_list"]
    assert [m["meeting_id"] for m in listed] == [held["meeting_id"]]


def test_dropped_updates_and_cancels_are_carried_out(signed: SignedSender) -> None:
    server = signed.server
    mid = signed.create().json()["meeting_info_list"][0]["meeting_id"]
    server.set_faults(
        inject=[{"endpoint": "update", "action": "drop"}, {"endpoint": "cancel", "action": "drop"}]
    )
    lost(
        lambda: signed.send(
            "PUT", f"/v1/meetings/{mid}", {"userid": "alice", "instanceid": 1, "subject": "新"}
        )
    )
    assert server.meetings()[0]["subject"] == "新"
    body = {"userid": "alice", "instanceid": 1, "reason_code": 1}
    lost(lambda: signed.send("POST", f"/v1/meetings/{mid}/cancel", body))
    assert server.meetings()[0]["state"] == "MEETING_STATE_CANCELLED"
    # The same session goes on over a new connection.
    assert signed.send("GET", LIST).status_code == 200


def test_a_dropped_rejection_is_lost_too_and_recorded(signed: SignedSender) -> None:
    signed.server.set_faults(inject=[{"action": "drop"}])
    lost(lambda: signed.create(subject="敏感词"))
    (entry,) = signed.server.requests_log()
    assert (entry["http_status"], entry["error_code"], entry["outcome"]) == (None, 9093, "drop")


def test_queued_faults_apply_in_order_to_the_matching_endpoint(signed: SignedSender) -> None:
    signed.server.set_faults(
        inject=[
            {"endpoint": "create", "action": "fail"},
            {"endpoint": "get", "action": "error", "error_code": 9061, "message": "slow down"},
            {"endpoint": "create", "action": "error", "error_code": 190310},
            {"action": "error", "error_code": 500029, "http_status": 400},
        ]
    )
    # The list matches only the last, endpoint-free fault: it jumps the queue for "list".
    assert error_of(signed.send("GET", LIST)) == (400, 500029)
    assert signed.create().status_code == 500
    response = signed.send("GET", "/v1/meetings/1234567890123456789?userid=alice&instanceid=1")
    assert error_of(response) == (400, 9061)
    assert response.json()["error_info"]["message"] == "slow down"
    assert error_of(signed.create()) == (500, 190310)
    assert signed.create().status_code == 200
    assert len(signed.server.meetings()) == 1
    assert signed.server.stats()["by_status"] == {"200": 1, "500": 2, "400": 2}


def test_faults_come_after_authentication(signed: SignedSender) -> None:
    signed.server.set_faults(inject=[{"action": "fail"}])
    bad = signed.send("GET", LIST, change=lambda h: h.update({"X-TC-Signature": "x"}))
    assert error_of(bad) == (500, 200003)
    assert signed.send("GET", LIST).status_code == 500  # the queued fault is still there


def test_latency_delays_every_answer(sandbox_factory: Callable[..., SandboxServer]) -> None:
    server = sandbox_factory(latency_ms=300)
    sender = SignedSender(server)
    began = time.monotonic()
    assert sender.send("GET", LIST).status_code == 200
    assert time.monotonic() - began >= 0.3
    server.set_faults(latency_ms=2000)
    with pytest.raises(requests.Timeout):
        sender.session.get(server.base_url + "/v1/meetings", timeout=0.5)


def test_a_shifted_clock_moves_the_timestamp_window_and_the_date_header(
    signed: SignedSender,
) -> None:
    server = signed.server
    requests.post(
        f"{server.base_url}/_sandbox/faults", json={"clock_offset_seconds": 400}, timeout=5
    )
    response = signed.send("GET", LIST, timestamp=int(time.time()))
    assert error_of(response) == (400, 190300)
    date = parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert abs(date - (time.time() + 400)) < 5
    # Signed on the server's clock, the same request goes through.
    assert signed.send("GET", LIST, timestamp=int(date)).status_code == 200


def test_a_shifted_clock_changes_what_is_upcoming(signed: SignedSender) -> None:
    start = int(time.time()) + 600
    signed.create(start_time=str(start), end_time=str(start + 60))
    assert len(signed.send("GET", LIST).json()["meeting_info_list"]) == 1
    signed.server.set_faults(clock_offset_seconds=700)
    assert signed.send("GET", LIST).json()["meeting_info_list"] == []


def test_seeded_random_faults_repeat(sandbox_factory: Callable[..., SandboxServer]) -> None:
    def statuses(server: SandboxServer) -> list[int | str]:
        sender = SignedSender(server)
        out: list[int | str] = []
        for _ in range(30):
            try:
                out.append(sender.send("GET", LIST).status_code)
            except requests.ConnectionError:
                out.append("lost")
        return out

    config = {"seed": 11, "fail_rate": 0.3, "drop_response_rate": 0.3}
    first = statuses(sandbox_factory(**config))
    assert first == statuses(sandbox_factory(**config))
    assert {200, 500, "lost"} <= set(first)


def test_fault_settings_over_http_are_checked(signed: SignedSender) -> None:
    url = f"{signed.server.base_url}/_sandbox/faults"
    bad = requests.post(url, json={"fail_rate": 2}, timeout=5)
    assert bad.status_code == 400 and "fail_rate" in bad.json()["error"]
    typo = requests.post(url, json={"inject": [{"action": "drop", "endpoint": "crate"}]}, timeout=5)
    assert typo.status_code == 400
    ok = requests.post(url, json={"inject": [{"action": "fail", "endpoint": "list"}]}, timeout=5)
    assert ok.json()["queued"] == [{"action": "fail", "endpoint": "list", "error_code": 0}]
    assert requests.get(url, timeout=5).json()["queued"][0]["action"] == "fail"
    assert signed.send("GET", LIST).status_code == 500
    assert signed.create(start_time=meeting_body()["start_time"]).status_code == 200


def test_non_finite_settings_over_http_are_refused_and_the_sandbox_keeps_answering(
    signed: SignedSender,
) -> None:
    base = f"{signed.server.base_url}/_sandbox"
    as_json = {"Content-Type": "application/json"}
    nan = requests.post(f"{base}/faults", data=b'{"latency_ms": NaN}', headers=as_json, timeout=5)
    assert nan.status_code == 400 and "latency_ms" in nan.json()["error"]
    inf = b'{"advance_seconds": Infinity}'
    clock = requests.post(f"{base}/clock", data=inf, headers=as_json, timeout=5)
    assert clock.status_code == 400 and "advance_seconds" in clock.json()["error"]
    assert requests.get(f"{base}/faults", timeout=5).json()["latency_ms"] == 0.0
    assert requests.get(f"{base}/clock", timeout=5).json()["advanced_seconds"] == 0.0
    assert signed.send("GET", LIST).status_code == 200
