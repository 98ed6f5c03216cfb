"""Real PostgreSQL faults for the tests: one database refusing connections, or the whole
server restarting."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.fixtures.databases import _admin_engine


class Outage:
    """Takes one database away: its connections are ended and new ones are refused, as when
    a server goes down, while other databases on the server carry on."""

    def __init__(self, url: str) -> None:
        self.name = make_url(url).database
        assert self.name and self.name.startswith("ms_"), "only a throwaway test database"
        self.active = False

    def begin(self) -> None:
        _as_admin(
            (f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false', {}),
            (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()",
                {"name": self.name},
            ),
        )
        self.active = True

    def end(self) -> None:
        _as_admin((f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true', {}))
        self.active = False

    def end_if_active(self) -> None:
        if self.active:
            self.end()


def _as_admin(*statements: tuple[str, dict[str, Any]]) -> None:
    """Run statements on the server's administrative connection (autocommit)."""
    admin = _admin_engine("postgresql")
    try:
        with admin.connect() as conn:
            for sql, params in statements:
                conn.execute(text(sql), params)
    finally:
        admin.dispose()


def restart_command() -> list[str]:
    """The command that restarts the local PostgreSQL cluster (Debian's pg_ctlcluster)."""
    versions = (
        sorted(p.name for p in Path("/etc/postgresql").glob("*"))
        if Path("/etc/postgresql").is_dir()
        else []
    )
    tool = shutil.which("pg_ctlcluster")
    if not versions or tool is None:
        reason = "no local PostgreSQL cluster to restart (pg_ctlcluster, /etc/postgresql)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: this test must run, not skip)")
        pytest.skip(reason)
    return [tool, "--skip-systemctl-redirect", versions[-1], "main", "restart"]


# Two test runs on one machine (a developer's and a clean clone's) share the one server: a
# restart of each at the same moment makes the second fail on the first's postmaster.pid.
RESTART_LOCK = Path(tempfile.gettempdir()) / "meeting-sync-test-pg-restart.lock"


def restart_server(command: list[str]) -> None:
    with RESTART_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(command, check=True, capture_output=True, timeout=120)
