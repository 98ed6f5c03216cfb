"""The sandbox's WSGI application: the Tencent Meeting API with its real checks and faults.

All state sits behind one lock; latency is served outside it so that slow calls overlap
like they do against the real service.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Request, Response

from sandbox.auth import ReplayMemory, SignedRequest, authenticate
from sandbox.config import SandboxConfig
from sandbox.endpoints import Call, endpoint_of, handle, userid_of
from sandbox.errors import BAD_JSON, Rejection, reject
from sandbox.faults import Faults
from sandbox.inspection import Ledger, handle_inspection
from sandbox.quota import QuotaCounters
from sandbox.state import MeetingStore

StartResponse = Callable[..., Any]


class SandboxApp:
    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.rng = random.Random(self.config.seed)
            self.meetings = MeetingStore(random.Random(self.rng.random()))
            self.replays = ReplayMemory()
            self.quota = QuotaCounters(self.config.quotas, ZoneInfo(self.config.quota_tz))
            self.faults = Faults(
                fail_rate=self.config.fail_rate,
                drop_response_rate=self.config.drop_response_rate,
                latency_ms=self.config.latency_ms,
                clock_offset_seconds=self.config.clock_offset_seconds,
            )
            self.ledger = Ledger()
            self.advanced = 0.0

    def now(self) -> float:
        """The sandbox's clock: the host's, shifted by the clock fault and any advance."""
        return self._clock() + self.faults.clock_offset_seconds + self.advanced

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/_sandbox/"):
            response = handle_inspection(self, request)
        else:
            response = self._api(request, environ)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any]) -> Response:
        latency = self.faults.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)
        body = request.get_data(cache=False)
        endpoint = endpoint_of(request.method, request.path)
        with self.lock:
            now = self.now()
            call = Call(request.method, request.path, dict(request.args), {})
            try:
                authenticate(_signed(request, environ, body), self.config, now, self.replays)
                call = Call(call.method, call.path, call.query, _json_body(body, request.method))
                rejection = self.quota.count(now)
                if rejection is not None:
                    raise rejection
                fault = self.faults.next_for(endpoint, self.rng)
                if fault is not None and fault.action == "fail":
                    self.ledger.record(now, endpoint, 500, None, userid_of(call), "fail")
                    return self._reply(500, b"", now)
                if fault is not None and fault.action == "error":
                    raise Rejection(fault.error_code, fault.message, fault.http_status)
                payload = handle(endpoint, call, self.meetings, self.config, now)
            except Rejection as rejection:
                self.ledger.record(
                    now,
                    endpoint,
                    rejection.http_status,
                    rejection.error_code,
                    userid_of(call),
                    message=rejection.message,
                )
                return self._reply(rejection.http_status, _error_body(rejection), now)
            if fault is not None and fault.action == "drop":
                self.ledger.record(now, endpoint, None, None, userid_of(call), "drop")
                _cut_connection(environ)
                return self._reply(200, b"", now)
            self.ledger.record(now, endpoint, 200, None, userid_of(call))
        content = b"" if payload is None else _dumps(payload)
        return self._reply(200, content, now)

    def _reply(self, status: int, content: bytes, now: float) -> Response:
        response = Response(content, status=status, content_type="application/json")
        response.headers["X-TC-Trace"] = uuid.UUID(int=self.rng.getrandbits(128)).hex
        response.headers["Date"] = formatdate(now, usegmt=True)
        return response


def _signed(request: Request, environ: dict[str, Any], body: bytes) -> SignedRequest:
    raw = environ.get("sandbox.raw_headers")
    # Under the sandbox's own server the header names arrive with their case; under another
    # WSGI server only the normalised names exist and case cannot be checked.
    headers = dict(raw) if raw is not None else dict(request.headers.items())
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        query = environ.get("QUERY_STRING", "")
        target = request.path + (f"?{query}" if query else "")
    return SignedRequest(request.method, str(target), body, headers)


def _json_body(body: bytes, method: str) -> dict[str, Any]:
    if method == "GET" or not body.strip():
        return {}
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise reject(BAD_JSON, "JSON parse error") from None
    if not isinstance(doc, dict):
        raise reject(BAD_JSON, "the body must be a JSON object")
    return doc


def _error_body(rejection: Rejection) -> bytes:
    info: dict[str, Any] = {"error_code": rejection.error_code, "message": rejection.message}
    if rejection.new_error_code is not None:
        info["new_error_code"] = rejection.new_error_code
    return _dumps({"error_info": info})


def _dumps(doc: object) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _cut_connection(environ: dict[str, Any]) -> None:
    """Close the connection before any byte of the response: the client sees no answer."""
    sock = environ.get("werkzeug.socket")
    if sock is None:  # pragma: no cover - only under a foreign WSGI server
        return
    with contextlib.suppress(OSError):  # the client may have gone already
        sock.shutdown(socket.SHUT_RDWR)
