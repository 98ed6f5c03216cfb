"""One claimed row, from its plan to its write-back: the calls its action needs, each through
the quota gate and the in-call retries, and the outcome written back under its lease.

Speaks to the row's provider only through ``worker.sync.provider``. No database transaction
is open across a call: each write is one short transaction of the store's.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from worker.domain.rows import ClaimedRow, MeetingRow, UnreadableRow, WriteOutcome
from worker.exceptions import (
    ApiError,
    CircuitOpen,
    DatabaseUnavailable,
    InvalidMeeting,
    LeaseLost,
    MeetingSyncError,
    QuotaDeferred,
    TransportError,
)
from worker.quota.gate import QuotaGate
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.decide import Done, Fail, RetryLater, RetryPolicy, Trip, decide, refused_outright
from worker.sync.plan import (
    Cancel,
    Create,
    Reconcile,
    Reject,
    Settle,
    Update,
    plan,
    reject_unreadable,
    sent_create,
)
from worker.sync.provider import MeetingRequest, Provider, Providers, Remote
from worker.sync.retry import InCallRetry

logger = logging.getLogger(__name__)
T = TypeVar("T")

AfterCall = Callable[[MeetingRow, str], None]
"""A fault-injection seam: runs between a provider's answer and the write-back."""


@dataclass(frozen=True)
class RowSettings:
    owner: str
    max_attempts: int
    retry: RetryPolicy


class _CallFailed(MeetingSyncError):
    """A call failed for good (its in-call retries spent), with the operation it was: the
    same error means one thing for a create and another for the lookup before it."""

    def __init__(self, operation: str, error: ApiError | TransportError | QuotaDeferred) -> None:
        super().__init__(str(error))
        self.operation = operation
        self.error = error


