"""A row's outcome written back, lease- and revision-guarded, without a commit of its own.

Outcomes are queued, and written by the next transaction the pass opens anyway: the next
call's quota reservation (``QuotaLedger.reserve``'s rider, before the scopes are locked), or
one short transaction for the group at the end of the batch, before a lookup that must see
the meetings already made, and before leases are given back. So a meeting costs one commit,
and an outcome waits in memory only until the next row's reservation — the time it takes to
plan that row, no HTTP call. The group's transaction waits out a short database outage
(``DurableWrites``); a reservation that fails leaves the outcomes queued for it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from worker.domain.rows import ClaimedRow, MeetingRow, WriteOutcome
from worker.exceptions import DatabaseUnavailable
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.provider import Remote

logger = logging.getLogger(__name__)

# What RowSync.sync returns for an outcome that is counted once it is written: a sync's
# write-back can still find the row taken over or edited (RowWrites.take_counts).
QUEUED = "queued"


@dataclass(frozen=True)
class _Queued:
    row_id: int
    write: Callable[[Connection], WriteOutcome]
    # What the pass counts once written (a sync's); None: counted when it was decided.
    done: str | None = None
    meeting_id: str | None = None
    revision: int | None = None


class RowWrites:
    def __init__(self, store: Store, owner: str, durable: DurableWrites) -> None:
        self.store = store
        self.owner = owner
        self.durable = durable
        self._queued: list[_Queued] = []
        # What the last write() of the queue found, until its transaction commits.
        self._written: list[tuple[_Queued, WriteOutcome]] = []
        self._counts: Counter[str] = Counter()

    # -- the outcomes ------------------------------------------------------------------

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
        """Queue a success; it is counted as ``done`` once written, or as what the write
        found instead (another worker owns the row; the calendar edited it).

        ``not_applied``: what the provider's answer says it did not apply (empty clears
        what the row holds); None keeps it, when no answer says anything new. ``note``
        becomes the row's message (without an error code), else it is cleared.
        """

        def write(conn: Connection) -> WriteOutcome:
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
                conn=conn,
            )

        self._queued.append(_Queued(row.id, write, done, meeting_id, row.revision))
        return QUEUED

    def adopted(self, row: MeetingRow, adopted: Remote) -> WriteOutcome:
        """At once, in a transaction of its own: what follows depends on its outcome."""
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
        def write(conn: Connection) -> WriteOutcome:
            return self.store.record_failed(
                row.id,
                owner=self.owner,
                revision=row.revision,
                error_code=code,
                error_message=message,
                nothing_in_flight=nothing_in_flight,
                conn=conn,
            )

        self._queued.append(_Queued(row.id, write))

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
        def write(conn: Connection) -> WriteOutcome:
            return self.store.record_retry(
                row.id,
                owner=self.owner,
                error_code=code,
                error_message=message,
                next_attempt_at=at,
                refund_attempt=refund,
                nothing_in_flight=nothing_in_flight,
                conn=conn,
            )

        self._queued.append(_Queued(row.id, write))

    def clear_intent(self, row: MeetingRow) -> None:
        def write(conn: Connection) -> WriteOutcome:
            return self.store.clear_create_intent(row.id, owner=self.owner, conn=conn)

        self._queued.append(_Queued(row.id, write))

    # -- writing the queue (a quota reservation's rider, or a group of its own) ----------

    def write(self, conn: Connection) -> None:
        """Write every queued outcome in ``conn``'s transaction (not committed yet)."""
        self._written = [(queued, queued.write(conn)) for queued in self._queued]

    def committed(self) -> None:
        """What write() wrote is committed: count it and take it off the queue."""
        for queued, outcome in self._written:
            self._settle(queued, outcome)
        del self._queued[: len(self._written)]
        self._written = []

    @property
    def pending(self) -> bool:
        return bool(self._queued)

    def flush(self) -> None:
        """Write the queue in one short transaction of its own, through a short outage."""
        if not self._queued:
            return
        try:
            self.durable("write_back", lambda: self.store.in_transaction(self.write))
        except DatabaseUnavailable:
            for queued in self._queued:
                # Still not lost: a create's intent marker sends the next pass to look for it.
                logger.error(
                    "write_back_abandoned id=%s meeting_id=%s revision=%s: the database "
                    "stayed unreachable; the next pass finds this outcome again",
                    queued.row_id,
                    queued.meeting_id,
                    queued.revision,
                )
            self._queued, self._written = [], []
            raise
        self.committed()

    def take_counts(self) -> Counter[str]:
        """The written syncs counted since the last call, by what each write found."""
        counts, self._counts = self._counts, Counter()
        return counts

    def _settle(self, queued: _Queued, outcome: WriteOutcome) -> None:
        if queued.done is None:
            return
        if outcome is WriteOutcome.LEASE_LOST:
            logger.warning("write_back_lease_lost id=%s done=%s", queued.row_id, queued.done)
            self._counts["lease_lost"] += 1
        elif outcome is WriteOutcome.SUPERSEDED:
            logger.info("write_back_superseded id=%s done=%s", queued.row_id, queued.done)
            self._counts["superseded"] += 1
        else:
            self._counts[queued.done] += 1
