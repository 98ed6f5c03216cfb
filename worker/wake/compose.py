"""The daemon's wake source and poll interval for the configured database.

PostgreSQL (with ``worker.listen``): the listener wakes a pass on every due row, and the
poll every ``worker.poll_interval_seconds`` is the safety net. Any other database, or
``listen = false``: no wake source, and the adaptive poll between
``worker.poll_min_interval_seconds`` and ``worker.poll_interval_seconds``.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from worker.config import Config
from worker.wake.interval import AdaptiveInterval, FixedInterval, IntervalPolicy
from worker.wake.listener import PgListener, WakeSource, connector


def wake_parts(
    config: Config, engine: Engine, stop: threading.Event
) -> tuple[IntervalPolicy, WakeSource | None]:
    wk = config.worker
    if engine.dialect.name == "postgresql" and wk.listen:
        return FixedInterval(wk.poll_interval_seconds), PgListener(connector(engine), stop=stop)
    return AdaptiveInterval(wk.poll_min_interval_seconds, wk.poll_interval_seconds), None
