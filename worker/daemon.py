"""`meeting-sync run`: the sync pass on an APScheduler interval, with a two-stage shutdown.

The first SIGTERM/SIGINT stops taking new work: the call in flight finishes, its outcome is
written, the rest of the batch's leases are released, and the process exits 0. A second
signal exits at once (leases then expire on their own).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from worker.app import build_pass
from worker.config import Config
from worker.exceptions import DatabaseUnavailable
from worker.syncpass import SyncPass

logger = logging.getLogger(__name__)

EXIT_AT_ONCE = 130


class Daemon:
    def __init__(
        self,
        sync: SyncPass,
        *,
        poll_interval: float,
        circuit_cooldown: float,
        stop: threading.Event,
        housekeeping: Callable[[], None] | None = None,
        housekeeping_interval: float = 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sync = sync
        self.housekeeping = housekeeping
        self.housekeeping_interval = housekeeping_interval
        self.poll_interval = poll_interval
        self.circuit_cooldown = circuit_cooldown
        self.stop = stop
        self.monotonic = monotonic
        self.idle = threading.Event()
        self.idle.set()
        self._circuit_until = 0.0
        self.scheduler = BlockingScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            timezone=UTC,
        )

    def tick(self) -> None:
        """One scheduled run of the pass; never raises into the scheduler."""
        if self.stop.is_set():
            return
        if self.monotonic() < self._circuit_until:
            logger.debug("circuit_still_open")
            return
        self.idle.clear()
        try:
            report = self.sync.run()
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
            self.idle.set()

    def tidy(self) -> None:
        """The housekeeping duty; like tick(), it never raises into the scheduler."""
        if self.housekeeping is None or self.stop.is_set():
            return
        try:
            self.housekeeping()
        except Exception:
            logger.exception("housekeeping_failed")

    def run(self) -> int:
        self.scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.poll_interval,
            id="sync-pass",
            next_run_time=datetime.now(UTC),
        )
        if self.housekeeping is not None:
            self.scheduler.add_job(
                self.tidy, "interval", seconds=self.housekeeping_interval, id="housekeeping"
            )
        logger.info("daemon_started poll_interval=%s", self.poll_interval)
        self.scheduler.start()  # returns after shutdown()
        self.idle.wait()
        logger.info("daemon_stopped")
        return 0

    def request_stop(self) -> None:
        if self.stop.is_set():
            logger.warning("second_signal exiting_at_once")
            os._exit(EXIT_AT_ONCE)
        logger.info("stopping finishing_in_flight_call")
        self.stop.set()
        self.scheduler.shutdown(wait=False)


def run_daemon(config: Config) -> int:
    stop = threading.Event()
    sync = build_pass(config, stop=stop)
    retention = timedelta(days=config.worker.log_retention_days)

    def housekeeping() -> None:
        now = sync.store.now()
        removed = sync.store.prune_log(now - retention)
        if sync.gate is not None:
            sync.gate.ledger.prune(now)
        logger.info("housekeeping sync_log_removed=%d", removed)

    daemon = Daemon(
        sync,
        poll_interval=config.worker.poll_interval_seconds,
        circuit_cooldown=config.worker.circuit_cooldown_seconds,
        stop=stop,
        housekeeping=housekeeping,
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        daemon.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return daemon.run()
