"""The shared quota ledger: call events, calendar-window counters, pauses and scope locks.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.types import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

MYSQL_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


def upgrade() -> None:
    op.create_table(
        "quota_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("scope", sa.String(191), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_quota_events"),
        **MYSQL_TABLE_ARGS,
    )
    op.create_index("ix_quota_events_scope_at", "quota_events", ["scope", "at"])
    op.create_table(
        "quota_counters",
        sa.Column("scope", sa.String(191), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "period", "window_start", name="pk_quota_counters"),
        **MYSQL_TABLE_ARGS,
    )
    op.create_table(
        "quota_pauses",
        sa.Column("scope", sa.String(191), nullable=False),
        sa.Column("until", UTCDateTime(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_quota_pauses"),
        **MYSQL_TABLE_ARGS,
    )
    op.create_table(
        "quota_locks",
        sa.Column("scope", sa.String(191), nullable=False),
        sa.PrimaryKeyConstraint("scope", name="pk_quota_locks"),
        **MYSQL_TABLE_ARGS,
    )


def downgrade() -> None:
    op.drop_table("quota_locks")
    op.drop_table("quota_pauses")
    op.drop_table("quota_counters")
    op.drop_index("ix_quota_events_scope_at", table_name="quota_events")
    op.drop_table("quota_events")
