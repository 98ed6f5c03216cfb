"""What every benchmark stands on: throwaway databases, a sandbox process, worker processes.

Databases: SQLite in a temporary directory, or a brand-new PostgreSQL database
`ms_bench_<random>` on the server of ``MEETING_SYNC_TEST_POSTGRES_URL`` (the same default as
the test suite), dropped afterwards. Nothing touches the shared `test` database's tables.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import requests
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from sandbox.config import DEMO_APP_ID, DEMO_SECRET_ID, DEMO_SECRET_KEY
from worker.store.engines import upgrade
from worker.wemeet.signing import Credentials

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN_DEFAULT = "mysql+pymysql://root@127.0.0.1:3306/test?charset=utf8mb4"
BACKENDS = ("sqlite", "postgresql")
# A benchmark may also be asked for MariaDB (the server of MEETING_SYNC_TEST_MARIADB_URL).
ALL_BACKENDS = (*BACKENDS, "mariadb")
# "Quota off" for the worker's own ledger: limits it never reaches. Day windows are plain
# counters; a sliding window this large would make every reservation read every call of
# the last minute, a cost no real limit (300/min) can produce.
UNLIMITED = "100000000/1d"
# Meetings start tomorrow: the worker refuses a start in the past.
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def pg_admin_url() -> URL:
    return make_url(os.environ.get("MEETING_SYNC_TEST_POSTGRES_URL") or PG_ADMIN_DEFAULT)


def admin_url(backend: str) -> URL:
    if backend == "mariadb":
        return make_url(os.environ.get("MEETING_SYNC_TEST_MARIADB_URL") or MARIADB_ADMIN_DEFAULT)
    return pg_admin_url()


def _admin(backend: str = "postgresql") -> Engine:
    return create_engine(
        admin_url(backend),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )


@cache
def unavailable(backend: str) -> str | None:
    """Why ``backend`` cannot be benchmarked here, or None."""
    if backend == "sqlite":
        return None
    engine = _admin(backend)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect: no server for this run
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return f"{backend} at {admin_url(backend).render_as_string()} unreachable: {first}"
    finally:
        engine.dispose()
    return None


def available(backends: Sequence[str]) -> list[str]:
    """The backends that can run; prints why any other is skipped."""
    usable = []
    for backend in backends:
        reason = unavailable(backend)
        if reason:
            print(f"skipped {backend}: {reason}")
        else:
            usable.append(backend)
    return usable


@contextmanager
def database(backend: str, *, migrate: bool = True) -> Iterator[str]:
    """The URL of a brand-new database (migrated unless told otherwise), dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ms_bench_") as tmp:
            url = f"sqlite:///{Path(tmp) / 'calendar.db'}"
            if migrate:
                upgrade(url)
            yield url
        return
    if backend not in ("postgresql", "mariadb"):
        raise ValueError(f"unknown backend {backend!r}")
    name = f"ms_bench_{secrets.token_hex(6)}"
    admin = _admin(backend)
    quoted = f"`{name}`" if backend == "mariadb" else f'"{name}"'
    try:
        with admin.connect() as conn:
            suffix = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" if backend == "mariadb" else ""
            conn.execute(text(f"CREATE DATABASE {quoted}{suffix}"))
        url = admin_url(backend).set(database=name).render_as_string(hide_password=False)
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            force = " WITH (FORCE)" if backend == "postgresql" else ""
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}{force}"))
        admin.dispose()


def insert_meetings(engine: Engine, count: int, *, prefix: str = "b", first: int = 0) -> None:
    """``count`` new rows as a calendar writes them: plain INSERTs, worker columns defaulted."""
    stmt = text(
        "INSERT INTO meetings (external_id, userid, subject, start_time, end_time) "
        "VALUES (:e, 'bench', :s, :st, :et)"
    )
    batch = 5000
    with engine.begin() as conn:
        for low in range(first, first + count, batch):
            high = min(low + batch, first + count)
            conn.execute(stmt, [meeting_values(i, prefix) for i in range(low, high)])


