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

from worker.domain.rows import CallLogEntry, MeetingRow, WriteOutcome
from worker.exceptions import (
    ApiError,
    DatabaseUnavailable,
    InvalidMeeting,
    QuotaDeferred,
    TransportError,
)
from worker.quota.gate import QuotaGate
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.api_calls import CallLog
from worker.sync.decide import Done, Fail, RetryLater, RetryPolicy, Trip, decide, refused_outright
from worker.sync.lost_create import SentCreate, find_adoptable
from worker.sync.plan import Cancel, Create, Reconcile, Reject, Settle, Update, plan
from worker.sync.retry import InCallRetry
from worker.wemeet.client import WemeetClient
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo

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


class _CallFailed(Exception):
    """An API call failed for good (its in-call retries spent), with the operation it was:
    the same error means one thing for a create and another for the lookup before it."""

    def __init__(self, operation: str, error: ApiError | TransportError | QuotaDeferred) -> None:
        super().__init__(str(error))
        self.operation = operation
        self.error = error


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

    def _run_batch(self, rows: list[MeetingRow], counts: Counter[str]) -> None:
        try:
            for index, row in enumerate(rows):
                if self.stop.is_set():
                    self._release(rows[index:], counts)
                    return
                if self.call_log:
                    self.call_log.working_on(row)
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

    def _release(self, rows: list[MeetingRow], counts: Counter[str]) -> None:
        released = self.store.release([r.id for r in rows], owner=self.settings.owner)
        counts["released"] += released

    def _now(self) -> datetime:
        """The database's clock now, from its reading at the claim (rows exist only after one)."""
        assert self._clock_read is not None, "a row is planned only after its claim"
        read, at = self._clock_read
        return read + timedelta(seconds=self.monotonic() - at)

    def _sync_row(self, row: MeetingRow) -> str:
        now = self._now()
        action = plan(row, now=now, max_attempts=self.settings.max_attempts)
        if isinstance(action, Reject):
            logger.info("row_rejected id=%s code=%s", row.id, action.code)
            self._write_failed(row, action.code, action.message)
            return "failed"
        if isinstance(action, Settle):
            self._write_synced(row, row.meeting_id, row.meeting_code, row.join_url)
            return "settled"
        try:
            return self._perform(row, action)
        except _CallFailed as failed:
            if isinstance(failed.error, QuotaDeferred):
                return self._defer(row, failed.error, failed.operation)
            return self._handle_error(row, failed.error, failed.operation)
        except InvalidMeeting as exc:
            # The client's own last check refused a value before sending it: this row's
            # fault alone, so it fails here and the pass goes on.
            logger.info("row_rejected id=%s code=%s", row.id, exc.code)
            self._write_failed(row, exc.code, exc.message)
            return "failed"

    def _defer(self, row: MeetingRow, deferred: QuotaDeferred, operation: str) -> str:
        # Not the row's fault: it goes back, its attempt refunded, until there is room. A
        # create deferred (at the gate, or refused by a quota error) made no meeting: its
        # in-call retries stop at the first answer that might have.
        code = None if deferred.error_code is None else str(deferred.error_code)
        self._write_retry(
            row,
            code,
            str(deferred),
            deferred.until,
            refund=True,
            nothing_in_flight=operation == "create",
        )
        return "deferred"

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
            return self._update(row, action.meeting_id, action.spec, row.meeting_code, row.join_url)
        if isinstance(action, Reconcile):
            return self._reconcile(row, action)
        return self._create(row, action.spec)

    def _update(
        self,
        row: MeetingRow,
        meeting_id: str,
        spec: MeetingSpec,
        meeting_code: str | None,
        join_url: str | None,
    ) -> str:
        info = self._call(
            "update", row.userid, lambda: self.client.update_meeting(meeting_id, spec)
        )
        self._after_call(row, "update")
        self._write_synced(
            row, meeting_id, info.meeting_code or meeting_code, info.join_url or join_url
        )
        return "updated"

    def _reconcile(self, row: MeetingRow, action: Reconcile) -> str:
        """Find the meeting a lost create made (by what it sent), then bring it to the row."""
        adopted = self._find_previous_create(row, action.sent)
        if adopted is None:
            if row.status == "cancelled":
                self._write_synced(row, None, None, None)
                return "settled"
            if action.rejection is not None:
                reject = action.rejection
                self._write_failed(row, reject.code, reject.message, nothing_in_flight=True)
                return "failed"
            assert action.spec is not None, "a scheduled row has a spec or a rejection"
            return self._create(row, action.spec)
        if row.status == "cancelled":
            # The lost create did happen, and the calendar has cancelled it since.
            gone, creator = adopted.meeting_id, action.sent.userid
            self._call("cancel", creator, lambda: self.client.cancel_meeting(gone, creator))
            self._after_call(row, "cancel")
            self._write_synced(row, gone, adopted.meeting_code, adopted.join_url)
            return "cancelled"
        if not action.edited:
            self._write_synced(row, adopted.meeting_id, adopted.meeting_code, adopted.join_url)
            return "adopted"
        # The calendar edited the row after the create went out: the meeting holds what was
        # sent. Its id goes on the row first, so that whatever happens to the update below,
        # the row's next attempt is an update of this meeting, never a second create.
        if self._write_adopted(row, adopted) is WriteOutcome.LEASE_LOST:
            return "lease_lost"
        if action.rejection is not None:
            self._write_failed(row, action.rejection.code, action.rejection.message)
            return "failed"
        assert action.spec is not None, "a scheduled row has a spec or a rejection"
        return self._update(
            row, adopted.meeting_id, action.spec, adopted.meeting_code, adopted.join_url
        )

    def _create(self, row: MeetingRow, spec: MeetingSpec) -> str:
        # The intent marker, with what the create sends, commits with the create's quota
        # reservation, in one transaction, before the request goes out: if the answer is
        # lost, the next attempt looks for this meeting instead of creating a second one.
        # A row that never got quota keeps no new marker, and a row whose lease has gone
        # spends no quota. A marker left by an earlier lost create is overwritten: a lookup
        # has just found nothing for it.
        sent = SentCreate.of(spec, row.revision).to_json()
        marked = False

        def mark_intent(conn: Connection | None, at: datetime | None) -> None:
            nonlocal marked
            if marked:
                return
            # Checked against the database's clock of the grant: the gate may have waited,
            # and the lease with it.
            if not self.store.mark_create_intent(
                row.id, owner=self.settings.owner, sent=sent, now=at, conn=conn
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

    def _find_previous_create(self, row: MeetingRow, sent: SentCreate) -> MeetingInfo | None:
        # Only meetings starting exactly then can match, so the listing runs from the sent
        # start time until the page cursor passes it: one page unless more than 20 of the
        # user's meetings start at that moment. Each page is one call through the quota
        # gate and the retries: a failed page is asked for again, not the whole list.
        def through_the_gate(fetch: Callable[[], T]) -> T:
            return self._call("list", sent.userid, fetch)

        candidates = self.client.list_user_meetings(
            sent.userid, pos=sent.start, until=sent.start, each_page=through_the_gate
        )
        taken = self.store.meeting_ids_taken([c.meeting_id for c in candidates], except_row=row.id)
        return find_adoptable(candidates, sent, taken=taken)

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

        try:
            return self.retry.call(operation, attempt)
        except (ApiError, TransportError, QuotaDeferred) as exc:
            raise _CallFailed(operation, exc) from exc

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

    def _write_adopted(self, row: MeetingRow, adopted: MeetingInfo) -> WriteOutcome:
        return self.durable(
            "write_back",
            lambda: self.store.record_adopted(
                row.id,
                owner=self.settings.owner,
                meeting_id=adopted.meeting_id,
                meeting_code=adopted.meeting_code,
                join_url=adopted.join_url,
            ),
        )

    def _write_failed(
        self, row: MeetingRow, code: str, message: str, *, nothing_in_flight: bool = False
    ) -> None:
        self.durable(
            "write_back",
            lambda: self.store.record_failed(
                row.id,
                owner=self.settings.owner,
                revision=row.revision,
                error_code=code,
                error_message=message,
                nothing_in_flight=nothing_in_flight,
            ),
        )

    def _write_retry(
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
                owner=self.settings.owner,
                error_code=code,
                error_message=message,
                next_attempt_at=at,
                refund_attempt=refund,
                nothing_in_flight=nothing_in_flight,
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
            userid=row.userid,
        )
        logger.info(
            "call_failed id=%s operation=%s decision=%s code=%s",
            row.id,
            operation,
            type(decision).__name__,
            getattr(exc, "error_code", "transport"),
        )
        # A create the API refused outright made no meeting: its intent marker goes, so the
        # row's next attempt costs no lookup.
        nothing_in_flight = refused_outright(exc, operation)
        if isinstance(decision, Trip):
            if nothing_in_flight:
                self.durable(
                    "write_back",
                    lambda: self.store.clear_create_intent(row.id, owner=self.settings.owner),
                )
            raise CircuitOpen(decision.code, decision.diagnosis)
        if isinstance(decision, Done):
            self._write_synced(row, row.meeting_id, row.meeting_code, row.join_url)
            return "cancelled"
        if isinstance(decision, Fail):
            self._write_failed(
                row, decision.code, decision.message, nothing_in_flight=nothing_in_flight
            )
            return "failed"
        assert isinstance(decision, RetryLater)
        self._write_retry(
            row,
            decision.code,
            decision.message,
            decision.at,
            refund=decision.refund,
            nothing_in_flight=nothing_in_flight,
        )
        return "retry_later"
