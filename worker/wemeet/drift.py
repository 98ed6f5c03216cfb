"""Tencent Meeting's side of a drift check: the user's meeting list, read page by page, and
a single ``get`` only for a meeting the list does not show (cancelled, deleted, moved out
of the range read). Each call goes through the check's budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import partial

from worker.domain.rows import MeetingRow
from worker.exceptions import ApiError
from worker.sync.provider import DriftCall, MeetingView, RemoteMeeting, RemoteState
from worker.wemeet.client import WemeetClient
from worker.wemeet.from_row import spec_from_row
from worker.wemeet.lost_create import first_times
from worker.wemeet.meetings_read import MeetingInfo

# 9003: "meeting does not exist" (spec §4): deleted in the console, or never made.
MEETING_NOT_FOUND = 9003
# The states of a meeting that is over (the SDK's list model: ENDED "deleted after its end",
# NULL "past its end with nobody in it", RECYCLED "code recycled 30 days after its start").
_OVER = ("MEETING_STATE_ENDED", "MEETING_STATE_NULL", "MEETING_STATE_RECYCLED")


def synced_view(row: MeetingRow) -> MeetingView:
    """The row as its last sync sent it (the row is synced at that revision)."""
    spec = spec_from_row(row)
    return MeetingView(
        subject=spec.subject,
        start=spec.start,
        end=spec.end,
        has_password=spec.password is not None,
        recurring=spec.meeting_type == 1,
    )


def remote_meeting(info: MeetingInfo) -> RemoteMeeting:
    """A meeting of a list or get answer. A series is compared by its first occurrence."""
    state: RemoteState = "live"
    if info.status == "MEETING_STATE_CANCELLED":
        state = "cancelled"
    elif info.status in _OVER:
        state = "ended"
    start, end = first_times(info)
    view = MeetingView(
        subject=info.subject,
        start=_time(start),
        end=_time(end),
        has_password=info.has_password,
        recurring=None if info.meeting_type is None else info.meeting_type == 1,
    )
    return RemoteMeeting(state, view)


def read_remote(
    client: WemeetClient,
    owner: str,
    wanted: Sequence[str],
    *,
    since: datetime,
    until: datetime,
    call: DriftCall,
) -> Mapping[str, RemoteMeeting]:
    listed = client.list_user_meetings(
        owner,
        pos=int(since.timestamp()),
        until=int(until.timestamp()),
        each_page=partial(call, "list"),
    )
    found = {m.meeting_id: remote_meeting(m) for m in listed}
    for meeting_id in wanted:
        if meeting_id in found:
            continue
        try:
            info = call("get", partial(client.get_meeting, meeting_id, owner))
        except ApiError as exc:
            if exc.error_code != MEETING_NOT_FOUND:
                raise
            found[meeting_id] = RemoteMeeting("missing")
            continue
        found[meeting_id] = remote_meeting(info)
    return found


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)
