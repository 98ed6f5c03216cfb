"""The sandbox's WSGI application: the Tencent Meeting API with its real checks and faults.

Order of the checks, as on the real service: required headers, credentials, timestamp,
signature, replay (sandbox.auth; for a call with an ``AccessToken`` to a sandbox with an
OAuth app, the token, its user and its expiry, then the replay: sandbox.oauth), then the
quota (every authenticated attempt counts), then faults, then the body and the business
rules. The OAuth token endpoints are neither signed nor metered, and answer in their own
envelope. All state sits behind one lock; injected latency is served outside it so that
slow calls overlap as they do against the service.
"""

from __future__ import annotations

import contextlib
import itertools
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from email.utils import formatdate
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from sandbox.auth import REQUIRED_HEADERS, ReplayMemory, SignedRequest, authenticate
from sandbox.config import SandboxConfig, zone
from sandbox.endpoints import Call, endpoint_of, handle, meeting_id_of, userid_of
from sandbox.errors import BAD_JSON, BAD_PARAMETER, REPLAY, Rejection, reject
from sandbox.faults import Faults, Injected
from sandbox.inspection import handle_inspection
from sandbox.jsontext import dumps, loads
from sandbox.limits import check_advance, finite
from sandbox.oauth import OAUTH_HEADERS, TOKEN_PATH, OAuthState, TokenError
from sandbox.quota import QuotaCounters
from sandbox.request_log import RequestLog
from sandbox.state import MeetingStore
from sandbox.trtc_api import RoomApi

StartResponse = Callable[..., Any]
# Set by sandbox.server's request handler: the header names as the client spelled them and
# the request target exactly as its bytes came on the wire.
RAW_HEADERS = "sandbox.raw_headers"
RAW_TARGET = "sandbox.raw_target"
# Set here once the request body has been read to its end: only then may the connection be
# kept alive for the next request.
BODY_READ = "sandbox.body_read"
# Set here when the answer must be lost: the server cuts the connection instead of writing.
DROP_CONNECTION = "sandbox.drop_connection"


class SandboxApp:
    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self._clock = clock
        self.lock = threading.RLock()
        self._traces = itertools.count(1)
        self._trace_prefix = uuid.uuid4().hex[:20]
        self._date = (-1, "")
        self.reset()

    def reset(self) -> None:
        """Forget every meeting, request, replay, quota count and run-time fault setting."""
        with self.lock:
            seed = random.Random(self.config.seed)
            self.meetings = MeetingStore(random.Random(seed.getrandbits(64)))
            self.fault_rng = random.Random(seed.getrandbits(64))
            self.replays = ReplayMemory()
            self.quota = QuotaCounters(self.config.quotas, zone(self.config.quota_tz))
            self.faults = Faults(
                fail_rate=self.config.fail_rate,
                drop_response_rate=self.config.drop_response_rate,
                latency_ms=self.config.latency_ms,
                clock_offset_seconds=self.config.clock_offset_seconds,
            )
            self.request_log = RequestLog(limit=self.config.request_log_limit)
            self.advanced = 0.0
            self.rooms = RoomApi(self.config.trtc, seed.getrandbits(64))
            oauth = self.config.oauth
            self.oauth = OAuthState(oauth) if oauth is not None else None
            # The rules requests are judged by: the start-up config, or a copy of it with
            # the sensitive words changed at run time (POST /_sandbox/sensitive_words).
            self.rules = self.config

    def set_sensitive_words(self, words: object) -> tuple[str, ...]:
        """Replace the words a subject may not contain (checked first: a ValueError changes
        nothing)."""
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise ValueError("words must be a list of non-empty strings")
        with self.lock:
            self.rules = replace(self.config, sensitive_words=tuple(words))
            return self.rules.sensitive_words

    def now(self) -> float:
        """The sandbox's clock: the host's, shifted by the clock fault and any advance."""
        return self._clock() + self.faults.clock_offset_seconds + self.advanced

    def advance_clock(self, seconds: float) -> float:
        """Move the clock by ``seconds`` (checked first: a ValueError changes nothing)."""
        step = finite(seconds, "advance_seconds")
        with self.lock:
            check_advance(self.advanced, step)
            self.advanced += step
            return self.now()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        body = request.get_data()
        environ[BODY_READ] = True
        if request.path.startswith("/_sandbox/"):
            response = handle_inspection(self, request)
            self._stamp(response, self.now())
        elif request.path.startswith("/v4/"):
            with self.lock:
                answer = self.rooms.serve(request.path, request.args, body, self.now())
            if answer.dropped:
                _drop(environ)
            response = Response(answer.body, status=200, content_type="application/json")
        elif request.path.startswith(TOKEN_PATH) and self.oauth is not None:
            response = self._token_endpoint(request.path.removeprefix(TOKEN_PATH), body)
        else:
            response = self._api(request, environ, body)
        return response(environ, start_response)

    def _api(self, request: Request, environ: dict[str, Any], body: bytes) -> Response:
        latency = self.faults.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)
        endpoint = endpoint_of(request.method, request.path)
        signed = _signed(request, environ, body)
        doc, bad_body = _json_body(body, request.method)
        call = Call(request.method, request.path, request.args.to_dict(), doc)
        fault: Injected | None = None
        with self.lock:
            now = self.now()
            try:
                if self.oauth is not None and "AccessToken" in signed.headers:
                    open_id = self.oauth.check_call(signed.headers, now)
                    if not self.replays.check_and_remember(_nonce_key(open_id, signed), now):
                        raise reject(REPLAY, "request replayed: timestamp and nonce already used")
                else:
                    authenticate(signed, self.rules, now, self.replays)
                over_quota = self.quota.count(now)
                if over_quota is not None:
                    raise over_quota
                fault = self.faults.next_for(endpoint, self.fault_rng)
                if fault is not None and fault.action == "fail":
                    self.request_log.record(
                        now, endpoint, 500, None, userid_of(call), "fail", **_logged(endpoint, call)
                    )
                    return self._reply(500, b"", now)
                if fault is not None and fault.action == "error":
                    raise Rejection(fault.error_code, fault.message, fault.http_status)
                if bad_body is not None:
                    raise bad_body
                payload = handle(endpoint, call, self.meetings, self.rules, now)
                status, content, code, message = 200, _content(payload), None, None
            except Rejection as rejection:
                status, content = rejection.http_status, rejection.body()
                code, message = rejection.error_code, rejection.message
            dropped = fault is not None and fault.action == "drop"
            self.request_log.record(
                now,
                endpoint,
                None if dropped else status,
                code,
                userid_of(call),
                fault.action if fault is not None else None,
                message,
                headers=tuple(signed.headers) if self.oauth is not None else None,
                **_logged(endpoint, call),
            )
        if dropped:
            _drop(environ)
        return self._reply(status, content, now)

    def _token_endpoint(self, name: str, body: bytes) -> Response:
        """The OAuth token endpoints' envelope: ``{"code", "message", "nonce", "data"}``,
        HTTP 400 with the seed's code for a refusal. Neither signed nor metered."""
        assert self.oauth is not None
        latency = self.faults.latency_ms
        if latency > 0:
            time.sleep(latency / 1000)  # outside the lock, as for the API's calls
        doc, bad_body = _json_body(body, "POST")
        nonce = uuid.uuid4().hex
        with self.lock:
            now = self.now()
            try:
                if bad_body is not None:
                    raise TokenError(10, "the body must be a JSON object")
                data = self.oauth.token_call(name, doc, now)
                status, code, message = 200, 0, "SUCCESS"
            except TokenError as refused:
                status, code, message, data = 400, refused.code, refused.message, None
            envelope: dict[str, Any] = {"code": code, "message": message, "nonce": nonce}
            if data is not None:
                envelope["data"] = data
            open_id = doc.get("open_id")
            userid = open_id if isinstance(open_id, str) else None
            self.request_log.record(now, f"oauth_{name}", status, code or None, userid)
        return self._reply(status, dumps(envelope), now)

    def _reply(self, status: int, content: bytes, now: float) -> Response:
        response = Response(content, status=status, content_type="application/json")
        self._stamp(response, now)
        return response

    def _stamp(self, response: Response, now: float) -> None:
        """Every answer carries a trace id and the sandbox clock's `Date` (clock faults and
        advances included): clients learn the server's time from it after a 190300."""
        response.headers["X-TC-Trace"] = f"{self._trace_prefix}{next(self._traces):012x}"
        second, text = self._date
        if second != int(now):  # formatting a date costs more than the rest of a reply
            second, text = int(now), formatdate(int(now), usegmt=True)
            self._date = (second, text)
        response.headers["Date"] = text


