"""The client over an in-memory transport (a requests adapter): no network, real requests."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter

from worker.domain.calls import CallRecord
from worker.exceptions import ApiError, ConfigError, InvalidMeeting, TransportError
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.errors import MALFORMED_SUCCESS
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo
from worker.wemeet.signing import Credentials, sign

CREDS = Credentials(app_id="app-1", secret_id="sid-1", secret_key="very-secret-key")
BASE = "http://127.0.0.1:9"
SPEC = MeetingSpec(
    userid="li.lei@example.com",
    subject="周会 🚀",
    start=datetime(2030, 1, 1, 1, tzinfo=UTC),
    end=datetime(2030, 1, 1, 2, tzinfo=UTC),
)
Reply = tuple[int, object, Mapping[str, str]] | Exception


def ok(doc: object, **headers: str) -> Reply:
    return (200, doc, headers)


def meeting(meeting_id: str, **extra: object) -> dict[str, object]:
    return {"meeting_id": meeting_id, "meeting_code": "1" + meeting_id.zfill(8), **extra}


class FakeTransport(BaseAdapter):
    """Answers from a script and keeps every prepared request it was handed."""

    def __init__(self, replies: list[Reply]) -> None:
        super().__init__()
        self.replies = replies
        self.sent: list[requests.PreparedRequest] = []
        self.options: list[dict[str, Any]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append(request)
        self.options.append(kwargs)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, doc, headers = reply
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        if isinstance(doc, bytes):
            response._content = doc
        else:
            response._content = b"" if doc is None else json.dumps(doc).encode()
        response.request = request
        response.url = request.url or ""
        return response

    def close(self) -> None:
        pass


def make_client(
    replies: list[Reply], **options: Any
) -> tuple[WemeetClient, FakeTransport, list[CallRecord]]:
    transport = FakeTransport(replies)
    session = requests.Session()
    session.mount("http://", transport)
    session.mount("https://", transport)
    records: list[CallRecord] = []
    nonces: Iterator[int] = itertools.count(1000)
    options.setdefault("clock", lambda: 1_700_000_000.0)
    options.setdefault("on_call", records.append)
    auth = AkSkAuth(CREDS, clock=options["clock"], nonce=lambda: next(nonces))
    client = WemeetClient(auth, options.pop("base_url", BASE), session=session, **options)
    return client, transport, records


def uri_of(request: requests.PreparedRequest) -> str:
    parts = urlsplit(request.url or "")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def assert_signed_as_sent(request: requests.PreparedRequest) -> None:
    body = request.body or b""
    assert isinstance(body, bytes)
    expected = sign(
        request.method or "", uri_of(request), body, secret_id=CREDS.secret_id,
        secret_key=CREDS.secret_key, nonce=int(request.headers["X-TC-Nonce"]),
        timestamp=int(request.headers["X-TC-Timestamp"]),
    )  # fmt: skip
    assert request.headers["X-TC-Signature"] == expected


def test_create_sends_the_signed_utf8_body_and_returns_the_meeting() -> None:
    client, transport, _ = make_client([ok({"meeting_info_list": [meeting("m1")]})])
    info = client.create_meeting(SPEC)
    assert info == MeetingInfo("m1", "1000000m1")
    (request,) = transport.sent
    assert request.method == "POST"
    assert request.url == f"{BASE}/v1/meetings"
    assert (
        request.body
        == (
            '{"end_time":"1893463200","instanceid":1,"start_time":"1893459600",'
            '"subject":"周会 🚀","type":0,"userid":"li.lei@example.com"}'
        ).encode()
    )
    assert_signed_as_sent(request)
    headers = request.headers
    assert headers["AppId"] == "app-1" and headers["X-TC-Key"] == "sid-1"
    assert headers["X-TC-Registered"] == "1" and "SdkId" not in headers


def test_a_query_that_needs_encoding_is_sent_exactly_as_signed() -> None:
    client, transport, _ = make_client([ok({"meeting_info_list": [meeting("8101")]})])
    client.get_meeting("8101", "张三@example.com")
    (request,) = transport.sent
    assert request.url == (
        f"{BASE}/v1/meetings/8101?userid=%E5%BC%A0%E4%B8%89%40example.com&instanceid=1"
    )
    assert request.body is None
    assert_signed_as_sent(request)


@pytest.mark.parametrize("meeting_id", ["", " ", "123/456", "1?x=2", "m1", "１２３"])
def test_a_meeting_id_that_is_not_digits_is_refused_before_anything_is_sent(
    meeting_id: str,
) -> None:
    # Put into the path, anything but digits addresses another endpoint (or none), and the
    # API's answer (200004) would read as a configuration fault of the whole worker.
    client, transport, _ = make_client([])
    for call in (
        lambda: client.get_meeting(meeting_id, "u"),
        lambda: client.cancel_meeting(meeting_id, "u"),
        lambda: client.update_meeting(meeting_id, SPEC),
    ):
        with pytest.raises(InvalidMeeting) as caught:
            call()
        assert caught.value.code in ("local.meeting_id_missing", "local.bad_meeting_id")
    assert transport.sent == []


def test_every_call_is_signed_afresh_with_its_own_nonce_and_time() -> None:
    now = [1_700_000_000.0]
    replies: list[Reply] = [ok({"meeting_info_list": [meeting("m")]})] * 3
    client, transport, _ = make_client(replies, clock=lambda: now[0])
    for step in (0, 0, 42):
        now[0] += step
        client.get_meeting("100", "u")
    nonces = [r.headers["X-TC-Nonce"] for r in transport.sent]
    assert len(set(nonces)) == 3
    assert [r.headers["X-TC-Timestamp"] for r in transport.sent][-1] == "1700000042"
    signatures = {r.headers["X-TC-Signature"] for r in transport.sent}
    assert len(signatures) == 3


def test_the_clock_offset_moves_the_timestamp() -> None:
    client, transport, _ = make_client([ok(None), ok(None)])
    client.cancel_meeting("100", "u")
    client.auth.set_clock_offset(-400.6)  # type: ignore[attr-defined]
    assert client.auth.clock_offset == -400.6  # type: ignore[attr-defined]
    client.cancel_meeting("100", "u")
    assert [r.headers["X-TC-Timestamp"] for r in transport.sent] == ["1700000000", "1699999599"]


def test_timeouts_tls_and_redirects() -> None:
    client, transport, _ = make_client([ok(None)], connect_timeout=1.5, read_timeout=7.0)
    client.cancel_meeting("100", "u")
    options = transport.options[0]
    assert options["timeout"] == (1.5, 7.0)
    assert options["verify"] is True


def test_redirects_are_not_followed() -> None:
    client, transport, _ = make_client([(302, None, {"Location": "https://elsewhere/"})])
    with pytest.raises(ApiError) as caught:
        client.get_meeting("100", "u")
    assert caught.value.error_code == -1
    assert len(transport.sent) == 1


def test_cancel_accepts_an_empty_200() -> None:
    client, transport, _ = make_client([ok(None)])
    client.cancel_meeting("101", "alice", reason_code=3)
    (request,) = transport.sent
    assert request.url == f"{BASE}/v1/meetings/101/cancel"
    assert json.loads(request.body or b"") == {"instanceid": 1, "reason_code": 3, "userid": "alice"}


def test_update_uses_put_and_tolerates_a_short_answer() -> None:
    client, transport, _ = make_client([ok({}), ok({"meeting_info_list": [{"meeting_code": "9"}]})])
    assert client.update_meeting("101", SPEC) == MeetingInfo("101")
    assert client.update_meeting("101", SPEC) == MeetingInfo("101", "9")
    assert transport.sent[0].method == "PUT"
    assert transport.sent[0].url == f"{BASE}/v1/meetings/101"
    assert json.loads(transport.sent[0].body or b"")["meeting_type"] == 0


def test_an_error_answer_raises_api_error_without_secrets() -> None:
    body = {"error_info": {"error_code": 200003, "message": "Signature failed!"}}
    client, _, records = make_client([(400, body, {"X-TC-Trace": "tr-9", "Date": "x"})])
    with pytest.raises(ApiError) as caught:
        client.create_meeting(SPEC)
    exc = caught.value
    assert (exc.error_code, exc.http_status, exc.trace_id) == (200003, 400, "tr-9")
    assert exc.server_date is None  # an unparsable Date is no date
    text = str(exc) + repr(exc.__dict__)
    assert CREDS.secret_key not in text and "X-TC-Signature" not in text
    assert records[-1].error_code == 200003 and records[-1].ok is False


def test_an_error_body_behind_a_200_is_still_an_error() -> None:
    client, _, _ = make_client([ok({"error_info": {"error_code": 9093, "message": "bad"}})])
    with pytest.raises(ApiError) as caught:
        client.create_meeting(SPEC)
    assert caught.value.error_code == 9093


@pytest.mark.parametrize("doc", [b"not json", b"\xff\xfe", {"meeting_info_list": []}, [1]])
def test_a_malformed_success_body_is_an_api_error(doc: object) -> None:
    client, _, records = make_client([ok(doc, **{"X-TC-Trace": "t1"})])
    with pytest.raises(ApiError) as caught:
        client.create_meeting(SPEC)
    assert caught.value.error_code == MALFORMED_SUCCESS
    assert caught.value.trace_id == "t1"
    assert (records[0].http_status, records[0].error_code, records[0].ok) == (
        200, MALFORMED_SUCCESS, False,
    )  # fmt: skip


def test_transport_failures_are_recorded_and_translated() -> None:
    client, _, records = make_client([requests.ReadTimeout("slow")])
    with pytest.raises(TransportError) as caught:
        client.create_meeting(SPEC)
    assert caught.value.may_have_reached is True
    (record,) = records
    assert (record.endpoint, record.http_status, record.error_code, record.ok) == (
        "create", None, None, False,
    )  # fmt: skip


def test_call_records_hold_the_path_without_the_query() -> None:
    client, _, records = make_client([ok({"meeting_info_list": [meeting("m1")]})])
    client.get_meeting("101", "alice")
    (record,) = records
    assert (record.endpoint, record.method, record.path) == ("get", "GET", "/v1/meetings/101")
    assert record.http_status == 200 and record.ok and record.duration_seconds >= 0


def test_a_failing_call_hook_does_not_lose_the_answer() -> None:
    def broken(record: CallRecord) -> None:
        raise RuntimeError("log table is down")

    client, _, _ = make_client([ok({"meeting_info_list": [meeting("m1")]})], on_call=broken)
    assert client.create_meeting(SPEC).meeting_id == "m1"


def page(
    ids: list[str], remaining: int, pos: int | None = None, cursory: int | None = None
) -> Reply:
    doc: dict[str, object] = {
        "meeting_info_list": [meeting(i) for i in ids],
        "remaining": remaining,
    }
    if pos is not None:
        doc["next_pos"] = pos
    if cursory is not None:
        doc["next_cursory"] = cursory
    return ok(doc)


def test_list_pages_until_nothing_remains_and_deduplicates() -> None:
    replies = [page(["a", "b"], 2, 100, 5000), page(["b", "c"], 1, 200, 6000), page(["d"], 0)]
    client, transport, _ = make_client(replies)
    meetings = client.list_user_meetings("li.lei@example.com", pos=50)
    assert [m.meeting_id for m in meetings] == ["a", "b", "c", "d"]
    queries = [urlsplit(r.url or "").query for r in transport.sent]
    user = "userid=li.lei%40example.com&instanceid=1"
    assert queries == [
        f"{user}&pos=50",
        f"{user}&pos=100&cursory=5000",
        f"{user}&pos=200&cursory=6000",
    ]
    for request in transport.sent:
        assert_signed_as_sent(request)


def test_list_refuses_to_loop_forever() -> None:
    replies = [page([str(i)], 1, i + 1) for i in range(3)]
    client, transport, _ = make_client(replies, max_list_pages=3)
    with pytest.raises(ApiError) as caught:
        client.list_user_meetings("u")
    assert caught.value.error_code == MALFORMED_SUCCESS
    assert "3 pages" in caught.value.message
    assert len(transport.sent) == 3


def test_list_stops_when_the_cursor_does_not_move() -> None:
    client, transport, _ = make_client([page(["a"], 5, 100), page(["a"], 5, 100)])
    with pytest.raises(ApiError) as caught:
        client.list_user_meetings("u")
    assert "did not move" in caught.value.message
    assert len(transport.sent) == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_meeting("", "u"),
        lambda c: c.get_meeting("100", ""),
        lambda c: c.cancel_meeting("100", "\ud800"),
        lambda c: c.list_user_meetings(" "),
    ],
)
def test_bad_arguments_fail_before_sending(call: Callable[[WemeetClient], object]) -> None:
    client, transport, records = make_client([])
    with pytest.raises(InvalidMeeting):
        call(client)
    assert transport.sent == [] and records == []


@pytest.mark.parametrize(
    "creds,setting",
    [
        (Credentials("", "sid", "key"), "wemeet.app_id"),
        (Credentials("app", " ", "key"), "wemeet.secret_id"),
        (Credentials("app", "sid", ""), "wemeet.secret_key"),
        (Credentials("app", "sid", "key\n"), "wemeet.secret_key"),
        (Credentials("app", "sid", "kéy"), "wemeet.secret_key"),
        (Credentials("app", "sid", "key", sdk_id="sdk 1"), "wemeet.sdk_id"),
    ],
)
def test_unusable_credentials_are_refused_without_echoing_them(
    creds: Credentials, setting: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        AkSkAuth(creds)
    assert setting in str(caught.value)
    assert "key" not in str(caught.value).replace(setting, "")


@pytest.mark.parametrize("sdk_id,header", [("sdk-7", "sdk-7"), ("", None), (None, None)])
def test_sdk_id_is_sent_only_when_configured(sdk_id: str | None, header: str | None) -> None:
    transport = FakeTransport([ok(None)])
    session = requests.Session()
    session.mount("http://", transport)
    creds = Credentials("app", "sid", "key", sdk_id=sdk_id)
    WemeetClient(AkSkAuth(creds), BASE, session=session).cancel_meeting("100", "u")
    assert transport.sent[0].headers.get("SdkId") == header


def test_a_clock_offset_must_be_finite() -> None:
    auth = AkSkAuth(CREDS)
    with pytest.raises(ConfigError):
        auth.set_clock_offset(float("nan"))
    assert auth.clock_offset == 0.0


def test_tls_verification_cannot_be_turned_off() -> None:
    session = requests.Session()
    session.verify = False
    with pytest.raises(ConfigError):
        WemeetClient(AkSkAuth(CREDS), "https://api.meeting.qq.com", session=session)
    with pytest.raises(ConfigError):
        WemeetClient(AkSkAuth(CREDS), "http://api.meeting.qq.com")
