"""The operator's side of `once` (progress, ``--metrics-file``) and `retry`."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from worker.composition import build_status, run_once, worker_id
from worker.config import Config
from worker.drift_runs import run_once_with_drift
from worker.exceptions import ConfigError
from worker.observe.assemble import Ops, build_ops, write_textfile
from worker.observe.progress import RowProgress, progress_for
from worker.store.retry import RetrySelector, retry_failed
from worker.sync.job import AfterCall
from worker.sync.loop import PassReport, SyncPass

logger = logging.getLogger(__name__)


def once(
    config: Config,
    *,
    metrics_file: str | None,
    after_call: AfterCall | None = None,
    progress_out: IO[str] = sys.stderr,
    clock: Callable[[], float] = time.time,
    check_drift: bool = False,
) -> tuple[PassReport, dict[str, Any] | None]:
    """One pass with its pass history, its progress on a backlog of more than a batch, and
    the run's figures in ``metrics_file`` when asked for; with ``check_drift`` a drift
    check after it (and the pass again when the check handed rows back), whose figures are
    in the file too. The second value is the drift check's counts (None without one)."""
    ops = build_ops(worker_id(config))
    try:
        report = _run(config, ops, after_call, progress_out, clock, check_drift)
    except BaseException:
        # Written after a failed run too: the pass that ended in a database outage, and
        # meeting_sync_database_up 0, are what the file must then say. The run's own error
        # is the one to report.
        if metrics_file:
            try:
                write_textfile(metrics_file, ops)
            except (ConfigError, OSError) as exc:
                logger.warning("metrics_file_not_written error=%s", exc)
        raise
    if metrics_file:
        write_textfile(metrics_file, ops)
    return report


def _run(
    config: Config,
    ops: Ops,
    after_call: AfterCall | None,
    progress_out: IO[str],
    clock: Callable[[], float],
    check_drift: bool,
) -> tuple[PassReport, dict[str, Any] | None]:
    progress: RowProgress | None = None

    def watched(sync: SyncPass) -> Callable[[], PassReport]:
        nonlocal progress
        watch = ops.watched(sync)  # the table's figures from here on, even if it is down
        due = sync.store.status(sync.store.now()).due_now
        progress = progress_for(due, progress_out, threshold=config.worker.batch_size)
        sync.on_row = progress
        return watch.run

    observers = (ops.metrics.observe_call,)
    try:
        if check_drift:
            return run_once_with_drift(
                config, after_call=after_call, observers=observers, watch=watched, clock=clock
            )
        report = run_once(
            config, after_call=after_call, observers=observers, watch=watched, clock=clock
        )
        return report, None
    finally:
        if progress is not None:
            progress.close()


def retry(config: Config, selector: RetrySelector, out: IO[str] = sys.stdout) -> int:
    parts = build_status(config)
    try:
        store = parts.store
        changed = retry_failed(store.engine, selector, worker=worker_id(config), at=store.now())
    finally:
        parts.store.engine.dispose()
    out.write(json.dumps({"retried": changed}) + "\n")
    return changed
