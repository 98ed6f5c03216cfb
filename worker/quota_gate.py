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
from typing import TypeVar

from worker.config import QuotaConfig
from worker.exceptions import ApiError, QuotaDeferred
from worker.quota_ledger import Granted, Ledger, OnGrant
from worker.quota_scopes import pause_target, scopes_for
from worker.wemeet.errors import ErrorKind, classify_error

logger = logging.getLogger(__name__)
T = TypeVar("T")


class QuotaGate:
    def __init__(
        self,
        ledger: Ledger,
        quota: QuotaConfig,
        app_id: str,
        *,
        stop: threading.Event,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        """``wait(seconds)`` waits for the quota and says whether a shutdown cut it short;
        by default ``stop.wait``, and a test passes one that moves an injected clock on."""
        self.ledger = ledger
        self.quota = quota
        self.app_id = app_id
        self.stop = stop
        self.wait = wait or stop.wait

    def attempt(
        self,
        operation: str,
        userid: str | None,
        fn: Callable[[], T],
        *,
        before_send: OnGrant | None = None,
    ) -> T:
        """One attempt of a call: reserve, call, and pause the quota on a quota error.

        ``before_send`` commits with the call's quota, in the same transaction, right before
        the call goes out; if it raises, no quota is spent and nothing is sent.
        """
        self.acquire(operation, userid, before_send)
        try:
            return fn()
        except ApiError as exc:
            self.observe(exc, operation, userid)
            raise

    def acquire(self, operation: str, userid: str | None, on_grant: OnGrant | None = None) -> None:
        scopes = scopes_for(operation, self.app_id, userid, self.quota)
        while True:
            result = self.ledger.reserve(scopes, on_grant)
            if isinstance(result, Granted):
                return
            if result.seconds > self.quota.max_wait_seconds:
                raise QuotaDeferred(result.until, result.error_code)
            logger.debug("quota_wait seconds=%.2f scope=%s", result.seconds, result.scope)
            if self.wait(result.seconds):
                # Shutting down: hand the row back rather than sending after the signal.
                raise QuotaDeferred(result.until, result.error_code)

    def observe(self, exc: ApiError, operation: str, userid: str | None) -> None:
        kind = classify_error(exc, operation)
        if kind not in (ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED):
            return
        target = pause_target(exc.error_code, self.app_id, userid, self.quota)
        if target is None:
            return
        key, period = target
        until = self.ledger.pause(key, exc.error_code, period)
        logger.warning(
            "quota_paused code=%s scope=%s until=%s", exc.error_code, key, until.isoformat()
        )
        if kind is ErrorKind.QUOTA_EXHAUSTED:
            # Nothing of this scope goes out before the reset: no retry, the row waits.
            raise QuotaDeferred(until, exc.error_code) from exc
