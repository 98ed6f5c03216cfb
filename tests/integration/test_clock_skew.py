"""A server clock far from ours: the worker learns the offset from one 190300 and carries on."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import cli_env, insert, meeting_sync, rows, worker_config


def test_worker_corrects_its_clock_after_one_190300_and_syncs_everything(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(clock_offset_seconds=400)
    config = worker_config(migrated_url, server)
    for i in range(10):
        insert(engine, f"cal-{i}", f"Meeting {i}")

    done = meeting_sync(["once"], cli_env(config))

    assert done.returncode == 0, done.stderr
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}
    assert server.stats()["by_error_code"] == {"190300": 1}
    assert len(server.meetings()) == 10
