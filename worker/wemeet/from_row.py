"""From a calendar row to the Tencent Meeting it asks for. Pure; bad values raise
``InvalidMeeting``.

Every check of a value is ``MeetingSpec``'s (``worker.wemeet.checks``), written once. Here
only the markers of values the database could not hand over as such (text that is not a
time, JSON that does not parse) become errors that name the column and what it holds.
"""

from __future__ import annotations

from datetime import datetime

from worker.domain.rows import MalformedJSON, MalformedTime, MeetingRow
from worker.exceptions import InvalidMeeting
from worker.wemeet.checks import clip
from worker.wemeet.meeting import MeetingSpec


def spec_from_row(row: MeetingRow) -> MeetingSpec:
    return MeetingSpec.from_values(
        userid=row.userid,
        subject=row.subject,
        start=_time(row.start_time, "start_time"),
        end=_time(row.end_time, "end_time"),
        time_zone=row.time_zone or None,
        password=row.password or None,
        location=row.location or None,
        hosts=_json(row.hosts, "hosts"),
        invitees=_json(row.invitees, "invitees"),
        settings=_json(row.settings, "settings"),
        recurring_rule=_json(row.recurring_rule, "recurring_rule"),
    )


def is_recurring(row: MeetingRow) -> bool:
    """Whether the row's meeting is a series, read leniently: a cancel must go out even when
    the rule no longer validates, and a series cancelled as a normal meeting can stay live.
    Any rule the calendar wrote counts, well-formed or not; only an empty one does not."""
    rule = row.recurring_rule
    if isinstance(rule, MalformedJSON):
        return bool(rule.raw.strip())
    return bool(rule)


def _time(value: datetime | MalformedTime | None, column: str) -> datetime | None:
    if isinstance(value, MalformedTime):
        raise InvalidMeeting(
            "local.bad_time",
            f"{column} holds {clip(value.raw, 60)!r}, which is not a time; write an ISO time in "
            "UTC such as '2026-12-01 02:00:00'.",
            field=column,
        )
    return value


def _json(value: object, column: str) -> object:
    if isinstance(value, MalformedJSON):
        raise InvalidMeeting(
            "local.bad_json",
            f"{column} is not valid JSON ({clip(value.raw, 60)}); fix the JSON text.",
            field=column,
        )
    return value
