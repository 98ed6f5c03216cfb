"""One sync pass: claim due rows batch after batch, sync each (``worker.sync.execute``),
hand back what a stop or a tripped circuit leaves unsent.

No database transaction is open across an HTTP call: the store's methods are each one short
transaction, and the calls happen between them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from worker.domain.rows import CallLogEntry, ClaimedRow, MeetingRow
from worker.exceptions import CircuitOpen, DatabaseUnavailable
from worker.quota.gate import QuotaGate
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.api_calls import CallLog
from worker.sync.decide import RetryPolicy
from worker.sync.execute import RowSettings, RowSync
from worker.sync.job import AfterCall
from worker.sync.provider import Providers
from worker.sync.retry import InCallRetry
from worker.sync.writeback import QUEUED

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PassSettings:
    owner: str
    batch_size: int
    lease_seconds: float
    max_attempts: int
    retry: RetryPolicy


@dataclass(frozen=True)
class PassReport:
    """What a pass did, counted by outcome; ``circuit_code`` and ``diagnosis`` when a
    configuration fault stopped it."""

    counts: dict[str, int] = field(default_factory=dict)
    circuit_code: str | None = None
    diagnosis: str | None = None

    @property
    def circuit_open(self) -> bool:
        return self.circuit_code is not None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(sorted(self.counts.items()))
        if self.circuit_code is not None:
            out["circuit_open"] = self.circuit_code
            out["diagnosis"] = self.diagnosis
        return out


class SyncPass:
    def __init__(
        self,
        store: Store,
        providers: Providers,
        settings: PassSettings,
        *,
        retry: InCallRetry,
        default_provider: str,
        unserved: Mapping[str, str] | None = None,
        gate: QuotaGate | None = None,
        call_log: CallLog | None = None,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
        after_call: AfterCall | None = None,
        durable: DurableWrites | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        on_row: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.on_row = on_row  # told each row's outcome as it is written (progress)
        self.gate = gate
        self.settings = settings
        self.call_log = call_log
        self.stop = stop or threading.Event()
        # Write-backs wait out a short database outage (patience 0: one try).
        self.durable = durable or DurableWrites(0)
        self.rows = RowSync(
            store,
            providers,
            default_provider,
            RowSettings(settings.owner, settings.max_attempts, settings.retry),
            # Providers this worker knows but is not configured for: what to set, by name.
            unserved=unserved or {},
            retry=retry,
            gate=gate,
            durable=self.durable,
            rng=rng or random.Random(),
            after_call=after_call,
        )
        # Rows claimed by a pass that an exception cut short (a database outage above all):
        # still leased to this worker, they would wait out the lease. The next pass of this
        # same object, which no other pass of it overlaps, gives them back first.
        self._unfinished: set[int] = set()
        # The database's clock as read at the last claim, with this host's monotonic clock
        # then: planning a row and timing its retry need the time only to seconds, so they
        # take the elapsed time from here instead of a round trip per row.
        self.monotonic = monotonic
        self._clock_read: tuple[datetime, float] | None = None

    def run(self) -> PassReport:
        """Sync every due row, batch after batch, until none is due, a stop or a trip."""
        counts: Counter[str] = Counter()
        self._take_back_unfinished()
        try:
            while not self.stop.is_set():
                now = self.store.now()
                self._clock_read = (now, self.monotonic())
                rows = self.store.claim(
                    owner=self.settings.owner,
                    now=now,
                    lease_seconds=self.settings.lease_seconds,
                    limit=self.settings.batch_size,
                )
                if not rows:
                    break
                counts["claimed"] += len(rows)
                self._unfinished = {r.id for r in rows}
                self._run_batch(rows, counts)
                self._unfinished = set()
        except CircuitOpen as trip:
            logger.error("circuit_open code=%s diagnosis=%s", trip.code, trip.diagnosis)
            return PassReport(dict(counts), circuit_code=trip.code, diagnosis=trip.diagnosis)
        return PassReport(dict(counts))

    def _take_back_unfinished(self) -> None:
        if not self._unfinished:
            return
        # Guarded by the lease owner: rows already written back are left as they are.
        taken = self.store.release(self._unfinished, owner=self.settings.owner)
        logger.info("leases_taken_back count=%d", taken)
        self._unfinished = set()

    def _run_batch(self, rows: list[ClaimedRow], counts: Counter[str]) -> None:
        writes = self.rows.writes
        try:
            for index, row in enumerate(rows):
                if self.stop.is_set():
                    self._release(rows[index:], counts)
                    return
                if self.call_log:
                    # An unreadable row makes no call; it has no external_id to tag one with.
                    self.call_log.working_on(row if isinstance(row, MeetingRow) else None)
                try:
                    outcome = self.rows.sync(row, self._now())
                except CircuitOpen:
                    self._release(rows[index:], counts)
                    raise
                if outcome != QUEUED:
                    counts[outcome] += 1
                counts.update(writes.take_counts())
                if self.on_row is not None:
                    self.on_row(outcome)
        finally:
            # The outcomes the batch's last reservation did not carry: one transaction.
            try:
                writes.flush()
            finally:
                counts.update(writes.take_counts())
            if self.call_log:
                self.call_log.working_on(None)
                entries = self.call_log.drain()
                if entries:
                    self._log_calls(entries)

    def _log_calls(self, entries: list[CallLogEntry]) -> None:
        try:
            self.durable("sync_log", lambda: self.store.log_calls(entries))
        except DatabaseUnavailable as exc:
            # The log is for people; the rows' outcomes are already written or reconcilable.
            logger.warning("call_log_lost count=%d error=%s", len(entries), exc)

    def _release(self, rows: list[ClaimedRow], counts: Counter[str]) -> None:
        # Outcomes first: a refused create's intent is cleared under the lease it needs.
        self.rows.writes.flush()
        released = self.store.release([r.id for r in rows], owner=self.settings.owner)
        counts["released"] += released

    def _now(self) -> datetime:
        """The database's clock now, from its reading at the claim (rows exist only after one)."""
        assert self._clock_read is not None, "a row is planned only after its claim"
        read, at = self._clock_read
        return read + timedelta(seconds=self.monotonic() - at)
