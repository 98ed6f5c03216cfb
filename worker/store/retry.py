"""`meeting-sync retry`: failed rows back to pending, in one transaction with its audit
entry in `sync_log` (action ``retry``; the selector in ``error_code`` / ``external_id``,
the number of rows changed in ``trace_id`` as ``rows=N``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Engine, insert, update

from models import meetings_table, sync_log_table
from worker.exceptions import ConfigError
from worker.store.engines import write_transaction

c = meetings_table.c
RETRY_ACTION = "retry"


@dataclass(frozen=True)
class RetrySelector:
    code: str | None = None
    external_id: str | None = None
    all_failed: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        if not (self.code or self.external_id or self.all_failed):
            raise ConfigError(
                "retry needs a selector: --code CODE, --external-id ID or --all-failed"
            )
        found = [c.sync_state == "failed"]
        if self.code:
            found.append(c.error_code == self.code)
        if self.external_id:
            found.append(c.external_id == self.external_id)
        return found


def retry_failed(engine: Engine, selector: RetrySelector, *, worker: str, at: datetime) -> int:
    """Put the selected failed rows back to pending, as if new: no error, no attempts
    counted, due now. Returns how many rows changed."""
    conditions = selector.conditions()
    with write_transaction(engine) as conn:
        changed = conn.execute(
            update(meetings_table)
            .where(*conditions)
            .values(
                sync_state="pending",
                error_code=None,
                error_message=None,
                attempts=0,
                next_attempt_at=None,
            )
        ).rowcount
        conn.execute(
            insert(sync_log_table).values(
                action=RETRY_ACTION,
                at=at,
                worker=worker,
                external_id=selector.external_id,
                error_code=selector.code,
                trace_id=f"rows={changed}",
            )
        )
    return int(changed)
