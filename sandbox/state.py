"""The meetings the sandbox holds. Not thread-safe by itself: the app holds its lock.

A recurring meeting (``meeting_type`` 1) is one meeting id with its occurrences, the
sub-meetings, as the official SDK's models describe a series: ``sub_meetings`` (each with
its ``sub_meeting_id``, times and ``status`` 0 live / 1 deleted), ``current_sub_meeting_id``
(the one in progress or next) and ``remain_sub_meetings``. The meeting's own start and end
are its first occurrence's; what ``get`` and the list show as ``start_time``/``end_time``
is the current occurrence's, and the list orders and pages a series by it.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.recurrence import meeting_zone, occurrences
from sandbox.registered import named

STATE_INIT = "MEETING_STATE_INIT"
STATE_STARTED = "MEETING_STATE_STARTED"
STATE_ENDED = "MEETING_STATE_ENDED"
STATE_CANCELLED = "MEETING_STATE_CANCELLED"
PAGE_SIZE = 20
JOIN_URL_PREFIX = "https://meeting.tencent.com/dm/"
# Fields a create or update may carry that the sandbox keeps and echoes back.
KEPT_FIELDS = (
    "subject", "type", "password", "time_zone", "hosts", "invitees", "location",
    "meeting_type", "recurring_rule", "settings",
)  # fmt: skip
_ALNUM = string.ascii_letters + string.digits


@dataclass
class SubMeeting:
    """One occurrence of a series; its id is its start time, a numeric string as the
    service's ids are."""

    sub_meeting_id: str
    start_time: int
    end_time: int
    deleted: bool = False

    def info(self) -> dict[str, Any]:
        return {
            "sub_meeting_id": self.sub_meeting_id,
            "start_time": str(self.start_time),
            "end_time": str(self.end_time),
            "status": 1 if self.deleted else 0,
        }


@dataclass
class Meeting:
    meeting_id: str
    meeting_code: str
    join_url: str
    creator: str
    start_time: int
    end_time: int
    # The last modification time in milliseconds, strictly increasing over all meetings:
    # the list's page cursor (`cursory`) and the tie-break between meetings that start in
    # the same second.
    cursor: int
    fields: dict[str, Any]
    cancelled: bool = False
    # Deleted by an admin in the console: the API no longer knows it (9003).
    removed: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    cancelled_at: float | None = None
    updates: int = 0
    sub_meetings: list[SubMeeting] = field(default_factory=list)
    # Per role (hosts, invitees), the people last sent that are no users of the account.
    not_registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def recurring(self) -> bool:
        return self.fields.get("meeting_type") == 1

    def schedule(self) -> None:
        """(Re)build a series' occurrences from its times and rule; a normal meeting has
        none. Occurrences deleted one by one come back: the whole series was rescheduled."""
        rule = self.fields.get("recurring_rule")
        if not self.recurring or not isinstance(rule, Mapping):
            self.sub_meetings = []
            return
        zone = meeting_zone(self.fields.get("time_zone"))
        length = self.end_time - self.start_time
        self.sub_meetings = [
            SubMeeting(str(start), start, start + length)
            for start in occurrences(self.start_time, rule, zone)
        ]

    def sub_meeting(self, sub_meeting_id: str) -> SubMeeting | None:
        return next((s for s in self.sub_meetings if s.sub_meeting_id == sub_meeting_id), None)

    def current(self, now: float) -> SubMeeting | None:
        """A series' occurrence in progress or next, if any is left."""
        return next((s for s in self.sub_meetings if not s.deleted and s.end_time > now), None)

    def shown_times(self, now: float) -> tuple[int, int]:
        """The start and end that get and the list show: a series' current occurrence's
        (its last one's once all are over)."""
        if not self.sub_meetings:
            return self.start_time, self.end_time
        shown = self.current(now) or self.sub_meetings[-1]
        return shown.start_time, shown.end_time

    def sort_key(self, now: float) -> tuple[int, int]:
        return (self.shown_times(now)[0], self.cursor)

    def over(self, now: float) -> bool:
        """Ended: past its end, or for a series past its last occurrence still live."""
        if self.sub_meetings:
            return self.current(now) is None
        return now >= self.end_time

    def state(self, now: float) -> str:
        if self.cancelled:
            return STATE_CANCELLED
        if self.over(now):
            return STATE_ENDED
        return STATE_STARTED if now >= self.shown_times(now)[0] else STATE_INIT

    def info(self, now: float) -> dict[str, Any]:
        """The meeting as meeting_info_list items show it."""
        hosts = self.fields.get("hosts") or [{"userid": self.creator}]
        start, end = self.shown_times(now)
        out: dict[str, Any] = {
            "meeting_id": self.meeting_id,
            "meeting_code": self.meeting_code,
            "join_url": self.join_url,
            "subject": self.fields.get("subject", ""),
            "start_time": str(start),
            "end_time": str(end),
            "hosts": hosts,
            "current_hosts": hosts,
            "participants": self.fields.get("invitees") or [],
            "status": self.state(now),
            "type": self.fields.get("type", 0),
            "meeting_type": self.fields.get("meeting_type", 0),
            "settings": self.fields.get("settings") or {},
            "user_non_registered": named(self.not_registered),
        }
        for key in ("password", "location", "time_zone", "recurring_rule"):
            if self.fields.get(key) not in (None, ""):
                out[key] = self.fields[key]
        if self.sub_meetings:
            current = self.current(now)
            out["sub_meetings"] = [s.info() for s in self.sub_meetings]
            out["has_more_sub_meeting"] = 0
            out["remain_sub_meetings"] = sum(
                1 for s in self.sub_meetings if not s.deleted and s.end_time > now
            )
            if current is not None:
                out["current_sub_meeting_id"] = current.sub_meeting_id
        return out


