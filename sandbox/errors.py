"""The sandbox's error answers: the real codes, messages and HTTP statuses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.jsontext import dumps


@dataclass(frozen=True)
class Rejection(Exception):
    """Raised inside the app; becomes ``{"error_info": {...}}`` with ``http_status``."""

    error_code: int
    message: str
    http_status: int = 400
    new_error_code: int | None = None

    def body(self) -> bytes:
        info: dict[str, Any] = {"error_code": self.error_code, "message": self.message}
        if self.new_error_code is not None:
            info["new_error_code"] = self.new_error_code
        return dumps({"error_info": info})


MISSING_HEADER = 200001
BAD_SIGNATURE = 200003
UNSUPPORTED = 200004
BAD_JSON = 200005
UNKNOWN_CREDENTIAL = 190303
STALE_TIMESTAMP = 190300
REPLAY = 190301
BAD_PARAMETER = 190004
MEETING_NOT_FOUND = 9003
SENSITIVE_SUBJECT = 9093
NO_PERMISSION = 9102
USER_NOT_FOUND = 20001

# Seeds 000 and 002 show 200003 and 9003 coming back as HTTP 500 ("service errors"); the
# other business and quota outcomes are answered the same way. Protocol faults (headers,
# credentials, timestamps, replays, parameters) are request errors: HTTP 400.
SERVICE_ERRORS = frozenset(
    {BAD_SIGNATURE, MEETING_NOT_FOUND, SENSITIVE_SUBJECT, NO_PERMISSION, USER_NOT_FOUND}
    | {190310, 190311, 190312, 190313}
)


def http_status_of(code: int) -> int:
    return 500 if code in SERVICE_ERRORS else 400


# new_error_code values the official documentation shows; others are left out, as in the
# service's older answers (clients must not depend on the field).
NEW_ERROR_CODES = {BAD_PARAMETER: 1000190004}


def reject(code: int, message: str) -> Rejection:
    return Rejection(code, message, http_status_of(code), NEW_ERROR_CODES.get(code))
