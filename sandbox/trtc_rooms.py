"""The scheduled rooms the sandbox holds, and the four room commands with their checks and
error codes (spec §3, §4). Every room ever created is kept, destroyed ones too, for the
inspection API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

BAD_PARAMETER, ROOM_EXISTS, ROOM_MISSING, ROOM_YOURS, TOO_FAST = (
    100002,
    100003,
    100004,
    100010,
    100012,
)
BAD_ROOM_TYPE, SENSITIVE = 100015, 100026
MIN_SCHEDULE_SECONDS = 300


class RoomError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Room:
    room_id: str
    owner: str
    name: str
    start: int
    end: int
    invitees: list[str]
    created_at: float
    destroyed_at: float | None = None
    updates: int = 0

    def info(self) -> dict[str, Any]:
        return {
            "RoomId": self.room_id,
            "RoomType": "Conference",
            "RoomName": self.name,
            "Owner_Account": self.owner,
            "ScheduleStartTime": self.start,
            "ScheduleEndTime": self.end,
            "RoomStatus": "NotStarted",
            "CreateTime": int(self.created_at),
            "MemberCount": 0,
        }

    def view(self) -> dict[str, Any]:
        return {
            "room_id": self.room_id,
            "owner": self.owner,
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "invitees": list(self.invitees),
            "state": "destroyed" if self.destroyed_at is not None else "live",
            "created_at": self.created_at,
            "destroyed_at": self.destroyed_at,
            "updates": self.updates,
        }


@dataclass
class RoomStore:
    sensitive_words: tuple[str, ...] = ()
    history: list[Room] = field(default_factory=list)
    live: dict[str, Room] = field(default_factory=dict)
    last_create: dict[str, float] = field(default_factory=dict)

    def run(self, command: str, body: dict[str, Any], now: float) -> dict[str, Any]:
        if command == "create_room":
            return self.create(body, now)
        room = self._room(body.get("RoomInfo") if command == "update_room_info" else body)
        if command == "update_room_info":
            info = body["RoomInfo"]
            if "RoomName" in info:
                room.name = self._name(info["RoomName"])
            room.updates += 1
            return {}
        if command == "destroy_room":
            room.destroyed_at = now
            del self.live[room.room_id]
            return {}
        return {"Response": {"RoomInfo": room.info()}}

    def create(self, body: dict[str, Any], now: float) -> dict[str, Any]:
        info = body.get("RoomInfo")
        if not isinstance(info, dict):
            raise RoomError(BAD_PARAMETER, "RoomInfo is required")
        room_id = _room_id(info.get("RoomId"))
        if info.get("RoomType") != "Conference":
            raise RoomError(BAD_ROOM_TYPE, "RoomType must be Conference")
        owner = info.get("Owner_Account")
        start, end = info.get("ScheduleStartTime"), info.get("ScheduleEndTime")
        if not isinstance(owner, str) or not owner:
            raise RoomError(BAD_PARAMETER, "Owner_Account is required")
        if type(start) is not int or type(end) is not int:
            raise RoomError(BAD_PARAMETER, "ScheduleStartTime and ScheduleEndTime are integers")
        if end - start < MIN_SCHEDULE_SECONDS:
            raise RoomError(BAD_PARAMETER, "ScheduleEndTime must be 5 minutes after the start")
        invitees = body.get("ScheduleInviteeList_Account", [])
        if not isinstance(invitees, list) or not all(isinstance(i, str) for i in invitees):
            raise RoomError(BAD_PARAMETER, "ScheduleInviteeList_Account is a list of accounts")
        name = self._name(info.get("RoomName", ""))
        existing = self.live.get(room_id)
        if existing is not None:
            if existing.owner == owner:
                raise RoomError(ROOM_YOURS, "the room already exists and is yours")
            raise RoomError(ROOM_EXISTS, "the room id already exists")
        if now - self.last_create.get(room_id, float("-inf")) < 1.0:
            raise RoomError(TOO_FAST, "the room was created too frequently")
        room = Room(room_id, owner, name, start, end, list(invitees), now)
        self.history.append(room)
        self.live[room_id] = room
        self.last_create[room_id] = now
        return {}

    def views(self) -> list[dict[str, Any]]:
        return [room.view() for room in self.history]

    def _room(self, doc: Any) -> Room:
        if not isinstance(doc, dict):
            raise RoomError(BAD_PARAMETER, "the room is required")
        room = self.live.get(_room_id(doc.get("RoomId")))
        if room is None:
            raise RoomError(ROOM_MISSING, "the room does not exist")
        return room

    def _name(self, name: Any) -> str:
        if not isinstance(name, str) or len(name.encode("utf-8")) > 100:
            raise RoomError(BAD_PARAMETER, "RoomName is text of at most 100 bytes")
        if any(word in name for word in self.sensitive_words):
            raise RoomError(SENSITIVE, "RoomName holds sensitive content")
        return name


def _room_id(value: Any) -> str:
    if (
        not isinstance(value, str)
        or not 1 <= len(value.encode("utf-8")) <= 48
        or not all(0x21 <= ord(c) <= 0x7E for c in value)
    ):
        raise RoomError(BAD_PARAMETER, "RoomId is 1 to 48 bytes of printable ASCII")
    return value
