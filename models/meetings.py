"""The `meetings` table: calendar-owned columns first, then the worker's own."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Index, Integer, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import MYSQL_TABLE_ARGS, Base, only_on
from models.types import JSONDocument, MalformedTime, UTCDateTime, utcnow
from models.urgency import urgency

# The calendar application writes these; changing any of them makes the row pending again
# (a trigger created by migration 0001 on every backend). Adding a column here needs a
# migration that recreates the trigger: tests/integration/test_schema_trigger.py edits each
# of these columns and fails for any the trigger does not watch.
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

SYNC_STATES = ("pending", "synced", "failed")
REMOTE_STATES = ("cancelled", "changed", "missing")

# Autoincrement needs INTEGER PRIMARY KEY on SQLite; elsewhere ids are 64-bit.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class Meeting(Base):
    __tablename__ = "meetings"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)

    # Calendar-owned. Nullable on purpose: a bad row is stored, then fails alone with a
    # message the worker writes back, instead of being refused at INSERT.
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    provider: Mapped[str | None] = mapped_column(String(32), server_default="wemeet")
    userid: Mapped[str | None] = mapped_column(String(255))
    subject: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime | MalformedTime | None] = mapped_column(UTCDateTime(lenient=True))
    end_time: Mapped[datetime | MalformedTime | None] = mapped_column(UTCDateTime(lenient=True))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    password: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Text)
    hosts: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    invitees: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    settings: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    recurring_rule: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    status: Mapped[str | None] = mapped_column(String(32), server_default="scheduled")
    sync_after: Mapped[datetime | MalformedTime | None] = mapped_column(UTCDateTime(lenient=True))

    # Worker-owned. Database-side defaults let a plain INSERT of calendar columns work.
    sync_state: Mapped[str] = mapped_column(String(16), server_default="pending")
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    synced_revision: Mapped[int | None] = mapped_column(Integer)
    meeting_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    meeting_code: Mapped[str | None] = mapped_column(String(32))
    join_url: Mapped[str | None] = mapped_column(Text)
    # The API's numeric code as text ('9093') or a local code ('local.subject_too_long').
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set before a create is sent; while set and meeting_id is empty, a meeting may exist
    # remotely that the next attempt must look for before creating another.
    create_intent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What that create sent (creator, subject, times, the row's revision then): the lookup
    # matches this, since the calendar may have edited the row after the answer was lost.
    create_intent_sent: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the API did not apply of the meeting as last synced, one line per userid joined
    # by "; " ("host bob@corp is not a registered user: not applied"); NULL when it applied
    # everything.
    user_non_registered: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=utcnow())
    # When the calendar last changed the row (set by the trigger, not by worker writes).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, server_default=utcnow())
    # Drift (migration 0007, added last): what the last check against the provider found of a synced
    # meeting changed or cancelled outside the calendar (REMOTE_STATES; NULL while it
    # agrees), what differs in words, when that was seen, and when the row was last checked.
    remote_state: Mapped[str | None] = mapped_column(String(16))
    remote_differs: Mapped[str | None] = mapped_column(Text)
    remote_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    drift_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The table for Core statements (the store's SQL), typed as the Table it is.
meetings_table = cast(Table, Meeting.__table__)
_c = meetings_table.c

# The claim reads due rows most urgent first (models.urgency) straight off an index, and
# stops after a batch: its cost does not grow with the number of synced rows, and it sorts
# nothing but the batch. PostgreSQL and SQLite: one partial index of the pending rows, in
# that order.
only_on(
    Index(
        "ix_meetings_claim",
        *urgency(_c.status, _c.start_time, _c.id),
        postgresql_where=text("sync_state = 'pending'"),
        sqlite_where=text("sync_state = 'pending'"),
    ),
    "postgresql",
    "sqlite",
)
# MariaDB has neither partial nor expression indexes, and sorting the due rows there would
# lock every one of them (FOR UPDATE locks what it reads before the sort), so a second
# worker would find none: the claim reads cancellations, then the rest, each in start order
# from its own index (worker.store.claim).
only_on(
    Index("ix_meetings_claim_by_start", _c.sync_state, _c.start_time, _c.id), "mysql", "mariadb"
)
only_on(
    Index("ix_meetings_claim_cancelled", _c.sync_state, _c.status, _c.start_time, _c.id),
    "mysql",
    "mariadb",
)
