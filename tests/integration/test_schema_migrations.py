"""The migrations build exactly the schema the models describe, on every backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from worker.store.engines import migrations_config, upgrade

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = Path(sys.executable).with_name("alembic")


def tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_matches_the_models_and_downgrade_removes_everything(db_url: str) -> None:
    upgrade(db_url)
    assert {"meetings", "sync_log", "alembic_version"} <= tables(db_url)

    # Raises if autogenerate finds any difference between models and migrated database.
    command.check(migrations_config(db_url))

    command.downgrade(migrations_config(db_url), "base")
    assert tables(db_url) <= {"alembic_version"}

    upgrade(db_url)  # and the way back up works (the trigger is dropped and recreated)
    command.check(migrations_config(db_url))


def test_upgrade_twice_is_a_no_op(migrated_url: str) -> None:
    upgrade(migrated_url)
    command.check(migrations_config(migrated_url))


def test_a_percent_encoded_password_reaches_alembic_intact() -> None:
    url = "postgresql+psycopg://calendar:p%40ss%25word@db.example/calendar"
    assert migrations_config(url).get_main_option("sqlalchemy.url") == url


def run_alembic(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ALEMBIC), "-c", str(ROOT / "alembic.ini"), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(not ALEMBIC.exists(), reason="the alembic command is not installed")
def test_alembic_command_takes_the_url_from_x_argument(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgraded = run_alembic("-x", f"url={url}", "upgrade", "head", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    checked = run_alembic("-x", f"url={url}", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "meetings" in tables(url)


@pytest.mark.skipif(not ALEMBIC.exists(), reason="the alembic command is not installed")
def test_alembic_command_falls_back_to_the_project_configuration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'configured.db'}"
    result = run_alembic("upgrade", "head", cwd=tmp_path, env={"MEETING_SYNC_DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "meetings" in tables(url)
