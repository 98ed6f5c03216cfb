"""Every way the sandbox rejects a call, as the client reports it over real HTTP."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import client_credentials
from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError, ConfigError, InvalidMeeting, TransportError
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.errors import QuotaScope, classify_error, quota_scope
from worker.wemeet.meeting import MeetingSpec

SENSITIVE = "机密项目"


def spec(userid: str = "alice", subject: str = "fault test") -> MeetingSpec:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    return MeetingSpec(userid=userid, subject=subject, start=start, end=start + timedelta(hours=1))


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(users=("alice", "bob"), sensitive_words=(SENSITIVE,))


def client_for(server: SandboxServer, **changes: Any) -> WemeetClient:
    options = {k: changes.pop(k) for k in ("read_timeout", "connect_timeout") if k in changes}
    creds = dataclasses.replace(client_credentials(server.credentials), **changes)
    return WemeetClient(AkSkAuth(creds), server.base_url, **options)


def api_error(call: Callable[[], object]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


def created_count(server: SandboxServer) -> int:
    return len(server.meetings())


def test_wrong_secret_key_is_a_signature_failure(server: SandboxServer) -> None:
    wrong = "not-the-key-0123456789"
    exc = api_error(lambda: client_for(server, secret_key=wrong).create_meeting(spec()))
    assert exc.error_code == 200003
    assert exc.message
    assert classify_error(exc, "create") is ErrorKind.CONFIGURATION
    assert wrong not in str(exc) and wrong not in repr(vars(exc))
    assert exc.trace_id  # the sandbox's X-TC-Trace, for a support ticket
    assert created_count(server) == 0


@pytest.mark.parametrize("changes", [{"secret_id": "unknown-secret-id"}, {"app_id": "999999999"}])
def test_unknown_secret_id_or_app_id_is_unauthenticated(
    server: SandboxServer, changes: dict[str, str]
) -> None:
    exc = api_error(lambda: client_for(server, **changes).create_meeting(spec()))
    assert exc.error_code == 190303
    assert classify_error(exc, "create") is ErrorKind.CONFIGURATION


def test_an_sdk_id_that_was_never_assigned_is_unauthenticated(server: SandboxServer) -> None:
    exc = api_error(lambda: client_for(server, sdk_id="123456").create_meeting(spec()))
    assert exc.error_code == 190303


def test_an_empty_app_id_is_refused_before_anything_is_sent(server: SandboxServer) -> None:
    with pytest.raises(ConfigError) as caught:
        client_for(server, app_id="")
    assert "wemeet.app_id" in str(caught.value)
    assert server.stats()["total"] == 0


def test_an_assigned_sdk_id_is_sent_and_accepted(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(sdk_id="20000123")
    assert server.credentials.sdk_id == "20000123"
    assert client_for(server).create_meeting(spec()).meeting_id


def test_clock_offset_is_rejected_then_fixed_from_the_server_date(server: SandboxServer) -> None:
    server.set_faults(clock_offset_seconds=900)
    client = client_for(server)
    exc = api_error(lambda: client.create_meeting(spec()))
    assert exc.error_code == 190300
    assert classify_error(exc, "create") is ErrorKind.RESIGN
    assert exc.server_date is not None
    assert abs(exc.server_date - time.time() - 900) < 5
    # The auth object has learnt the offset from the answer: the next attempt is accepted.
    assert abs(client.auth.clock_offset - 900) < 5  # type: ignore[attr-defined]
    assert client.create_meeting(spec()).meeting_id
    assert created_count(server) == 1


def test_a_sensitive_word_fails_the_row(server: SandboxServer) -> None:
    subject = f"关于{SENSITIVE}的周会"
    exc = api_error(lambda: client_for(server).create_meeting(spec(subject=subject)))
    assert exc.error_code == 9093
    assert classify_error(exc, "create") is ErrorKind.ROW_PERMANENT


def test_a_long_subject_is_refused_locally_and_nothing_is_sent(server: SandboxServer) -> None:
    before = server.stats()
    with pytest.raises(InvalidMeeting) as caught:
        client_for(server).create_meeting(spec(subject="长" * 200))
    assert caught.value.code == "local.subject_too_long"
    assert server.stats() == before


def test_an_unknown_meeting_is_9003(server: SandboxServer) -> None:
    client = client_for(server)
    exc = api_error(lambda: client.get_meeting("1234567890123456789", "alice"))
    assert exc.error_code == 9003
    update = api_error(lambda: client.update_meeting("1234567890123456789", spec()))
    assert classify_error(update, "update") is ErrorKind.ROW_PERMANENT
    cancel = api_error(lambda: client.cancel_meeting("1234567890123456789", "alice"))
    assert classify_error(cancel, "cancel") is ErrorKind.DONE


def test_only_the_creator_may_change_a_meeting(server: SandboxServer) -> None:
    client = client_for(server)
    created = client.create_meeting(spec(userid="alice"))
    exc = api_error(lambda: client.update_meeting(created.meeting_id, spec(userid="bob")))
    assert exc.error_code == 9102
    assert classify_error(exc, "update") is ErrorKind.ROW_PERMANENT


def test_an_unknown_user_is_20001(server: SandboxServer) -> None:
    exc = api_error(lambda: client_for(server).create_meeting(spec(userid="nobody")))
    assert exc.error_code == 20001
    assert classify_error(exc, "create") is ErrorKind.ROW_PERMANENT


def test_server_failures_are_transient(server: SandboxServer) -> None:
    server.set_faults(fail_rate=1.0)
    exc = api_error(lambda: client_for(server).get_meeting("1", "alice"))
    assert exc.http_status >= 500
    assert classify_error(exc, "get") is ErrorKind.TRANSIENT


@pytest.mark.parametrize(
    "code,kind,scope",
    [
        (190310, ErrorKind.RATE_WINDOW, QuotaScope.APP_MINUTE),
        (500029, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.USER_CREATE_HOUR),
        (5108, ErrorKind.TRANSIENT, None),
    ],
)
def test_injected_errors_are_classified(
    server: SandboxServer, code: int, kind: ErrorKind, scope: QuotaScope | None
) -> None:
    server.set_faults(inject=[{"endpoint": "create", "action": "error", "error_code": code}])
    exc = api_error(lambda: client_for(server).create_meeting(spec()))
    assert exc.error_code == code
    assert classify_error(exc, "create") is kind
    assert quota_scope(code) is scope


def test_a_lost_response_may_have_reached_and_the_meeting_exists(server: SandboxServer) -> None:
    server.set_faults(drop_response_rate=1.0)
    with pytest.raises(TransportError) as caught:
        client_for(server).create_meeting(spec(subject="lost answer"))
    assert caught.value.may_have_reached is True
    (held,) = server.meetings()
    assert held["subject"] == "lost answer"
    # The list is how a sync finds out what the lost create did.
    server.set_faults(drop_response_rate=0.0)
    listed = client_for(server).list_user_meetings("alice")
    assert [m.meeting_id for m in listed] == [held["meeting_id"]]


def test_a_read_timeout_may_have_reached(server: SandboxServer) -> None:
    server.set_faults(latency_ms=1500)
    with pytest.raises(TransportError) as caught:
        client_for(server, read_timeout=0.3).create_meeting(spec())
    assert caught.value.may_have_reached is True


def test_a_reused_nonce_and_timestamp_would_be_a_replay(server: SandboxServer) -> None:
    # What the official SDK's reused authenticator does; the client's defaults never do.
    now = time.time()
    auth = AkSkAuth(client_credentials(server.credentials), clock=lambda: now, nonce=lambda: 42)
    frozen = WemeetClient(auth, server.base_url, clock=lambda: now)
    frozen.list_user_meetings("alice")
    exc = api_error(lambda: frozen.list_user_meetings("alice"))
    assert exc.error_code == 190301
    assert classify_error(exc, "list") is ErrorKind.RESIGN


def test_every_call_is_signed_afresh_so_no_replay(server: SandboxServer) -> None:
    client = client_for(server)
    for _ in range(3):
        client.get_meeting(client.create_meeting(spec()).meeting_id, "alice")
    assert created_count(server) == 3
