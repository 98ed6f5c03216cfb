"""Set-up for OAuth-mode tests: a sandbox with an OAuth app, a worker configured for it,
users authorized through the real token endpoint, and the sandbox's view of their tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from sandbox.oauth import OAuthApp
from sandbox.server import SandboxServer
from tests.integration.syncenv import ROOT, cli_env, worker_config
from tests.integration.test_quota_fleet import start_fleet
from worker.composition import build_keeper
from worker.config import Config
from worker.domain.tokens import OAuthToken

SDK_ID = "oauth-sdk-1"
SECRET = "oauth-app-secret-9f3b"


def oauth_sandbox(
    factory: Callable[..., SandboxServer], *, access_ttl: float = 6 * 3600, **overrides: Any
) -> SandboxServer:
    refresh_ttl = overrides.pop("refresh_ttl", 30 * 86400)
    app = OAuthApp(SDK_ID, SECRET, access_ttl=access_ttl, refresh_ttl=refresh_ttl)
    return factory(oauth=app, **overrides)


def oauth_config(url: str, server: SandboxServer, *, lead: float = 1800.0, **worker: Any) -> Config:
    base = worker_config(url, server, **worker)
    wemeet = replace(
        base.wemeet,
        auth="oauth",
        app_id="",
        secret_id="",
        secret_key="",
        sdk_id=SDK_ID,
        oauth_secret=SECRET,
        oauth_base_url=server.base_url,
        oauth_refresh_lead_seconds=lead,
    )
    return replace(base, wemeet=wemeet)


def oauth_env(config: Config, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    w = config.wemeet
    env = cli_env(config)
    for name in ("APP_ID", "SECRET_ID", "SECRET_KEY"):
        env.pop(f"MEETING_SYNC_WEMEET_{name}", None)
    env.update(
        MEETING_SYNC_WEMEET_AUTH="oauth",
        MEETING_SYNC_WEMEET_SDK_ID=w.sdk_id,
        MEETING_SYNC_WEMEET_OAUTH_SECRET=w.oauth_secret,
        MEETING_SYNC_WEMEET_OAUTH_BASE_URL=w.oauth_base_url,
        MEETING_SYNC_WEMEET_OAUTH_REFRESH_LEAD_SECONDS=str(w.oauth_refresh_lead_seconds),
    )
    env.update(extra or {})
    return env


def authorize(config: Config, engine: Engine, server: SandboxServer, open_id: str) -> OAuthToken:
    """The user consents (the sandbox hands out a code); the worker exchanges the code."""
    keeper = build_keeper(config, engine, clock=server.now)
    assert keeper is not None
    return keeper.exchange(server.auth_code(open_id))


def clocked(args: list[str], offset_file: Path) -> list[str]:
    return [sys.executable, "-m", "tests.integration.clocked_cli", str(offset_file), *args]


def start_clocked_daemon(
    env: Mapping[str, str], offset_file: Path, log: IO[str]
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        clocked(["run"], offset_file),
        env=dict(env),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def move_clock(server: SandboxServer, offset_file: Path, advanced: float, step: float) -> float:
    """Move the workers' clock, then the sandbox's, by ``step``: the workers are never
    behind the service, so a pair they think good is good; the gap (one step at most, for
    microseconds) stays inside the 5-minute timestamp window. The file is replaced whole,
    so a worker never reads half of it."""
    advanced += step
    partial = offset_file.with_suffix(".new")
    partial.write_text(repr(advanced))
    os.replace(partial, offset_file)
    server.advance_clock(step)
    return advanced


def start_clocked_fleet(
    env: Mapping[str, str], count: int, offset_file: Path, logs: Path
) -> list[subprocess.Popen[str]]:
    """``count`` clocked `meeting-sync run` daemons, once each is polling."""
    return start_fleet(
        env, count, logs, start=lambda env_n, log: start_clocked_daemon(env_n, offset_file, log)
    )


def tokens_fresh(server: SandboxServer, lead: float) -> bool:
    """No user's access token is within ``lead`` of its end (on the sandbox's clock)."""
    now = server.now()
    return all(u["access_expires"] - now > lead for u in server.oauth().values())
