"""The sandbox's error answers: the real codes, messages and HTTP statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejection(Exception):
    """Raised inside the app; becomes ``{"error_info": {...}}`` with ``http_status``."""

    error_code: int
    message: str
    http_status: int = 400
    new_error_code: int | None = None


# Seeds 000 and 002 show these coming back as HTTP 500 ("service errors"); request errors
# are HTTP 400.
SERVICE_ERRORS = frozenset({200003, 9003, 9093, 9102, 20001, 190310, 190311})


def reject(code: int, message: str) -> Rejection:
    return Rejection(code, message, 500 if code in SERVICE_ERRORS else 400)


MISSING_HEADER = 200001
BAD_SIGNATURE = 200003
UNKNOWN_CREDENTIAL = 190303
STALE_TIMESTAMP = 190300
REPLAY = 190301
BAD_PARAMETER = 190004
BAD_JSON = 200005
MEETING_NOT_FOUND = 9003
NO_PERMISSION = 9102
SENSITIVE_SUBJECT = 9093
USER_NOT_FOUND = 20001
UNSUPPORTED = 200004
