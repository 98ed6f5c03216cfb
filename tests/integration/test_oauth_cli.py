"""`meeting-sync oauth exchange | list | revoke` as real processes against a sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.oauthenv import oauth_config, oauth_env, oauth_sandbox
from tests.integration.syncenv import insert, meeting_sync, rows

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@SQLITE
def test_exchange_prints_the_open_id_list_shows_no_token_revoke_makes_rows_wait(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = oauth_sandbox(sandbox_factory)
    env = oauth_env(oauth_config(migrated_url, server))

    exchanged = meeting_sync(["oauth", "exchange", "--auth-code", server.auth_code("u-1")], env)
    assert exchanged.returncode == 0, exchanged.stderr
    assert exchanged.stdout.strip() == "u-1"
    again = meeting_sync(["oauth", "exchange", "--auth-code", "used-or-made-up"], env)
    assert again.returncode == 1 and "error 1002" in again.stderr

    listed = meeting_sync(["oauth", "list", "--json"], env)
    (user,) = json.loads(listed.stdout)
    assert (user["open_id"], user["state"]) == ("u-1", "active")
    assert user["scopes"] and user["access_expires_at"] and user["refresh_expires_at"]
    assert "access_token" not in user and "refresh_token" not in user

    insert(engine, "r1", "Before", userid="u-1")
    assert meeting_sync(["once"], env).returncode == 0
    assert rows(engine)["r1"].sync_state == "synced"

    revoked = meeting_sync(["oauth", "revoke", "--open-id", "u-1"], env)
    assert revoked.returncode == 0, revoked.stderr
    insert(engine, "r2", "After", userid="u-1")
    calls = server.stats()["total"]
    assert meeting_sync(["once"], env).returncode == 0
    waiting = rows(engine)["r2"]
    assert (waiting.sync_state, waiting.error_code) == ("pending", "oauth.reauthorize")
    assert "'u-1' must authorize the app again" in (waiting.error_message or "")
    assert server.stats()["total"] == calls  # nothing was sent for the user
    assert meeting_sync(["oauth", "revoke", "--open-id", "u-1"], env).returncode == 2
