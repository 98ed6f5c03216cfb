"""Transport failures over real sockets, and the environment's proxy settings."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import client_credentials
from worker.domain.calls import CallRecord
from worker.exceptions import TransportError
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.signing import Credentials

CREDS = Credentials(app_id="app", secret_id="sid", secret_key="key")


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A localhost port that refuses connections: bound, never listening (no race with
    another process taking it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


def test_connection_refused_certainly_did_not_reach_the_server(refusing_port: int) -> None:
    records: list[CallRecord] = []
    client = WemeetClient(
        AkSkAuth(CREDS), f"http://127.0.0.1:{refusing_port}", on_call=records.append
    )
    start = datetime.now(UTC) + timedelta(days=1)
    spec = MeetingSpec(userid="alice", subject="x", start=start, end=start + timedelta(hours=1))
    with pytest.raises(TransportError) as caught:
        client.create_meeting(spec)
    assert caught.value.may_have_reached is False
    assert caught.value.endpoint == "create"
    assert records[0].http_status is None and not records[0].ok


def _spec() -> MeetingSpec:
    start = datetime.now(UTC) + timedelta(days=1)
    return MeetingSpec(userid="alice", subject="x", start=start, end=start + timedelta(hours=1))


def test_the_environments_proxy_is_used(
    sandbox: SandboxServer, refusing_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A proxy that refuses connections: a call that goes through it cannot reach the API.
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refusing_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = WemeetClient(AkSkAuth(client_credentials(sandbox.credentials)), sandbox.base_url)
    with pytest.raises(TransportError):
        client.create_meeting(_spec())
    assert sandbox.meetings() == []


def test_no_proxy_sends_the_api_direct(
    sandbox: SandboxServer, refusing_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refusing_port}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = WemeetClient(AkSkAuth(client_credentials(sandbox.credentials)), sandbox.base_url)
    made = client.create_meeting(_spec())
    assert [m["meeting_id"] for m in sandbox.meetings()] == [made.meeting_id]
