"""`meeting-sync run`: the sync pass on an APScheduler interval, with a two-stage shutdown.

The first SIGTERM/SIGINT stops taking new work: the call in flight finishes, its outcome is
written, the rest of the batch's leases are released, and the process exits 0. A second
signal exits at once (leases then expire on their own).

A pass starts at the poll's next tick, or at once when the wake source says the table has
work (PostgreSQL's LISTEN, ``worker.wake.listener``). The wait after a pass comes from an
interval policy (``worker.wake.interval``): fixed beside a listener, adaptive without one.

The signal handler only counts. It runs in the main thread between two bytecodes, wherever
that thread is, possibly inside a lock it holds (a thread pool's while submitting, an
Event's, a logging handler's); taking any lock there can deadlock the process for good. So
the scheduler runs in its own thread and the main thread watches the count and does the
stopping.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from worker.composition import build_keeper, build_pass, worker_id
from worker.config import Config
from worker.drift_runs import build_drift
from worker.exceptions import DatabaseUnavailable
from worker.observe.assemble import build_ops, serve
from worker.observe.passes import Pass
from worker.sync.job import AfterCall
from worker.wake.compose import wake_parts
from worker.wake.interval import FixedInterval, IntervalPolicy
from worker.wake.listener import WakeSource

logger = logging.getLogger(__name__)

EXIT_AT_ONCE = 130
# How often the main thread looks at the signal count: the delay before a stop begins.
SIGNAL_POLL_SECONDS = 0.05
PASS_JOB = "sync-pass"


class SignalCount:
    """A signal handler that takes no lock: it only counts what the main thread reads."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1


class Daemon:
    def __init__(
        self,
        sync: Pass,
        *,
        poll_interval: float,
        circuit_cooldown: float,
        stop: threading.Event,
        housekeeping: Callable[[], None] | None = None,
        housekeeping_interval: float = 3600.0,
        drift: Callable[[], object] | None = None,
        drift_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        refresh: Callable[[], object] | None = None,
        interval: IntervalPolicy | None = None,
        wake_source: WakeSource | None = None,
    ) -> None:
        self.sync = sync
        # OAuth mode: renews the tokens due, in a thread of its own so that a long pass
        # cannot make a token run out. A stop waits for a refresh in flight: the new pair
        # must be committed, as the old one is already dead.
        self.refresh = refresh
        self.refresh_idle = threading.Event()
        self.refresh_idle.set()
        self.drift, self.drift_interval = drift, drift_interval
        self.housekeeping = housekeeping
        self.housekeeping_interval = housekeeping_interval
        self.poll_interval = poll_interval
        self.circuit_cooldown = circuit_cooldown
        self.stop = stop
        self.monotonic = monotonic
        self.idle = threading.Event()
        self.idle.set()
        self._circuit_until = 0.0
        self.interval = interval or FixedInterval(poll_interval)
        self.wake_source = wake_source
        # A wake since the last pass began: the next pass follows at once. Read and written
        # under the lock together with the job's next run time, so that a wake is never
        # overwritten by the wait a finishing pass schedules.
        self._woken = False
        self._schedule_lock = threading.Lock()
        self.scheduler = BackgroundScheduler(
            # A thread each: a token renewal or a drift check never waits behind a pass,
            # and a pass never waits behind them.
            executors={
                "default": ThreadPoolExecutor(1),
                "oauth": ThreadPoolExecutor(1),
                "drift": ThreadPoolExecutor(1),
            },
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone=UTC,
        )

    def tick(self) -> None:
        """One scheduled run of the pass; never raises into the scheduler."""
        # Busy before the stop check: a stop that waits for idle then either sees this tick
        # busy or this tick sees the stop. Never neither.
        self.idle.clear()
        found_work = False
        try:
            if self.stop.is_set():
                return
            with self._schedule_lock:
                # Every row committed before this claims is this pass's to find.
                self._woken = False
            if self.monotonic() < self._circuit_until:
                logger.debug("circuit_still_open")
                return
            report = self.sync.run()
            found_work = bool(report.counts.get("claimed"))
            if report.circuit_open:
                # Probing again every poll would spend quota on a credential that is wrong;
                # one probe per cool-down tells an operator's fix apart from a still-broken one.
                self._circuit_until = self.monotonic() + self.circuit_cooldown
            elif report.counts:
                logger.info("pass_done %s", " ".join(f"{k}={v}" for k, v in report.counts.items()))
        except DatabaseUnavailable as exc:
            logger.error("database_unavailable detail=%s", exc)
        except Exception:
            logger.exception("pass_crashed")
        finally:
            self._schedule_next(found_work)
            self.idle.set()

    def wake(self) -> None:
        """Start a pass now, or right after the one running: the table has work.

        Cheap and idempotent: a burst of wakes before the next pass begins is one pass.
        """
        with self._schedule_lock:
            if self._woken:
                return
            self._woken = True
            self._run_in(0.0)

    def _schedule_next(self, found_work: bool) -> None:
        with self._schedule_lock:
            self._run_in(0.0 if self._woken else self.interval.after_pass(found_work))

    def _run_in(self, seconds: float) -> None:
        if self.stop.is_set():
            return
        at = datetime.now(UTC) + timedelta(seconds=seconds)
        # Not scheduled yet (a wake before run()) or shut down: nothing to move.
        with contextlib.suppress(JobLookupError):
            self.scheduler.modify_job(PASS_JOB, next_run_time=at)

    def tidy(self) -> None:
        """The housekeeping duty; like tick(), it never raises into the scheduler."""
        if self.housekeeping is None or self.stop.is_set():
            return
        try:
            self.housekeeping()
        except Exception:
            logger.exception("housekeeping_failed")

    def renew_tokens(self) -> None:
        """The OAuth refresh duty; never raises into the scheduler."""
        if self.refresh is None:
            return
        self.refresh_idle.clear()
        try:
            if not self.stop.is_set():
                self.refresh()
        except Exception:
            logger.exception("oauth_refresh_crashed")
        finally:
            self.refresh_idle.set()

    def check_drift(self) -> None:
        """The drift duty (worker.drift); like tick(), it never raises into the scheduler."""
        if self.drift is None or self.stop.is_set():
            return
        if self.monotonic() < self._circuit_until:
            return  # the credentials are wrong: reading costs quota and tells nothing
        try:
            self.drift()
        except DatabaseUnavailable as exc:
            logger.error("database_unavailable detail=%s", exc)
        except Exception:
            logger.exception("drift_check_crashed")

    def run(self, signals: SignalCount) -> int:
        """Run until the first signal, then stop; a second signal exits at once."""
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.poll_interval,
            id=PASS_JOB,
            next_run_time=datetime.now(UTC),
            # One thread runs the passes, so they never overlap. Two instances: a pass asked
            # for while one runs (a wake) waits in the pool's queue and follows it, instead
            # of being skipped; a third is skipped, as the queued one will see all it would.
            max_instances=2,
        )
        if self.housekeeping is not None:
            self.scheduler.add_job(
                self.tidy, "interval", seconds=self.housekeeping_interval, id="housekeeping"
            )
        if self.refresh is not None:
            self.scheduler.add_job(
                self.renew_tokens,
                "interval",
                seconds=self.poll_interval,
                id="oauth-refresh",
                executor="oauth",
                next_run_time=datetime.now(UTC),
            )
        if self.drift is not None:
            self.scheduler.add_job(
                self.check_drift,
                "interval",
                seconds=self.drift_interval,
                id="drift-check",
                executor="drift",
            )
        self.scheduler.start()
        if self.wake_source is not None:
            self.wake_source.start(self.wake)
        logger.info("daemon_started poll_interval=%s", self.poll_interval)
        while signals.count == 0:
            time.sleep(SIGNAL_POLL_SECONDS)
        logger.info("stopping finishing_in_flight_call")
        self.stop.set()
        if self.wake_source is not None:
            self.wake_source.close()
        self.scheduler.shutdown(wait=False)
        while not (self.idle.wait(SIGNAL_POLL_SECONDS) and self.refresh_idle.is_set()):
            if signals.count > 1:
                logger.warning("second_signal exiting_at_once")
                os._exit(EXIT_AT_ONCE)
        logger.info("daemon_stopped")
        return 0


