"""A configuration that cannot work ends every command with exit 2 and one line on stderr.

Real `meeting-sync` processes, as systemd or cron runs them: a traceback and exit 1 would
make systemd restart a daemon in a loop, and a cron mail would bury the cause.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.integration.syncenv import meeting_sync

PASSWORD = "hunter2-secret"
COMMANDS = [["once"], ["run"], ["status"], ["db", "upgrade"]]


def base_env(tmp_path: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A configuration that would work (credentials set, nothing ever contacted)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("MEETING_SYNC_")}
    env.update(
        MEETING_SYNC_CONFIG=os.devnull,
        MEETING_SYNC_DATABASE_URL=f"sqlite:///{tmp_path / 'cal.db'}",
        # Port 9 (discard): the process must stop before it talks to any API.
        MEETING_SYNC_WEMEET_BASE_URL="http://127.0.0.1:9",
        MEETING_SYNC_WEMEET_APP_ID="200000001",
        MEETING_SYNC_WEMEET_SECRET_ID="secret-id",
        MEETING_SYNC_WEMEET_SECRET_KEY="secret-key-value",
    )
    env.update(extra or {})
    return env


def assert_one_line_config_error(args: list[str], env: Mapping[str, str], needle: str) -> None:
    done = meeting_sync(args, env, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("meeting-sync: configuration error: ")
    assert needle in lines[0]
    assert PASSWORD not in done.stdout + done.stderr


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("not a url", "database.url is not a database URL"),
        (f"postgresql+asyncpg://u:{PASSWORD}@h/db", "postgresql+asyncpg://u:***@h/db"),
        (f"mysql+mysqldb://u:{PASSWORD}@h/db", "pip install 'meeting-sync[mysql]'"),
        (f"nosuch://u:{PASSWORD}@h/db", "no database kind 'nosuch'"),
    ],
)
def test_an_unusable_database_url_exits_2_with_one_line(
    tmp_path: Path, args: list[str], url: str, needle: str
) -> None:
    env = base_env(tmp_path, {"MEETING_SYNC_DATABASE_URL": url})
    assert_one_line_config_error(args, env, needle)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_config_file_that_is_not_utf8_exits_2_with_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[worker]\nworker_id = "Küche"\n'.encode("latin-1"))
    env = base_env(tmp_path)
    assert_one_line_config_error(["--config", str(path), *args], env, "UTF-8")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_config_path_that_is_a_directory_exits_2_with_one_line(
    tmp_path: Path, args: list[str]
) -> None:
    env = base_env(tmp_path)
    assert_one_line_config_error(["--config", str(tmp_path), *args], env, "directory")


@pytest.mark.parametrize(
    ("args", "name", "value"),
    [
        # poll_interval_seconds = nan made the daemon crash at start, and systemd restart it.
        *[(args, "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS", "nan") for args in COMMANDS],
        (["run"], "MEETING_SYNC_WORKER_LEASE_SECONDS", "nan"),
        (["run"], "MEETING_SYNC_WEMEET_TIMEOUT_SECONDS", "inf"),
        (["once"], "MEETING_SYNC_WORKER_RETRY_BASE_SECONDS", "-inf"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_a_non_finite_float_exits_2_with_one_line(
    tmp_path: Path, args: list[str], name: str, value: str
) -> None:
    env = base_env(tmp_path, {name: value})
    assert_one_line_config_error(args, env, f"${name}: expected a finite number")


def test_a_non_finite_float_in_the_file_exits_2_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nan.toml"
    path.write_text("[worker]\npoll_interval_seconds = nan\n", "utf-8")
    env = base_env(tmp_path)
    needle = "worker.poll_interval_seconds: expected a finite number"
    assert_one_line_config_error(["--config", str(path), "run"], env, needle)


@pytest.mark.parametrize("args", [["once"], ["run"]], ids=" ".join)
def test_an_empty_app_quota_variable_exits_2_with_one_line(tmp_path: Path, args: list[str]) -> None:
    env = base_env(tmp_path, {"MEETING_SYNC_QUOTA_APP": ""})
    assert_one_line_config_error(args, env, "$MEETING_SYNC_QUOTA_APP")


def test_a_misspelt_variable_is_warned_about_and_the_command_still_runs(tmp_path: Path) -> None:
    env = base_env(
        tmp_path,
        {
            "MEETING_SYNC_WORKER_LEASE_SECOND": PASSWORD,
            # Read by the product or its test suite, not settings: no warning.
            "MEETING_SYNC_TEST_POSTGRES_URL": "postgresql+psycopg://u@h/db",
        },
    )

    done = meeting_sync(["db", "upgrade"], env, timeout=60)

    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if " WARNING " in line]
    assert len(warnings) == 1, done.stderr
    assert "MEETING_SYNC_WORKER_LEASE_SECOND " in warnings[0]
    assert "did you mean MEETING_SYNC_WORKER_LEASE_SECONDS?" in warnings[0]
    assert PASSWORD not in done.stdout + done.stderr


def test_oauth_mode_without_the_apps_credentials_is_refused_at_start_up(tmp_path: Path) -> None:
    env = base_env(tmp_path, {"MEETING_SYNC_WEMEET_AUTH": "oauth"})
    assert_one_line_config_error(
        ["once"], env, "missing credentials: wemeet.sdk_id (or MEETING_SYNC_WEMEET_SDK_ID)"
    )
