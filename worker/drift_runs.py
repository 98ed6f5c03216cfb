"""Drift checks as the commands run them: built from the configuration beside a sync pass
(its store, clock, quota gate and stop; providers of its own, so its calls never share the
pass's call log), and `meeting-sync once --check-drift`: the pass, a drift check, and when
the check handed rows back to restore them, the pass once more, so one run leaves both
sides agreeing."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import requests

from worker.composition import DEFAULT_PROVIDER, build_keeper, build_pass, build_providers
from worker.config import Config
from worker.domain.calls import CallObserver
from worker.drift.budget import DriftBudget
from worker.drift.check import DriftCheck, DriftSettings
from worker.drift.schedule import DriftIntervals
from worker.exceptions import ConfigError
from worker.store.drift import DriftStore
from worker.sync.api_calls import observed_calls
from worker.sync.job import AfterCall
from worker.sync.loop import PassReport, SyncPass


def build_drift(
    config: Config,
    sync: SyncPass,
    *,
    session: requests.Session | None = None,
    stop: threading.Event | None = None,
    observers: Sequence[CallObserver] = (),
    clock: Callable[[], float] = time.time,
) -> DriftCheck:
    if sync.gate is None:
        raise ConfigError("a drift check needs the quota ledger")
    d = config.drift
    settings = DriftSettings(
        policy="restore" if d.policy == "restore" else "report",
        intervals=DriftIntervals(
            soon_seconds=d.soon_seconds,
            soon_interval_seconds=d.soon_interval_seconds,
            later_interval_seconds=d.later_interval_seconds,
        ),
        worker=sync.settings.owner,
        default_provider=DEFAULT_PROVIDER,
    )
    return DriftCheck(
        DriftStore(sync.store.engine),
        build_providers(
            config,
            session=session,
            recorder=observed_calls(observers),
            keeper=build_keeper(config, sync.store.engine, session=session, clock=clock),
            clock=clock,
        ),
        DriftBudget(sync.gate, d.quota_share),
        settings,
        clock=sync.store.now,
        stop=stop or sync.stop,
    )


def run_once_with_drift(
    config: Config,
    *,
    after_call: AfterCall | None = None,
    observers: Sequence[CallObserver] = (),
    watch: Callable[[SyncPass], Callable[[], PassReport]] | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[PassReport, dict[str, Any]]:
    """`once --check-drift`; ``observers`` and ``watch`` as for `run_once` (metrics, pass
    history, progress), so the drift check's calls are in the run's figures too."""
    sync = build_pass(config, after_call=after_call, observers=observers, clock=clock)
    keeper = build_keeper(config, sync.store.engine, clock=clock)
    if keeper is not None:
        keeper.renew_due()  # as in `once`: due pairs are renewed before any call
    run = watch(sync) if watch else sync.run
    first = run()
    if first.circuit_open:
        return first, {"skipped": "circuit open"}
    drift = build_drift(config, sync, observers=observers, clock=clock).run()
    if not drift.counts.get("restore_queued"):
        return first, drift.as_dict()
    second = run()
    counts = Counter(first.counts)
    counts.update(second.counts)
    return PassReport(dict(counts), second.circuit_code, second.diagnosis), drift.as_dict()
