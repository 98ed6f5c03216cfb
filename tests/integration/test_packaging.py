"""The wheel is complete: every module and every migration is in it, and `meeting-sync db
upgrade` works from a wheel install, away from any checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from worker.exceptions import MeetingSyncError
from worker.store.engines import MIGRATIONS_PACKAGE, migrations_dir

ROOT = Path(__file__).resolve().parents[2]
LOCAL_ONLY = (".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")
PIP = (sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Built from a copy: an in-tree build leaves build/ behind, whose stale files would
    # reach the next wheel.
    source = tmp_path_factory.mktemp("source") / "meeting-sync"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL_ONLY))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [*PIP, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("meeting_sync-*.whl")
    yield built


def expected_files() -> set[str]:
    """What the wheel must hold: the packages' modules, and alembic/ under its package name."""
    names = {
        p.relative_to(ROOT).as_posix()
        for package in ("worker", "models", "sandbox")
        for p in (ROOT / package).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    migrations = ROOT / "alembic"
    names |= {
        f"{MIGRATIONS_PACKAGE}/{p.relative_to(migrations).as_posix()}"
        for p in [*migrations.rglob("*.py"), migrations / "script.py.mako"]
        if "__pycache__" not in p.parts
    }
    return names | {"worker/py.typed"}


def test_the_wheel_holds_every_module_and_every_migration(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        held = set(archive.namelist())
    assert expected_files() - held == set()
    assert not [n for n in held if n.startswith(("alembic/", "tests/"))]


def test_db_upgrade_runs_from_a_wheel_install_outside_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [*PIP, "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    url = f"sqlite:///{tmp_path / 'calendar.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETING_SYNC_")}
    env.update(PYTHONPATH=str(site), MEETING_SYNC_CONFIG=os.devnull)
    env["MEETING_SYNC_DATABASE_URL"] = url
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import worker.store.engines as d; print(d.__file__, d.migrations_dir())",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where == [str(site / "worker" / "store" / "engines.py"), str(site / MIGRATIONS_PACKAGE)]

    done = subprocess.run(
        [sys.executable, "-m", "worker.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    engine = create_engine(url, poolclass=NullPool)
    try:
        assert {"meetings", "sync_log", "quota_events"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_are_looked_for_in_the_package_then_the_source_tree(tmp_path: Path) -> None:
    with pytest.raises(MeetingSyncError, match="migrations were not found"):
        migrations_dir(tmp_path)
    (tmp_path / "alembic").mkdir()
    (tmp_path / "alembic" / "env.py").touch()
    assert migrations_dir(tmp_path) == tmp_path / "alembic"
    (tmp_path / MIGRATIONS_PACKAGE).mkdir()
    (tmp_path / MIGRATIONS_PACKAGE / "env.py").touch()
    assert migrations_dir(tmp_path) == tmp_path / MIGRATIONS_PACKAGE
