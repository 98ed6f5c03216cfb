"""The composition root: builds the store, the client and the pass from the configuration."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from zoneinfo import ZoneInfo

import requests

from worker.config import CRASH_AFTER_ENV, Config
from worker.domain.rows import MeetingRow
from worker.quota.gate import QuotaGate
from worker.quota.ledger import QuotaLedger
from worker.store.durable import DurableWrites
from worker.store.engines import make_engine
from worker.store.meetings import Store
from worker.sync.api_calls import CallLog
from worker.sync.decide import RetryPolicy
from worker.sync.loop import PassReport, PassSettings, SyncPass
from worker.sync.retry import InCallRetry
from worker.wemeet.client import CallRecord, WemeetClient
from worker.wemeet.signing import Credentials

# Fault injection for the crash-safety tests, read from the environment only (never from a
# config file) under the name CRASH_AFTER_ENV: the process ends at once, as under kill -9,
# right after the API has answered the named operation and before anything is written back.
CRASH_EXIT_CODE = 86


def worker_id(config: Config) -> str:
    return config.worker.worker_id or f"{socket.gethostname()}:{os.getpid()}"


def build_client(
    config: Config,
    *,
    session: requests.Session | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
) -> WemeetClient:
    w = config.wemeet
    credentials = Credentials(
        app_id=w.app_id, secret_id=w.secret_id, secret_key=w.secret_key, sdk_id=w.sdk_id or None
    )
    return WemeetClient(
        credentials,
        w.base_url,
        session=session,
        connect_timeout=w.connect_timeout_seconds,
        read_timeout=w.timeout_seconds,
        on_call=on_call,
    )


def build_pass(
    config: Config, *, store: Store | None = None, stop: threading.Event | None = None
) -> SyncPass:
    store = store or Store(make_engine(config.database.url))
    owner = worker_id(config)
    call_log = CallLog(owner)
    client = build_client(config, on_call=call_log.record)
    wk = config.worker
    settings = PassSettings(
        owner=owner,
        batch_size=wk.batch_size,
        lease_seconds=wk.lease_seconds,
        max_attempts=wk.max_attempts,
        retry=RetryPolicy(base_seconds=wk.retry_base_seconds, cap_seconds=wk.retry_max_seconds),
    )
    stop = stop or threading.Event()
    halt = stop

    def interruptible_sleep(seconds: float) -> None:
        halt.wait(seconds)  # a shutdown cuts a back-off short

    retry = InCallRetry(set_clock_offset=client.set_clock_offset, sleep=interruptible_sleep)
    q = config.quota
    ledger = QuotaLedger(
        store.engine,
        tz=ZoneInfo(q.time_zone),
        margin=q.safety_margin,
        slack=q.boundary_slack_seconds,
    )
    gate = QuotaGate(ledger, q, config.wemeet.app_id, stop=stop)
    # Not cut short by a shutdown: an outcome the API has given is worth the wait.
    durable = DurableWrites(wk.writeback_retry_seconds)
    return SyncPass(
        store,
        client,
        settings,
        retry=retry,
        gate=gate,
        call_log=call_log,
        stop=stop,
        durable=durable,
        after_call=_crash_hook(os.environ.get(CRASH_AFTER_ENV, "")),
    )


def _crash_hook(operation: str) -> Callable[[MeetingRow, str], None] | None:
    if not operation:
        return None

    def crash(row: MeetingRow, done: str) -> None:
        if done == operation:
            os._exit(CRASH_EXIT_CODE)

    return crash


def run_once(config: Config) -> PassReport:
    return build_pass(config).run()
