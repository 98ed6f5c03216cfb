"""The claim's index follows its order: cancellations first, then the soonest start.

``ix_meetings_due`` (pending rows by next attempt) served a claim that took never-tried rows
first. The claim now takes the most urgent due rows (models.urgency), and reads them in that
order straight off an index: on PostgreSQL and SQLite one partial index of the pending rows
on the urgency expressions; on MariaDB/MySQL, which have neither partial nor expression
indexes, one index for cancellations and one for the rest, each in start order.

Building the index reads the whole table once and holds writes to `meetings` meanwhile
(seconds for a million rows).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

PENDING = "sync_state = 'pending'"
CANCELLATIONS_FIRST = "(CASE WHEN (status = 'cancelled') THEN 0 ELSE 1 END)"
# Frozen copies of models.urgency as of this revision: a change of the order needs a new
# migration (alembic check compares the models with what this one built).
START_RANK = {
    "postgresql": (
        "(CASE WHEN start_time < '10000-01-01 00:00:00+00'::timestamptz "
        "THEN start_time ELSE '-infinity'::timestamptz END)"
    ),
    "sqlite": "(julianday(start_time))",
}


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    op.drop_index("ix_meetings_due", table_name="meetings")
    if dialect in START_RANK:
        op.execute(
            f"CREATE INDEX ix_meetings_claim ON meetings "
            f"({CANCELLATIONS_FIRST}, {START_RANK[dialect]}, id) WHERE {PENDING}"
        )
        return
    op.create_index("ix_meetings_claim_by_start", "meetings", ["sync_state", "start_time", "id"])
    op.create_index(
        "ix_meetings_claim_cancelled", "meetings", ["sync_state", "status", "start_time", "id"]
    )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect in START_RANK:
        op.drop_index("ix_meetings_claim", table_name="meetings")
    else:
        op.drop_index("ix_meetings_claim_cancelled", table_name="meetings")
        op.drop_index("ix_meetings_claim_by_start", table_name="meetings")
    op.create_index(
        "ix_meetings_due",
        "meetings",
        ["sync_state", "next_attempt_at"],
        postgresql_where=sa.text(PENDING),
        sqlite_where=sa.text(PENDING),
    )
