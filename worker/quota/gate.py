"""The quota gate: every API attempt passes through it.

Before an attempt it reserves one call from every quota that applies (in the shared ledger,
so all workers count together); after a quota error it records a pause that stops every
worker until the provider's window turns. Short waits happen here, interruptibly; long ones
become a ``QuotaDeferred`` that puts the row back with ``next_attempt_at``, so no worker
sleeps on a lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError, DatabaseUnavailable, QuotaDeferred
from worker.quota.ledger import Granted, OnGrant, QuotaLedger, Rider
from worker.quota.scopes import PauseTarget, Scope

logger = logging.getLogger(__name__)
T = TypeVar("T")


class QuotaTarget(Protocol):
    """What the gate needs to know of a provider (``worker.sync.provider.Provider`` is one)."""

    def scopes(self, operation: str, owner: str | None) -> tuple[Scope, ...]: ...

    def classify(self, error: ApiError, operation: str) -> ErrorKind: ...

    def pause_for(
        self, error: ApiError, operation: str, owner: str | None
    ) -> PauseTarget | None: ...


class QuotaGate:
    def __init__(
        self,
        ledger: QuotaLedger,
        *,
        max_wait_seconds: float,
        stop: threading.Event,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        """``wait(seconds)`` waits for the quota and says whether a shutdown cut it short;
        by default ``stop.wait``, and a test passes one that moves an injected clock on."""
        self.ledger = ledger
        self.max_wait_seconds = max_wait_seconds
        self.stop = stop
        self.wait = wait or stop.wait

    def attempt(
        self,
        target: QuotaTarget,
        operation: str,
        owner: str | None,
        fn: Callable[[], T],
        *,
        before_send: OnGrant | None = None,
        rider: Rider | None = None,
    ) -> T:
        """One attempt of a call: reserve, call, and pause the quota on a quota error.

        ``before_send`` commits with the call's quota, in the same transaction, right before
        the call goes out; if it raises, no quota is spent and nothing is sent. ``rider``
        commits in the reservation's transaction, granted or not (``QuotaLedger.reserve``).
        """
        self.acquire(target.scopes(operation, owner), before_send, rider)
        try:
            return fn()
        except ApiError as exc:
            self.observe(target, exc, operation, owner)
            raise

    def acquire(
        self,
        scopes: tuple[Scope, ...],
        on_grant: OnGrant | None = None,
        rider: Rider | None = None,
    ) -> None:
        while True:
            try:
                result = self.ledger.reserve(scopes, on_grant, rider)
            except DatabaseUnavailable:
                if rider is None or not rider.pending:
                    raise
                # The rider's outcomes wait the outage out on their own, as a write-back
                # always has; then the reservation is asked for again, alone.
                rider.flush()
                rider = None
                continue
            if isinstance(result, Granted):
                return
            if result.seconds > self.max_wait_seconds:
                raise QuotaDeferred(result.until, result.error_code)
            logger.debug("quota_wait seconds=%.2f scope=%s", result.seconds, result.scope)
            if self.wait(result.seconds):
                # Shutting down: hand the row back rather than sending after the signal.
                raise QuotaDeferred(result.until, result.error_code)

    def observe(
        self, target: QuotaTarget, exc: ApiError, operation: str, owner: str | None
    ) -> None:
        kind = target.classify(exc, operation)
        if kind not in (ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED):
            return
        pause = target.pause_for(exc, operation, owner)
        if pause is None:
            return
        key = pause.key
        until = self.ledger.pause(key, exc.error_code, pause.period, pause.escalation)
        logger.warning(
            "quota_paused code=%s scope=%s until=%s", exc.error_code, key, until.isoformat()
        )
        if kind is ErrorKind.QUOTA_EXHAUSTED:
            # Nothing of this scope goes out before the reset: no retry, the row waits.
            raise QuotaDeferred(until, exc.error_code) from exc
