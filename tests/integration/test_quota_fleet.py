"""Quotas across a fleet: real worker processes share the sandbox's metered quota.

Windows are short (seconds) so that the tests run in CI; the arithmetic is the same for
Tencent's 300/min and 200,000/day. These tests hold what must be true on any machine: no
quota error of our own making, never more calls in a window than the limit, every row
synced. How much of each window a fleet uses depends on how much CPU it gets, so it is a
benchmark figure (`python -m bench.quota`); that the ledger grants every call a window
allows is shown in injected time, in tests/integration/test_quota_gate.py.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import pytest
import requests
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from sandbox.windows import parse_rate
from tests.fixtures.sandbox import client_credentials
from tests.integration.syncenv import (
    cli_env,
    count_synced,
    insert,
    meeting_sync,
    rows,
    spawn_once,
    start_daemon,
    wait_for,
    worker_config,
)
from worker.store.meetings import Store
from worker.wemeet.signing import aksk_headers

PG_AND_MARIADB = pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def finish(workers: list[subprocess.Popen[str]], timeout: float = 240) -> list[str]:
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=timeout)
        assert worker.returncode == 0, (out, err)
        outputs.append(out + err)
    return outputs


def calls_per_window(log: list[dict[str, Any]], seconds: int) -> list[int]:
    """API calls in each window of the sandbox's counting, from the first call's window to
    the last call's (the partial ones at either end too: they must not overflow either)."""
    windows = Counter(int(e["t"] // seconds) for e in log)
    return [windows.get(w, 0) for w in range(min(windows), max(windows) + 1)]


def outside_burst(server: SandboxServer, calls: int) -> list[int]:
    """Someone else spends the app's quota: signed requests that bypass our ledger."""
    codes = []
    for nonce in range(1, calls + 1):
        uri = "/v1/meetings?userid=outsider&instanceid=1"
        headers = aksk_headers(
            client_credentials(server.credentials),
            "GET",
            uri,
            b"",
            nonce=nonce,
            timestamp=int(time.time()),
        )
        answer = requests.get(server.base_url + uri, headers=headers, timeout=5)
        codes.append(200 if answer.ok else answer.json()["error_info"]["error_code"])
    return codes


@PG_ONLY
def test_two_workers_share_the_quota_and_never_trip_it(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(quotas=(parse_rate("30/5s"),))
    config = worker_config(migrated_url, server, batch_size=10)
    for i in range(150):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(
        config, {"MEETING_SYNC_QUOTA_APP": "30/5s", "MEETING_SYNC_QUOTA_MAX_WAIT_SECONDS": "10"}
    )

    finish(spawn_once(env, 2))

    assert server.stats()["by_error_code"] == {}
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}
    # Every row's create is in the log, and no window of the provider's held more than 30.
    per_window = calls_per_window(server.requests_log(), 5)
    assert sum(per_window) >= 150 and max(per_window) <= 30, per_window


def start_fleet(
    env: Mapping[str, str],
    count: int,
    logs: Path,
    start: Callable[[Mapping[str, str], IO[str]], subprocess.Popen[str]] = start_daemon,
) -> list[subprocess.Popen[str]]:
    """``count`` `meeting-sync run` daemons (each begun by ``start``), once each has started
    and is polling."""
    daemons, paths = [], []
    try:
        for n in range(count):
            path = logs / f"w{n}.log"
            with path.open("w") as log:  # the child has its own copy of the descriptor
                env_n = {**env, "MEETING_SYNC_WORKER_WORKER_ID": f"w{n}"}
                daemons.append(start(env_n, log))
            paths.append(path)
        for daemon, path in zip(daemons, paths, strict=True):
            wait_for(
                lambda d=daemon, p=path: d.poll() is not None or "daemon_started" in p.read_text(),
                "a daemon to start",
            )
            assert daemon.poll() is None, path.read_text()
    except BaseException:
        stop_fleet(daemons)
        raise
    return daemons


def stop_fleet(daemons: list[subprocess.Popen[str]]) -> list[int]:
    """SIGTERM to each daemon; the exit codes (a daemon that does not stop is killed)."""
    for daemon in daemons:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
    codes = []
    for daemon in daemons:
        try:
            codes.append(daemon.wait(timeout=60))
        except subprocess.TimeoutExpired:
            daemon.kill()
            codes.append(daemon.wait())
    return codes


@PG_ONLY
def test_quota_spent_by_someone_else_pauses_every_worker_until_the_window_turns(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    server = sandbox_factory(quotas=(parse_rate("20/5s"),))
    config = worker_config(migrated_url, server, batch_size=5)
    env = cli_env(
        config,
        {
            "MEETING_SYNC_QUOTA_APP": "20/5s",
            "MEETING_SYNC_QUOTA_MAX_WAIT_SECONDS": "10",
            "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2",
        },
    )
    # The workers are up and polling an empty table before anything is spent: how long a
    # process takes to start on a busy machine must not decide which window its first call
    # lands in. Once the rows are there, a poll (0.2 s) takes them.
    daemons = start_fleet(env, 2, tmp_path)
    try:
        # At the start of a window, spend most of it from outside; then the rows arrive.
        time.sleep(5 - time.time() % 5)
        assert outside_burst(server, 18) == [200] * 18
        for i in range(40):
            insert(engine, f"cal-{i}", f"Meeting {i}")
        wait_for(lambda: count_synced(engine) == 40, "every row to sync")
    finally:
        codes = stop_fleet(daemons)
    assert codes == [0, 0], [p.read_text()[-5000:] for p in sorted(tmp_path.glob("w*.log"))]

    log = server.requests_log()
    ours = [e for e in log if e["userid"] != "outsider"]
    rejected = [e for e in ours if e["error_code"] == 190310]
    assert rejected, "the workers should have run into the quota someone else spent"
    # After the first 190310, nobody sends again until the window has turned.
    first = rejected[0]["t"]
    window_end = (first // 5 + 1) * 5
    same_window = [e for e in ours if first < e["t"] < window_end]
    assert len(same_window) <= 2, same_window
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}


@PG_ONLY
def test_an_exhausted_day_quota_parks_rows_until_the_day_turns(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    # A "day" of 20 s: the sandbox allows 20 calls in it and answers 190311 after that. Its
    # clock stands still until the test turns the day, so the whole first run falls in one
    # day however long a busy machine makes it.
    day = [time.time()]
    server = sandbox_factory(quotas=(parse_rate("20/20s:190311"),), clock=lambda: day[0])
    config = worker_config(migrated_url, server, batch_size=5)
    for i in range(30):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(config, {"MEETING_SYNC_QUOTA_APP": "1000/20s"})

    done = meeting_sync(["once"], env)

    assert done.returncode == 0, done.stderr
    log = server.requests_log()
    first = next(i for i, e in enumerate(log) if e["error_code"] == 190311)
    assert len(log) - first - 1 <= 2
    table = rows(engine).values()
    synced = [r for r in table if r.sync_state == "synced"]
    waiting = [r for r in table if r.sync_state == "pending"]
    assert len(synced) == 20 and len(waiting) == 10
    assert {r.error_code for r in waiting} == {"190311"}
    assert {r.attempts for r in waiting} == {0}

    # Parked until the ledger's "day" turns (plus its boundary slack), not for an hour.
    wait_until = max(r.next_attempt_at for r in waiting if r.next_attempt_at)
    assert wait_until.timestamp() - time.time() < 20 + 2 + 1, wait_until
    store = Store(engine)
    wait_for(lambda: store.now() > wait_until, "the parked rows to come due")
    # The provider's day turns too: the parked rows come back and sync.
    day[0] += 20
    again = meeting_sync(["once"], env)
    assert again.returncode == 0, again.stderr
    left = [
        (r.external_id, r.error_code, r.next_attempt_at)
        for r in rows(engine).values()
        if r.sync_state != "synced"
    ]
    assert left == [], (left, again.stdout, server.requests_log()[-12:])
