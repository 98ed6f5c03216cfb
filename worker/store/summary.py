"""The numbers behind `meeting-sync status`, read in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from models import meetings_table
from worker.domain.rows import StatusSummary
from worker.store.claim import is_due

meetings = meetings_table
c = meetings.c


def summarise(conn: Connection, now: datetime) -> StatusSummary:
    count = func.count()
    by_state = {
        str(state): int(n)
        for state, n in conn.execute(select(c.sync_state, count).group_by(c.sync_state))
    }
    failed_by_code = {
        str(code or "unknown"): int(n)
        for code, n in conn.execute(
            select(c.error_code, count).where(c.sync_state == "failed").group_by(c.error_code)
        )
    }
    due_now = conn.scalar(select(count).where(is_due(now, conn.dialect.name))) or 0
    leased = (
        conn.scalar(select(count).where(and_(c.lease_owner.is_not(None), c.lease_expires_at > now)))
        or 0
    )
    oldest_at = conn.scalar(select(func.min(c.updated_at)).where(c.sync_state == "pending"))
    not_applied = conn.scalar(select(count).where(c.user_non_registered.is_not(None))) or 0
    drifted = {
        str(state): int(n)
        for state, n in conn.execute(
            select(c.remote_state, count)
            .where(c.remote_state.is_not(None))
            .group_by(c.remote_state)
        )
    }
    return StatusSummary(
        at=now,
        total=sum(by_state.values()),
        by_state=by_state,
        due_now=int(due_now),
        leased=int(leased),
        oldest_pending_since=oldest_at,
        oldest_pending_age_seconds=(
            max(0.0, (now - oldest_at).total_seconds()) if oldest_at else None
        ),
        failed_by_code=failed_by_code,
        rows_with_users_not_applied=int(not_applied),
        drifted_by_state=drifted,
    )
