"""PostgreSQL: `NOTIFY meeting_sync` when a row becomes due, so that a listening worker
starts a pass at once instead of at its next poll.

Two triggers beside the calendar-edit trigger of 0001, which they leave as it is:

- after every INSERT statement, one notification (a new row is pending; a bulk insert of
  thousands of rows still sends one);
- after an UPDATE of a row that is left pending and not leased where it was not before —
  a calendar edit of an idle row, a row set back to pending by hand, a lease given back
  with the row still pending (a sync superseded by an edit, a shutdown) — one notification,
  if the row is due now (no `next_attempt_at` or `sync_after` ahead).

PostgreSQL folds identical notifications of one transaction into one, and the payload is
empty: a notification says "look", never which row, so a lost one loses nothing. The
worker's own write-backs of synced, failed or retried rows send none.

No-op on SQLite and MariaDB/MySQL, which have no such mechanism (the worker polls there).

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

CHANNEL = "meeting_sync"
INSERTED = "meetings_notify_inserted"
DUE = "meetings_notify_due"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute(
        f"""CREATE FUNCTION {INSERTED}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('{CHANNEL}', '');
  RETURN NULL;
END
$$"""
    )
    op.execute(
        f"CREATE TRIGGER {INSERTED} AFTER INSERT ON meetings "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {INSERTED}()"
    )
    op.execute(
        f"""CREATE FUNCTION {DUE}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (NEW.next_attempt_at IS NULL OR NEW.next_attempt_at <= now())
     AND (NEW.sync_after IS NULL OR NEW.sync_after <= now()) THEN
    PERFORM pg_notify('{CHANNEL}', '');
  END IF;
  RETURN NULL;
END
$$"""
    )
    # The WHEN clause is evaluated without calling the function: the worker's write-backs,
    # which leave a row synced or failed, cost no function call.
    op.execute(
        f"""CREATE TRIGGER {DUE} AFTER UPDATE ON meetings FOR EACH ROW
WHEN (NEW.sync_state = 'pending' AND NEW.lease_owner IS NULL
      AND (OLD.revision IS DISTINCT FROM NEW.revision
           OR OLD.sync_state IS DISTINCT FROM NEW.sync_state
           OR OLD.lease_owner IS NOT NULL))
EXECUTE FUNCTION {DUE}()"""
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for name in (DUE, INSERTED):
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON meetings")
        op.execute(f"DROP FUNCTION IF EXISTS {name}()")
