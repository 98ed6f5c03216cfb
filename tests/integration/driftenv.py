"""Shared set-up for drift tests: synced rows, changes "from the app", and the check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import insert, make_pass
from worker.config import Config, DriftConfig
from worker.drift.check import DriftCheck, DriftReport
from worker.drift_runs import build_drift
from worker.sync.loop import SyncPass

USERS = ("alice", "bob", "carol", "dave", "erin")


def start_of(i: int) -> datetime:
    """Row i's start: spread over the next four days, on whole seconds."""
    base = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    return base + timedelta(hours=2 * i)


def insert_rows(
    engine: Engine,
    count: int,
    *,
    prefix: str = "cal",
    shift: timedelta = timedelta(0),
    between: Callable[[], None] | None = None,
) -> None:
    """``count`` rows of the users in turn; ``between`` runs after each (a pace)."""
    for i in range(count):
        start = start_of(i) + shift
        insert(
            engine,
            f"{prefix}-{i}",
            f"Meeting {i}",
            userid=USERS[i % len(USERS)],
            start_time=start,
            end_time=start + timedelta(hours=1),
        )
        if between is not None:
            between()


def with_drift(config: Config, **drift: Any) -> Config:
    return replace(config, drift=replace(DriftConfig(), **drift))


def drift_check(config: Config, sync: SyncPass) -> DriftCheck:
    return build_drift(config, sync)


def check_once(config: Config, engine: Engine) -> tuple[SyncPass, DriftReport]:
    sync = make_pass(config, engine)
    return sync, drift_check(config, sync).run()


def change_from_app(sandbox: SandboxServer, meeting_id: str, **change: Any) -> dict[str, Any]:
    """The inspection endpoint, over HTTP, as a script would use it."""
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/app/meetings/{meeting_id}", json=change, timeout=10
    )
    response.raise_for_status()
    doc: dict[str, Any] = response.json()
    return doc
