"""A row's outcome written back: one short, lease-guarded transaction of the store's each,
waiting out a short database outage (``DurableWrites``)."""

from __future__ import annotations

import logging
from datetime import datetime

from worker.domain.rows import ClaimedRow, MeetingRow, WriteOutcome
from worker.exceptions import DatabaseUnavailable
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.provider import Remote

logger = logging.getLogger(__name__)


class RowWrites:
    def __init__(self, store: Store, owner: str, durable: DurableWrites) -> None:
        self.store = store
        self.owner = owner
        self.durable = durable

    def synced(
        self,
        row: MeetingRow,
        done: str,
        meeting_id: str | None,
        meeting_code: str | None,
        join_url: str | None,
        *,
        not_applied: tuple[str, ...] | None,
        note: str | None = None,
    ) -> str:
        """Write a success back; returns what the pass counts: ``done`` as asked, or what
        the write found instead (another worker owns the row; the calendar edited it).

        ``not_applied``: what the provider's answer says it did not apply (empty clears
        what the row holds); None keeps it, when no answer says anything new. ``note``
        becomes the row's message (without an error code), else it is cleared.
        """

        def write() -> WriteOutcome:
            # synced_at is the database's clock at the write: no extra round trip for it.
            return self.store.record_synced(
                row.id,
                owner=self.owner,
                revision=row.revision,
                meeting_id=meeting_id,
                meeting_code=meeting_code,
                join_url=join_url,
                note=note,
                not_applied=not_applied,
            )

        try:
            outcome = self.durable("write_back", write)
        except DatabaseUnavailable:
            # Still not lost: a create's intent marker sends the next pass to look for it.
            logger.error(
                "write_back_abandoned id=%s meeting_id=%s revision=%s: the database stayed "
                "unreachable; the next pass finds this outcome again",
                row.id,
                meeting_id,
                row.revision,
            )
            raise
        if outcome is WriteOutcome.LEASE_LOST:
            logger.warning("write_back_lease_lost id=%s done=%s", row.id, done)
            return "lease_lost"
        if outcome is WriteOutcome.SUPERSEDED:
            logger.info("write_back_superseded id=%s done=%s", row.id, done)
            return "superseded"
        return done

    def adopted(self, row: MeetingRow, adopted: Remote) -> WriteOutcome:
        return self.durable(
            "write_back",
            lambda: self.store.record_adopted(
                row.id,
                owner=self.owner,
                meeting_id=adopted.meeting_id,
                meeting_code=adopted.meeting_code,
                join_url=adopted.join_url,
            ),
        )

    def failed(
        self, row: ClaimedRow, code: str, message: str, *, nothing_in_flight: bool = False
    ) -> None:
        self.durable(
            "write_back",
            lambda: self.store.record_failed(
                row.id,
                owner=self.owner,
                revision=row.revision,
                error_code=code,
                error_message=message,
                nothing_in_flight=nothing_in_flight,
            ),
        )

    def retry(
        self,
        row: MeetingRow,
        code: str | None,
        message: str | None,
        at: datetime,
        *,
        refund: bool,
        nothing_in_flight: bool = False,
    ) -> None:
        self.durable(
            "write_back",
            lambda: self.store.record_retry(
                row.id,
                owner=self.owner,
                error_code=code,
                error_message=message,
                next_attempt_at=at,
                refund_attempt=refund,
                nothing_in_flight=nothing_in_flight,
            ),
        )

    def clear_intent(self, row: MeetingRow) -> None:
        self.durable("write_back", lambda: self.store.clear_create_intent(row.id, owner=self.owner))
