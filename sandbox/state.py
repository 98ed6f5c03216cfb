"""The meetings the sandbox holds. Not thread-safe by itself: the app holds its lock."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
class Meeting:
    meeting_id: str
    meeting_code: str
    join_url: str
    creator: str
    start_time: int
    end_time: int
    # Strictly increasing per creation, in milliseconds: the list's page cursor (`cursory`)
    # and the tie-break between meetings that start in the same second.
    cursor: int
    fields: dict[str, Any]
    cancelled: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    cancelled_at: float | None = None
    updates: int = 0
    # Per role (hosts, invitees), the people last sent that are no users of the account.
    not_registered: dict[str, list[str]] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.start_time, self.cursor)

    def state(self, now: float) -> str:
        if self.cancelled:
            return STATE_CANCELLED
        if now >= self.end_time:
            return STATE_ENDED
        return STATE_STARTED if now >= self.start_time else STATE_INIT

    def info(self, now: float) -> dict[str, Any]:
        """The meeting as meeting_info_list items show it."""
        hosts = self.fields.get("hosts") or [{"userid": self.creator}]
        out: dict[str, Any] = {
            "meeting_id": self.meeting_id,
            "meeting_code": self.meeting_code,
            "join_url": self.join_url,
            "subject": self.fields.get("subject", ""),
            "start_time": str(self.start_time),
            "end_time": str(self.end_time),
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
        self.by_id[meeting.meeting_id] = meeting
        self.by_user.setdefault(creator, []).append(meeting)
        self.by_cursor[meeting.cursor] = meeting
        return meeting

    def all(self) -> list[Meeting]:
        """Every meeting ever created, in creation order."""
        return list(self.by_id.values())

    def upcoming(self, userid: str, now: float) -> list[Meeting]:
        """A user's upcoming or running meetings, not cancelled, in (start, creation) order."""
        mine = [
            m for m in self.by_user.get(userid, ())
            if not m.cancelled and m.end_time > now
        ]  # fmt: skip
        mine.sort(key=lambda m: m.sort_key)
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
            pos = named.start_time if named is not None else 0
        if cursory is not None and pos is not None:
            key = (pos, cursory)
            after = [m for m in meetings if m.sort_key > key]
        elif pos is not None:
            after = [m for m in meetings if m.start_time >= pos]
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