@dataclass
class MeetingStore:
    rng: random.Random
    by_id: dict[str, Meeting] = field(default_factory=dict)
    by_user: dict[str, list[Meeting]] = field(default_factory=dict)
    by_cursor: dict[int, Meeting] = field(default_factory=dict)
    _codes: set[str] = field(default_factory=set)
    _last_cursor: int = 0

    def create(
        self, creator: str, start: int, end: int, body: Mapping[str, Any], now: float
    ) -> Meeting:
        self._last_cursor = max(int(now * 1000), self._last_cursor + 1)
        meeting = Meeting(
            meeting_id=self._new_id(),
            meeting_code=self._new_code(),
            join_url=JOIN_URL_PREFIX + "".join(self.rng.choices(_ALNUM, k=12)),
            creator=creator,
            start_time=start,
            end_time=end,
            cursor=self._last_cursor,
            fields={k: body[k] for k in KEPT_FIELDS if k in body},
            created_at=now,
            updated_at=now,
        )
        meeting.schedule()
        self.by_id[meeting.meeting_id] = meeting
        self.by_user.setdefault(creator, []).append(meeting)
        self.by_cursor[meeting.cursor] = meeting
        return meeting

    def touch(self, meeting: Meeting, now: float) -> None:
        """A change of the meeting: its modification time moves on, and with it the list's
        page cursor (``next_cursory`` is the last modification time of the meeting a page
        ended on, in milliseconds, per the official SDK's list model)."""
        self._last_cursor = max(int(now * 1000), self._last_cursor + 1)
        self.by_cursor.pop(meeting.cursor, None)
        meeting.cursor = self._last_cursor
        self.by_cursor[meeting.cursor] = meeting
        meeting.updated_at = now

    def all(self) -> list[Meeting]:
        """Every meeting ever created, in creation order."""
        return list(self.by_id.values())

    def upcoming(self, userid: str, now: float) -> list[Meeting]:
        """A user's upcoming or running meetings, not cancelled, in (start, creation) order;
        a series once, by its current occurrence."""
        mine = [
            m for m in self.by_user.get(userid, ())
            if not m.cancelled and not m.removed and not m.over(now)
        ]  # fmt: skip
        mine.sort(key=lambda m: m.sort_key(now))
        return mine

    def page(
        self, userid: str, now: float, pos: int | None, cursory: int | None
    ) -> tuple[list[Meeting], int]:
        """One page after the cursor, and how many meetings remain after that page.

        The cursor is the (start, cursor) key of the last meeting seen, so paging until
        nothing remains sees every meeting that existed throughout exactly once, however
        many start in the same second. ``pos`` alone starts at that start time (inclusive);
        ``cursory`` alone continues after the meeting it names.
        """
        meetings = self.upcoming(userid, now)
        if cursory is not None and pos is None:
            named = self.by_cursor.get(cursory)
            pos = named.shown_times(now)[0] if named is not None else 0
        if cursory is not None and pos is not None:
            key = (pos, cursory)
            after = [m for m in meetings if m.sort_key(now) > key]
        elif pos is not None:
            after = [m for m in meetings if m.shown_times(now)[0] >= pos]
        else:
            after = meetings
        return after[:PAGE_SIZE], max(0, len(after) - PAGE_SIZE)

    def _new_id(self) -> str:
        # Real meeting ids are 19-digit decimal strings.
        while True:
            candidate = str(self.rng.randrange(10**18, 10**19))
            if candidate not in self.by_id:
                return candidate

    def _new_code(self) -> str:
        while True:
            code = str(self.rng.randrange(10**8, 10**9))
            if code not in self._codes:
                self._codes.add(code)
                return code
