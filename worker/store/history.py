"""What `meeting-sync status` reads besides the summary: the last passes (the `pass`
entries of `sync_log`) and the rows parked until a quota window turns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from models import meetings_table, sync_log_table

c, log = meetings_table.c, sync_log_table.c


@dataclass(frozen=True)
class PassEntry:
    at: datetime
    worker: str | None
    duration_ms: int | None
    summary: str | None
    circuit_code: str | None


@dataclass(frozen=True)
class Parked:
    error_code: str
    rows: int
    until: datetime  # the earliest reset among them


def last_passes(engine: Engine, limit: int = 5) -> list[PassEntry]:
    query = (
        select(log.at, log.worker, log.duration_ms, log.trace_id, log.error_code)
        .where(log.action == "pass")
        .order_by(log.at.desc(), log.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [PassEntry(*r) for r in conn.execute(query)]


def parked_rows(engine: Engine, now: datetime) -> list[Parked]:
    """Pending rows waiting for a later attempt, by the code that put them off."""
    query = (
        select(c.error_code, func.count(), func.min(c.next_attempt_at))
        .where(c.sync_state == "pending", c.error_code.is_not(None), c.next_attempt_at > now)
        .group_by(c.error_code)
    )
    with engine.connect() as conn:
        return [Parked(str(code), int(n), until) for code, n, until in conn.execute(query)]
