"""One API exchange as a provider's client reports it, for the `sync_log` table, the metrics
and the call log lines."""

from __future__ import annotations

from collections.abc import Callable
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


@dataclass(frozen=True)
class CallEvent:
    """One exchange with the row and provider it was for: what metrics and logs observe."""

    provider: str  # the name rows carry in `provider`
    external_id: str | None  # None for a call made for no row (a probe)
    call: CallRecord


CallObserver = Callable[[CallEvent], None]
