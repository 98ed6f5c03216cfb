"""The figures `once --metrics-file` reads from the table beside the rows: OAuth token
expiries per user and the users who must authorize again (from `oauth_tokens`), and drifted
rows by remote state (from the drift columns). Real processes, a real sandbox, real
databases; never a token in the file."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.driftenv import change_from_app, check_once, insert_rows, with_drift
from tests.integration.oauthenv import authorize, oauth_config, oauth_env, oauth_sandbox
from tests.integration.syncenv import cli_env, meeting_sync, rows, run_pass, worker_config
from worker.store.oauth_tokens import OAuthTokenStore
from worker.store.token_cipher import TokenCipher

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
HOUR, DAY = 3600.0, 86400.0


def exported(env: Mapping[str, str], target: Path) -> tuple[str, Samples]:
    done = meeting_sync(["once", "--metrics-file", str(target)], env)
    assert done.returncode == 0, done.stderr
    text = target.read_text(encoding="utf-8")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return text, samples


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    return {dict(ls)[label]: v for (n, ls), v in samples.items() if n == name}


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_oauth_expiries_per_user_and_the_users_to_reauthorize(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    server = oauth_sandbox(sandbox_factory, access_ttl=6 * HOUR, refresh_ttl=30 * DAY)
    config = oauth_config(migrated_url, server)
    issued_at = time.time()
    tokens = [authorize(config, engine, server, open_id) for open_id in ("u-1", "u-2")]
    # u-2's refresh was refused for good: the worker parks the user (as in a real refresh).
    with OAuthTokenStore(engine, TokenCipher("")).locked("u-2") as locked:
        locked.park("1006", "refresh token expired")

    text, samples = exported(oauth_env(config), tmp_path / "meeting-sync.prom")

    elapsed = time.time() - issued_at  # the file was written within this much of the issue
    access = by_label(samples, "meeting_sync_oauth_access_token_expiry_seconds", "open_id")
    refresh = by_label(samples, "meeting_sync_oauth_refresh_token_expiry_seconds", "open_id")
    assert set(access) == set(refresh) == {"u-1", "u-2"}
    for open_id in ("u-1", "u-2"):
        assert 6 * HOUR - elapsed - 1 <= access[open_id] <= 6 * HOUR + 1
        assert 30 * DAY - elapsed - 1 <= refresh[open_id] <= 30 * DAY + 1
    assert samples[("meeting_sync_oauth_users_to_reauthorize", ())] == 1
    for token in tokens:
        assert token.access_token not in text and token.refresh_token not in text


def test_drifted_rows_are_counted_by_remote_state(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox))
    insert_rows(engine, 5)
    assert run_pass(config, engine).counts["created"] == 5
    table = rows(engine)
    change_from_app(sandbox, str(table["cal-1"].meeting_id), cancel=True)
    change_from_app(sandbox, str(table["cal-2"].meeting_id), subject="Renamed in the app")
    change_from_app(sandbox, str(table["cal-3"].meeting_id), subject="Renamed again")
    check_once(config, engine)

    _, samples = exported(cli_env(config), tmp_path / "meeting-sync.prom")

    drifted = by_label(samples, "meeting_sync_drifted_rows", "remote_state")
    assert drifted == {"cancelled": 1, "changed": 2, "missing": 0}


def test_once_check_drift_writes_the_metrics_file_with_the_checks_calls(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = worker_config(migrated_url, sandbox)
    insert_rows(engine, 3)
    assert run_pass(config, engine).counts["created"] == 3
    change_from_app(sandbox, str(rows(engine)["cal-1"].meeting_id), subject="Renamed in the app")
    before = sandbox.stats()["total"]
    target = tmp_path / "meeting-sync.prom"

    done = meeting_sync(["once", "--check-drift", "--metrics-file", str(target)], cli_env(config))

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["drift"]["changed"] == 1
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(target.read_text(encoding="utf-8"))
        for s in family.samples
    }
    calls = {
        dict(labels)["endpoint"]: n
        for (name, labels), n in samples.items()
        if name == "meeting_sync_api_calls_total"
    }
    # The drift check's reads are in the file, and every call of the run is counted once.
    assert calls.get("list", 0) >= 1
    assert sum(calls.values()) == sandbox.stats()["total"] - before
    assert by_label(samples, "meeting_sync_drifted_rows", "remote_state")["changed"] == 1
