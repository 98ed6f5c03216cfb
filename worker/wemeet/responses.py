"""HTTP answers and failures translated into the project's exceptions. Pure.

An error body becomes an ``ApiError`` with the server's codes; an error status without a
parsable body gets a client-side code from the catalogue (``NO_ERROR_BODY`` for 5xx, 408
and 429, which is transient; ``UNEXPECTED_STATUS`` otherwise, a configuration fault such as
a wrong base URL). ``requests`` failures become ``TransportError`` with an honest
``may_have_reached``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests
import urllib3.exceptions

from worker.exceptions import ApiError, TransportError
from worker.wemeet.errors import MALFORMED_SUCCESS, NO_ERROR_BODY, UNEXPECTED_STATUS

MAX_MESSAGE_CHARS = 500
_TRANSIENT_STATUSES = frozenset({408, 429})
# urllib3 failures that happen before a single byte of the request left this host.
_NOT_SENT = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, DNS (NameResolutionError)
    urllib3.exceptions.ConnectTimeoutError,
)


@dataclass(frozen=True)
class ResponseMeta:
    """What every answer's status line and headers tell, whatever its body."""

    endpoint: str
    http_status: int
    trace_id: str | None = None
    server_date: float | None = None  # Unix seconds, from `Date`
    retry_after: float | None = None  # seconds, from `Retry-After`

    @classmethod
    def from_headers(
        cls, endpoint: str, status: int, headers: Mapping[str, str], *, now: float
    ) -> ResponseMeta:
        server_date = http_date(headers.get("Date"))
        return cls(
            endpoint=endpoint,
            http_status=status,
            trace_id=headers.get("X-TC-Trace") or None,
            server_date=server_date,
            retry_after=retry_after(headers.get("Retry-After"), server_date or now),
        )

    def error(
        self, error_code: int, message: str, *, new_error_code: int | None = None
    ) -> ApiError:
        return ApiError(
            error_code=error_code,
            new_error_code=new_error_code,
            message=message[:MAX_MESSAGE_CHARS],
            http_status=self.http_status,
            trace_id=self.trace_id,
            endpoint=self.endpoint,
            retry_after=self.retry_after,
            server_date=self.server_date,
        )


def http_date(value: str | None) -> float | None:
    """Unix seconds of an HTTP date, or None when absent or unparsable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return None if parsed.tzinfo is None else parsed.timestamp()


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    moment = http_date(text)
    return None if moment is None else max(0.0, moment - now)


def decode_json(content: bytes) -> object:
    """The JSON document of a body; ValueError when it is not UTF-8 JSON."""
    return json.loads(content.decode("utf-8"))


def _error_fields(doc: object) -> tuple[int, int | None, str] | None:
    """(error_code, new_error_code, message) of an error body, or None if it is not one."""
    if not isinstance(doc, Mapping):
        return None
    info = doc.get("error_info")
    if not isinstance(info, Mapping):
        return None
    code, new_code, message = (
        info.get("error_code"),
        info.get("new_error_code"),
        info.get("message"),
    )
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int) or code == 0:
        return None
    if isinstance(new_code, bool) or not isinstance(new_code, int):
        new_code = None
    return code, new_code, message if isinstance(message, str) else ""


def error_from_body(meta: ResponseMeta, doc: object) -> ApiError | None:
    """The ApiError an error body describes, or None when the body holds no error."""
    fields = _error_fields(doc)
    if fields is None:
        return None
    code, new_code, message = fields
    return meta.error(code, message, new_error_code=new_code)


def error_from_status(meta: ResponseMeta, content: bytes) -> ApiError:
    """A non-200 answer: its error body, else a client-side code chosen by the status."""
    try:
        found = error_from_body(meta, decode_json(content)) if content else None
    except ValueError:
        found = None
    if found is not None:
        return found
    status = meta.http_status
    if status >= 500 or status in _TRANSIENT_STATUSES:
        return meta.error(NO_ERROR_BODY, f"HTTP {status} without an error body")
    return meta.error(UNEXPECTED_STATUS, f"HTTP {status} without an error body")


def malformed(meta: ResponseMeta, detail: str) -> ApiError:
    """A success status whose body is not what the endpoint returns."""
    return meta.error(MALFORMED_SUCCESS, f"unexpected success body: {detail}")


def transport_error(exc: requests.RequestException, endpoint: str) -> TransportError:
    """The TransportError for a failed exchange; ``may_have_reached`` is False only when
    the connection was never made (refused, unreachable, DNS, connect timeout, TLS)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return TransportError("connect timeout", may_have_reached=False, endpoint=endpoint)
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return TransportError("read timeout", may_have_reached=True, endpoint=endpoint)
    if isinstance(exc, requests.exceptions.SSLError):
        # The handshake comes before the request: nothing was sent.
        return TransportError("TLS handshake failed", may_have_reached=False, endpoint=endpoint)
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    if isinstance(exc, requests.exceptions.ConnectionError) and isinstance(reason, _NOT_SENT):
        dns = isinstance(reason, urllib3.exceptions.NameResolutionError)
        kind = "DNS lookup failed" if dns else "connection failed"
        return TransportError(kind, may_have_reached=False, endpoint=endpoint)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return TransportError("invalid URL", may_have_reached=False, endpoint=endpoint)
    # Reset, closed without an answer, broken body: the server may have acted on it.
    name = type(reason).__name__ if isinstance(reason, BaseException) else type(exc).__name__
    return TransportError(
        f"connection lost before a complete answer ({name})",
        may_have_reached=True,
        endpoint=endpoint,
    )
