"""One sync pass: claim due rows, decide, call the API, write the outcome back.

No database transaction is open across an HTTP call: the store's methods are each one short
transaction, and the calls happen between them.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection

from worker.calllog import CallLog
from worker.durable import DurableWrites
from worker.exceptions import ApiError, DatabaseUnavailable, QuotaDeferred, TransportError
from worker.outcome import Done, Fail, RetryLater, RetryPolicy, Trip, decide
from worker.plan import Cancel, Create, Reconcile, Reject, Settle, Update, plan, reject_unreadable
from worker.quota_gate import QuotaGate
from worker.reconcile import find_adoptable
from worker.retry import InCallRetry
from worker.rows import CallLogEntry, ClaimedRow, MeetingRow, UnreadableRow
from worker.store import Store
from worker.wemeet.client import WemeetClient
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.results import MeetingInfo

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class PassSettings:
    owner: str
    batch_size: int
    lease_seconds: float
    max_attempts: int
    retry: RetryPolicy


@dataclass(frozen=True)
class PassReport:
    counts: dict[str, int] = field(default_factory=dict)
    circuit_open: str | None = None
    circuit_code: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(sorted(self.counts.items()))
        if self.circuit_open:
            out["circuit_open"] = self.circuit_code
            out["diagnosis"] = self.circuit_open
        return out


class _LeaseLost(Exception):
    """Another worker owns the row now; this one must not send anything for it."""


class CircuitOpen(Exception):
    """Raised inside the pass to stop it; never leaves this module."""

    def __init__(self, code: str, diagnosis: str) -> None:
        super().__init__(diagnosis)
        self.code = code
        self.diagnosis = diagnosis


class SyncPass:
    def __init__(
        self,
        store: Store,
        client: WemeetClient,
        settings: PassSettings,
        *,
        retry: InCallRetry,
        gate: QuotaGate | None = None,
        call_log: CallLog | None = None,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
        after_call: Callable[[MeetingRow, str], None] | None = None,
        durable: DurableWrites | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.client = client
        self.settings = settings
        self.retry = retry
        self.gate = gate
        self.call_log = call_log
        self.stop = stop or threading.Event()
        self.rng = rng or random.Random()
        # Test seam: runs between the API's answer and the write-back.
        self.after_call = after_call
        # Write-backs wait out a short database outage (patience 0: one try).
        self.durable = durable or DurableWrites(0)
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
            return PassReport(dict(counts), circuit_open=trip.diagnosis, circuit_code=trip.code)
        return PassReport(dict(counts))

    def _take_back_unfinished(self) -> None:
        if not self._unfinished:
            return
        # Guarded by the lease owner: rows already written back are left as they are.
        taken = self.store.release(self._unfinished, owner=self.settings.owner)
        logger.info("leases_taken_back count=%d", taken)
        self._unfinished = set()

    def _run_batch(self, rows: list[ClaimedRow], counts: Counter[str]) -> None:
        try:
            for index, row in enumerate(rows):
                if self.stop.is_set():
                    self._release(rows[index:], counts)
                    return
                if self.call_log:
                    # An unreadable row makes no call; it has no external_id to tag one with.
                    self.call_log.working_on(row if isinstance(row, MeetingRow) else None)
                try:
                    counts[self._sync_row(row)] += 1
                except CircuitOpen:
                    self._release(rows[index:], counts)
                    raise
        finally:
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
        released = self.store.release([r.id for r in rows], owner=self.settings.owner)
        counts["released"] += released

    def _now(self) -> datetime:
        """The database's clock now, from its reading at the claim (rows exist only after one)."""
        assert self._clock_read is not None, "a row is planned only after its claim"
        read, at = self._clock_read
        return read + timedelta(seconds=self.monotonic() - at)

    def _sync_row(self, row: ClaimedRow) -> str:
        if isinstance(row, UnreadableRow):
            return self._reject(row, reject_unreadable(row))
        now = self._now()
        action = plan(row, now=now, max_attempts=self.settings.max_attempts)
        if isinstance(action, Reject):
            return self._reject(row, action)
        if isinstance(action, Settle):
            self._write_synced(row, row.meeting_id, row.meeting_code, row.join_url)
            return "settled"
        operation = _operation_of(action)
        try:
            return self._perform(row, action)
        except (ApiError, TransportError) as exc:
            return self._handle_error(row, exc, operation)
        except QuotaDeferred as deferred:
            # Not the row's fault: it goes back, its attempt refunded, until there is room.
            code = None if deferred.error_code is None else str(deferred.error_code)
            self._write_retry(row, code, str(deferred), deferred.until, refund=True)
            return "deferred"

    def _reject(self, row: ClaimedRow, action: Reject) -> str:
        logger.info("row_rejected id=%s code=%s", row.id, action.code)
        self._write_failed(row, action.code, action.message)
        return "failed"

    def _perform(self, row: MeetingRow, action: Create | Reconcile | Update | Cancel) -> str:
        client, call = self.client, self._call
        if isinstance(action, Cancel):
            call(
                "cancel",
                row.userid,
                lambda: client.cancel_meeting(action.meeting_id, action.userid),
            )
            self._after_call(row, "cancel")
            self._write_synced(row, row.meeting_id, row.meeting_code, row.join_url)
            return "cancelled"
        if isinstance(action, Update):
            info = call(
                "update", row.userid, lambda: client.update_meeting(action.meeting_id, action.spec)
            )
            self._after_call(row, "update")
            self._write_synced(
                row,
                action.meeting_id,
                info.meeting_code or row.meeting_code,
                info.join_url or row.join_url,
            )
            return "updated"
        if isinstance(action, Reconcile):
            adopted = self._find_previous_create(row, action.spec)
            if adopted is not None and row.status == "cancelled":
                # The lost create did happen, and the calendar has cancelled it since.
                gone = adopted.meeting_id
                call("cancel", row.userid, lambda: client.cancel_meeting(gone, action.spec.userid))
                self._after_call(row, "cancel")
                self._write_synced(row, gone, adopted.meeting_code, adopted.join_url)
                return "cancelled"
            if adopted is not None:
                self._write_synced(row, adopted.meeting_id, adopted.meeting_code, adopted.join_url)
                return "adopted"
            if row.status == "cancelled":
                self._write_synced(row, None, None, None)
                return "settled"
        return self._create(row, action.spec)

    def _create(self, row: MeetingRow, spec: MeetingSpec) -> str:
        # The intent marker commits with the create's quota reservation, in one transaction,
        # before the request goes out: if the answer is lost, the next attempt looks for the
        # meeting instead of creating a second one. A row that never got quota keeps no
        # marker, and a row whose lease has gone spends no quota.
        marked = row.create_intent_at is not None

        def mark_intent(conn: Connection | None, at: datetime | None) -> None:
            nonlocal marked
            if marked:
                return
            # Checked against the database's clock of the grant: the gate may have waited,
            # and the lease with it.
            if not self.store.mark_create_intent(
                row.id, owner=self.settings.owner, now=at, conn=conn
            ):
                raise _LeaseLost
            marked = True

        try:
            info = self._call(
                "create",
                spec.userid,
                lambda: self.client.create_meeting(spec),
                before_send=mark_intent,
            )
        except _LeaseLost:
            return "lease_lost"
        self._after_call(row, "create")
        self._write_synced(row, info.meeting_id, info.meeting_code, info.join_url)
        return "created"

    def _find_previous_create(self, row: MeetingRow, spec: MeetingSpec) -> MeetingInfo | None:
        # Only meetings starting exactly then can match, so the listing runs from the row's
        # start time until the page cursor passes it: one page unless more than 20 of the
        # user's meetings start at that moment. Each page is one call through the quota
        # gate and the retries: a failed page is asked for again, not the whole list.
        start = int(spec.start.timestamp())

        def through_the_gate(fetch: Callable[[], T]) -> T:
            return self._call("list", spec.userid, fetch)

        candidates = self.client.list_user_meetings(
            spec.userid, pos=start, until=start, each_page=through_the_gate
        )
        taken = self.store.meeting_ids_taken([c.meeting_id for c in candidates], except_row=row.id)
        return find_adoptable(candidates, spec, taken=taken)

    def _call(
        self,
        operation: str,
        userid: str | None,
        fn: Callable[[], T],
        *,
        before_send: Callable[[Connection | None, datetime | None], None] | None = None,
    ) -> T:
        """One API call: in-call retries around attempts that each pass the quota gate.

        ``before_send`` commits with the attempt's quota grant; without a gate, on its own.
        """
        gate = self.gate

        def attempt() -> T:
            if gate is not None:
                return gate.attempt(operation, userid, fn, before_send=before_send)
            if before_send is not None:
                before_send(None, None)
            return fn()

        return self.retry.call(operation, attempt)

    def _after_call(self, row: MeetingRow, operation: str) -> None:
        if self.after_call is not None:
            self.after_call(row, operation)

    def _write_synced(
        self,
        row: MeetingRow,
        meeting_id: str | None,
        meeting_code: str | None,
        join_url: str | None,
    ) -> None:
        def write() -> None:
            # synced_at is the database's clock at the write: no extra round trip for it.
            self.store.record_synced(
                row.id,
                owner=self.settings.owner,
                revision=row.revision,
                meeting_id=meeting_id,
                meeting_code=meeting_code,
                join_url=join_url,
            )

        try:
            self.durable("write_back", write)
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

    def _write_failed(self, row: ClaimedRow, code: str, message: str) -> None:
        self.durable(
            "write_back",
            lambda: self.store.record_failed(
                row.id,
                owner=self.settings.owner,
                revision=row.revision,
                error_code=code,
                error_message=message,
            ),
        )

    def _write_retry(
        self, row: MeetingRow, code: str | None, message: str | None, at: datetime, *, refund: bool
    ) -> None:
        self.durable(
            "write_back",
            lambda: self.store.record_retry(
                row.id,
                owner=self.settings.owner,
                error_code=code,
                error_message=message,
                next_attempt_at=at,
                refund_attempt=refund,
            ),
        )

    def _handle_error(self, row: MeetingRow, exc: ApiError | TransportError, operation: str) -> str:
        now = self._now()
        decision = decide(
            exc,
            operation=operation,
            attempt=row.attempts,
            now=now,
            policy=self.settings.retry,
            rng=self.rng,
        )
        logger.info(
            "call_failed id=%s operation=%s decision=%s code=%s",
            row.id,
            operation,
            type(decision).__name__,
            getattr(exc, "error_code", "transport"),
        )
        if isinstance(decision, Trip):
            raise CircuitOpen(decision.code, decision.diagnosis)
        if isinstance(decision, Done):
            self._write_synced(row, row.meeting_id, row.meeting_code, row.join_url)
            return "cancelled"
        if isinstance(decision, Fail):
            self._write_failed(row, decision.code, decision.message)
            return "failed"
        assert isinstance(decision, RetryLater)
        self._write_retry(row, decision.code, decision.message, decision.at, refund=decision.refund)
        return "retry_later"


def _operation_of(action: Create | Reconcile | Update | Cancel) -> str:
    if isinstance(action, Cancel):
        return "cancel"
    if isinstance(action, Update):
        return "update"
    return "create"
