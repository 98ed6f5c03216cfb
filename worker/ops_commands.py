"""The operator's side of `once` (progress, ``--metrics-file``) and `retry`."""

from __future__ import annotations

import json
import sys
from typing import IO

from worker.composition import build_status, run_once, worker_id
from worker.config import Config
from worker.observe.assemble import build_ops, write_textfile
from worker.observe.progress import progress_for
from worker.store.retry import RetrySelector, retry_failed
from worker.sync.job import AfterCall
from worker.sync.loop import PassReport


def due_now(config: Config) -> int:
    parts = build_status(config)
    try:
        store = parts.store
        return store.status(store.now()).due_now
    finally:
        parts.store.engine.dispose()


def once(
    config: Config,
    *,
    metrics_file: str | None,
    after_call: AfterCall | None = None,
    progress_out: IO[str] = sys.stderr,
) -> PassReport:
    """One pass with its pass history, its progress on a backlog of more than a batch, and
    the run's figures in ``metrics_file`` when asked for."""
    ops = build_ops(worker_id(config))
    progress = progress_for(due_now(config), progress_out, threshold=config.worker.batch_size)
    try:
        report = run_once(
            config,
            after_call=after_call,
            observers=(ops.metrics.observe_call,),
            watch=lambda sync: ops.watched(sync).run,
            on_row=progress,
        )
    finally:
        if progress is not None:
            progress.close()
    if metrics_file:
        write_textfile(metrics_file, ops)
    return report


def retry(config: Config, selector: RetrySelector, out: IO[str] = sys.stdout) -> int:
    parts = build_status(config)
    try:
        store = parts.store
        changed = retry_failed(store.engine, selector, worker=worker_id(config), at=store.now())
    finally:
        parts.store.engine.dispose()
    out.write(json.dumps({"retried": changed}) + "\n")
    return changed
