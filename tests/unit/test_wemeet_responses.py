from __future__ import annotations

import json

import pytest
import requests
import urllib3.exceptions

from worker.wemeet.errors import MALFORMED_SUCCESS, NO_ERROR_BODY, UNEXPECTED_STATUS
from worker.wemeet.responses import (
    ResponseMeta,
    error_from_body,
    error_from_status,
    http_date,
    malformed,
    retry_after,
    transport_error,
)

DATE = "Tue, 14 Nov 2023 22:13:20 GMT"  # 1700000000


def meta(status: int, **headers: str) -> ResponseMeta:
    return ResponseMeta.from_headers("create", status, headers, now=1_700_000_000.0)


def body(code: int, message: str = "msg", **extra: object) -> bytes:
    return json.dumps({"error_info": {"error_code": code, "message": message, **extra}}).encode()


def test_an_error_body_becomes_an_api_error_with_everything_the_answer_told() -> None:
    m = ResponseMeta.from_headers(
        "create", 400, {"X-TC-Trace": "trace-1", "Date": DATE, "Retry-After": "7"}, now=0.0
    )
    exc = error_from_status(m, body(190303, "unauthenticated", new_error_code=200190303))
    assert exc.error_code == 190303
    assert exc.new_error_code == 200190303
    assert exc.message == "unauthenticated"
    assert exc.http_status == 400
    assert exc.trace_id == "trace-1"
    assert exc.endpoint == "create"
    assert exc.server_date == 1_700_000_000.0
    assert exc.retry_after == 7.0
    assert str(exc) == "create: error 190303 (HTTP 400): unauthenticated"


def test_the_code_decides_not_the_status() -> None:
    # Service errors come back as HTTP 500 with a body: the body's code is what counts.
    exc = error_from_status(meta(500), body(9003, "MEETING NOT EXIST"))
    assert exc.error_code == 9003
    assert exc.http_status == 500


def test_older_answers_without_new_error_code() -> None:
    assert error_from_status(meta(400), body(200003)).new_error_code is None


def test_string_codes_are_read_as_numbers() -> None:
    assert error_from_status(meta(400), body("9093")).error_code == 9093  # type: ignore[arg-type]


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
@pytest.mark.parametrize("content", [b"", b"<html>Bad Gateway</html>", b'{"error": "x"}', b"\xff"])
def test_transient_statuses_without_an_error_body(status: int, content: bytes) -> None:
    exc = error_from_status(meta(status), content)
    assert exc.error_code == NO_ERROR_BODY
    assert exc.message == f"HTTP {status} without an error body"


@pytest.mark.parametrize("status", [301, 400, 401, 403, 404])
def test_other_statuses_without_an_error_body_are_unexpected(status: int) -> None:
    assert error_from_status(meta(status), b"Not Found").error_code == UNEXPECTED_STATUS


def test_a_success_body_holds_no_error() -> None:
    assert error_from_body(meta(200), {"meeting_info_list": []}) is None
    assert error_from_body(meta(200), {"error_info": {"error_code": 0}}) is None
    assert error_from_body(meta(200), {"error_info": {"error_code": 9093}}) is not None


def test_long_messages_are_cut() -> None:
    assert len(error_from_status(meta(400), body(190004, "x" * 5000)).message) == 500


def test_malformed_success() -> None:
    exc = malformed(meta(200, **{"X-TC-Trace": "t"}), "no meeting_id")
    assert exc.error_code == MALFORMED_SUCCESS
    assert exc.trace_id == "t"
    assert "no meeting_id" in exc.message


def test_dates_and_retry_after() -> None:
    assert http_date(DATE) == 1_700_000_000.0
    assert http_date("yesterday") is None
    assert http_date(None) is None
    assert retry_after("120", 0.0) == 120.0
    assert retry_after("Tue, 14 Nov 2023 22:14:20 GMT", 1_700_000_000.0) == 60.0
    assert retry_after("Tue, 14 Nov 2023 22:14:20 GMT", 1_800_000_000.0) == 0.0
    assert retry_after("soon", 0.0) is None


def _connection_error(reason: Exception) -> requests.ConnectionError:
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/v1", reason))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "exc,reached",
    [
        (requests.ConnectTimeout("x"), False),
        (requests.ReadTimeout("x"), True),
        (requests.exceptions.SSLError("x"), False),
        (_connection_error(urllib3.exceptions.NewConnectionError(None, "refused")), False),  # type: ignore[arg-type]
        (_connection_error(urllib3.exceptions.NameResolutionError("h", None, OSError())), False),  # type: ignore[arg-type]
        (
            requests.ConnectionError(
                urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
            ),
            True,
        ),
        (requests.exceptions.ChunkedEncodingError("x"), True),
        (requests.ConnectionError("something else"), True),
    ],
)
def test_transport_failures_say_whether_the_request_may_have_arrived(
    exc: requests.RequestException, reached: bool
) -> None:
    error = transport_error(exc, "create")
    assert error.may_have_reached is reached
    assert error.endpoint == "create"