def _not_an_overlap(record: logging.LogRecord) -> bool:
    # A pass that outlasts the poll interval (a large backlog, a quota wait) makes the
    # scheduler skip the ticks that fall inside it beyond the one queued to follow it:
    # max_instances is there for exactly that, so the skip is no warning.
    return "maximum number of running instances reached" not in record.getMessage()


def run_daemon(
    config: Config, *, after_call: AfterCall | None = None, clock: Callable[[], float] = time.time
) -> int:
    logging.getLogger("apscheduler.scheduler").addFilter(_not_an_overlap)
    stop = threading.Event()
    ops = build_ops(worker_id(config))
    sync = build_pass(
        config,
        stop=stop,
        after_call=after_call,
        observers=(ops.metrics.observe_call,),
        clock=clock,
    )
    keeper = build_keeper(config, sync.store.engine, clock=clock)
    retention = timedelta(days=config.worker.log_retention_days)

    def housekeeping() -> None:
        now = sync.store.now()
        removed = sync.store.prune_log(now - retention)
        if sync.gate is not None:
            sync.gate.ledger.prune(now)
        logger.info("housekeeping sync_log_removed=%d", removed)

    interval, wake_source = wake_parts(config, sync.store.engine, stop)
    daemon = Daemon(
        ops.watched(sync),
        poll_interval=config.worker.poll_interval_seconds,
        circuit_cooldown=config.worker.circuit_cooldown_seconds,
        stop=stop,
        housekeeping=housekeeping,
        refresh=None if keeper is None else keeper.renew_due,
        drift=build_drift(
            config, sync, stop=stop, observers=(ops.metrics.observe_call,), clock=clock
        ).run,
        drift_interval=config.drift.check_every_seconds,
        interval=interval,
        wake_source=wake_source,
    )

    signals = SignalCount()
    signal.signal(signal.SIGTERM, signals)
    signal.signal(signal.SIGINT, signals)
    server = serve(config, ops)
    try:
        return daemon.run(signals)
    finally:
        if server is not None:
            server.stop()
