"""The claim: lease a batch of due rows, in the one way each backend does it safely.

PostgreSQL: one ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id``.
MariaDB/MySQL (no UPDATE … RETURNING): ``SELECT id … FOR UPDATE SKIP LOCKED``, then UPDATE.
SQLite: one ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING id`` inside ``BEGIN
IMMEDIATE`` (worker.store.engines.write_transaction), serialised by the write lock.

The claim hands out ids only, which every driver can decode; the rows are then read in the
same transaction by worker.store.read, where a value a driver cannot decode fails its own
row instead of the claim.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from models import meetings_table
from models.types import UTCDateTime

meetings = meetings_table
c = meetings.c
# A literal, not a bound parameter: the planners (PostgreSQL's generic plans, SQLite's) can
# only use the partial index `WHERE sync_state = 'pending'` when the query says the same.
PENDING: ColumnElement[str] = literal_column("'pending'")


def is_due(now: datetime, dialect: str) -> ColumnElement[bool]:
    """Pending, past its next attempt and its `sync_after`, and not under a live lease."""
    return and_(
        c.sync_state == PENDING,
        or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now),
        or_(c.lease_expires_at.is_(None), c.lease_expires_at <= now),
        _sync_after_passed(now, dialect),
    )


def _sync_after_passed(now: datetime, dialect: str) -> ColumnElement[bool]:
    if dialect != "sqlite":
        return or_(c.sync_after.is_(None), c.sync_after <= now)
    # SQLite stores whatever text the calendar wrote (an ISO time with an offset, say):
    # compare instants, not text. Unreadable text counts as passed, so that the row is
    # claimed and fails with a message instead of waiting forever.
    at = func.julianday(c.sync_after)
    return or_(
        c.sync_after.is_(None),
        at.is_(None),
        at <= func.julianday(literal(now, UTCDateTime())),
    )


def due_ids(now: datetime, dialect: str, limit: int) -> Select[int]:
    """The ids of up to ``limit`` due rows, oldest due first (served by ix_meetings_due)."""
    never_tried_first = (
        c.next_attempt_at.asc()  # MariaDB/MySQL already sort NULL first and lack the syntax
        if dialect in ("mysql", "mariadb")
        else c.next_attempt_at.asc().nulls_first()
    )
    return select(c.id).where(is_due(now, dialect)).order_by(never_tried_first, c.id).limit(limit)


def claim_ids(
    conn: Connection, *, owner: str, now: datetime, expires: datetime, limit: int
) -> list[int]:
    """Lease due rows to ``owner`` within the caller's transaction; returns their ids."""
    dialect = conn.dialect.name
    lease: dict[str, Any] = {
        "lease_owner": owner,
        "lease_expires_at": expires,
        # Counted at claim time, so a row that crashes its worker still runs out of attempts.
        "attempts": c.attempts + 1,
    }
    chosen = due_ids(now, dialect, limit)
    if dialect == "postgresql":
        due = chosen.with_for_update(skip_locked=True).cte("due")
        stmt = update(meetings).where(c.id == due.c.id).values(lease).returning(c.id)
        return list(conn.scalars(stmt))
    if dialect == "sqlite":
        stmt = (
            update(meetings).where(c.id.in_(chosen.scalar_subquery())).values(lease).returning(c.id)
        )
        return list(conn.scalars(stmt))
    ids = list(conn.scalars(chosen.with_for_update(skip_locked=True)))
    if ids:
        conn.execute(update(meetings).where(c.id.in_(ids)).values(lease))
    return ids
