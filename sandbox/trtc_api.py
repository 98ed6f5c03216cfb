"""The TRTC room REST API of the sandbox: ``POST /v4/room_engine_http_srv/{command}``.

Checks in the order of the real service: the URL and its query (sdkappid, administrator
identifier, UserSig, random, contenttype), the frequency limit (200 calls a second per API
by default: 60007), faults, the JSON body, then the command. Every outcome is HTTP 200 with
the envelope ``ActionStatus`` / ``ErrorCode`` / ``ErrorInfo`` / ``RequestId``.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.trtc_faults import COMMANDS, RoomFaults
from sandbox.trtc_rooms import RoomError, RoomStore
from sandbox.trtc_settings import TrtcSettings
from sandbox.trtc_usersig import SigRefused, check_usersig

PREFIX = "/v4/room_engine_http_srv/"
HTTP_PARSE, JSON_PARSE, BAD_SDKAPPID, TOO_FREQUENT = 60002, 60003, 60006, 60007
BAD_RESOURCE, NOT_ADMIN, NO_SDKAPPID = 60009, 60010, 60012


class Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class RoomAnswer:
    body: bytes
    dropped: bool  # carried out, then the connection is cut before any byte of the answer


class RoomApi:
    def __init__(self, settings: TrtcSettings, seed: int | None = None) -> None:
        self.settings = settings
        self.rooms = RoomStore(settings.sensitive_words)
        self.faults = RoomFaults()
        self.rng = random.Random(seed)
        self.stats: Counter[str] = Counter()
        self._windows: dict[str, tuple[int, int]] = {}
        self._ids = itertools.count(1)
        self._prefix = uuid.uuid4().hex[:16]

    def serve(self, path: str, query: Mapping[str, str], body: bytes, now: float) -> RoomAnswer:
        command = path.removeprefix(PREFIX)
        dropped = False
        try:
            if not path.startswith(PREFIX) or command not in COMMANDS:
                raise Refused(BAD_RESOURCE, "request resource error: unknown command")
            self._authenticate(query, now)
            self._count(command, now)
            fault = self.faults.next_for(command, self.rng)
            if fault is not None and fault.action == "error":
                raise Refused(fault.error_code, "injected error")
            payload = self.rooms.run(command, _body(body), now)
            dropped = fault is not None
            code, info = 0, ""
        except (Refused, RoomError, SigRefused) as exc:
            payload, code, info = {}, exc.code, exc.message
        self.stats[f"{command}:{code}"] += 1
        if dropped:
            self.stats[f"{command}:dropped"] += 1
        envelope = {
            "ActionStatus": "OK" if code == 0 else "FAIL",
            "ErrorCode": code,
            "ErrorInfo": info,
            "RequestId": f"Id-{self._prefix}-O-Seq-{next(self._ids)}",
            **payload,
        }
        return RoomAnswer(json.dumps(envelope, ensure_ascii=False).encode("utf-8"), dropped)

    def _authenticate(self, query: Mapping[str, str], now: float) -> None:
        s = self.settings
        if not query.get("sdkappid"):
            raise Refused(NO_SDKAPPID, "sdkappid is required")
        if query.get("sdkappid") != str(s.sdkappid):
            raise Refused(BAD_SDKAPPID, "sdkappid invalid")
        random_value = query.get("random", "")
        if (
            not random_value.isdigit()
            or int(random_value) > 0xFFFFFFFF
            or query.get("contenttype") != "json"
        ):
            raise Refused(HTTP_PARSE, "random must be a uint32 and contenttype json")
        if query.get("identifier") != s.admin:
            raise Refused(NOT_ADMIN, "the request requires App administrator privileges")
        check_usersig(
            query.get("usersig", ""), sdkappid=s.sdkappid, key=s.key, identifier=s.admin, now=now
        )

    def _count(self, command: str, now: float) -> None:
        second = int(now)
        start, used = self._windows.get(command, (second, 0))
        if start != second:
            start, used = second, 0
        if used >= self.settings.calls_per_second:
            raise Refused(TOO_FREQUENT, "RESTful API invocation frequency exceeds its limit")
        self._windows[command] = (start, used + 1)

    def view(self) -> dict[str, Any]:
        return {"stats": dict(self.stats), "faults": self.faults.as_dict()}


def _body(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(JSON_PARSE, "HTTP request JSON parsing error") from None
    if not isinstance(doc, dict):
        raise Refused(JSON_PARSE, "the body must be a JSON object")
    return doc
