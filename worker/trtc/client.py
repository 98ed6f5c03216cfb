"""The TRTC room REST client: ``POST /v4/room_engine_http_srv/{command}`` with the
administrator's UserSig and a fresh ``random`` in the query (spec §1).

Every API-level outcome is HTTP 200 with the envelope ``ActionStatus`` / ``ErrorCode`` /
``ErrorInfo`` / ``RequestId``: ``ErrorCode`` 0 gives the payload, any other becomes an
``ApiError``; no answer becomes a ``TransportError``. One keep-alive session; the read
timeout is longer than the server's own 3 s. No retries here: the core retries, and each
attempt gets a fresh ``random``. The query holds the UserSig, so no URL is ever logged or
put into an exception's text.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from worker.domain.calls import CallRecord
from worker.exceptions import ApiError, ConfigError
from worker.trtc.auth import AdminAuth
from worker.trtc.errors import MALFORMED_SUCCESS, NO_ENVELOPE, UNEXPECTED_STATUS
from worker.trtc.room import RoomSpec
from worker.wemeet.responses import transport_error
from worker.wemeet.uri import parse_base_url

logger = logging.getLogger(__name__)

SERVICE = "/v4/room_engine_http_srv"
SERVER_TIMEOUT_SECONDS = 3.0
# The core's operation names, for the call log: which command serves which.
OPERATION_OF = {
    "create_room": "create",
    "update_room_info": "update",
    "destroy_room": "cancel",
    "get_room_info": "get",
}


@dataclass(frozen=True)
class RoomInfo:
    """A room as ``get_room_info`` shows it."""

    room_id: str
    owner: str | None
    name: str | None
    start: int | None
    end: int | None
    status: str | None


class TrtcClient:
    """Typed room calls. Raises ApiError, TransportError."""

    def __init__(
        self,
        auth: AdminAuth,
        base_url: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> None:
        self.auth = auth
        self._base = parse_base_url(base_url, "trtc.base_url")
        if read_timeout <= SERVER_TIMEOUT_SECONDS or connect_timeout <= 0:
            raise ConfigError(
                f"trtc.timeout_seconds must be longer than the server's {SERVER_TIMEOUT_SECONDS:g}"
                " s, or every slow answer is lost"
            )
        self._owns_session = session is None
        self._session = session or requests.Session()
        self._timeout = (connect_timeout, read_timeout)
        self._monotonic = monotonic
        self._on_call = on_call

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def create_room(self, room: RoomSpec) -> None:
        self._call("create_room", room.create_body())

    def update_room_info(self, room: RoomSpec) -> None:
        self._call("update_room_info", room.update_body())

    def destroy_room(self, room_id: str) -> None:
        self._call("destroy_room", {"RoomId": room_id})

    def get_room_info(self, room_id: str) -> RoomInfo:
        doc = self._call("get_room_info", {"RoomId": room_id})
        response = doc.get("Response")
        info = response.get("RoomInfo") if isinstance(response, dict) else None
        if not isinstance(info, dict) or info.get("RoomId") != room_id:
            raise _malformed("get_room_info", "the answer has no Response.RoomInfo of the room")
        return RoomInfo(
            room_id=room_id,
            owner=_str(info.get("Owner_Account")),
            name=_str(info.get("RoomName")),
            start=_int(info.get("ScheduleStartTime")),
            end=_int(info.get("ScheduleEndTime")),
            status=_str(info.get("RoomStatus")),
        )

    def _call(self, command: str, body: dict[str, Any]) -> dict[str, Any]:
        path = f"{SERVICE}/{command}"
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        started = self._monotonic()
        status: int | None = None
        code: int | None = None
        request_id: str | None = None
        try:
            try:
                response = self._session.post(
                    self._base.url(path),
                    params=self.auth.query(),
                    data=payload,
                    headers={"Content-Type": "application/json"},
                    timeout=self._timeout,
                )
            except requests.RequestException as exc:
                raise transport_error(exc, command) from None
            status = response.status_code
            doc = _envelope(command, status, response.content)
            request_id = _str(doc.get("RequestId"))
            code = doc["ErrorCode"]
            if code != 0:
                raise ApiError(
                    error_code=code,
                    message=str(doc.get("ErrorInfo") or ""),
                    http_status=status,
                    trace_id=request_id,
                    endpoint=command,
                )
            return doc
        except ApiError as exc:
            code = exc.error_code
            raise
        finally:
            self._record(command, path, status, code, request_id, started)

    def _record(
        self,
        command: str,
        path: str,
        status: int | None,
        code: int | None,
        request_id: str | None,
        started: float,
    ) -> None:
        duration = max(0.0, self._monotonic() - started)
        error = None if code == 0 else code
        logger.debug(
            "trtc_call command=%s status=%s error_code=%s request_id=%s ms=%d",
            command,
            status,
            error,
            request_id,
            duration * 1000,
        )
        if self._on_call is None:
            return
        ok = status == 200 and error is None
        record = CallRecord(
            OPERATION_OF[command], "POST", path, status, error, request_id, duration, ok
        )
        try:
            self._on_call(record)
        except Exception:
            # The call's outcome matters more than its log line: a created room is kept.
            logger.exception("trtc_on_call_failed command=%s", command)


def _envelope(command: str, status: int, content: bytes) -> dict[str, Any]:
    """The envelope of an answer, or the ApiError of an answer that has none."""
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        doc = None
    if isinstance(doc, dict) and _int(doc.get("ErrorCode")) is not None:
        return doc
    if status == 200:
        raise _malformed(command, "the answer is not the JSON envelope")
    no_envelope = status >= 500 or status in (408, 429)
    raise ApiError(
        error_code=NO_ENVELOPE if no_envelope else UNEXPECTED_STATUS,
        message=f"HTTP {status} without the JSON envelope",
        http_status=status,
        endpoint=command,
    )


def _malformed(command: str, what: str) -> ApiError:
    return ApiError(error_code=MALFORMED_SUCCESS, message=what, http_status=200, endpoint=command)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
