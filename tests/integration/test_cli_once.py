"""`meeting-sync once` and `status` as cron runs them: real processes, exit codes, output."""

from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import cli_env, insert, meeting_sync, rows, worker_config


def test_once_syncs_everything_due_and_exits_0(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    for i in range(5):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    insert(engine, "bad", "敏感词")

    done = meeting_sync(["once"], cli_env(config))

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["created"] == 5 and summary["failed"] == 1
    states = {k: r.sync_state for k, r in rows(engine).items()}
    assert states == {**{f"cal-{i}": "synced" for i in range(5)}, "bad": "failed"}

    status = meeting_sync(["status", "--json"], cli_env(config))
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["by_state"] == {"synced": 5, "failed": 1}
    assert data["failed_by_code"] == {"9093": 1}
    assert data["quota"]["calls_last_minute"]["app:200000001"] == 6
    assert data["quota"]["pauses"] == {}


def test_wrong_secret_key_exits_2_after_at_most_3_requests_and_leaves_rows_pending(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    config = replace(config, wemeet=replace(config.wemeet, secret_key="not-the-right-key"))
    for i in range(10):
        insert(engine, f"cal-{i}", f"Meeting {i}")

    done = meeting_sync(["once"], cli_env(config))

    assert done.returncode == 2, done.stderr
    assert sandbox.stats()["total"] <= 3
    assert "200003" in done.stdout + done.stderr
    assert "not-the-right-key" not in done.stdout + done.stderr
    table = rows(engine)
    assert {r.sync_state for r in table.values()} == {"pending"}
    assert {r.attempts for r in table.values()} == {0}
    assert {r.lease_owner for r in table.values()} == {None}


def test_missing_credentials_exit_2_before_anything_is_sent(
    migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    env = cli_env(config, {"MEETING_SYNC_WEMEET_SECRET_KEY": ""})

    done = meeting_sync(["once"], env)

    assert done.returncode == 2
    assert "wemeet.secret_key" in done.stderr
    assert sandbox.stats()["total"] == 0


def test_unreachable_database_exits_3(sandbox: SandboxServer) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    config = worker_config(url, sandbox)

    done = meeting_sync(["once"], cli_env(config))

    assert done.returncode == 3, done.stderr
    assert "database unreachable" in done.stderr
