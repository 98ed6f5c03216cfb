"""What a failed call means for its row. Pure: the time and randomness are passed in."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError, TransportError
from worker.sync.backoff import long_backoff_seconds, next_attempt_at


class Explains(Protocol):
    """What a provider says about its errors (``worker.sync.provider.Provider`` is one)."""

    def classify(self, error: ApiError, operation: str) -> ErrorKind: ...

    def diagnose(self, error: ApiError) -> str: ...

    def row_message(self, error: ApiError, operation: str, owner: str | None) -> str: ...


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    cap_seconds: float
    # Until issue-level quota pauses say otherwise: how long a rate-window error parks a row.
    rate_window_seconds: float = 60.0
    quota_exhausted_seconds: float = 3600.0
    # How long a row waits when the provider has no room and no time at which it will.
    saturated_seconds: float = 3600.0


@dataclass(frozen=True)
class Fail:
    """Permanent for this row until the calendar edits it."""

    code: str
    message: str


@dataclass(frozen=True)
class RetryLater:
    code: str
    message: str
    at: datetime
    # Quota errors are not the row's fault: the attempt does not count against its budget.
    refund: bool


@dataclass(frozen=True)
class Trip:
    """A configuration fault: stop sending anything, leave the rows pending."""

    code: str
    diagnosis: str


@dataclass(frozen=True)
class Done:
    """The error means the desired state already holds (e.g. cancelling a cancelled meeting)."""

    code: str


Decision = Fail | RetryLater | Trip | Done


def refused_outright(exc: ApiError | TransportError, operation: str, provider: Explains) -> bool:
    """Whether a failed create certainly made no meeting: the API itself refused it.

    Its in-call retries stop at the first answer that may have created the meeting, so the
    error that ends the call is the one to judge. A transient answer (a 5xx, a malformed
    success) or a lost one may have come after the work was done; an error code of the
    provider's own (positive: the clients' codes are 0 and below) that is not transient is
    a refusal before acting.
    """
    if operation != "create" or not isinstance(exc, ApiError) or exc.error_code <= 0:
        return False
    return provider.classify(exc, operation) is not ErrorKind.TRANSIENT


def decide(
    exc: ApiError | TransportError,
    provider: Explains,
    *,
    operation: str,
    attempt: int,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
    owner: str | None = None,
) -> Decision:
    """``owner``: the row's creator, which a message about an unknown user names."""
    if isinstance(exc, TransportError):
        return RetryLater(
            "transport",
            exc.message,
            next_attempt_at(
                now, attempt, base=policy.base_seconds, cap=policy.cap_seconds, rng=rng
            ),
            refund=False,
        )
    code = str(exc.error_code)
    kind = provider.classify(exc, operation)
    if kind is ErrorKind.DONE:
        return Done(code)
    if kind is ErrorKind.CONFIGURATION:
        return Trip(code, provider.diagnose(exc))
    if kind is ErrorKind.ROW_PERMANENT:
        return Fail(code, provider.row_message(exc, operation, owner))
    if kind is ErrorKind.RATE_WINDOW:
        return RetryLater(
            code, exc.message, now + timedelta(seconds=policy.rate_window_seconds), refund=True
        )
    if kind is ErrorKind.QUOTA_EXHAUSTED:
        return RetryLater(
            code, exc.message, now + timedelta(seconds=policy.quota_exhausted_seconds), refund=True
        )
    if kind is ErrorKind.SATURATED:
        # Not the row's fault, and no retry now can help: the attempt is not counted, so the
        # row is never failed for it (a create still fails once its start is past).
        wait = long_backoff_seconds(policy.saturated_seconds, rng)
        return RetryLater(
            code,
            provider.row_message(exc, operation, owner),
            now + timedelta(seconds=wait),
            refund=True,
        )
    # Transient, and re-sign errors that survived their in-call retry.
    return RetryLater(
        code,
        exc.message,
        next_attempt_at(now, attempt, base=policy.base_seconds, cap=policy.cap_seconds, rng=rng),
        refund=False,
    )
