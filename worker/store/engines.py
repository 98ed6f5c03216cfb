"""Engines for the calendar database, and applying its migrations.

Connection failures leave this module as ``DatabaseUnavailable`` (the CLI's exit code 3),
and a URL that cannot work (unparsable, unknown database, driver not installed) as
``ConfigError`` (exit code 2); every other database error keeps SQLAlchemy's type. URLs
are only ever shown through ``display_url``, which hides their passwords.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry

from worker.exceptions import ConfigError, DatabaseUnavailable, MeetingSyncError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option read by the SQLite BEGIN hook; set by write_transaction().
SQLITE_IMMEDIATE = "meeting_sync_sqlite_immediate"
# Where the packages sit: the top of the source tree in a checkout or an editable install,
# site-packages in a wheel install.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The migrations are alembic/ in the source tree. A wheel carries the same folder as this
# package, beside `worker` (installed as "alembic" it would shadow the library).
MIGRATIONS_PACKAGE = "meeting_sync_migrations"
# For each kind of database: the URL form meeting-sync is tested with, and what installs its
# driver (the package's extras).
SUPPORTED: dict[str, tuple[str, str]] = {
    "sqlite": ("sqlite:///path.db", "built into Python"),
    "postgresql": ("postgresql+psycopg://…", "pip install 'meeting-sync[postgresql]'"),
    "mysql": ("mysql+pymysql://…", "pip install 'meeting-sync[mysql]'"),
    "mariadb": ("mariadb+pymysql://…", "pip install 'meeting-sync[mysql]'"),
}
URL_EXAMPLES = (
    "sqlite:///meeting-sync.db, postgresql+psycopg://user@host/db or mysql+pymysql://user@host/db"
)


def display_url(url: str | URL) -> str:
    """``url`` as text fit for a message or a log line: every password shown as ***."""
    parsed = make_url(url)
    # Drivers also take a password as a query parameter (?password=…, ?sslpassword=…).
    hidden = {key: "***" for key in parsed.query if "pass" in key.lower()}
    return parsed.update_query_dict(hidden).render_as_string(hide_password=True)


def usable_url(url: str) -> URL:
    """``url`` parsed, once its dialect and driver are known to load; else ``ConfigError``.

    Each of these would otherwise surface as a traceback from deep inside SQLAlchemy (whose
    text may quote the URL, password and all), so the messages here are our own, and say
    what to fix or install.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Nothing of it is shown: unparsed, there is no telling which part is a password.
        raise ConfigError(
            "database.url is not a database URL (its value is not shown: it may hold a "
            f"password); expected e.g. {URL_EXAMPLES}"
        ) from None
    shown = display_url(parsed)
    backend, driver = parsed.get_backend_name(), parsed.drivername.partition("+")[2]
    example, install = SUPPORTED.get(backend, ("", ""))
    use_instead = f"use {example} ({install})" if example else ""
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        if _loads(backend):
            raise ConfigError(
                f"database.url {shown}: no driver {driver!r} for {backend}; "
                + (use_instead or "use one that SQLAlchemy provides")
            ) from None
        raise ConfigError(
            f"database.url {shown}: no database kind {backend!r}; expected e.g. {URL_EXAMPLES}"
        ) from None
    if dialect.is_async:
        # Installed, create_engine would take it, and the first query would fail (the worker's
        # calls are synchronous) inside a pass, as a crash of every pass.
        raise ConfigError(
            f"database.url {shown}: {dialect.driver} is an asyncio driver, which meeting-sync "
            "cannot use; " + (use_instead or "use a synchronous one")
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        # psycopg's own message (no libpq found) runs over several lines: the first is enough.
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        reason = f"no Python module {exc.name!r}" if exc.name else first
        if example.startswith(f"{backend}+{dialect.driver}:"):
            fix = install
        else:
            fix = f"install it, or {use_instead}" if example else "install it"
        raise ConfigError(
            f"database.url {shown}: its driver {dialect.driver} is not installed ({reason}); {fix}"
        ) from None
    return parsed


def _loads(backend: str) -> bool:
    try:
        URL.create(backend).get_dialect()
    except NoSuchModuleError:
        return False
    return True


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with pre-ping and per-backend settings; ``kwargs`` go to ``create_engine``.

    SQLite gets WAL (readers never block the writer), a 30 s busy timeout, foreign keys, and
    real transactions (a SELECT starts one too; see ``write_transaction`` for the kind that
    reads before it writes). MariaDB/MySQL run at READ COMMITTED, as PostgreSQL does by
    default, which keeps the claim's row locks free of gap locks.
    """
    parsed = usable_url(url)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {"pool_pre_ping": True}
    if backend in ("mysql", "mariadb"):
        options.update(isolation_level="READ COMMITTED", pool_recycle=1800)
    if backend == "postgresql":
        # Sessions speak UTC, so anything that renders a timestamptz as text shows UTC too.
        options["connect_args"] = {"options": "-c timezone=UTC"}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    options.update(kwargs)
    engine = create_engine(parsed, **options)
    if backend == "sqlite":
        _configure_sqlite(engine)
    _translate_connection_errors(engine, parsed)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Take BEGIN out of the driver's hands (it skips it before a SELECT); see _on_begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(SQLITE_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that may read before it writes; commits on success.

    On SQLite it takes the write lock at BEGIN (waiting up to the busy timeout): a plain
    transaction that read first could fail at its first write with "database is locked",
    since SQLite cannot wait for a lock while holding an older snapshot. It also makes such
    transactions run one at a time. Elsewhere it is an ordinary transaction.
    """
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_IMMEDIATE: True})
        with conn.begin():
            yield conn


def _translate_connection_errors(engine: Engine, url: URL) -> None:
    where = display_url(url)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # the pool reconnects; only a failed reconnect is an outage
        # No connection means the failure happened while connecting.
        if context.connection is None or context.is_disconnect:
            reason = str(context.original_exception).strip().splitlines()
            raise DatabaseUnavailable(
                f"{where}: {reason[0] if reason else type(context.original_exception).__name__}"
            ) from context.original_exception


def migrations_dir(root: Path = PROJECT_ROOT) -> Path:
    """The folder of migration scripts: the installed package's, else the source tree's."""
    candidates = (root / MIGRATIONS_PACKAGE, root / "alembic")
    for folder in candidates:
        if (folder / "env.py").is_file():
            return folder
    raise MeetingSyncError(
        "the migrations were not found (looked in "
        + " and ".join(str(c) for c in candidates)
        + "): reinstall meeting-sync, whose package carries them"
    )


def migrations_config(url: str) -> AlembicConfig:
    """An Alembic ``Config`` for this project's migrations, bound to ``url``."""
    # Imported here: the worker's own start-up never needs Alembic.
    from alembic.config import Config

    script_dir = migrations_dir()
    ini = PROJECT_ROOT / "alembic.ini"
    config = Config(str(ini)) if ini.is_file() else Config()
    config.set_main_option("script_location", str(script_dir))
    # ConfigParser interpolates '%': a percent-encoded password must be escaped.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Programmatic use leaves the caller's logging configuration alone.
    config.attributes["configure_logger"] = False
    return config


def upgrade(url: str) -> None:
    """Apply every migration to the database at ``url`` (``alembic upgrade head``)."""
    # Checked before Alembic is even imported (its import logs): the env.py would fail the
    # same way, with the same ConfigError, but after lines of Alembic's start-up.
    shown = display_url(usable_url(url))
    from alembic import command

    logger.info("db_upgrade url=%s", shown)
    command.upgrade(migrations_config(url), "head")
