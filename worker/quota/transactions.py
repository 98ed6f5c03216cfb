"""The transaction a quota reservation runs in: serialised per scope, on the database's clock.

PostgreSQL and MariaDB lock one row per scope (``quota_locks``) in sorted order, so that
reservations of different scopes run side by side and those of one scope queue; SQLite has one
writer at a time anyway and takes its write lock at BEGIN.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.exc import DBAPIError

from models import quota_locks_table as locks
from worker.store.engines import write_transaction

T = TypeVar("T")
DEADLOCK_RETRIES = 5


def serialised(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run ``work`` in one transaction and commit; run it again after a deadlock."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            with _transaction(engine) as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt + 1 == DEADLOCK_RETRIES or not _is_deadlock(exc):
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def _transaction(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "sqlite":
        # One writer at a time: the whole reservation is serialised.
        with write_transaction(engine) as conn:
            yield conn
        return
    # READ COMMITTED: after the scope lock is granted, every read sees what the previous
    # holder committed (MariaDB's default snapshot would not).
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="READ COMMITTED")
        with conn.begin():
            yield conn


def lock_scopes(conn: Connection, keys: Sequence[str]) -> None:
    """Serialise reservations per scope; keys are locked in sorted order (no deadlocks)."""
    dialect = conn.dialect.name
    if dialect == "sqlite" or not keys:
        return  # the write transaction already excludes every other writer
    lock = select(locks.c.scope).where(locks.c.scope.in_(keys)).order_by(locks.c.scope)
    held = set(conn.scalars(lock.with_for_update()).all())
    missing = [{"scope": k} for k in keys if k not in held]
    if not missing:
        return  # the usual case: one statement
    # A scope seen for the first time: create its lock row (another worker may be doing the
    # same; the insert then waits for it and skips), then lock them all.
    if dialect == "postgresql":
        conn.execute(postgresql.insert(locks).values(missing).on_conflict_do_nothing())
    else:
        conn.execute(mysql.insert(locks).values(missing).prefix_with("IGNORE"))
    conn.execute(lock.with_for_update()).all()


def database_clock(conn: Connection) -> datetime:
    """Now, by the database's clock (one clock for every host), as aware UTC.

    Read after the scope lock: PostgreSQL's now() would be the transaction's start, which
    may be long before the lock was granted, so it uses clock_timestamp().
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        value = conn.scalar(text("SELECT clock_timestamp()"))
    elif dialect in ("mysql", "mariadb"):
        value = conn.scalar(text("SELECT UTC_TIMESTAMP(6)"))
    else:
        value = conn.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _is_deadlock(exc: DBAPIError) -> bool:
    code = getattr(exc.orig, "args", [None])[0]
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return code in (1213, 1205) or sqlstate in ("40P01", "40001")
