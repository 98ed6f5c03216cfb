"""The calls one row's action needs — create, update, cancel, or the lookup of a lost create
and what follows it — each through the quota gate and the in-call retries, and the write
that records each outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection

from worker.domain.rows import MeetingRow, WriteOutcome
from worker.exceptions import (
    ApiError,
    LeaseLost,
    MeetingSyncError,
    OwnerUnauthorized,
    QuotaDeferred,
    TransportError,
)
from worker.quota.gate import QuotaGate
from worker.store.meetings import Store
from worker.sync.plan import Cancel, Create, Reconcile, Update, sent_create
from worker.sync.provider import MeetingRequest, Provider, Remote
from worker.sync.retry import InCallRetry
from worker.sync.writeback import RowWrites

T = TypeVar("T")

AfterCall = Callable[[MeetingRow, str], None]
"""A fault-injection seam: runs between a provider's answer and the write-back."""


class CallFailed(MeetingSyncError):
    """A call failed for good (its in-call retries spent), with the operation it was: the
    same error means one thing for a create and another for the lookup before it."""

    def __init__(
        self,
        operation: str,
        error: ApiError | TransportError | QuotaDeferred | OwnerUnauthorized,
    ) -> None:
        super().__init__(str(error))
        self.operation = operation
        self.error = error


@dataclass(frozen=True)
class Tools:
    """What a job works with: the same for every row of a pass."""

    store: Store
    writes: RowWrites
    retry: InCallRetry
    gate: QuotaGate | None
    after_call: AfterCall | None


class RowJob:
    """The calls one row's action needs, with its provider, and the writes that follow."""

    def __init__(self, tools: Tools, row: MeetingRow, provider: Provider[Any]) -> None:
        self.tools = tools
        self.row = row
        self.provider = provider

    def perform(self, action: Create | Reconcile | Update | Cancel) -> str:
        row, provider = self.row, self.provider
        if isinstance(action, Cancel):
            self.call(
                "cancel",
                action.owner,
                lambda: provider.cancel(action.meeting_id, action.owner, row),
            )
            self.after("cancel")
            # A cancelled meeting lacks nobody any more.
            return self.tools.writes.synced(
                row, "cancelled", row.meeting_id, row.meeting_code, row.join_url, not_applied=()
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
        # The provider names the meeting the row now has: for some providers a change is a
        # new meeting in place of the old one (a TRTC reschedule), with new join data.
        return self.tools.writes.synced(
            self.row,
            "updated",
            remote.meeting_id or meeting_id,
            remote.meeting_code or meeting_code,
            remote.join_url or join_url,
            note=remote.note,
            not_applied=remote.not_applied,
        )

    def reconcile(self, action: Reconcile) -> str:
        """Find the meeting a lost create made (by what it sent), then bring it to the row."""
        row, tools = self.row, self.tools
        adopted = self.find_lost_create(action)
        if adopted is None:
            if row.status == "cancelled":
                return tools.writes.synced(row, "settled", None, None, None, not_applied=())
            if action.rejection is not None:
                reject = action.rejection
                tools.writes.failed(row, reject.code, reject.message, nothing_in_flight=True)
                return "failed"
            assert action.request is not None, "a scheduled row has a request or a rejection"
            return self.create(action.request)
        if row.status == "cancelled":
            # The lost create did happen, and the calendar has cancelled it since.
            gone, owner, provider = adopted.meeting_id, action.sent.owner, self.provider
            self.call("cancel", owner, lambda: provider.cancel(gone, owner, row))
            self.after("cancel")
            return tools.writes.synced(
                row, "cancelled", gone, adopted.meeting_code, adopted.join_url, not_applied=()
            )
        if not action.edited:
            return tools.writes.synced(
                row,
                "adopted",
                adopted.meeting_id,
                adopted.meeting_code,
                adopted.join_url,
                not_applied=adopted.not_applied,
            )
        # The calendar edited the row after the create went out: the meeting holds what was
        # sent. Its id goes on the row first, so that whatever happens to the update below,
        # the row's next attempt is an update of this meeting, never a second create.
        if tools.writes.adopted(row, adopted) is WriteOutcome.LEASE_LOST:
            raise LeaseLost(f"row {row.id}")
        if action.rejection is not None:
            tools.writes.failed(row, action.rejection.code, action.rejection.message)
            return "failed"
        assert action.request is not None, "a scheduled row has a request or a rejection"
        return self.update(
            adopted.meeting_id, action.request, adopted.meeting_code, adopted.join_url
        )

    def find_lost_create(self, action: Reconcile) -> Remote | None:
        owner, store, row = action.sent.owner, self.tools.store, self.row

        def through_the_gate(fetch: Callable[[], T]) -> T:
            return self.call("list", owner, fetch)

        def taken(ids: Sequence[str]) -> set[str]:
            # The meetings of the outcomes still queued are taken too: written first.
            self.tools.writes.flush()
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
        row, tools, provider = self.row, self.tools, self.provider
        sent = sent_create(provider, request, row.revision).to_json()
        marked = False

        def mark_intent(conn: Connection | None, at: datetime | None) -> None:
            nonlocal marked
            if marked:
                return
            # Checked against the database's clock of the grant: the gate may have waited,
            # and the lease with it.
            if not tools.store.mark_create_intent(
                row.id, owner=tools.writes.owner, sent=sent, now=at, conn=conn
            ):
                raise LeaseLost(f"row {row.id}")
            marked = True

        remote = self.call(
            "create", request.owner, lambda: provider.create(request), before_send=mark_intent
        )
        self.after("create")
        return tools.writes.synced(
            row,
            "created",
            remote.meeting_id,
            remote.meeting_code,
            remote.join_url,
            note=remote.note,
            not_applied=remote.not_applied,
        )

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
        The outcomes of earlier rows still queued commit in the reservation's transaction.
        """
        gate, provider, writes = self.tools.gate, self.provider, self.tools.writes

        def attempt() -> T:
            if gate is not None:
                return gate.attempt(
                    provider, operation, owner, fn, before_send=before_send, rider=writes
                )
            if before_send is not None:
                before_send(None, None)
            return fn()

        try:
            return self.tools.retry.call(operation, attempt, provider.classify)
        except (ApiError, TransportError, QuotaDeferred, OwnerUnauthorized) as exc:
            raise CallFailed(operation, exc) from exc

    def after(self, operation: str) -> None:
        if self.tools.after_call is not None:
            self.tools.after_call(self.row, operation)
