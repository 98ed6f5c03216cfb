"""Drift: what a check of the synced meetings against the provider found.

Worker-owned columns, so the calendar-edit trigger (which watches calendar columns) is
unchanged: ``remote_state`` (``cancelled``, ``changed`` or ``missing``; NULL while the
meeting agrees with the row), ``remote_differs`` (what differs, in words), ``remote_seen_at``
(when the check saw it) and ``drift_checked_at`` (when the row was last compared).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

COLUMNS = ("remote_state", "remote_differs", "remote_seen_at", "drift_checked_at")


def upgrade() -> None:
    op.add_column("meetings", sa.Column("remote_state", sa.String(16), nullable=True))
    op.add_column("meetings", sa.Column("remote_differs", sa.Text(), nullable=True))
    op.add_column("meetings", sa.Column("remote_seen_at", UTCDateTime(), nullable=True))
    op.add_column("meetings", sa.Column("drift_checked_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("meetings", name)
