"""The meetings table with its calendar-edit trigger, and the sync log.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from models.types import JSONDocument, UTCDateTime, utcnow

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

MYSQL_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}

# Frozen copy of models.meetings.CALENDAR_COLUMNS as of this revision: a change to it needs
# a new migration that recreates the trigger.
CALENDAR_COLUMNS = (
    "external_id",
    "provider",
    "userid",
    "subject",
    "start_time",
    "end_time",
    "time_zone",
    "password",
    "location",
    "hosts",
    "invitees",
    "settings",
    "recurring_rule",
    "status",
    "sync_after",
)
TRIGGER = "meetings_calendar_edit"


def row_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", row_id(), primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(255), nullable=False),
        sa.Column("provider", sa.String(32), server_default="wemeet"),
        sa.Column("userid", sa.String(255)),
        sa.Column("subject", sa.Text()),
        sa.Column("start_time", UTCDateTime()),
        sa.Column("end_time", UTCDateTime()),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("password", sa.String(64)),
        sa.Column("location", sa.Text()),
        sa.Column("hosts", JSONDocument()),
        sa.Column("invitees", JSONDocument()),
        sa.Column("settings", JSONDocument()),
        sa.Column("recurring_rule", JSONDocument()),
        sa.Column("status", sa.String(32), server_default="scheduled"),
        sa.Column("sync_after", UTCDateTime()),
        sa.Column("sync_state", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("1")),
        sa.Column("synced_revision", sa.Integer()),
        sa.Column("meeting_id", sa.String(64)),
        sa.Column("meeting_code", sa.String(32)),
        sa.Column("join_url", sa.Text()),
        sa.Column("error_code", sa.String(40)),
        sa.Column("error_message", sa.Text()),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("next_attempt_at", UTCDateTime()),
        sa.Column("lease_owner", sa.String(255)),
        sa.Column("lease_expires_at", UTCDateTime()),
        sa.Column("create_intent_at", UTCDateTime()),
        sa.Column("synced_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False, server_default=utcnow()),
        sa.Column("updated_at", UTCDateTime(), nullable=False, server_default=utcnow()),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.UniqueConstraint("external_id", name="uq_meetings_external_id"),
        sa.UniqueConstraint("meeting_id", name="uq_meetings_meeting_id"),
        **MYSQL_TABLE_ARGS,
    )
    op.create_index(
        "ix_meetings_due",
        "meetings",
        ["sync_state", "next_attempt_at"],
        postgresql_where=sa.text("sync_state = 'pending'"),
        sqlite_where=sa.text("sync_state = 'pending'"),
    )
    op.create_table(
        "sync_log",
        sa.Column("id", row_id(), primary_key=True, autoincrement=True),
        sa.Column("meeting_row_id", sa.BigInteger()),
        sa.Column("external_id", sa.String(255)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("error_code", sa.String(40)),
        sa.Column("trace_id", sa.String(128)),
        sa.Column("duration_ms", sa.Integer()),
        sa.Column("worker", sa.String(255)),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sync_log"),
        **MYSQL_TABLE_ARGS,
    )
    op.create_index("ix_sync_log_at", "sync_log", ["at"])
    for statement in trigger_ddl(op.get_context().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON meetings")
        op.execute(f"DROP FUNCTION IF EXISTS {TRIGGER}()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    op.drop_index("ix_sync_log_at", table_name="sync_log")
    op.drop_table("sync_log")
    op.drop_index("ix_meetings_due", table_name="meetings")
    op.drop_table("meetings")


# What a calendar edit does to the worker's columns: the row becomes pending at a new
# revision, with a fresh attempt budget and no stale error. The lease and the create-intent
# marker stay: a sync in flight must still be able to write its meeting id back.
RESET = {
    "sync_state": "'pending'",
    "attempts": "0",
    "next_attempt_at": "NULL",
    "error_code": "NULL",
    "error_message": "NULL",
}


def trigger_ddl(dialect: str) -> list[str]:
    """The trigger that makes a calendar edit pending, in the dialect's own language.

    It fires only when a calendar-owned value actually changes (NULL-safe comparison), so
    the worker's own writes and no-op updates leave `revision` alone. The new revision is
    OLD + 1, never derived from NEW: an application that writes back a whole stale row
    still moves the revision forward.
    """
    columns = ", ".join(CALENDAR_COLUMNS)
    if dialect == "postgresql":
        changed = "\n      OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in CALENDAR_COLUMNS)
        sets = "".join(f"\n    NEW.{c} := {v};" for c, v in RESET.items())
        return [
            f"""CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF {changed} THEN
    NEW.revision := OLD.revision + 1;{sets}
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$""",
            f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE OF {columns} ON meetings "
            f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()",
        ]
    if dialect in ("mysql", "mariadb"):
        changed = "\n     OR ".join(f"NOT (NEW.{c} <=> OLD.{c})" for c in CALENDAR_COLUMNS)
        sets = "".join(f"\n    SET NEW.{c} = {v};" for c, v in RESET.items())
        return [
            f"""CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON meetings FOR EACH ROW
BEGIN
  IF {changed} THEN
    SET NEW.revision = OLD.revision + 1;{sets}
    SET NEW.updated_at = UTC_TIMESTAMP(6);
  END IF;
END"""
        ]
    if dialect == "sqlite":
        changed = "\n  OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in CALENDAR_COLUMNS)
        sets = "".join(f", {c} = {v}" for c, v in RESET.items())
        # Only the worker's columns are set inside, so the trigger cannot fire itself.
        return [
            f"""CREATE TRIGGER {TRIGGER} AFTER UPDATE OF {columns} ON meetings
FOR EACH ROW WHEN {changed}
BEGIN
  UPDATE meetings SET revision = OLD.revision + 1{sets},
    updated_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
  WHERE id = NEW.id;
END"""
        ]
    raise NotImplementedError(f"no calendar-edit trigger for the {dialect} dialect")
