"""Collects the client's call records for the `sync_log` table, tagged with their row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from worker.domain.calls import CallRecord
from worker.domain.rows import CallLogEntry, MeetingRow


class CallLog:
    """The client's ``on_call`` hook; the pass drains it into the store once per batch."""

    def __init__(self, worker: str, *, now: Callable[[], datetime] | None = None) -> None:
        self.worker = worker
        self._now = now or (lambda: datetime.now(UTC))
        self._row: MeetingRow | None = None
        self._entries: list[CallLogEntry] = []

    def working_on(self, row: MeetingRow | None) -> None:
        self._row = row

    def record(self, call: CallRecord) -> None:
        row = self._row
        self._entries.append(
            CallLogEntry(
                action=call.endpoint,
                at=self._now(),
                worker=self.worker,
                meeting_row_id=row.id if row else None,
                external_id=row.external_id if row else None,
                http_status=call.http_status,
                error_code=None if call.error_code is None else str(call.error_code),
                trace_id=call.trace_id,
                duration_ms=round(call.duration_seconds * 1000),
            )
        )

    def drain(self) -> list[CallLogEntry]:
        entries, self._entries = self._entries, []
        return entries
