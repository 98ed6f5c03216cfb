"""What a create in flight sent, kept with its intent marker.

Reconciliation after a lost create must look for the meeting that the create made, not for
the row's current content: the calendar may have renamed, moved or cancelled the row since.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.types import JSONDocument

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Worker-owned, so the calendar-edit trigger (which watches calendar columns) is unchanged.
    op.add_column("meetings", sa.Column("create_intent_sent", JSONDocument(), nullable=True))


def downgrade() -> None:
    op.drop_column("meetings", "create_intent_sent")
