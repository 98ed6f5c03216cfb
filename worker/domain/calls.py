"""One API exchange as a provider's client reports it, for the `sync_log` table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallRecord:
    """One HTTP exchange. Holds no header value and no query string."""

    endpoint: str  # one of worker.domain.kinds.OPERATIONS
    method: str
    path: str
    http_status: int | None  # None when no answer arrived
    error_code: int | None  # None on success and on transport failures
    trace_id: str | None
    duration_seconds: float
    ok: bool
