"""Collects the client's call records for the `sync_log` table, tagged with their row, and
hands each to the observers (metrics) and to the call log line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from worker.domain.calls import CallEvent, CallObserver, CallRecord
from worker.domain.rows import CallLogEntry, MeetingRow

logger = logging.getLogger(__name__)


class CallLog:
    """The clients' ``on_call`` hook (one per provider, from ``recorder``); the pass drains
    it into the store once per batch."""

    def __init__(
        self,
        worker: str,
        *,
        now: Callable[[], datetime] | None = None,
        observers: Sequence[CallObserver] = (),
    ) -> None:
        self.worker = worker
        self._now = now or (lambda: datetime.now(UTC))
        self._observers = tuple(observers)
        self._row: MeetingRow | None = None
        self._entries: list[CallLogEntry] = []

    def working_on(self, row: MeetingRow | None) -> None:
        self._row = row

    def recorder(self, provider: str) -> Callable[[CallRecord], None]:
        """The ``on_call`` hook for ``provider``'s client."""
        return lambda call: self.record(call, provider=provider)

    def record(self, call: CallRecord, *, provider: str = "") -> None:
        row = self._row
        external_id = row.external_id if row else None
        self._entries.append(
            CallLogEntry(
                action=call.endpoint,
                at=self._now(),
                worker=self.worker,
                meeting_row_id=row.id if row else None,
                external_id=external_id,
                http_status=call.http_status,
                error_code=None if call.error_code is None else str(call.error_code),
                trace_id=call.trace_id,
                duration_ms=round(call.duration_seconds * 1000),
            )
        )
        event = CallEvent(provider, external_id, call)
        log_call(event)
        for observe in self._observers:
            observe(event)

    def drain(self) -> list[CallLogEntry]:
        entries, self._entries = self._entries, []
        return entries


def observed_calls(
    observers: Sequence[CallObserver] = (),
) -> Callable[[str], Callable[[CallRecord], None]]:
    """A ``recorder`` for calls made outside a row's pass (the drift check's reads): logged
    and observed like every call, but no row's `sync_log` entry."""

    def recorder(provider: str) -> Callable[[CallRecord], None]:
        def on_call(call: CallRecord) -> None:
            event = CallEvent(provider, None, call)
            log_call(event)
            for observe in observers:
                observe(event)

        return on_call

    return recorder


def log_call(event: CallEvent) -> None:
    """The one `api_call` line of an exchange: DEBUG when it went well, INFO otherwise. The
    fields travel as ``extra`` too, so a JSON log has them as keys; none is a secret."""
    call = event.call
    fields = {
        "external_id": event.external_id,
        "provider": event.provider,
        "endpoint": call.endpoint,
        "http_status": call.http_status,
        "code": call.error_code,
        "duration_ms": round(call.duration_seconds * 1000),
        "trace_id": call.trace_id,
    }
    logger.log(
        logging.DEBUG if call.ok else logging.INFO,
        "api_call " + " ".join(f"{k}=%s" for k in fields),
        *fields.values(),
        extra=fields,
    )
