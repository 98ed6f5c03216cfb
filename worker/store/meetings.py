"""The store: all SQL the worker runs, each method one short transaction.

No method keeps a transaction open for its caller, so no transaction ever spans an HTTP
call; a write-back given ``conn`` runs in the caller's transaction instead (a group of
outcomes, or the next quota reservation's), which the caller commits before any call.

Write-backs are single UPDATE statements that carry their own guards: the lease
(``lease_owner = owner``: a worker whose lease was taken over writes nothing) and the
revision (a row the calendar edited during the call stays pending for the edit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Update,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from models import meetings_table as meetings
from models import sync_log_table as sync_log
from models.types import utcnow
from worker.domain.rows import (
    CallLogEntry,
    ClaimedRow,
    StatusSummary,
    WriteOutcome,
)
from worker.store.claim import claim_ids
from worker.store.engines import write_transaction
from worker.store.read import read_claimed
from worker.store.summary import summarise

logger = logging.getLogger(__name__)
T = TypeVar("T")

ERROR_CODE_LENGTH = 40
# Long enough for any API message; short enough that no backend refuses the write-back.
ERROR_MESSAGE_LENGTH = 2000
# Room for a few dozen userids; well within MySQL's TEXT (64 KiB) at 4 bytes a character.
NOT_APPLIED_LENGTH = 8000


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def now(self) -> datetime:
        """The database's clock as aware UTC: leases and due times never trust a host's."""
        with self.engine.connect() as conn:
            value = conn.scalar(select(utcnow()))
        assert isinstance(value, datetime)
        return value

    def claim(
        self, *, owner: str, now: datetime, lease_seconds: float, limit: int
    ) -> list[ClaimedRow]:
        """Lease up to ``limit`` due rows to ``owner``, most urgent first (cancellations,
        then the soonest start: models.urgency); counts an attempt.

        Due: pending, past ``next_attempt_at`` and ``sync_after``, and not leased (or the
        lease expired). Two claimers never get the same row: ``FOR UPDATE SKIP LOCKED`` on
        PostgreSQL and MariaDB/MySQL, a single write-locked UPDATE on SQLite.

        A row holding a value the database driver cannot decode comes back as an
        ``UnreadableRow`` (leased like the others, so that it can be failed) instead of
        failing the claim. The claim takes ids, then one SELECT reads the batch.
        """
        if limit <= 0:
            return []
        expires = now + timedelta(seconds=lease_seconds)
        with write_transaction(self.engine) as conn:
            ids = claim_ids(conn, owner=owner, now=now, expires=expires, limit=limit)
            rows = read_claimed(conn, ids)
        claimed = _in_claim_order(rows, ids)
        if claimed:
            logger.debug("rows_claimed owner=%s count=%d", owner, len(claimed))
        return claimed

    def mark_create_intent(
        self,
        row_id: int,
        *,
        owner: str,
        sent: Mapping[str, Any] | None = None,
        now: datetime | None = None,
        conn: Connection | None = None,
    ) -> bool:
        """Record that a create is about to be sent; False unless ``owner`` holds the lease.

        ``sent``: what the create carries, for finding its meeting if the answer is lost.
        ``now`` None: the database's clock at the moment of the write (no extra round trip).
        ``conn``: write inside that transaction (the create's quota reservation) instead of
        one of its own.
        """
        params = {"row_id": row_id, "owner": owner, "intent_at_given": now, "sent": sent}
        if conn is not None:
            return conn.execute(_MARK_INTENT, params).rowcount == 1
        with self.engine.begin() as own:
            return own.execute(_MARK_INTENT, params).rowcount == 1

    def record_synced(
        self,
        row_id: int,
        *,
        owner: str,
        revision: int,
        meeting_id: str | None,
        meeting_code: str | None,
        join_url: str | None,
        not_applied: Sequence[str] | None = None,
        now: datetime | None = None,
        note: str | None = None,
        conn: Connection | None = None,
    ) -> WriteOutcome:
        """The API now holds ``revision`` of the row: write the ids back and release it.

        ``now`` (``synced_at``) None: the database's clock at the moment of the write.
        ``note``: the row's message for what the sync could not do (no error code goes
        with it); None clears the message.

        An id given as None keeps the stored one: ids are only ever added, never lost, and
        they are written even when the calendar edited the row meanwhile (that row stays
        pending, and the next pass updates the meeting with the edit).

        ``not_applied``: what the provider did not apply of the meeting, one line each,
        into `user_non_registered`; empty clears it, None keeps what it holds.

        ``conn``, for this and every write-back below: write inside that transaction (a
        group of outcomes, or the next quota reservation's) instead of one of its own.
        """
        params = {
            "row_id": row_id,
            "owner": owner,
            "synced_rev": revision,
            "new_meeting_id": meeting_id,
            "new_meeting_code": meeting_code,
            "new_join_url": join_url,
            "new_user_non_registered": None
            if not_applied is None
            else not_applied_text(not_applied),
            "synced_at_given": now,
            "note": note[:ERROR_MESSAGE_LENGTH] if note else None,
        }
        return self._run_write_back(_SYNCED, params, row_id, owner, revision, conn)

    def record_adopted(
        self,
        row_id: int,
        *,
        owner: str,
        meeting_id: str,
        meeting_code: str | None,
        join_url: str | None,
    ) -> WriteOutcome:
        """A lost create's meeting is found, but the row changed since: keep the lease and
        the row pending, hold the ids (the intent marker is done) so that whatever happens
        next, the row's content goes to this meeting and never to a second one."""
        values = {
            "meeting_id": meeting_id,
            "meeting_code": meeting_code,
            "join_url": join_url,
            **_NO_INTENT,
        }
        stmt = (
            update(meetings)
            .where(meetings.c.id == row_id, meetings.c.lease_owner == owner)
            .values(**values)
        )
        return self._run_write_back(stmt, {}, row_id, owner, None)

    def clear_create_intent(
        self, row_id: int, *, owner: str, conn: Connection | None = None
    ) -> WriteOutcome:
        """The create was refused outright: nothing was made, so nothing needs looking for."""
        stmt = (
            update(meetings)
            .where(meetings.c.id == row_id, meetings.c.lease_owner == owner)
            .values(**_NO_INTENT)
        )
        return self._run_write_back(stmt, {}, row_id, owner, None, conn)

    def record_failed(
        self,
        row_id: int,
        *,
        owner: str,
        revision: int | None,
        error_code: str,
        error_message: str,
        nothing_in_flight: bool = False,
        conn: Connection | None = None,
    ) -> WriteOutcome:
        """The row cannot be synced as it is: 'failed' with the error, until it is edited.

        If the calendar edited the row meanwhile, the error was about content that is gone:
        the row stays pending, without it. ``revision`` None (a row whose revision column
        cannot be read): failed whatever revision it holds, since none can be compared.
        ``nothing_in_flight``: no create of this row can have reached the API (it was
        refused outright, or a lookup found none), so the intent marker goes and the next
        attempt costs no lookup.
        """
        code, message = error_code[:ERROR_CODE_LENGTH], error_message[:ERROR_MESSAGE_LENGTH]
        values: dict[str, Any] = (
            {"sync_state": "failed", "error_code": code, "error_message": message}
            if revision is None
            else {
                "sync_state": _if_unchanged(revision, "failed", "pending"),
                "error_code": _if_unchanged(revision, code, None),
                "error_message": _if_unchanged(revision, message, None),
            }
        )
        values["next_attempt_at"] = None
        if nothing_in_flight:
            values.update(_NO_INTENT)
        logger.debug("row_failed id=%s code=%s", row_id, error_code)
        return self._write_back(row_id, owner, values, revision, conn)

    def record_retry(
        self,
        row_id: int,
        *,
        owner: str,
        error_code: str | None,
        error_message: str | None,
        next_attempt_at: datetime,
        refund_attempt: bool = False,
        nothing_in_flight: bool = False,
        conn: Connection | None = None,
    ) -> WriteOutcome:
        """Try again at ``next_attempt_at``; the row stays pending.

        ``refund_attempt`` undoes the claim's attempt count (a quota wait is no attempt).
        ``nothing_in_flight`` as for ``record_failed``.
        """
        values: dict[str, Any] = {
            "next_attempt_at": next_attempt_at,
            "error_code": error_code[:ERROR_CODE_LENGTH] if error_code else None,
            "error_message": error_message[:ERROR_MESSAGE_LENGTH] if error_message else None,
        }
        if nothing_in_flight:
            values.update(_NO_INTENT)
        if refund_attempt:
            values["attempts"] = _refunded_attempts()
        return self._write_back(row_id, owner, values, None, conn)

    def release(self, row_ids: Collection[int], *, owner: str) -> int:
        """Give leased rows back untouched (shutdown); their attempt is refunded."""
        if not row_ids:
            return 0
        stmt = (
            update(meetings)
            .where(meetings.c.id.in_(list(row_ids)), meetings.c.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None, attempts=_refunded_attempts())
        )
        with self.engine.begin() as conn:
            return int(conn.execute(stmt).rowcount)

    def meeting_ids_taken(self, meeting_ids: Iterable[str], *, except_row: int) -> set[str]:
        """Which of these meeting ids another row already holds (they cannot be adopted)."""
        wanted = list(dict.fromkeys(meeting_ids))
        if not wanted:
            return set()
        stmt = select(meetings.c.meeting_id).where(
            meetings.c.meeting_id.in_(wanted), meetings.c.id != except_row
        )
        with self.engine.connect() as conn:
            return {str(v) for v in conn.scalars(stmt)}

    def log_calls(self, entries: Sequence[CallLogEntry]) -> None:
        """Append API calls to `sync_log` in one batch insert."""
        if not entries:
            return
        with self.engine.begin() as conn:
            conn.execute(insert(sync_log), [asdict(e) for e in entries])

    def prune_log(self, before: datetime) -> int:
        """Delete `sync_log` entries older than ``before``; the table would grow forever."""
        with self.engine.begin() as conn:
            return conn.execute(delete(sync_log).where(sync_log.c.at < before)).rowcount

    def status(self, now: datetime) -> StatusSummary:
        with self.engine.connect() as conn:
            return summarise(conn, now)

    def in_transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one short transaction of its own and commit it (a group of
        write-backs: one commit for all of them)."""
        with self.engine.begin() as conn:
            return work(conn)

    def _write_back(
        self,
        row_id: int,
        owner: str,
        values: dict[str, Any],
        revision: int | None,
        conn: Connection | None,
    ) -> WriteOutcome:
        values.update(lease_owner=None, lease_expires_at=None)
        stmt = (
            update(meetings)
            .where(meetings.c.id == row_id, meetings.c.lease_owner == owner)
            .values(**values)
        )
        return self._run_write_back(stmt, {}, row_id, owner, revision, conn)

    def _run_write_back(
        self,
        stmt: Update,
        params: dict[str, Any],
        row_id: int,
        owner: str,
        revision: int | None,
        conn: Connection | None = None,
    ) -> WriteOutcome:
        if conn is None:
            with self.engine.begin() as own:
                current = _write_reading_back(own, stmt, params, row_id, revision)
        else:
            current = _write_reading_back(conn, stmt, params, row_id, revision)
        if current is None:
            logger.warning("lease_lost id=%s owner=%s", row_id, owner)
            return WriteOutcome.LEASE_LOST
        if revision is not None and current != revision:
            logger.info("row_edited_during_sync id=%s synced=%s now=%s", row_id, revision, current)
            return WriteOutcome.SUPERSEDED
        return WriteOutcome.WRITTEN


def _write_reading_back(
    conn: Connection, stmt: Update, params: dict[str, Any], row_id: int, revision: int | None
) -> Any:
    """The write, and the row's revision (or id) after it; None if the guard refused it."""
    # The revision read back tells synced from superseded; a write that compares none
    # reads the id, which decodes whatever else the row holds.
    read_back = meetings.c.id if revision is None else meetings.c.revision
    if conn.dialect.update_returning:
        return conn.execute(stmt.returning(read_back), params).scalar()
    if conn.execute(stmt, params).rowcount == 1:
        # Same transaction, row still locked by the UPDATE: nobody changed it since.
        return conn.scalar(select(read_back).where(meetings.c.id == row_id))
    return None


def _if_unchanged(
    revision: int | ColumnElement[Any], then: Any, otherwise: Any
) -> ColumnElement[Any]:
    """``then`` while the row is still at ``revision``, else ``otherwise``: decided in SQL,
    in the same statement as the write, so an edit committed at any moment is honoured."""
    return case((meetings.c.revision == revision, then), else_=otherwise)


def _keep_unless_given(column: Column[Any]) -> ColumnElement[Any]:
    return func.coalesce(bindparam(f"new_{column.name}", type_=column.type), column)


def _given_or_database_clock(name: str, column: Column[Any]) -> ColumnElement[Any]:
    # A time given as NULL is the database's clock at the moment of the write.
    return func.coalesce(bindparam(name, type_=column.type), utcnow())


# The create-intent marker cleared: no create of the row can be in flight any more.
_NO_INTENT: dict[str, Any] = {"create_intent_at": None, "create_intent_sent": None}

_NO_DRIFT: dict[str, Any] = {"remote_state": None, "remote_differs": None, "remote_seen_at": None}

# A sync's write-back runs once per synced row: built once, with its guards (the lease, and
# the revision that decides synced or still pending) and its values as parameters. An id
# given as NULL keeps the stored one; no synced_at given means the database's clock.
_SYNCED = (
    update(meetings)
    .where(meetings.c.id == bindparam("row_id"), meetings.c.lease_owner == bindparam("owner"))
    .values(
        meeting_id=_keep_unless_given(meetings.c.meeting_id),
        meeting_code=_keep_unless_given(meetings.c.meeting_code),
        join_url=_keep_unless_given(meetings.c.join_url),
        # None keeps what the column holds; '' clears it.
        user_non_registered=func.nullif(_keep_unless_given(meetings.c.user_non_registered), ""),
        sync_state=_if_unchanged(bindparam("synced_rev"), "synced", "pending"),
        synced_revision=bindparam("synced_rev"),
        synced_at=_given_or_database_clock("synced_at_given", meetings.c.synced_at),
        **_NO_INTENT,
        attempts=0,
        next_attempt_at=None,
        error_code=None,
        error_message=bindparam("note", type_=meetings.c.error_message.type),
        lease_owner=None,
        lease_expires_at=None,
        # The provider now holds what the row says: what a drift check found is over.
        **_NO_DRIFT,
    )
)


_INTENT_AT = _given_or_database_clock("intent_at_given", meetings.c.create_intent_at)
# Runs once per create, inside its quota reservation: built once, like _SYNCED.
_MARK_INTENT = (
    update(meetings)
    .where(
        meetings.c.id == bindparam("row_id"),
        meetings.c.lease_owner == bindparam("owner"),
        meetings.c.lease_expires_at > _INTENT_AT,
    )
    .values(
        create_intent_at=_INTENT_AT,
        create_intent_sent=bindparam("sent", type_=meetings.c.create_intent_sent.type),
    )
)


def not_applied_text(lines: Sequence[str]) -> str:
    """``lines`` joined for `user_non_registered`, whole lines only, within its length; ''
    (which the write-back stores as NULL) for none."""
    text = ""
    for index, line in enumerate(lines):
        longer = f"{text}; {line}" if text else line
        more = f"; and {len(lines) - index - 1} more" if index + 1 < len(lines) else ""
        if len(longer) + len(more) > NOT_APPLIED_LENGTH:
            return (
                f"{text}; and {len(lines) - index} more"
                if text
                else f"{len(lines)} userids not applied"
            )
        text = longer
    return text


def _refunded_attempts() -> ColumnElement[int]:
    # An edit may have reset attempts to 0 while the row was leased: never go below 0.
    return case((meetings.c.attempts > 0, meetings.c.attempts - 1), else_=0)


def _in_claim_order(rows: list[ClaimedRow], ids: list[int]) -> list[ClaimedRow]:
    # The database's order, not one computed again here from the values read: those can
    # differ from what the database compared (SQLite ranks text by julianday()), and an
    # unreadable row has none to compare.
    position = {row_id: n for n, row_id in enumerate(ids)}
    return sorted(rows, key=lambda row: position[row.id])
