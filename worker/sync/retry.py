"""In-call retries: tenacity around one provider call, judged by the provider's classification.

Each attempt calls the client again, so each attempt is authenticated afresh (new nonce
and timestamp). A create is retried in-call only when it certainly did not reach the server:
anything else may have created the meeting, and the intent marker sends the row to
reconciliation instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError, TransportError

logger = logging.getLogger(__name__)
T = TypeVar("T")

Classify = Callable[[ApiError, str], ErrorKind]
"""What an error means for an operation: the provider's ``classify``."""


@dataclass(frozen=True)
class InCallSettings:
    max_attempts: int = 3
    max_seconds: float = 20.0
    wait_multiplier: float = 0.5
    wait_max: float = 5.0


def retryable(exc: BaseException, operation: str, classify: Classify) -> bool:
    """Whether to try the same call again right away (pure)."""
    if isinstance(exc, TransportError):
        return operation != "create" or not exc.may_have_reached
    if not isinstance(exc, ApiError):
        return False
    kind = classify(exc, operation)
    if kind is ErrorKind.RESIGN:
        return True
    if kind is ErrorKind.RATE_WINDOW:
        # The provider refused before acting, and the quota gate has recorded a pause: the
        # next attempt waits at the gate until the window turns (or hands the row back).
        return True
    if kind is ErrorKind.TRANSIENT:
        # A create that failed with a server-side error may still have been made.
        return operation != "create"
    return False


class InCallRetry:
    def __init__(
        self,
        settings: InCallSettings = InCallSettings(),
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.sleep = sleep

    def call(self, operation: str, fn: Callable[[], T], classify: Classify) -> T:
        """``fn`` until it returns or a retry cannot help. A re-sign error (the auth object
        has learnt what it teaches, e.g. the server's clock) gets one fresh attempt each."""
        resigned: set[int] = set()

        def should_retry(exc: BaseException) -> bool:
            if isinstance(exc, ApiError) and classify(exc, operation) is ErrorKind.RESIGN:
                # Re-sign errors get one fresh attempt each, not a loop.
                if exc.error_code in resigned:
                    return False
                resigned.add(exc.error_code)
            return retryable(exc, operation, classify)

        retrying = Retrying(
            retry=retry_if_exception(should_retry),
            stop=stop_after_attempt(self.settings.max_attempts)
            | stop_after_delay(self.settings.max_seconds),
            wait=wait_random_exponential(
                multiplier=self.settings.wait_multiplier, max=self.settings.wait_max
            ),
            sleep=self.sleep,
            reraise=True,
            before_sleep=_log_retry(operation),
        )
        return retrying(fn)


def _log_retry(operation: str) -> Callable[[RetryCallState], None]:
    def log(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.info(
            "retry operation=%s attempt=%d error=%s",
            operation,
            state.attempt_number,
            getattr(exc, "error_code", type(exc).__name__),
        )

    return log
