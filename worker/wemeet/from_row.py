"""From a calendar row to the meeting it asks for. Pure; bad values raise InvalidMeeting.

The calendar may write anything into its columns; each check here names the column and says
what a calendar administrator should change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from worker.domain.rows import MalformedJSON, MalformedTime, MeetingRow
from worker.exceptions import InvalidMeeting
from worker.wemeet import checks
from worker.wemeet.meeting import MeetingSpec


def spec_from_row(row: MeetingRow) -> MeetingSpec:
    if not row.userid:
        raise InvalidMeeting(
            "local.userid_missing",
            "userid is empty: set it to the Tencent Meeting userid of the meeting's creator.",
            field="userid",
        )
    return MeetingSpec(
        userid=row.userid,
        subject=row.subject,  # type: ignore[arg-type]  # MeetingSpec rejects None clearly
        start=_time(row.start_time, "start_time"),
        end=_time(row.end_time, "end_time"),
        time_zone=row.time_zone or None,
        password=row.password or None,
        location=row.location or None,
        hosts=_userids(row.hosts, "hosts"),
        invitees=_userids(row.invitees, "invitees"),
        settings=_object(row.settings, "settings"),
        recurring_rule=_object(row.recurring_rule, "recurring_rule"),
    )


def meeting_id_of(row: MeetingRow) -> str | None:
    """The row's meeting id, checked: the worker wrote it, but anyone can edit a table."""
    if row.meeting_id is None:
        return None
    return checks.meeting_id(row.meeting_id)


def check_sync_after(row: MeetingRow) -> None:
    """Refuse a ``sync_after`` that is not a time (only SQLite can hold one).

    The claim counts unreadable text as passed precisely so that the row gets here and fails
    with this message, instead of being created at once or waiting forever.
    """
    if isinstance(row.sync_after, MalformedTime):
        raise InvalidMeeting(
            "local.bad_sync_after",
            f"sync_after holds {_clip(row.sync_after.raw)!r}, which is not a time; write an "
            "ISO time in UTC such as '2026-12-01 02:00:00', or leave it empty.",
            field="sync_after",
        )


def _time(value: datetime | MalformedTime | None, column: str) -> datetime:
    if value is None:
        raise InvalidMeeting(
            "local.time_missing", f"{column} is empty: set it (UTC).", field=column
        )
    if isinstance(value, MalformedTime):
        raise InvalidMeeting(
            "local.bad_time",
            f"{column} holds {value.raw!r}, which is not a time; write an ISO time in UTC "
            "such as '2026-12-01 02:00:00'.",
            field=column,
        )
    return value


def _json(value: Any, column: str) -> Any:
    if isinstance(value, MalformedJSON):
        raise InvalidMeeting(
            "local.bad_json",
            f"{column} is not valid JSON ({_clip(value.raw)}); fix the JSON text.",
            field=column,
        )
    return value


def _userids(value: Any, column: str) -> tuple[str, ...]:
    value = _json(value, column)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidMeeting(
            f"local.bad_{column}",
            f'{column} must be a JSON list of userids, e.g. ["alice", "bob"]; '
            f"got {type(value).__name__}.",
            field=column,
        )
    userids: list[str] = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("userid"), str):
            item = item["userid"]
        if not isinstance(item, str) or not item:
            raise InvalidMeeting(
                f"local.bad_{column}",
                f'{column} entries must be userids (strings or {{"userid": …}}); '
                f"got {_clip(repr(item))}.",
                field=column,
            )
        userids.append(item)
    return tuple(userids)


def _object(value: Any, column: str) -> Mapping[str, Any] | None:
    value = _json(value, column)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidMeeting(
            f"local.bad_{column}",
            f"{column} must be a JSON object; got {type(value).__name__}.",
            field=column,
        )
    return value


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