def _signed(request: Request, environ: dict[str, Any], body: bytes) -> SignedRequest:
    raw = environ.get(RAW_HEADERS)
    if raw is not None:
        headers = dict(raw)  # the sandbox's own server: names with the case they were sent
    else:
        # Another WSGI server only gives normalised names: case cannot be checked there.
        known = (*REQUIRED_HEADERS, "SdkId", *OAUTH_HEADERS, "Content-Type")
        headers = {name: request.headers[name] for name in known if name in request.headers}
    # The target as sent: ours, else what gunicorn/uWSGI/werkzeug pass, else rebuilt.
    target = environ.get(RAW_TARGET) or environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not target:
        query = environ.get("QUERY_STRING", "")
        target = quote(request.path, safe="/@:!$&'()*+,;=-._~") + (f"?{query}" if query else "")
    return SignedRequest(request.method, str(target), body, headers)


def _nonce_key(open_id: str, signed: SignedRequest) -> tuple[str, str, str]:
    headers = signed.headers
    return (f"oauth:{open_id}", headers["X-TC-Timestamp"], headers["X-TC-Nonce"])


def _logged(endpoint: str, call: Call) -> dict[str, Any]:
    """What the request log keeps of a call beyond its outcome (sandbox.request_log)."""
    return {"meeting_id": meeting_id_of(endpoint, call.path), "body": call.body}


def _json_body(body: bytes, method: str) -> tuple[dict[str, Any], Rejection | None]:
    """The body as a JSON object, or {} and the rejection it earns once it is looked at.
    NaN and infinities are parse errors, as for any JSON parser but Python's: kept, they
    would be written back into every answer that shows the meeting."""
    if method == "GET" or not body.strip():
        return {}, None
    try:
        doc = loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}, reject(BAD_JSON, "JSON parse error")
    if not isinstance(doc, dict):
        return {}, reject(BAD_PARAMETER, "the body must be a JSON object")
    return doc, None


def _content(payload: dict[str, Any] | None) -> bytes:
    return b"" if payload is None else dumps(payload)


def _drop(environ: dict[str, Any]) -> None:
    """Whatever was done stays done; the client just never hears of it."""
    environ[DROP_CONNECTION] = True
    if RAW_HEADERS not in environ:
        _cut_connection(environ)  # under another server: cut the socket from here


def _cut_connection(environ: dict[str, Any]) -> None:
    """Close the connection before any byte of the response: the client sees no answer."""
    sock = environ.get("werkzeug.socket")
    if sock is None:  # pragma: no cover - only under a foreign WSGI server
        return
    with contextlib.suppress(OSError):  # the client may have gone already
        sock.shutdown(socket.SHUT_RDWR)
