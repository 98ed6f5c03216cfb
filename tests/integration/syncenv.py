"""Shared set-up for end-to-end tests: a calendar database, the sandbox, and the worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, select, text

from models import meetings_table
from sandbox.server import SandboxServer
from tests.fixtures.sandbox import client_credentials
from worker.composition import build_pass
from worker.config import Config, WorkerConfig, for_api
from worker.domain.rows import MeetingRow
from worker.exceptions import DatabaseUnavailable
from worker.store.meetings import Store
from worker.sync.loop import PassReport, SyncPass

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 60.0
SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def worker_config(url: str, sandbox: SandboxServer, **worker: Any) -> Config:
    fast_retries = WorkerConfig(retry_base_seconds=0.01, retry_max_seconds=0.02)
    return for_api(
        url,
        sandbox.base_url,
        client_credentials(sandbox.credentials),
        worker=replace(fast_retries, **worker),
    )


def make_pass(config: Config, engine: Engine, **seams: Any) -> SyncPass:
    """The product's pass on ``engine``; ``seams`` are build_pass's explicit test seams
    (``after_call``, ``session``, ``durable``)."""
    return build_pass(config, store=Store(engine), **seams)


def run_pass(config: Config, engine: Engine) -> PassReport:
    return make_pass(config, engine).run()


def insert(engine: Engine, external_id: str, subject: str | None, **columns: Any) -> None:
    values: dict[str, Any] = {
        "external_id": external_id,
        "userid": "alice",
        "subject": subject,
        "start_time": SOON,
        "end_time": SOON + timedelta(hours=1),
    }
    values.update(columns)
    names = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    with engine.begin() as db:
        db.execute(text(f"INSERT INTO meetings ({names}) VALUES ({params})"), values)


def update(engine: Engine, external_id: str, **columns: Any) -> None:
    sets = ", ".join(f"{k} = :{k}" for k in columns)
    with engine.begin() as db:
        db.execute(
            text(f"UPDATE meetings SET {sets} WHERE external_id = :external_id"),
            {**columns, "external_id": external_id},
        )


def rows(engine: Engine) -> dict[str, MeetingRow]:
    with engine.connect() as db:
        result = db.execute(select(meetings_table).order_by(meetings_table.c.id))
        found = [MeetingRow.from_mapping(r._mapping) for r in result]
    return {r.external_id: r for r in found}


def count_synced(engine: Engine) -> int:
    """Rows synced so far; 0 while the database is unreachable (a test restarting it)."""
    query = select(func.count()).where(meetings_table.c.sync_state == "synced")
    try:
        with engine.connect() as db:
            return int(db.scalar(query) or 0)
    except DatabaseUnavailable:
        return 0


def remote(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    return {str(m["meeting_id"]): m for m in sandbox.meetings()}


def cli_env(config: Config, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    w, wk = config.wemeet, config.worker
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETING_SYNC_")}
    env.update(
        MEETING_SYNC_CONFIG=os.devnull,
        MEETING_SYNC_DATABASE_URL=config.database.url,
        MEETING_SYNC_WEMEET_BASE_URL=w.base_url,
        MEETING_SYNC_WEMEET_APP_ID=w.app_id,
        MEETING_SYNC_WEMEET_SECRET_ID=w.secret_id,
        MEETING_SYNC_WEMEET_SECRET_KEY=w.secret_key,
        MEETING_SYNC_WORKER_RETRY_BASE_SECONDS=str(wk.retry_base_seconds),
        MEETING_SYNC_WORKER_RETRY_MAX_SECONDS=str(wk.retry_max_seconds),
    )
    env.update(extra or {})
    return env


def spawn_once(env: Mapping[str, str], count: int) -> list[subprocess.Popen[str]]:
    """``count`` concurrent `meeting-sync once` processes, each with its own worker id."""
    return [
        subprocess.Popen(
            [sys.executable, "-m", "worker.cli", "once"],
            env={**env, "MEETING_SYNC_WORKER_WORKER_ID": f"w{n}"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]


def meeting_sync(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker.cli", *args],
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def wait_for(condition: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    """Poll a condition that real processes will make true, up to a deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_daemon(
    env: Mapping[str, str], log: IO[str] | int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """`meeting-sync run` with its log on stdout (or in ``log``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "run"],
        env=dict(env),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
