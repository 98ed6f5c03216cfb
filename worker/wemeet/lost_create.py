"""Which Tencent Meeting meeting, if any, a lost create made. Pure.

A create has no idempotency key, so its meeting is recognised by what it sent: the same
subject, start and end (whole seconds), creator and kind (a normal meeting or a series).
The content kept for that is small, and the start is also where the user's meeting list is
read from.

A series is listed once, and the times the list gives it may be those of its occurrence in
progress or next (the official SDK's list model: ``current_sub_meeting_id``, "in progress /
about to start"; the list documents showing "the first sub-meeting" of each series). Once
its first occurrence is over they no longer match what the create sent; its first
occurrence, in ``sub_meetings``, still does.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo


@dataclass(frozen=True)
class Sent:
    """What a create sent, as far as finding its meeting needs; ``start``/``end`` are Unix
    seconds (the API's resolution). ``recurring`` says whether it made a series; None for
    a record kept before the kind was, which matches either kind."""

    userid: str
    subject: str
    start: int
    end: int
    recurring: bool | None = None

    @classmethod
    def of(cls, spec: MeetingSpec) -> Sent:
        return cls(
            userid=spec.userid,
            subject=spec.subject,
            start=int(spec.start.timestamp()),
            end=int(spec.end.timestamp()),
            recurring=spec.meeting_type == 1,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"subject": self.subject, "start": self.start, "end": self.end}
        if self.recurring is not None:
            out["meeting_type"] = 1 if self.recurring else 0
        return out

    @classmethod
    def from_json(cls, userid: str, value: Mapping[str, Any]) -> Sent | None:
        """The stored content, or None when it is not what this module wrote."""
        subject, start, end = value.get("subject"), value.get("start"), value.get("end")
        if not isinstance(subject, str) or not _whole(start) or not _whole(end):
            return None
        kind = value.get("meeting_type")
        if kind is not None and (not _whole(kind) or kind not in (0, 1)):
            return None
        recurring = None if kind is None else kind == 1
        return cls(userid=userid, subject=subject, start=start, end=end, recurring=recurring)


def find_adoptable(
    candidates: Iterable[MeetingInfo], sent: Sent, *, taken: Collection[str]
) -> MeetingInfo | None:
    """The meeting that matches the sent subject, times, creator and kind and no other row
    holds.

    Ties (two identical meetings, e.g. made by hand) go to the lowest id so that every worker
    that looks adopts the same one.
    """
    matches = [
        c
        for c in candidates
        if c.meeting_id not in taken
        and c.subject == sent.subject
        and (c.creator_userid is None or c.creator_userid == sent.userid)
        and _same_kind(c, sent)
        and first_times(c) == (sent.start, sent.end)
    ]
    if not matches:
        return None
    return min(matches, key=lambda c: (len(c.meeting_id), c.meeting_id))


def _same_kind(candidate: MeetingInfo, sent: Sent) -> bool:
    # A meeting that does not say its kind, or a record that does not, can match either.
    if sent.recurring is None or candidate.meeting_type is None:
        return True
    return (candidate.meeting_type == 1) == sent.recurring


def first_times(candidate: MeetingInfo) -> tuple[int | None, int | None]:
    """The (start, end) a create of this meeting sent: a series' first occurrence's when the
    answer lists its occurrences (the times it shows may be a later one's), else the times
    shown."""
    timed = [s for s in candidate.sub_meetings if s.start_time is not None]
    if not timed:
        return _seconds(candidate.start_time), _seconds(candidate.end_time)
    first = min(timed, key=lambda s: _seconds(s.start_time) or 0)
    return _seconds(first.start_time), _seconds(first.end_time)


def _seconds(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
