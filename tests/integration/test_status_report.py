"""`meeting-sync status` for an operator: the last passes, failed rows by code with what
the code means and the fix, the current quota windows, pauses and the rows waiting out a
quota window, after real `once` runs against a sandbox whose minute quota runs out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from sandbox.config import parse_quotas
from sandbox.server import SandboxServer
from tests.integration.syncenv import cli_env, insert, meeting_sync, worker_config


def test_status_shows_passes_failures_with_fixes_quota_and_waiting_rows(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    # A sandbox clock held in the middle of a minute: the run cannot straddle two of its
    # minute windows. Tighter than the worker's own limit, so the sandbox answers 190310.
    held = time.time() // 60 * 60 + 30
    server = sandbox_factory(quotas=parse_quotas(["3/60s"]), clock=lambda: held)
    insert(engine, "rejected", "敏感词 review")
    for i in range(4):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(worker_config(migrated_url, server))
    once = meeting_sync(["once"], env)
    assert once.returncode == 0, once.stderr

    done = meeting_sync(["status", "--json"], env)
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)

    explained = status["failed_codes"]["9093"]
    assert explained["rows"] == 1
    assert explained["meaning"] == "Subject contains a sensitive word."
    assert "meeting-sync retry --code 9093" in explained["fix"]

    calls = server.stats()["total"]
    windows = status["quota"]["current_windows"]
    day = next(v for k, v in windows.items() if k.endswith("per 1d"))
    assert day == f"{calls}/200000"

    # The sandbox's 4th call answered 190310: the app's minute quota pauses, and the rows
    # it could not send wait for the pause's end.
    assert server.stats()["by_error_code"]["190310"] >= 1
    (pause,) = status["quota"]["pauses"].values()
    assert pause["error_code"] == 190310
    waiting = status["waiting_rows"]["190310"]
    assert waiting["rows"] >= 1
    assert datetime.fromisoformat(waiting["next_attempt_at"]) <= datetime.fromisoformat(
        pause["until"]
    )

    (summary,) = status["last_passes"].values()
    assert "claimed=5" in summary and "failed=1" in summary

    text = meeting_sync(["status"], env).stdout
    assert "failed codes:" in text and "last passes:" in text and "waiting rows:" in text
