"""What a claimed row needs: a pure function of the row, its provider, the time and limits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from worker.domain.rows import (
    ColumnKind,
    MalformedTime,
    MeetingRow,
    UnreadableColumn,
    UnreadableRow,
)
from worker.exceptions import InvalidMeeting
from worker.sync.lost_create import SentCreate
from worker.sync.provider import MeetingRequest, Provider

# What a NULL means in this calendar column: an ORM that writes every attribute, unset ones
# as explicit NULLs, bypasses the database default. (A NULL provider means the worker's
# default provider, which the composition root names.)
DEFAULT_STATUS = "scheduled"
# A create whose start lies further in the past than this is a calendar mistake, not a
# meeting anyone can still join; a little slack allows for a row written just before it starts.
PAST_START_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Create:
    request: MeetingRequest


@dataclass(frozen=True)
class Reconcile:
    """A previous create may have reached the provider: look for that meeting first.

    The lookup matches ``sent``, what that create carried. What follows depends on the row
    now: a cancelled row cancels the meeting found; a scheduled row that validates has its
    ``request`` (created if nothing is found, sent as an update to the meeting found when the
    row was ``edited`` since); one that no longer validates has its ``rejection``.
    """

    sent: SentCreate
    request: MeetingRequest | None = None
    rejection: Reject | None = None
    edited: bool = False


@dataclass(frozen=True)
class Update:
    meeting_id: str
    request: MeetingRequest


@dataclass(frozen=True)
class Cancel:
    meeting_id: str
    owner: str


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


def plan(
    row: MeetingRow,
    provider: Provider[Any] | None,
    *,
    known: Collection[str],
    now: datetime,
    max_attempts: int,
    unserved: str | None = None,
) -> Action:
    """``provider`` is the row's (None when the worker has none of that name); ``known``
    names those it has; ``unserved`` says what to configure when the worker knows the
    row's provider but was not given its settings."""
    if row.attempts > max_attempts:
        last = f" Last error: {row.error_code}: {row.error_message}." if row.error_code else ""
        return Reject(
            "local.too_many_attempts",
            f"Gave up after {max_attempts} attempts.{last} Edit the row to try again.",
        )
    if provider is None:
        serves = f"use one of {sorted(known)}" if known else "it serves none"
        if unserved is not None:
            return Reject("local.unknown_provider", f"{unserved}; until then {serves}.")
        return Reject(
            "local.unknown_provider",
            f"provider {row.provider!r} is not supported here; {serves}.",
        )
    status = row.status if row.status is not None else DEFAULT_STATUS
    if status not in ("scheduled", "cancelled"):
        return Reject(
            "local.bad_status",
            f"status {status!r} is not understood; use 'scheduled' or 'cancelled'.",
        )
    try:
        check_sync_after(row)
        meeting_id = None if row.meeting_id is None else provider.check_meeting_id(row.meeting_id)
    except InvalidMeeting as exc:
        return Reject(exc.code, exc.message)
    if meeting_id is None and row.create_intent_at is not None:
        return _plan_reconcile(row, provider, cancelled=status == "cancelled")
    if status == "cancelled":
        if meeting_id is None:
            return Settle("cancelled before it was created")
        if not row.userid:
            return Reject("local.userid_missing", "userid is empty; the creator must cancel.")
        return Cancel(meeting_id, row.userid)
    try:
        request = provider.request_from_row(row)
    except InvalidMeeting as exc:
        return Reject(exc.code, exc.message)
    if meeting_id is None:
        if request.start < now - PAST_START_GRACE:
            return Reject(
                "local.start_in_past",
                f"start_time {request.start.isoformat()} is in the past; a meeting cannot be "
                "scheduled before now. Move it to the future.",
            )
        return Create(request)
    if row.synced_revision == row.revision:
        return Settle("the meeting already has this revision")
    return Update(meeting_id, request)


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


def check_sync_after(row: MeetingRow) -> None:
    """Refuse a ``sync_after`` that is not a time (only SQLite can hold one).

    The claim counts unreadable text as passed precisely so that the row gets here and fails
    with this message, instead of being created at once or waiting forever.
    """
    if isinstance(row.sync_after, MalformedTime):
        raw = row.sync_after.raw
        shown = raw if len(raw) <= 60 else raw[:59] + "…"
        raise InvalidMeeting(
            "local.bad_sync_after",
            f"sync_after holds {shown!r}, which is not a time; write an ISO time in UTC such "
            "as '2026-12-01 02:00:00', or leave it empty.",
            field="sync_after",
        )


def sent_create(provider: Provider[Any], request: MeetingRequest, revision: int) -> SentCreate:
    """What a create of ``request`` sends, as the intent marker keeps it."""
    return SentCreate(revision, request.owner, provider.sent_content(request))


def _plan_reconcile(row: MeetingRow, provider: Provider[Any], *, cancelled: bool) -> Action:
    """A create may have happened: find it first, by what it sent, then act on the row now."""
    request: MeetingRequest | None = None
    rejection: Reject | None = None
    try:
        request = provider.request_from_row(row)
    except InvalidMeeting as exc:
        rejection = Reject(exc.code, exc.message)
    sent = SentCreate.from_json(row.create_intent_sent)
    if sent is None:
        # An intent marked before the sent content was kept with it: the row as it is now is
        # the best guess of what went out, and a row that does not validate was never sent.
        if request is None:
            assert rejection is not None
            return Settle("cancelled before any valid create was sent") if cancelled else rejection
        sent = sent_create(provider, request, row.revision)
    if cancelled:
        request, rejection = None, None
    return Reconcile(
        sent, request=request, rejection=rejection, edited=sent.revision != row.revision
    )
