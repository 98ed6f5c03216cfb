"""`once` on a backlog, not on a terminal: plain progress lines on stderr, stdout keeps
the one JSON report; a run of at most one batch stays quiet."""

from __future__ import annotations

import json

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import cli_env, insert, meeting_sync, worker_config


@SQLITE_ONLY
def test_once_on_a_backlog_writes_plain_progress_lines(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    for i in range(5):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    env = cli_env(worker_config(migrated_url, sandbox), {"MEETING_SYNC_WORKER_BATCH_SIZE": "2"})
    done = meeting_sync(["once"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 5
    lines = [line for line in done.stderr.splitlines() if line.startswith("progress")]
    assert lines[0] == "progress_started done=0/5 rate=- eta=-"
    assert lines[-1].startswith("progress_done done=5/5 rate=")
    assert lines[-1].endswith("eta=0s")

    insert(engine, "cal-small", "One more")
    quiet = meeting_sync(["once"], env)
    assert quiet.returncode == 0
    assert "progress" not in quiet.stderr
