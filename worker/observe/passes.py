"""A pass as operators see it: timed, counted in the metrics, and remembered in `sync_log`
(one `pass` entry for each pass that claimed rows or tripped the circuit) with the state
of the circuit it left."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from worker.domain.rows import CallLogEntry
from worker.exceptions import DatabaseUnavailable
from worker.observe.metrics import Metrics
from worker.store.meetings import Store
from worker.sync.loop import PassReport

logger = logging.getLogger(__name__)

PASS_ACTION = "pass"


class Pass(Protocol):
    def run(self) -> PassReport: ...


def summary_text(counts: dict[str, int]) -> str:
    """``claimed=3 created=2 failed=1``: what a `pass` entry of `sync_log` keeps."""
    return " ".join(f"{k}={v}" for k, v in sorted(counts.items()))[:128]


class PassWatch:
    """Runs a pass and records what it did; ``circuit_code`` is the last pass's trip."""

    def __init__(
        self,
        sync: Pass,
        store: Store,
        *,
        worker: str,
        metrics: Metrics | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sync = sync
        self.store = store
        self.worker = worker
        self.metrics = metrics
        self.monotonic = monotonic
        self.now = now
        self.circuit_code: str | None = None

    def run(self) -> PassReport:
        started = self.monotonic()
        try:
            report = self.sync.run()
        except DatabaseUnavailable:
            self._count("database_unavailable", started, {})
            raise
        except Exception:
            self._count("crashed", started, {})
            raise
        self.circuit_code = report.circuit_code
        seconds = self._count(
            "circuit_open" if report.circuit_open else "ok", started, report.counts
        )
        if report.counts or report.circuit_open:
            self._remember(report, seconds)
        return report

    def _count(self, outcome: str, started: float, counts: dict[str, int]) -> float:
        seconds = max(0.0, self.monotonic() - started)
        if self.metrics is not None:
            self.metrics.observe_pass(outcome, seconds, counts, self.circuit_code is not None)
        return seconds

    def _remember(self, report: PassReport, seconds: float) -> None:
        entry = CallLogEntry(
            action=PASS_ACTION,
            at=self.now(),
            worker=self.worker,
            error_code=report.circuit_code,
            trace_id=summary_text(report.counts),
            duration_ms=round(seconds * 1000),
        )
        try:
            self.store.log_calls([entry])
        except DatabaseUnavailable as exc:
            logger.warning("pass_history_lost error=%s", exc)