class RowSync:
    """Syncs one row at a time; ``sync`` returns what happened, as the pass counts it."""

    def __init__(
        self,
        store: Store,
        providers: Providers,
        default_provider: str,
        settings: RowSettings,
        *,
        retry: InCallRetry,
        gate: QuotaGate | None,
        durable: DurableWrites,
        rng: random.Random,
        after_call: AfterCall | None,
    ) -> None:
        self.store = store
        self.providers = providers
        self.default_provider = default_provider
        self.settings = settings
        self.retry = retry
        self.gate = gate
        self.durable = durable
        self.rng = rng
        self.after_call = after_call

    def sync(self, row: ClaimedRow, now: datetime) -> str:
        if isinstance(row, UnreadableRow):
            return self._reject(row, reject_unreadable(row))
        name = row.provider if row.provider is not None else self.default_provider
        provider = self.providers.get(name)
        action = plan(
            row,
            provider,
            known=tuple(self.providers),
            now=now,
            max_attempts=self.settings.max_attempts,
        )
        if isinstance(action, Reject):
            return self._reject(row, action)
        if isinstance(action, Settle):
            return self._synced(row, "settled", row.meeting_id, row.meeting_code, row.join_url)
        assert provider is not None, "only a row with a provider gets an action to perform"
        job = _Job(self, row, provider)
        try:
            return job.perform(action)
        except _CallFailed as failed:
            if isinstance(failed.error, QuotaDeferred):
                return self._defer(row, failed.error, failed.operation)
            return self._handle_error(row, provider, failed.error, failed.operation, now)
        except InvalidMeeting as exc:
            # The provider's own last check refused a value before sending it: this row's
            # fault alone, so it fails here and the pass goes on.
            logger.info("row_rejected id=%s code=%s", row.id, exc.code)
            self._write_failed(row, exc.code, exc.message)
            return "failed"
        except LeaseLost:
            logger.warning("lease_lost id=%s owner=%s", row.id, self.settings.owner)
            return "lease_lost"

    def _reject(self, row: ClaimedRow, action: Reject) -> str:
        logger.info("row_rejected id=%s code=%s", row.id, action.code)
        self._write_failed(row, action.code, action.message)
        return "failed"

    # -- write-backs -------------------------------------------------------------------

    def _synced(
        self,
        row: MeetingRow,
        done: str,
        meeting_id: str | None,
        meeting_code: str | None,
        join_url: str | None,
    ) -> str:
        """Write a success back; returns what the pass counts: ``done`` as asked, or what
        the write found instead (another worker owns the row; the calendar edited it)."""

        def write() -> WriteOutcome:
            # synced_at is the database's clock at the write: no extra round trip for it.
            return self.store.record_synced(
                row.id,
                owner=self.settings.owner,
                revision=row.revision,
                meeting_id=meeting_id,
                meeting_code=meeting_code,
                join_url=join_url,
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

    def _write_adopted(self, row: MeetingRow, adopted: Remote) -> WriteOutcome:
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
        self, row: ClaimedRow, code: str, message: str, *, nothing_in_flight: bool = False
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

    # -- failures ----------------------------------------------------------------------

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

    def _handle_error(
        self,
        row: MeetingRow,
        provider: Provider[Any],
        exc: ApiError | TransportError,
        operation: str,
        now: datetime,
    ) -> str:
        decision = decide(
            exc,
            provider,
            operation=operation,
            attempt=row.attempts,
            now=now,
            policy=self.settings.retry,
            rng=self.rng,
            owner=row.userid,
        )
        logger.info(
            "call_failed id=%s operation=%s decision=%s code=%s",
            row.id,
            operation,
            type(decision).__name__,
            getattr(exc, "error_code", "transport"),
        )
        # A create the provider refused outright made no meeting: its intent marker goes,
        # so the row's next attempt costs no lookup.
        nothing_in_flight = refused_outright(exc, operation, provider)
        if isinstance(decision, Trip):
            if nothing_in_flight:
                self.durable(
                    "write_back",
                    lambda: self.store.clear_create_intent(row.id, owner=self.settings.owner),
                )
            raise CircuitOpen(decision.code, decision.diagnosis)
        if isinstance(decision, Done):
            return self._synced(row, "cancelled", row.meeting_id, row.meeting_code, row.join_url)
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


class _Job:
    """The calls one row's action needs, with its provider."""

    def __init__(self, sync: RowSync, row: MeetingRow, provider: Provider[Any]) -> None:
        self.sync = sync
        self.row = row
        self.provider = provider

    def perform(self, action: Create | Reconcile | Update | Cancel) -> str:
        row, provider = self.row, self.provider
        if isinstance(action, Cancel):
            self.call(
                "cancel", action.owner, lambda: provider.cancel(action.meeting_id, action.owner)
            )
            self.after("cancel")
            return self.sync._synced(
                row, "cancelled", row.meeting_id, row.meeting_code, row.join_url
            )
        if isinstance(action, Update):
            return self.update(action.meeting_id, action.request, row.meeting_code, row.join_url)
        if isinstance(action, Reconcile):
            return self.reconcile(action)
        return self.create(action.request)

    def update(
        self,
        meeting_id: str,
        request: MeetingRequest,
        meeting_code: str | None,
        join_url: str | None,
    ) -> str:
        provider = self.provider
        remote = self.call("update", request.owner, lambda: provider.update(meeting_id, request))
        self.after("update")
        return self.sync._synced(
            self.row,
            "updated",
            meeting_id,
            remote.meeting_code or meeting_code,
            remote.join_url or join_url,
        )

    def reconcile(self, action: Reconcile) -> str:
        """Find the meeting a lost create made (by what it sent), then bring it to the row."""
        row, sync = self.row, self.sync
        adopted = self.find_lost_create(action)
        if adopted is None:
            if row.status == "cancelled":
                return sync._synced(row, "settled", None, None, None)
            if action.rejection is not None:
                reject = action.rejection
                sync._write_failed(row, reject.code, reject.message, nothing_in_flight=True)
                return "failed"
            assert action.request is not None, "a scheduled row has a request or a rejection"
            return self.create(action.request)
        if row.status == "cancelled":
            # The lost create did happen, and the calendar has cancelled it since.
            gone, owner, provider = adopted.meeting_id, action.sent.owner, self.provider
            self.call("cancel", owner, lambda: provider.cancel(gone, owner))
            self.after("cancel")
            return sync._synced(row, "cancelled", gone, adopted.meeting_code, adopted.join_url)
        if not action.edited:
            return sync._synced(
                row, "adopted", adopted.meeting_id, adopted.meeting_code, adopted.join_url
            )
        # The calendar edited the row after the create went out: the meeting holds what was
        # sent. Its id goes on the row first, so that whatever happens to the update below,
        # the row's next attempt is an update of this meeting, never a second create.
        if sync._write_adopted(row, adopted) is WriteOutcome.LEASE_LOST:
            raise LeaseLost(f"row {row.id}")
        if action.rejection is not None:
            sync._write_failed(row, action.rejection.code, action.rejection.message)
            return "failed"
        assert action.request is not None, "a scheduled row has a request or a rejection"
        return self.update(
            adopted.meeting_id, action.request, adopted.meeting_code, adopted.join_url
        )

    def find_lost_create(self, action: Reconcile) -> Remote | None:
        owner, store, row = action.sent.owner, self.sync.store, self.row

        def through_the_gate(fetch: Callable[[], T]) -> T:
            return self.call("list", owner, fetch)

        def taken(ids: Sequence[str]) -> set[str]:
            return store.meeting_ids_taken(ids, except_row=row.id)

        return self.provider.find_lost_create(
            owner, action.sent.content, call=through_the_gate, taken=taken
        )

    def create(self, request: MeetingRequest) -> str:
        # The intent marker, with what the create sends, commits with the create's quota
        # reservation, in one transaction, before the request goes out: if the answer is
        # lost, the next attempt looks for this meeting instead of creating a second one.
        # A row that never got quota keeps no new marker, and a row whose lease has gone
        # spends no quota. A marker left by an earlier lost create is overwritten: a lookup
        # has just found nothing for it.
        row, sync, provider = self.row, self.sync, self.provider
        sent = sent_create(provider, request, row.revision).to_json()
        marked = False

        def mark_intent(conn: Connection | None, at: datetime | None) -> None:
            nonlocal marked
            if marked:
                return
            # Checked against the database's clock of the grant: the gate may have waited,
            # and the lease with it.
            if not sync.store.mark_create_intent(
                row.id, owner=sync.settings.owner, sent=sent, now=at, conn=conn
            ):
                raise LeaseLost(f"row {row.id}")
            marked = True

        remote = self.call(
            "create", request.owner, lambda: provider.create(request), before_send=mark_intent
        )
        self.after("create")
        return sync._synced(row, "created", remote.meeting_id, remote.meeting_code, remote.join_url)

    def call(
        self,
        operation: str,
        owner: str | None,
        fn: Callable[[], T],
        *,
        before_send: Callable[[Connection | None, datetime | None], None] | None = None,
    ) -> T:
        """One API call: in-call retries around attempts that each pass the quota gate.

        ``before_send`` commits with the attempt's quota grant; without a gate, on its own.
        """
        gate, provider = self.sync.gate, self.provider

        def attempt() -> T:
            if gate is not None:
                return gate.attempt(provider, operation, owner, fn, before_send=before_send)
            if before_send is not None:
                before_send(None, None)
            return fn()

        try:
            return self.sync.retry.call(operation, attempt, provider.classify)
        except (ApiError, TransportError, QuotaDeferred) as exc:
            raise _CallFailed(operation, exc) from exc

    def after(self, operation: str) -> None:
        if self.sync.after_call is not None:
            self.sync.after_call(self.row, operation)
