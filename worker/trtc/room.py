"""From a calendar row to the TRTC scheduled room it asks for. Pure; a bad value raises
``InvalidMeeting`` with a ``local.*`` code.

The RoomId is the caller's to choose, so it is derived from the row: from its
``external_id`` and from everything ``update_room_info`` cannot change (owner, schedule
times, invitees). A create retried after a lost answer sends the same RoomId and is
idempotent; a change of those fields derives a new RoomId, which is how an update knows it
must make a new room and destroy the old one. A rename keeps the RoomId.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from worker.domain.rows import MalformedJSON, MalformedTime, MeetingRow
from worker.exceptions import InvalidMeeting
from worker.trtc.local_errors import EVERY_LOCAL_ERROR
from worker.wemeet import checks

MAX_ROOM_NAME_BYTES = 100
MIN_LENGTH = timedelta(minutes=5)
ROOM_TYPE = "Conference"
_ROOM_ID = re.compile(r"[A-Za-z0-9_-]{1,48}")


def invalid(code: str, detail: str, field_name: str | None) -> InvalidMeeting:
    return InvalidMeeting(code, f"{detail} {EVERY_LOCAL_ERROR[code]}", field=field_name)


@dataclass(frozen=True)
class RoomSpec:
    """One scheduled room as the row asks for it (times in whole seconds, UTC)."""

    room_id: str
    owner: str
    name: str
    start: datetime
    end: datetime
    invitees: tuple[str, ...] = ()
    truncated_from: int | None = None
    """The subject's size in bytes when RoomName had to be cut to 100 bytes."""

    @property
    def note(self) -> str | None:
        """What the synced row's message says when the room's name is not the subject."""
        if self.truncated_from is None:
            return None
        return (
            f"subject is {self.truncated_from} bytes of UTF-8 and a TRTC RoomName holds at "
            f"most {MAX_ROOM_NAME_BYTES}: the room is named {self.name!r}."
        )

    def create_body(self) -> dict[str, object]:
        return {
            "RoomInfo": {
                "RoomId": self.room_id,
                "RoomType": ROOM_TYPE,
                "RoomName": self.name,
                "Owner_Account": self.owner,
                "ScheduleStartTime": int(self.start.timestamp()),
                "ScheduleEndTime": int(self.end.timestamp()),
            },
            "ScheduleInviteeList_Account": list(self.invitees),
        }

    def update_body(self) -> dict[str, object]:
        return {"RoomInfo": {"RoomId": self.room_id, "RoomName": self.name}}


def room_from_row(row: MeetingRow) -> RoomSpec:
    owner = checks.text(row.userid, "userid", required="local.userid_missing")
    subject = checks.text(row.subject, "subject", required="local.subject_missing")
    start = checks.instant(_time(row.start_time, "start_time"), "start_time")
    end = checks.instant(_time(row.end_time, "end_time"), "end_time")
    if end - start < MIN_LENGTH:
        raise invalid(
            "local.room_too_short",
            f"end_time is {int((end - start).total_seconds())} s after start_time.",
            "end_time",
        )
    if row.password:
        raise invalid("local.room_password", "password is set.", "password")
    rule = row.recurring_rule
    if isinstance(rule, MalformedJSON) or rule:
        raise invalid("local.room_recurring", "recurring_rule is set.", "recurring_rule")
    invitees = checks.userids(_json(row.invitees, "invitees"), "invitees", "local.bad_invitees")
    name, truncated_from = room_name(subject)
    return RoomSpec(
        room_id=room_id(row.external_id, owner, start, end, invitees),
        owner=owner,
        name=name,
        start=start,
        end=end,
        invitees=invitees,
        truncated_from=truncated_from,
    )


def room_name(subject: str) -> tuple[str, int | None]:
    """RoomName: the subject, cut to 100 bytes of UTF-8 on a character boundary (and the
    subject's size when it was cut). Truncated with a note rather than refused: the name
    is a label, and a long subject should not keep a room from existing."""
    data = subject.encode("utf-8")
    if len(data) <= MAX_ROOM_NAME_BYTES:
        return subject, None
    return data[:MAX_ROOM_NAME_BYTES].decode("utf-8", "ignore"), len(data)


def room_id(
    external_id: str, owner: str, start: datetime, end: datetime, invitees: tuple[str, ...]
) -> str:
    """``ms-`` + 16 hex of the row's identity + ``-`` + 10 hex of what only a new room can
    change: 30 printable ASCII characters."""
    identity = hashlib.sha256(external_id.encode("utf-8")).hexdigest()[:16]
    fixed = json.dumps(
        [owner, int(start.timestamp()), int(end.timestamp()), sorted(invitees)],
        ensure_ascii=False,
    )
    content = hashlib.sha256(fixed.encode("utf-8")).hexdigest()[:10]
    return f"ms-{identity}-{content}"


def check_room_id(value: str) -> str:
    """A stored RoomId, checked before it goes into a request."""
    if not value.strip():
        raise checks.invalid(
            "local.meeting_id_missing", "meeting_id is an empty string.", "meeting_id"
        )
    if not _ROOM_ID.fullmatch(value):
        raise invalid(
            "local.bad_room_id", f"meeting_id {checks.clip(value)!r} is no RoomId.", "meeting_id"
        )
    return value


def _time(value: datetime | MalformedTime | None, column: str) -> datetime | None:
    if isinstance(value, MalformedTime):
        raise checks.invalid(
            "local.bad_time", f"{column} holds {checks.clip(value.raw, 60)!r}.", column
        )
    return value


def _json(value: object, column: str) -> object:
    if isinstance(value, MalformedJSON):
        raise checks.invalid(
            "local.bad_json", f"{column} is not valid JSON ({checks.clip(value.raw, 60)}).", column
        )
    return value
