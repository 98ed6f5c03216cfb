"""Writing an outcome back through a database outage.

Once the API has answered, its outcome (a new meeting's id above all) exists only in this
process until it is committed. A database that restarts or fails over for a few seconds must
not make the worker drop it: the write is tried again with capped back-off for up to
``patience`` seconds. If the database stays away longer, ``DatabaseUnavailable`` goes on up
(``once`` exits 3; the daemon tries again at its next tick) and still nothing is lost for
good: a create's intent marker, committed before the request went out, makes the next pass
find the meeting instead of creating a second one, and an update or a cancel is sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential

from worker.exceptions import DatabaseUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")


class DurableWrites:
    """Runs a database write, retrying it while the database is unreachable."""

    def __init__(
        self,
        patience_seconds: float,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        first_wait: float = 0.25,
        max_wait: float = 5.0,
    ) -> None:
        self.patience = patience_seconds
        self.sleep = sleep
        self.clock = clock
        self.first_wait = first_wait
        self.max_wait = max_wait

    def __call__(self, what: str, write: Callable[[], T]) -> T:
        started = self.clock()

        def out_of_patience(state: RetryCallState) -> bool:
            return self.clock() - started >= self.patience

        def log_wait(state: RetryCallState) -> None:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            logger.warning(
                "database_unavailable during=%s attempt=%d waiting=%.2fs error=%s",
                what,
                state.attempt_number,
                state.upcoming_sleep,
                error,
            )

        retrying = Retrying(
            retry=retry_if_exception_type(DatabaseUnavailable),
            stop=out_of_patience,
            wait=wait_exponential(multiplier=self.first_wait, max=self.max_wait),
            sleep=self.sleep,
            before_sleep=log_wait,
            reraise=True,
        )
        return retrying(write)
