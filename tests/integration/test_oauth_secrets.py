"""No OAuth token reaches a log line (at DEBUG), an exception's text, `status --json`,
`oauth list` or the database in clear: real processes, and a grep for every token issued."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text

from sandbox.server import SandboxServer
from tests.integration.oauthenv import (
    authorize,
    clocked,
    move_clock,
    oauth_config,
    oauth_env,
    oauth_sandbox,
)
from tests.integration.syncenv import ROOT, insert, rows
from worker.composition import build_keeper
from worker.exceptions import MeetingSyncError
from worker.store.oauth_tokens import OAuthTokenStore
from worker.store.token_cipher import TokenCipher

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
HOUR = 3600


def run(args: list[str], env: dict[str, str], offset: Path) -> str:
    done = subprocess.run(
        clocked(args, offset), env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


@SQLITE
def test_no_token_in_debug_logs_exceptions_status_or_the_database(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    # Ann's refresh token ends before the run (she is parked); Bob's access token has run
    # out and is renewed in it.
    server = oauth_sandbox(sandbox_factory, access_ttl=HOUR, refresh_ttl=2 * HOUR)
    key = Fernet.generate_key().decode()
    config = replace(oauth_config(migrated_url, server), oauth_key=key)
    authorize(config, engine, server, "open-ann")
    offset = tmp_path / "offset"
    offset.write_text("0")
    advanced = move_clock(server, offset, 0, 1.5 * HOUR)
    authorize(config, engine, server, "open-bob")
    move_clock(server, offset, advanced, HOUR)
    store = OAuthTokenStore(engine, TokenCipher(key))
    issued = [t for u in ("open-ann", "open-bob") for t in _pair(store, u)]
    insert(engine, "ann-1", "Ann's", userid="open-ann")
    insert(engine, "bob-1", "Bob's", userid="open-bob")
    env = oauth_env(
        config, {"MEETING_SYNC_OAUTH_KEY": key, "MEETING_SYNC_WORKER_LOG_LEVEL": "DEBUG"}
    )

    out = run(["once"], env, offset)
    out += run(["status", "--json"], env, offset)
    out += run(["oauth", "list", "--json"], env, offset)
    out += run(["oauth", "list"], env, offset)

    assert rows(engine)["bob-1"].sync_state == "synced"
    assert rows(engine)["ann-1"].error_code == "oauth.reauthorize"
    assert "oauth_refreshed open_id=open-bob" in out and "api_call" in out  # DEBUG ran
    assert '"open-ann"' in out  # status and the list name her
    issued += _pair(store, "open-bob")  # the renewed pair
    assert len(set(issued)) == 6
    for token in issued:
        assert token not in out
    # Exceptions: a refused exchange and a parked user's renewal.
    keeper = build_keeper(config, engine, clock=server.now)
    assert keeper is not None
    texts = []
    for attempt in (lambda: keeper.exchange("not-a-code"), lambda: keeper.renew("open-ann")):
        with pytest.raises(MeetingSyncError) as raised:
            attempt()
        texts.append(str(raised.value) + repr(raised.value))
    assert not [t for t in issued if any(t in x for x in texts)]
    # At rest: ciphertext only.
    with engine.connect() as db:
        stored = db.execute(text("SELECT access_token, refresh_token FROM oauth_tokens")).all()
    for value in (v for row in stored for v in row):
        assert value.startswith("fernet:")
        assert not [t for t in issued if t in value]
    # Without the key, the store says what to set instead of reading anything.
    no_key = {k: v for k, v in env.items() if k != "MEETING_SYNC_OAUTH_KEY"}
    refused = subprocess.run(
        clocked(["oauth", "list"], offset), env=no_key, cwd=ROOT, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "MEETING_SYNC_OAUTH_KEY" in refused.stderr


def _pair(store: OAuthTokenStore, open_id: str) -> list[str]:
    token = store.get(open_id)
    assert token is not None
    return [token.access_token, token.refresh_token]
