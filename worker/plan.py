"""What a claimed row needs: a pure function of the row, the time and the limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from worker.exceptions import InvalidMeeting
from worker.rows import ColumnKind, MeetingRow, UnreadableColumn, UnreadableRow
from worker.rowspec import spec_from_row
from worker.wemeet.meeting import MeetingSpec

PROVIDERS = ("wemeet",)
# A create whose start lies further in the past than this is a calendar mistake, not a
# meeting anyone can still join; a little slack allows for a row written just before it starts.
PAST_START_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Create:
    spec: MeetingSpec


@dataclass(frozen=True)
class Reconcile:
    """A previous create may have reached the API: look for that meeting before creating."""

    spec: MeetingSpec


@dataclass(frozen=True)
class Update:
    meeting_id: str
    spec: MeetingSpec


@dataclass(frozen=True)
class Cancel:
    meeting_id: str
    userid: str


@dataclass(frozen=True)
class Settle:
    """Nothing to send: the remote side already agrees with the row."""

    reason: str


@dataclass(frozen=True)
class Reject:
    """The row cannot be synced as it is; it fails until the calendar edits it."""

    code: str
    message: str


Action = Create | Reconcile | Update | Cancel | Settle | Reject


def plan(row: MeetingRow, *, now: datetime, max_attempts: int) -> Action:
    if row.attempts > max_attempts:
        last = f" Last error: {row.error_code}: {row.error_message}." if row.error_code else ""
        return Reject(
            "local.too_many_attempts",
            f"Gave up after {max_attempts} attempts.{last} Edit the row to try again.",
        )
    if row.provider not in PROVIDERS:
        return Reject(
            "local.unknown_provider",
            f"provider {row.provider!r} is not supported here; use one of {list(PROVIDERS)}.",
        )
    if row.status == "cancelled":
        return _plan_cancel(row, now)
    if row.status != "scheduled":
        return Reject(
            "local.bad_status",
            f"status {row.status!r} is not understood; use 'scheduled' or 'cancelled'.",
        )
    try:
        spec = spec_from_row(row)
    except InvalidMeeting as exc:
        return Reject(exc.code, exc.message)
    if row.meeting_id is None:
        if row.create_intent_at is not None:
            return Reconcile(spec)
        if spec.start < now - PAST_START_GRACE:
            return Reject(
                "local.start_in_past",
                f"start_time {spec.start.isoformat()} is in the past; a meeting cannot be "
                "scheduled before now. Move it to the future.",
            )
        return Create(spec)
    if row.synced_revision == row.revision:
        return Settle("the meeting already has this revision")
    return Update(row.meeting_id, spec)


def reject_unreadable(row: UnreadableRow) -> Reject:
    """A row the database driver cannot read in full: nothing about it can be trusted, not
    even what it asks for (a cancellation included), so it fails until the calendar fixes
    the columns named. The message holds no value of the row."""
    return Reject(
        "local.unreadable_value", " ".join(_unreadable(u, row.backend) for u in row.columns)
    )


# What a driver cannot read, by the kind of column and the backend; text fails the same way
# everywhere (bytes that are not UTF-8: SQLite and MariaDB store them unchecked).
_NOT_UTF8 = "bytes that are not valid UTF-8 text"
_TIME_REASONS = {
    "postgresql": "a time before year 1 or after year 9999, or an infinity",
    "mysql": "not a valid date and time, such as a zero date",
    "mariadb": "not a valid date and time, such as a zero date",
    "sqlite": f"{_NOT_UTF8}, or text that is not a time",
}
_ADVICE: dict[ColumnKind, str] = {
    "time": "write a time between years 1 and 9999 in UTC",
    "number": "write a whole number",
    "text": "write it again as UTF-8 text",
}


def _unreadable(column: UnreadableColumn, backend: str) -> str:
    reason = _TIME_REASONS.get(backend, "") if column.kind == "time" else _NOT_UTF8
    return (
        f"{column.name} holds a value the database driver cannot read"
        f"{f' ({reason})' if reason else ''}; {_ADVICE[column.kind]}."
    )


def _plan_cancel(row: MeetingRow, now: datetime) -> Action:
    if row.meeting_id is not None:
        if not row.userid:
            return Reject("local.userid_missing", "userid is empty; the creator must cancel.")
        return Cancel(row.meeting_id, row.userid)
    if row.create_intent_at is not None:
        # A create may have happened: find it first, so that it can be cancelled.
        try:
            return Reconcile(spec_from_row(row))
        except InvalidMeeting:
            # A row that never validated was never sent, so nothing can exist remotely.
            return Settle("cancelled before any valid create was sent")
    return Settle("cancelled before it was created")
