"""The /_sandbox/ inspection API and the server itself: keep-alive, concurrency, stopping."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

import pytest
import requests

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender

LIST = "/v1/meetings?userid=alice&instanceid=1"


def inspect(server: SandboxServer, name: str, method: str = "GET", **kw: object) -> object:
    response = requests.request(method, f"{server.base_url}/_sandbox/{name}", timeout=5, **kw)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()


def test_meetings_show_every_meeting_ever_created_with_its_state(signed: SignedSender) -> None:
    server = signed.server
    first = signed.create(subject="一").json()["meeting_info_list"][0]["meeting_id"]
    signed.create(subject="二", userid="bob")
    cancel = {"userid": "alice", "instanceid": 1, "reason_code": 1}
    assert signed.send("POST", f"/v1/meetings/{first}/cancel", cancel).status_code == 200
    held = inspect(server, "meetings")
    assert held == server.meetings()
    assert isinstance(held, list)
    assert [(m["subject"], m["creator"], m["state"]) for m in held] == [
        ("一", "alice", "MEETING_STATE_CANCELLED"),
        ("二", "bob", "MEETING_STATE_INIT"),
    ]
    assert isinstance(held[0]["start_time"], int) and held[0]["cancelled_at"] is not None
    assert {"meeting_id", "meeting_code", "join_url", "updates", "created_at"} <= set(held[1])


def test_stats_count_by_endpoint_error_code_and_status(signed: SignedSender) -> None:
    signed.create()
    signed.create(subject="敏感词")
    signed.send("GET", LIST)
    signed.send("GET", LIST, change=lambda h: h.pop("AppId"))
    stats = inspect(signed.server, "stats")
    assert stats == signed.server.stats()
    assert stats["total"] == 4
    assert stats["by_endpoint"] == {
        "create": {"total": 2, "ok": 1, "error": 1, "error_9093": 1},
        "list": {"total": 2, "ok": 1, "error": 1, "error_200001": 1},
    }
    assert stats["by_error_code"] == {"9093": 1, "200001": 1}
    assert stats["by_status"] == {"200": 2, "500": 1, "400": 1}


def test_the_request_log_gives_sandbox_time_endpoint_status_code_and_user(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(clock=lambda: 1_790_000_000.5)
    sender = SignedSender(server)
    sender.create()
    sender.create(userid="bob", subject="敏感词")
    log = inspect(server, "requests")
    assert log == server.requests_log()
    assert [
        (e["seq"], e["t"], e["endpoint"], e["http_status"], e["error_code"], e["userid"])
        for e in log  # type: ignore[attr-defined]
    ] == [
        (0, 1_790_000_000.5, "create", 200, None, "alice"),
        (1, 1_790_000_000.5, "create", 500, 9093, "bob"),
    ]
    assert len(inspect(server, "requests", params={"since": 1})) == 1  # type: ignore[arg-type]
    assert server.requests_log(since=2) == []


def test_reset_forgets_everything_and_restores_the_start_up_faults(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(latency_ms=0)
    sender = SignedSender(server)
    sender.send("GET", LIST, nonce=77)
    sender.create()
    server.set_faults(fail_rate=1.0, inject=[{"action": "drop"}])
    server.advance_clock(30)
    assert inspect(server, "reset", "POST", json={}) == {"reset": True}
    assert server.meetings() == [] and server.requests_log() == []
    assert server.stats()["total"] == 0
    faults = inspect(server, "faults")
    assert faults == {
        "fail_rate": 0.0,
        "drop_response_rate": 0.0,
        "latency_ms": 0.0,
        "clock_offset_seconds": 0.0,
        "queued": [],
    }
    assert inspect(server, "clock")["advanced_seconds"] == 0  # type: ignore[index]
    assert sender.send("GET", LIST, nonce=77).status_code == 200  # replays forgotten too


def test_inspection_answers_carry_trace_and_date_and_are_not_logged(
    sandbox: SandboxServer,
) -> None:
    response = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5)
    assert response.headers["X-TC-Trace"] and response.headers["Date"]
    assert sandbox.stats()["total"] == 0


def test_inspection_errors(sandbox: SandboxServer) -> None:
    base = f"{sandbox.base_url}/_sandbox"
    assert requests.get(f"{base}/nothing", timeout=5).status_code == 404
    assert requests.post(f"{base}/meetings", json={}, timeout=5).status_code == 404
    as_json = {"Content-Type": "application/json"}
    assert requests.post(f"{base}/faults", data=b"{", headers=as_json, timeout=5).status_code == 400
    assert requests.post(f"{base}/clock", json=[1], timeout=5).status_code == 400
    assert requests.get(f"{base}/requests?since=x", timeout=5).status_code == 400


def test_a_web_page_cannot_reset_or_reconfigure_the_sandbox(sandbox: SandboxServer) -> None:
    # What a page's fetch() can send without a CORS preflight: a text/plain POST, here with
    # the page's Origin and without (a browser that leaves it out), then JSON from the page.
    sandbox.set_faults(fail_rate=0.5)
    base = f"{sandbox.base_url}/_sandbox"
    page = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    plain = {"Content-Type": "text/plain"}
    body = b'{"fail_rate": 0}'
    refused = requests.post(f"{base}/reset", data=body, headers={**plain, **page}, timeout=5)
    assert refused.status_code == 403 and "origin" in refused.json()["error"]
    unlabelled = requests.post(f"{base}/faults", data=body, headers=plain, timeout=5)
    assert unlabelled.status_code == 415 and "application/json" in unlabelled.json()["error"]
    cross = requests.post(f"{base}/faults", json={"fail_rate": 0}, headers=page, timeout=5)
    assert cross.status_code == 403
    assert inspect(sandbox, "faults")["fail_rate"] == 0.5  # type: ignore[index]
    assert inspect(sandbox, "reset", "POST", json={}) == {"reset": True}  # a script still can
    assert inspect(sandbox, "faults")["fail_rate"] == 0.0  # type: ignore[index]


def test_one_connection_serves_many_requests(sandbox: SandboxServer) -> None:
    sender = SignedSender(sandbox)
    for _ in range(10):
        assert sender.create().status_code == 200
        assert sender.send("GET", LIST).status_code == 200
        assert sender.session.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).ok
    assert sandbox.connections_opened == 1
    # A client that asks to close gets its connection closed.
    closing = sender.send("GET", LIST, change=lambda h: h.update(Connection="close"))
    assert closing.headers["Connection"] == "close"
    sender.send("GET", LIST)
    assert sandbox.connections_opened == 2


def test_concurrent_clients_get_distinct_meetings(sandbox: SandboxServer) -> None:
    ids: list[str] = []
    errors: list[BaseException] = []

    def client() -> None:
        sender = SignedSender(sandbox)
        try:
            for _ in range(15):
                response = sender.create()
                ids.append(response.json()["meeting_info_list"][0]["meeting_id"])
        except BaseException as exc:  # surfaced below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(ids) == len(set(ids)) == 90 == len(sandbox.meetings())


def test_stop_ends_kept_alive_connections_and_frees_the_port() -> None:
    server = SandboxServer().start()
    sender = SignedSender(server)
    assert sender.send("GET", LIST).status_code == 200
    port = int(server.base_url.rsplit(":", 1)[1])
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        sender.send("GET", LIST)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    with pytest.raises(RuntimeError):
        server.start()


def test_the_base_url_and_credentials_are_known_before_start() -> None:
    server = SandboxServer()
    try:
        assert server.base_url == f"http://127.0.0.1:{server.port}"
        assert server.credentials.app_id == "200000001"
        assert server.credentials.sdk_id is None
    finally:
        server.stop()


def test_a_taken_port_raises_oserror_in_process(sandbox: SandboxServer) -> None:
    port = int(sandbox.base_url.rsplit(":", 1)[1])
    with pytest.raises(OSError):
        SandboxServer(port=port)
