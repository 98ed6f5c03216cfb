"""The drift check's SQL: which synced rows to compare, what a check found, and a restore.

Each method is one short transaction; none is open while the check calls the provider.
Only worker-owned columns are written, so the calendar's trigger never fires, and every
write is guarded by the revision the check compared: a row the calendar edits meanwhile is
left to the sync, which sends the edit anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, insert, or_, select, update

from models import meetings_table as meetings
from models import sync_log_table as sync_log
from worker.domain.rows import MeetingRow
from worker.store.read import read_claimed

logger = logging.getLogger(__name__)
c = meetings.c

# A meeting cancelled or deleted remotely cannot come back: report mode checks it no more.
SETTLED_STATES = ("cancelled", "missing")
DIFFERS_LENGTH = 2000


@dataclass(frozen=True)
class DriftCandidate:
    row: MeetingRow
    checked_at: datetime | None


@dataclass(frozen=True)
class Finding:
    """What one check found of one row: ``state`` None when the meeting agrees."""

    row_id: int
    revision: int
    state: str | None
    differs: str | None


def _checkable(now: datetime, providers: Collection[str], default_provider: str) -> Any:
    provider = func.coalesce(c.provider, default_provider)
    return and_(
        c.sync_state == "synced",
        or_(c.status.is_(None), c.status == "scheduled"),
        c.meeting_id.is_not(None),
        c.synced_revision == c.revision,
        c.end_time > now,
        provider.in_(list(providers)),
        or_(c.remote_state.is_(None), c.remote_state.not_in(SETTLED_STATES)),
    )


# A check's findings, one statement for all rows: drift_checked_at always; remote_seen_at
# kept while the same state is seen again, so it says since when.
_RECORD = (
    update(meetings)
    .where(
        c.id == bindparam("row_id"),
        c.revision == bindparam("rev"),
        c.sync_state == "synced",
    )
    .values(
        drift_checked_at=bindparam("now"),
        remote_state=bindparam("state"),
        remote_differs=bindparam("differs"),
        remote_seen_at=case(
            (bindparam("state").is_(None), None),
            (
                c.remote_state == bindparam("state"),
                func.coalesce(c.remote_seen_at, bindparam("now")),
            ),
            else_=bindparam("now"),
        ),
    )
)


class DriftStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def candidates(
        self, now: datetime, providers: Collection[str], *, default_provider: str
    ) -> list[DriftCandidate]:
        """Synced, scheduled rows at their synced revision whose meeting has not ended, of
        the providers that can be checked. A row the driver cannot read is left out."""
        if not providers:
            return []
        where = _checkable(now, providers, default_provider)
        with self.engine.connect() as conn:
            found = conn.execute(select(c.id, c.drift_checked_at).where(where)).all()
            checked = {row_id: at for row_id, at in found}
            rows = read_claimed(conn, list(checked))
        return [
            DriftCandidate(r, checked[r.id])
            for r in rows
            if isinstance(r, MeetingRow) and isinstance(r.start_time, datetime)
        ]

    def record(self, findings: Sequence[Finding], now: datetime) -> None:
        if not findings:
            return
        params = [
            {
                "row_id": f.row_id,
                "rev": f.revision,
                "now": now,
                "state": f.state,
                "differs": f.differs[:DIFFERS_LENGTH] if f.differs else None,
            }
            for f in findings
        ]
        with self.engine.begin() as conn:
            conn.execute(_RECORD, params)

    def restore(self, row: MeetingRow, state: str, *, now: datetime, worker: str) -> bool:
        """Hand the row back to the sync to re-apply the calendar's version: an update for
        a changed meeting; for one cancelled or deleted remotely, a create (the row's old
        ids go; the sync's create, under its intent marker, writes the new ones). Written to
        `sync_log`. False when the row moved on since it was compared (edited, leased)."""
        recreate = state in SETTLED_STATES
        values: dict[str, Any] = {
            "sync_state": "pending",
            "synced_revision": None,
            "attempts": 0,
            "next_attempt_at": None,
        }
        if recreate:
            values.update(meeting_id=None, meeting_code=None, join_url=None)
        stmt = (
            update(meetings)
            .where(
                c.id == row.id,
                c.revision == row.revision,
                c.sync_state == "synced",
                c.meeting_id == row.meeting_id,
                or_(c.lease_owner.is_(None), c.lease_expires_at <= now),
            )
            .values(**values)
        )
        entry = {
            "meeting_row_id": row.id,
            "external_id": row.external_id,
            "action": "restore_create" if recreate else "restore_update",
            "worker": worker,
            "at": now,
        }
        with self.engine.begin() as conn:
            if conn.execute(stmt).rowcount != 1:
                return False
            conn.execute(insert(sync_log), [entry])
        logger.info(
            "drift_restore id=%s external_id=%s state=%s meeting_id=%s",
            row.id, row.external_id, state, row.meeting_id,
        )  # fmt: skip
        return True
