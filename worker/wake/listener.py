"""PostgreSQL's LISTEN/NOTIFY as a wake source: a pass starts as soon as a row becomes due.

The trigger of migration 0008 sends ``NOTIFY meeting_sync`` when a row becomes due (a new
row, a calendar edit). A notification carries no work: it only wakes the daemon, whose pass
then claims whatever is due, as a poll would. So a notification that is lost (the listening
connection dropped, the worker busy) loses nothing; the poll stays as the safety net, and
every (re)connect wakes a pass for the rows committed while nobody listened.

One dedicated connection, outside the pool and in autocommit (a notification is delivered
between transactions only), in a daemon thread of its own; a lost connection is opened
again with capped exponential back-off.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import psycopg
from sqlalchemy import Engine

logger = logging.getLogger(__name__)

CHANNEL = "meeting_sync"
# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "meeting-sync listener"


class WakeSource(Protocol):
    """Something that tells the daemon the table may have work, from its own thread."""

    def start(self, wake: Callable[[], None]) -> None: ...

    def close(self) -> None: ...


Connect = Callable[[], "psycopg.Connection[Any]"]


def connector(engine: Engine) -> Connect:
    """A dedicated psycopg connection to the engine's database, in autocommit."""
    _, params = engine.dialect.create_connect_args(engine.url)
    params = {
        **params,
        "application_name": APPLICATION_NAME,
        # A peer that vanished without a word (a failover, a cut network) is noticed by
        # the keepalives; one that closed the connection is noticed at once.
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "connect_timeout": 10,
    }

    def connect() -> psycopg.Connection[Any]:
        return psycopg.connect(**params, autocommit=True)

    return connect


class PgListener:
    """``LISTEN meeting_sync`` in a thread; ``wake()`` on every notification and connect."""

    def __init__(
        self,
        connect: Connect,
        *,
        stop: threading.Event,
        first_backoff: float = 0.5,
        max_backoff: float = 30.0,
        check_every: float = 30.0,
        step: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """``check_every``: an idle connection is probed this often (a query), so that a
        dead one is replaced even when the keepalives cannot tell. ``step``: the longest
        a wait for notifications lasts before the stop is looked at."""
        self.connect = connect
        self.stop = stop
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.check_every = check_every
        self.step = step
        self.monotonic = monotonic
        self._thread: threading.Thread | None = None
        self._listened = False

    def start(self, wake: Callable[[], None]) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(wake,), name="meeting-sync-listener", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stop listening; the thread ends at its next step (it is a daemon thread)."""
        self.stop.set()

    def _run(self, wake: Callable[[], None]) -> None:
        backoff = self.first_backoff
        while not self.stop.is_set():
            self._listened = False
            try:
                self._listen(wake)
            except psycopg.Error as exc:
                if self._listened:
                    backoff = self.first_backoff  # it was up: the first retry comes soon
                logger.warning(
                    "listen_lost channel=%s retry_in=%.1fs error=%s",
                    CHANNEL,
                    backoff,
                    _first_line(exc),
                )
            except Exception:
                logger.exception("listener_crashed retry_in=%.1fs", backoff)
            if self.stop.wait(backoff):
                return
            backoff = min(backoff * 2, self.max_backoff)

    def _listen(self, wake: Callable[[], None]) -> None:
        with self.connect() as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._listened = True
            logger.info("listening channel=%s", CHANNEL)
            # Rows may have become due while nobody listened: one pass finds them.
            wake()
            checked = self.monotonic()
            while not self.stop.is_set():
                for _ in conn.notifies(timeout=self.step):
                    wake()
                    if self.stop.is_set():
                        return
                if self.monotonic() - checked >= self.check_every:
                    conn.execute("SELECT 1")
                    checked = self.monotonic()


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
