"""Which remote meeting, if any, is the one a lost create made. Pure."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.results import MeetingInfo


def find_adoptable(
    candidates: Iterable[MeetingInfo], spec: MeetingSpec, *, taken: Collection[str]
) -> MeetingInfo | None:
    """The meeting that matches the row's subject, times and creator and no other row holds.

    Ties (two identical meetings, e.g. made by hand) go to the lowest id so that every worker
    that looks adopts the same one.
    """
    matches = [
        c
        for c in candidates
        if c.meeting_id not in taken
        and c.subject == spec.subject
        and c.start_time == spec.start
        and c.end_time == spec.end
        and (c.creator_userid is None or c.creator_userid == spec.userid)
    ]
    if not matches:
        return None
    return min(matches, key=lambda c: (len(c.meeting_id), c.meeting_id))
