"""What the store hands out and takes in: frozen values, never ORM objects."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from models.types import JSONValue, MalformedJSON, MalformedTime

__all__ = [
    "CallLogEntry",
    "ClaimedRow",
    "JSONValue",
    "MalformedJSON",
    "MalformedTime",
    "MeetingRow",
    "StatusSummary",
    "UnreadableColumn",
    "UnreadableRow",
    "WriteOutcome",
]


@dataclass(frozen=True)
class MeetingRow:
    """One row of `meetings` as the worker read it (every column, as plain values).

    JSON columns hold parsed values, or ``MalformedJSON`` when the stored text does not
    parse; calendar-owned times are aware UTC datetimes, or ``MalformedTime`` when SQLite
    holds text that is not a time. Either marker lets that row fail alone.
    """

    id: int
    external_id: str
    provider: str | None
    userid: str | None
    subject: str | None
    start_time: datetime | MalformedTime | None
    end_time: datetime | MalformedTime | None
    time_zone: str | None
    password: str | None = field(repr=False)
    location: str | None
    hosts: JSONValue | MalformedJSON
    invitees: JSONValue | MalformedJSON
    settings: JSONValue | MalformedJSON
    recurring_rule: JSONValue | MalformedJSON
    status: str | None
    sync_after: datetime | MalformedTime | None
    sync_state: str
    revision: int
    synced_revision: int | None
    meeting_id: str | None
    meeting_code: str | None
    join_url: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    next_attempt_at: datetime | None
    lease_owner: str | None
    lease_expires_at: datetime | None
    create_intent_at: datetime | None
    create_intent_sent: JSONValue | MalformedJSON
    synced_at: datetime | None
    user_non_registered: str | None
    created_at: datetime
    updated_at: datetime
    # What the last drift check found (migration 0007); None while the meeting agrees.
    remote_state: str | None = None
    remote_differs: str | None = None
    remote_seen_at: datetime | None = None
    drift_checked_at: datetime | None = None

    @classmethod
    def from_mapping(cls, mapping: Mapping[Any, Any]) -> MeetingRow:
        """From a result row's mapping (``row._mapping``) or any dict keyed by column name."""
        return cls(**{name: mapping[name] for name in _FIELDS})


_FIELDS = tuple(f.name for f in dataclasses.fields(MeetingRow))

ColumnKind = Literal["time", "number", "text"]


@dataclass(frozen=True)
class UnreadableColumn:
    """A column whose stored value the database driver cannot turn into a Python value."""

    name: str
    kind: ColumnKind
    """What the column holds by the table's contract; it decides what to write instead."""


@dataclass(frozen=True)
class UnreadableRow:
    """A claimed row holding a value the database driver cannot decode: it can only fail.

    It carries no value of the row (one of them may be a password), only what the failure's
    write-back needs and the names of the columns that cannot be read. ``revision`` is None
    when that column is one of them.
    """

    id: int
    revision: int | None
    columns: tuple[UnreadableColumn, ...]
    backend: str
    """The database's dialect name: what a driver cannot read differs between them."""


ClaimedRow = MeetingRow | UnreadableRow


class WriteOutcome(enum.Enum):
    """What a lease-guarded write-back did."""

    WRITTEN = "written"
    """The row now holds the state that was asked for."""
    SUPERSEDED = "superseded"
    """Written, but the calendar edited the row meanwhile: it stays pending for the edit."""
    LEASE_LOST = "lease_lost"
    """Nothing written: the lease belongs to another worker now (or the row is gone)."""


@dataclass(frozen=True)
class CallLogEntry:
    """One API call, for the `sync_log` table."""

    action: str  # create / update / cancel / get / list
    at: datetime
    worker: str
    meeting_row_id: int | None = None
    external_id: str | None = None
    http_status: int | None = None
    error_code: str | None = None
    trace_id: str | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class StatusSummary:
    """The table from the worker's side, for `meeting-sync status`."""

    at: datetime
    total: int
    by_state: dict[str, int]
    due_now: int
    """Pending rows that a pass would claim at ``at``."""
    leased: int
    """Rows a worker holds right now (lease not yet expired)."""
    oldest_pending_since: datetime | None
    """When the calendar last changed the longest-waiting pending row."""
    oldest_pending_age_seconds: float | None
    failed_by_code: dict[str, int]
    rows_with_users_not_applied: int = 0
    """Rows whose meeting, as last synced, lacks hosts or invitees the API did not apply
    (`user_non_registered`)."""
    drifted_by_state: dict[str, int] = field(default_factory=dict)
    """Rows whose meeting a drift check found changed, cancelled or missing outside the
    calendar (`remote_state`), by state."""
