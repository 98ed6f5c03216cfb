"""Quotas across a fleet: real worker processes share the sandbox's metered quota.

Windows are short (seconds) so that the tests run in CI; the arithmetic is the same for
Tencent's 300/min and 200,000/day.
"""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from sandbox.windows import parse_rate
from tests.fixtures.sandbox import client_credentials
from tests.integration.syncenv import cli_env, insert, meeting_sync, rows, spawn_once, worker_config
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
    """API calls in each full window of the sandbox's counting, first and last excluded."""
    windows = Counter(int(e["t"] // seconds) for e in log)
    if len(windows) < 3:
        return []
    first, last = min(windows), max(windows)
    return [windows.get(w, 0) for w in range(first + 1, last)]


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
def test_two_workers_use_the_quota_fully_and_never_trip_it(
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
    per_window = calls_per_window(server.requests_log(), 5)
    assert per_window and max(per_window) <= 30
    utilisation = sum(per_window) / (30 * len(per_window))
    assert utilisation >= 0.9, per_window


@PG_ONLY
def test_quota_spent_by_someone_else_pauses_every_worker_until_the_window_turns(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(quotas=(parse_rate("20/5s"),))
    config = worker_config(migrated_url, server, batch_size=5)
    for i in range(40):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(
        config, {"MEETING_SYNC_QUOTA_APP": "20/5s", "MEETING_SYNC_QUOTA_MAX_WAIT_SECONDS": "10"}
    )
    # Align to the start of a window, then spend most of it from outside.
    time.sleep(5 - time.time() % 5)
    assert outside_burst(server, 18) == [200] * 18

    finish(spawn_once(env, 2))

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
    # A "day" of 20 s: the sandbox allows 20 calls in it and answers 190311 after that.
    server = sandbox_factory(quotas=(parse_rate("20/20s:190311"),))
    config = worker_config(migrated_url, server, batch_size=5)
    for i in range(30):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(config, {"MEETING_SYNC_QUOTA_APP": "1000/20s"})
    time.sleep(20 - time.time() % 20)

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

    # The (sandbox) day turns: the parked rows come back and sync.
    wait_until = max(r.next_attempt_at for r in waiting if r.next_attempt_at)
    # Parked until the "day" turns (plus the ledger's boundary slack), not for an hour.
    assert wait_until.timestamp() - time.time() < 20 + 2 + 1, wait_until
    time.sleep(max(0.0, wait_until.timestamp() - time.time()) + 0.2)
    again = meeting_sync(["once"], env)
    assert again.returncode == 0, again.stderr
    left = [
        (r.external_id, r.error_code, r.next_attempt_at)
        for r in rows(engine).values()
        if r.sync_state != "synced"
    ]
    assert left == [], (left, again.stdout, server.requests_log()[-12:])
