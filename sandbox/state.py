"""The meetings the sandbox holds. Not thread-safe by itself: the app holds its lock."""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STATE_INIT = "MEETING_STATE_INIT"
STATE_STARTED = "MEETING_STATE_STARTED"
STATE_ENDED = "MEETING_STATE_ENDED"
STATE_CANCELLED = "MEETING_STATE_CANCELLED"
PAGE_SIZE = 20
# Fields a create or update may carry that the sandbox keeps and echoes back.
KEPT_FIELDS = (
    "subject", "type", "password", "time_zone", "hosts", "invitees", "location",
    "meeting_type", "recurring_rule", "settings",
)  # fmt: skip


@dataclass
class Meeting:
    meeting_id: str
    meeting_code: str
    join_url: str
    creator: str
    start_time: int
    end_time: int
    seq: int
    fields: dict[str, Any]
    cancelled: bool = False
    created_at: float = 0.0
    updated_at: float = 0.0
    updates: int = 0

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
            "user_non_registered": [],
        }
        for key in ("password", "location", "time_zone", "recurring_rule"):
            if self.fields.get(key) not in (None, ""):
                out[key] = self.fields[key]
        return out


@dataclass
class MeetingStore:
    rng: random.Random
    by_id: dict[str, Meeting] = field(default_factory=dict)
    _codes: set[str] = field(default_factory=set)
    _seq: int = 0

    def create(
        self, creator: str, start: int, end: int, body: Mapping[str, Any], now: float
    ) -> Meeting:
        self._seq += 1
        meeting_id = self._new_id()
        meeting = Meeting(
            meeting_id=meeting_id,
            meeting_code=self._new_code(),
            join_url="https://meeting.tencent.com/dm/"
            + "".join(self.rng.choices(string.ascii_letters + string.digits, k=12)),
            creator=creator,
            start_time=start,
            end_time=end,
            seq=self._seq,
            fields={k: body[k] for k in KEPT_FIELDS if k in body},
            created_at=now,
            updated_at=now,
        )
        self.by_id[meeting_id] = meeting
        return meeting

    def upcoming(self, userid: str, now: float) -> list[Meeting]:
        """A user's upcoming or running meetings, in (start, creation) order."""
        mine = [
            m for m in self.by_id.values()
            if m.creator == userid and not m.cancelled and m.end_time > now
        ]  # fmt: skip
        return sorted(mine, key=lambda m: (m.start_time, m.seq))

    def page(
        self, userid: str, now: float, pos: int | None, cursory: int | None
    ) -> tuple[list[Meeting], int]:
        """One page from the cursor, and how many meetings remain after it."""
        meetings = self.upcoming(userid, now)
        if cursory is not None and pos is not None:
            after = [m for m in meetings if (m.start_time, m.seq) > (pos, cursory)]
        elif pos is not None:
            after = [m for m in meetings if m.start_time >= pos]
        else:
            after = meetings
        return after[:PAGE_SIZE], max(0, len(after) - PAGE_SIZE)

    def _new_id(self) -> str:
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