def meeting_values(i: int, prefix: str = "b") -> dict[str, Any]:
    start = START + timedelta(minutes=i % 10_000)
    return {"e": f"{prefix}{i}", "s": f"Bench {i}", "st": start, "et": start + timedelta(hours=1)}


class SandboxProcess:
    """`python -m sandbox` on a free port, in its own process: it does not share the GIL
    (or a core's time slice) with whatever is being measured."""

    def __init__(self, *args: str) -> None:
        self._http = requests.Session()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", "0", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        prefix = "sandbox listening on "
        if not line.startswith(prefix):
            self.stop()
            raise RuntimeError(f"the sandbox did not start: {line!r}")
        self.base_url = line.removeprefix(prefix)
        self.credentials = Credentials(DEMO_APP_ID, DEMO_SECRET_ID, DEMO_SECRET_KEY)

    def reset(self) -> None:
        # The control API takes only JSON-labelled POSTs (no web page can send one).
        self._http.post(f"{self.base_url}/_sandbox/reset", json={}, timeout=30).raise_for_status()

    def requests_log(self) -> list[dict[str, Any]]:
        response = self._http.get(f"{self.base_url}/_sandbox/requests", timeout=60)
        response.raise_for_status()
        log: list[dict[str, Any]] = response.json()
        return log

    def stop(self) -> None:
        self._http.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class AppKeys(Protocol):
    """What a worker is configured with: the worker's Credentials and the sandbox's own
    AppCredentials both fit (the sandbox shares no types with the worker)."""

    @property
    def app_id(self) -> str: ...

    @property
    def secret_id(self) -> str: ...

    @property
    def secret_key(self) -> str: ...

    @property
    def sdk_id(self) -> str | None: ...


class Api(Protocol):
    """Where a worker sends its calls: a sandbox process, or one served in this process."""

    @property
    def base_url(self) -> str: ...

    @property
    def credentials(self) -> AppKeys: ...


def client_credentials(app: AppKeys) -> Credentials:
    """The worker's credentials for an app, e.g. for the one an in-process sandbox knows."""
    return Credentials(app.app_id, app.secret_id, app.secret_key, app.sdk_id)


def worker_env(url: str, sandbox: Api, **settings: str) -> dict[str, str]:
    """The environment of a `meeting-sync` process: no config file, quota ledger unlimited.

    ``settings`` are more MEETING_SYNC_ variables, e.g. ``WORKER_POLL_INTERVAL_SECONDS="1"``;
    they win over the defaults here (``QUOTA_APP="30/5s"`` turns the ledger's limit on).
    """
    creds = sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETING_SYNC_")}
    env.update(
        MEETING_SYNC_CONFIG=os.devnull,
        MEETING_SYNC_DATABASE_URL=url,
        MEETING_SYNC_WEMEET_BASE_URL=sandbox.base_url,
        MEETING_SYNC_WEMEET_APP_ID=creds.app_id,
        MEETING_SYNC_WEMEET_SECRET_ID=creds.secret_id,
        MEETING_SYNC_WEMEET_SECRET_KEY=creds.secret_key,
        MEETING_SYNC_QUOTA_APP=UNLIMITED,
        MEETING_SYNC_QUOTA_USER_CREATE=UNLIMITED,
        MEETING_SYNC_WORKER_LOG_LEVEL="WARNING",
    )
    env.update({f"MEETING_SYNC_{k}": v for k, v in settings.items()})
    return env


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "worker.cli", *args]


def run_worker(
    args: Sequence[str], env: Mapping[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run `meeting-sync ARGS` to completion; raises with its output if it fails."""
    done = subprocess.run(
        worker_command(*args),
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"meeting-sync {' '.join(args)} exited {done.returncode}: "
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return done
