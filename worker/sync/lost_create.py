"""Which remote meeting, if any, is the one a lost create made. Pure.

The lookup matches what the create *sent* (``SentCreate``, stored with the intent marker),
never the row as it is now: the calendar may have renamed, moved or cancelled the row after
the answer was lost, and the meeting the create made still has the old content.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo


@dataclass(frozen=True)
class SentCreate:
    """What a create sent, as far as finding its meeting needs (stored as JSON on the row).

    ``start`` and ``end`` are Unix seconds (the API's resolution); ``start`` is also the list
    position from which the user's meetings are read. ``revision`` is the row's revision
    that the create carried: a row at another revision was edited since.
    """

    userid: str
    subject: str
    start: int
    end: int
    revision: int

    @classmethod
    def of(cls, spec: MeetingSpec, revision: int) -> SentCreate:
        return cls(
            userid=spec.userid,
            subject=spec.subject,
            start=int(spec.start.timestamp()),
            end=int(spec.end.timestamp()),
            revision=revision,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "userid": self.userid,
            "subject": self.subject,
            "start": self.start,
            "end": self.end,
            "revision": self.revision,
        }

    @classmethod
    def from_json(cls, value: object) -> SentCreate | None:
        """The stored value, or None when there is none or it is not what this module wrote."""
        if not isinstance(value, Mapping):
            return None
        userid, subject = value.get("userid"), value.get("subject")
        numbers = [value.get(k) for k in ("start", "end", "revision")]
        if not isinstance(userid, str) or not isinstance(subject, str):
            return None
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
            return None
        start, end, revision = (int(n) for n in numbers)  # type: ignore[arg-type]
        return cls(userid=userid, subject=subject, start=start, end=end, revision=revision)


def find_adoptable(
    candidates: Iterable[MeetingInfo], sent: SentCreate, *, taken: Collection[str]
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


def _seconds(value: Any) -> int | None:
    return None if value is None else int(value.timestamp())
