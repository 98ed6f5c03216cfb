"""Which Tencent Meeting meeting, if any, a lost create made. Pure.

A create has no idempotency key, so its meeting is recognised by what it sent: the same
subject, start and end (whole seconds) and creator. The content kept for that is small,
and the start is also where the user's meeting list is read from.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo


@dataclass(frozen=True)
class Sent:
    """What a create sent, as far as finding its meeting needs; ``start``/``end`` are Unix
    seconds (the API's resolution)."""

    userid: str
    subject: str
    start: int
    end: int

    @classmethod
    def of(cls, spec: MeetingSpec) -> Sent:
        return cls(
            userid=spec.userid,
            subject=spec.subject,
            start=int(spec.start.timestamp()),
            end=int(spec.end.timestamp()),
        )

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, userid: str, value: Mapping[str, Any]) -> Sent | None:
        """The stored content, or None when it is not what this module wrote."""
        subject, start, end = value.get("subject"), value.get("start"), value.get("end")
        if not isinstance(subject, str) or not isinstance(start, int):
            return None
        if not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            return None
        return cls(userid=userid, subject=subject, start=start, end=end)


def find_adoptable(
    candidates: Iterable[MeetingInfo], sent: Sent, *, taken: Collection[str]
) -> MeetingInfo | None:
    """The meeting that matches the sent subject, times and creator and no other row holds.

    Ties (two identical meetings, e.g. made by hand) go to the lowest id so that every worker
    that looks adopts the same one.
    """
    matches = [
        c
        for c in candidates
        if c.meeting_id not in taken
        and c.subject == sent.subject
        and _seconds(c.start_time) == sent.start
        and _seconds(c.end_time) == sent.end
        and (c.creator_userid is None or c.creator_userid == sent.userid)
    ]
    if not matches:
        return None
    return min(matches, key=lambda c: (len(c.meeting_id), c.meeting_id))


def _seconds(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())
