"""The claim: lease a batch of due rows, most urgent first, in the one way each backend does
it safely.

Most urgent: cancellations, then the soonest start, then the oldest row (models.urgency). Each
backend reads the due rows in that order straight off an index and stops after the batch, so
the claim sorts nothing but the batch, whatever the number of rows pending:

PostgreSQL: one statement, ``UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``,
its batch put back in order (RETURNING keeps none), over the partial index ix_meetings_claim.
SQLite: the same SELECT, then the UPDATE of its ids, inside ``BEGIN IMMEDIATE``
(worker.store.engines.write_transaction), serialised by the write lock.
MariaDB/MySQL (no partial index, on MariaDB no expression index, no UPDATE … RETURNING):
``SELECT id … FOR UPDATE SKIP LOCKED`` of the cancellations, then of the rest if the batch
has room, each in start order off an index of its own; then the UPDATE.

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
from models.urgency import CANCELLED, start_rank, urgency

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


def most_urgent(now: datetime, dialect: str, limit: int) -> Select[int]:
    """The ids of up to ``limit`` due rows, most urgent first (read off ix_meetings_claim).

    Not for MariaDB/MySQL, which cannot read this order off an index: see ``_lock_in_parts``.
    """
    return (
        select(c.id)
        .where(is_due(now, dialect))
        .order_by(*urgency(c.status, c.start_time, c.id))
        .limit(limit)
    )


def claim_ids(
    conn: Connection, *, owner: str, now: datetime, expires: datetime, limit: int
) -> list[int]:
    """Lease due rows to ``owner`` within the caller's transaction; their ids, most urgent
    first."""
    dialect = conn.dialect.name
    lease: dict[str, Any] = {
        "lease_owner": owner,
        "lease_expires_at": expires,
        # Counted at claim time, so a row that crashes its worker still runs out of attempts.
        "attempts": c.attempts + 1,
    }
    if dialect == "postgresql":
        due = most_urgent(now, dialect, limit).with_for_update(skip_locked=True).cte("due")
        leased = (
            update(meetings)
            .where(c.id == due.c.id)
            .values(lease)
            .returning(c.id, c.status, c.start_time)
            .cte("leased")
        )
        # Sorted on the server: the start time never has to be decoded here.
        ordered = select(leased.c.id).order_by(
            *urgency(leased.c.status, leased.c.start_time, leased.c.id)
        )
        return list(conn.scalars(ordered))
    if dialect == "sqlite":
        # No other writer can come between the SELECT and the UPDATE: the transaction holds
        # the write lock from its BEGIN.
        ids = list(conn.scalars(most_urgent(now, dialect, limit)))
    else:
        ids = _lock_in_parts(conn, now, dialect, limit)
    if ids:
        conn.execute(update(meetings).where(c.id.in_(ids)).values(lease))
    return ids


def _lock_in_parts(conn: Connection, now: datetime, dialect: str, limit: int) -> list[int]:
    """MariaDB/MySQL: lock the most urgent due rows, cancellations first, then the rest.

    Each part is read in start order off its own index (ix_meetings_claim_cancelled,
    ix_meetings_claim_by_start) and stops at the batch. One ORDER BY over both would sort
    the due rows instead, and FOR UPDATE locks every row it reads before the sort: all of
    them, until the claim commits, so that a second worker would find none to claim.
    """
    cancelled = c.status == CANCELLED
    ids = list(conn.scalars(_due_in_start_order(now, dialect, limit, cancelled)))
    if len(ids) < limit:
        # The cancellations still due are this claim's now, or locked by another worker.
        rest = c.status.is_distinct_from(CANCELLED)
        ids += conn.scalars(_due_in_start_order(now, dialect, limit - len(ids), rest))
    return ids


def _due_in_start_order(
    now: datetime, dialect: str, limit: int, part: ColumnElement[bool]
) -> Select[int]:
    return (
        select(c.id)
        .where(is_due(now, dialect), part)
        .order_by(start_rank(c.start_time), c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
