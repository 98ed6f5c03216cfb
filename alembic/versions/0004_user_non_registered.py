"""What the API did not apply of a synced meeting: its hosts and invitees that are no
registered users of the account (the create or update answer's ``user_non_registered``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Worker-owned, so the calendar-edit trigger (which watches calendar columns) is unchanged.
    op.add_column("meetings", sa.Column("user_non_registered", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("meetings", "user_non_registered")
