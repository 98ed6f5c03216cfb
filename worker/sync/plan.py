"""What a claimed row needs: a pure function of the row, the time and the limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from worker.domain.rows import MeetingRow
from worker.exceptions import InvalidMeeting
from worker.sync.lost_create import SentCreate
from worker.wemeet.from_row import check_sync_after, meeting_id_of, spec_from_row
from worker.wemeet.meeting import MeetingSpec

PROVIDERS = ("wemeet",)
# What a NULL means in these calendar columns: an ORM that writes every attribute, unset
# ones as explicit NULLs, bypasses the database defaults.
DEFAULT_PROVIDER = "wemeet"
DEFAULT_STATUS = "scheduled"
# A create whose start lies further in the past than this is a calendar mistake, not a
# meeting anyone can still join; a little slack allows for a row written just before it starts.
PAST_START_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Create:
    spec: MeetingSpec


@dataclass(frozen=True)
class Reconcile:
    """A previous create may have reached the API: look for that meeting before anything else.

    The lookup matches ``sent``, what that create carried. What follows depends on the row
    now: a cancelled row cancels the meeting found; a scheduled row that validates has its
    ``spec`` (created if nothing is found, sent as an update to the meeting found when the
    row was ``edited`` since); one that no longer validates has its ``rejection``.
    """

    sent: SentCreate
    spec: MeetingSpec | None = None
    rejection: Reject | None = None
    edited: bool = False


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
    provider = row.provider if row.provider is not None else DEFAULT_PROVIDER
    if provider not in PROVIDERS:
        return Reject(
            "local.unknown_provider",
            f"provider {provider!r} is not supported here; use one of {list(PROVIDERS)}.",
        )
    status = row.status if row.status is not None else DEFAULT_STATUS
    if status not in ("scheduled", "cancelled"):
        return Reject(
            "local.bad_status",
            f"status {status!r} is not understood; use 'scheduled' or 'cancelled'.",
        )
    try:
        check_sync_after(row)
        meeting_id = meeting_id_of(row)
    except InvalidMeeting as exc:
        return Reject(exc.code, exc.message)
    if meeting_id is None and row.create_intent_at is not None:
        return _plan_reconcile(row, cancelled=status == "cancelled")
    if status == "cancelled":
        if meeting_id is None:
            return Settle("cancelled before it was created")
        if not row.userid:
            return Reject("local.userid_missing", "userid is empty; the creator must cancel.")
        return Cancel(meeting_id, row.userid)
    try:
        spec = spec_from_row(row)
    except InvalidMeeting as exc:
        return Reject(exc.code, exc.message)
    if meeting_id is None:
        if spec.start < now - PAST_START_GRACE:
            return Reject(
                "local.start_in_past",
                f"start_time {spec.start.isoformat()} is in the past; a meeting cannot be "
                "scheduled before now. Move it to the future.",
            )
        return Create(spec)
    if row.synced_revision == row.revision:
        return Settle("the meeting already has this revision")
    return Update(meeting_id, spec)


def _plan_reconcile(row: MeetingRow, *, cancelled: bool) -> Action:
    """A create may have happened: find it first, by what it sent, then act on the row now."""
    spec: MeetingSpec | None = None
    rejection: Reject | None = None
    try:
        spec = spec_from_row(row)
    except InvalidMeeting as exc:
        rejection = Reject(exc.code, exc.message)
    sent = SentCreate.from_json(row.create_intent_sent)
    if sent is None:
        # An intent marked before the sent content was kept with it: the row as it is now is
        # the best guess of what went out, and a row that does not validate was never sent.
        if spec is None:
            assert rejection is not None
            return Settle("cancelled before any valid create was sent") if cancelled else rejection
        sent = SentCreate.of(spec, row.revision)
    if cancelled:
        spec, rejection = None, None
    return Reconcile(sent, spec=spec, rejection=rejection, edited=sent.revision != row.revision)
