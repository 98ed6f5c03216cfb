"""One claimed row, from its plan to its outcome: the row's provider picked by name, the
plan carried out (``worker.sync.job``), and a failed call decided (``worker.sync.decide``)
and written back (``worker.sync.writeback``).

Speaks to the row's provider only through ``worker.sync.provider``. No database transaction
is open across a call: each write is one short transaction of the store's.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from worker.domain.rows import ClaimedRow, MeetingRow, UnreadableRow
from worker.exceptions import (
    ApiError,
    CircuitOpen,
    InvalidMeeting,
    LeaseLost,
    OwnerUnauthorized,
    QuotaDeferred,
    TransportError,
)
from worker.quota.gate import QuotaGate
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.backoff import long_backoff_seconds
from worker.sync.decide import Done, Fail, RetryLater, RetryPolicy, Trip, decide, refused_outright
from worker.sync.job import AfterCall, CallFailed, RowJob, Tools
from worker.sync.plan import (
    Reject,
    Settle,
    plan,
    reject_unreadable,
)
from worker.sync.provider import Provider, Providers
from worker.sync.retry import InCallRetry
from worker.sync.writeback import RowWrites

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RowSettings:
    owner: str
    max_attempts: int
    retry: RetryPolicy


class RowSync:
    """Syncs one row at a time; ``sync`` returns what happened, as the pass counts it."""

    def __init__(
        self,
        store: Store,
        providers: Providers,
        default_provider: str,
        settings: RowSettings,
        *,
        unserved: Mapping[str, str],
        retry: InCallRetry,
        gate: QuotaGate | None,
        durable: DurableWrites,
        rng: random.Random,
        after_call: AfterCall | None,
    ) -> None:
        self.store = store
        self.providers = providers
        self._known = tuple(providers)  # for the message about a provider not served
        self.unserved = unserved
        self.default_provider = default_provider
        self.settings = settings
        self.retry = retry
        self.gate = gate
        self.writes = RowWrites(store, settings.owner, durable)
        self.tools = Tools(store, self.writes, retry, gate, after_call)
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
            known=self._known,
            now=now,
            max_attempts=self.settings.max_attempts,
            unserved=self.unserved.get(name),
        )
        if isinstance(action, Reject):
            return self._reject(row, action)
        if isinstance(action, Settle):
            # Nothing was sent, so nothing new is known of what the meeting lacks.
            return self.writes.synced(
                row, "settled", row.meeting_id, row.meeting_code, row.join_url, not_applied=None
            )
        assert provider is not None, "only a row with a provider gets an action to perform"
        job = RowJob(self.tools, row, provider)
        try:
            return job.perform(action)
        except CallFailed as failed:
            if isinstance(failed.error, QuotaDeferred):
                return self._defer(row, failed.error, failed.operation)
            if isinstance(failed.error, OwnerUnauthorized):
                return self._park(row, failed.error, failed.operation, now)
            return self._handle_error(row, provider, failed.error, failed.operation, now)
        except InvalidMeeting as exc:
            # The provider's own last check refused a value before sending it: this row's
            # fault alone, so it fails here and the pass goes on.
            logger.info("row_rejected id=%s code=%s", row.id, exc.code)
            self.writes.failed(row, exc.code, exc.message)
            return "failed"
        except LeaseLost:
            logger.warning("lease_lost id=%s owner=%s", row.id, self.settings.owner)
            return "lease_lost"

    def _reject(self, row: ClaimedRow, action: Reject) -> str:
        logger.info("row_rejected id=%s code=%s", row.id, action.code)
        self.writes.failed(row, action.code, action.message)
        return "failed"

    # -- failures ----------------------------------------------------------------------

    def _defer(self, row: MeetingRow, deferred: QuotaDeferred, operation: str) -> str:
        # Not the row's fault: it goes back, its attempt refunded, until there is room. A
        # create deferred (at the gate, or refused by a quota error) made no meeting: its
        # in-call retries stop at the first answer that might have.
        code = None if deferred.error_code is None else str(deferred.error_code)
        self.writes.retry(
            row,
            code,
            str(deferred),
            deferred.until,
            refund=True,
            nothing_in_flight=operation == "create",
        )
        return "deferred"

    def _park(
        self, row: MeetingRow, unauthorized: OwnerUnauthorized, operation: str, now: datetime
    ) -> str:
        # Nothing was sent: the owner's authorization is gone, and only a person can bring
        # it back. The row waits, pending, its attempt refunded; the provider makes it due
        # again once the owner is authorized.
        wait = long_backoff_seconds(self.settings.retry.saturated_seconds, self.rng)
        self.writes.retry(
            row,
            unauthorized.code,
            unauthorized.message,
            now + timedelta(seconds=wait),
            refund=True,
            nothing_in_flight=operation == "create",
        )
        return "unauthorized"

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
                self.writes.clear_intent(row)
            raise CircuitOpen(decision.code, decision.diagnosis)
        if isinstance(decision, Done):
            return self.writes.synced(
                row, "cancelled", row.meeting_id, row.meeting_code, row.join_url, not_applied=()
            )
        if isinstance(decision, Fail):
            self.writes.failed(
                row, decision.code, decision.message, nothing_in_flight=nothing_in_flight
            )
            return "failed"
        assert isinstance(decision, RetryLater)
        self.writes.retry(
            row,
            decision.code,
            decision.message,
            decision.at,
            refund=decision.refund,
            nothing_in_flight=nothing_in_flight,
        )
        return "retry_later"
