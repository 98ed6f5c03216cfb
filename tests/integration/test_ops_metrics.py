"""`meeting-sync run` serving /metrics, /healthz and /readyz: a real daemon process against
the sandbox, scraped over HTTP; the figures are checked against the sandbox's own counts
and the table."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.pgfaults import Outage
from tests.integration.syncenv import cli_env, insert, rows, start_daemon, wait_for, worker_config
from tests.integration.trtcenv import insert_room, trtc_env

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> Samples:
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def pick(samples: Samples, name: str, **labels: str) -> list[float]:
    return [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]


def answering(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture
def daemon_with_metrics(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> Iterator[Callable[..., int]]:
    port = free_port()
    config = worker_config(migrated_url, sandbox)
    env = cli_env(
        config,
        {
            "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2",
            "MEETING_SYNC_METRICS_LISTEN": f"127.0.0.1:{port}",
        },
    )
    processes: list[subprocess.Popen[str]] = []

    def start(extra: dict[str, str] | None = None) -> int:
        processes.append(start_daemon({**env, **(extra or {})}))
        wait_for(lambda: answering(port), "the metrics server")
        return port

    yield start
    for daemon in processes:
        daemon.send_signal(signal.SIGTERM)
        output, _ = daemon.communicate(timeout=30)
        assert daemon.returncode == 0, output


def test_metrics_of_a_running_daemon_match_the_sandbox_and_the_table(
    engine: Engine, sandbox: SandboxServer, daemon_with_metrics: Callable[..., int]
) -> None:
    for i in range(5):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    insert(engine, "cal-bad", "周会 敏感词")  # the sandbox's sensitive word: 9093
    port = daemon_with_metrics()
    wait_for(
        lambda: {r.sync_state for r in rows(engine).values()} == {"synced", "failed"},
        "every row handled",
    )
    wait_for(lambda: pick(scrape(port), "meeting_sync_passes_total", outcome="ok"), "a pass")
    samples = scrape(port)
    stats = sandbox.stats()

    # Every call the sandbox answered is counted once, by endpoint, outcome and code.
    for endpoint, counts in stats["by_endpoint"].items():
        ours = pick(samples, "meeting_sync_api_calls_total", provider="wemeet", endpoint=endpoint)
        assert sum(ours) == counts["total"], (endpoint, counts, ours)
    assert sum(pick(samples, "meeting_sync_api_calls_total")) == stats["total"]
    assert pick(samples, "meeting_sync_api_calls_total", code="9093", outcome="error") == [
        stats["by_error_code"]["9093"]
    ]
    latency_count = pick(samples, "meeting_sync_api_call_duration_seconds_count")
    assert sum(latency_count) == stats["total"]
    assert all(v > 0 for v in pick(samples, "meeting_sync_api_call_duration_seconds_sum"))

    # What the table holds.
    assert pick(samples, "meeting_sync_rows", state="synced") == [5]
    assert pick(samples, "meeting_sync_rows", state="failed") == [1]
    assert pick(samples, "meeting_sync_rows", state="pending") == [0]
    assert pick(samples, "meeting_sync_failed_rows", code="9093") == [1]
    assert pick(samples, "meeting_sync_oldest_pending_age_seconds") == [0]
    assert pick(samples, "meeting_sync_database_up") == [1]

    # The app's quota: every call spent one of the day's 200,000 and of the minute's 300.
    assert pick(samples, "meeting_sync_quota_limit", window="1d") == [200000]
    assert pick(samples, "meeting_sync_quota_used", window="1d") == [stats["total"]]
    assert pick(samples, "meeting_sync_quota_limit", window="60s") == [300]
    assert pick(samples, "meeting_sync_quota_pauses") == [0]

    assert pick(samples, "meeting_sync_circuit_open") == [0]
    assert pick(samples, "meeting_sync_rows_handled_total", outcome="created") == [5]
    assert pick(samples, "meeting_sync_rows_handled_total", outcome="failed") == [1]
    assert sum(pick(samples, "meeting_sync_pass_duration_seconds_count")) >= 1

    ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["circuit"]["ok"] is True


def test_readyz_turns_503_when_the_circuit_opens(
    engine: Engine, sandbox: SandboxServer, daemon_with_metrics: Callable[..., int]
) -> None:
    insert(engine, "cal-1", "Meeting")
    sandbox.set_faults(inject=[{"action": "error", "error_code": 200003, "http_status": 500}])
    port = daemon_with_metrics()
    wait_for(lambda: pick(scrape(port), "meeting_sync_circuit_open") == [1], "the circuit")
    ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
    assert ready.status_code == 503
    assert "200003" in ready.json()["checks"]["circuit"]["detail"]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_readyz_turns_503_while_postgresql_refuses_the_database(
    migrated_url: str, daemon_with_metrics: Callable[..., int]
) -> None:
    port = daemon_with_metrics()
    url = f"http://127.0.0.1:{port}/readyz"
    assert requests.get(url, timeout=10).status_code == 200
    outage = Outage(migrated_url)
    outage.begin()
    try:
        down = requests.get(url, timeout=30)
        assert down.status_code == 503
        assert down.json()["checks"]["database"]["ok"] is False
        assert pick(scrape(port), "meeting_sync_database_up") == [0]
    finally:
        outage.end()
    wait_for(lambda: requests.get(url, timeout=30).status_code == 200, "ready again")


@SQLITE_ONLY
def test_readyz_turns_503_when_the_sqlite_file_is_removed(
    migrated_url: str, daemon_with_metrics: Callable[..., int]
) -> None:
    port = daemon_with_metrics()
    url = f"http://127.0.0.1:{port}/readyz"
    assert requests.get(url, timeout=10).status_code == 200
    Path(migrated_url.removeprefix("sqlite:///")).unlink()
    down = requests.get(url, timeout=10)
    assert down.status_code == 503
    assert "gone" in down.json()["checks"]["database"]["detail"]


@SQLITE_ONLY
def test_a_second_provider_gets_its_own_series(
    engine: Engine, sandbox: SandboxServer, daemon_with_metrics: Callable[..., int]
) -> None:
    insert(engine, "meeting", "Meeting")
    insert_room(engine, "room-1", "Room one")
    insert_room(engine, "room-2", "Room two")
    port = daemon_with_metrics(trtc_env(sandbox))
    wait_for(lambda: {r.sync_state for r in rows(engine).values()} == {"synced"}, "all synced")
    wait_for(lambda: pick(scrape(port), "meeting_sync_passes_total", outcome="ok"), "a pass")
    samples = scrape(port)
    room_calls = sum(
        n for key, n in sandbox.room_stats()["stats"].items() if not key.endswith(":dropped")
    )
    assert room_calls >= 2
    assert sum(pick(samples, "meeting_sync_api_calls_total", provider="trtc_room")) == room_calls
    assert (
        sum(pick(samples, "meeting_sync_api_calls_total", provider="wemeet"))
        == (sandbox.stats()["total"])
    )
    assert pick(samples, "meeting_sync_rows_handled_total", outcome="created") == [3]
