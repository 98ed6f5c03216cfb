"""A second provider, written here, drives the unchanged sync core end to end.

It is a small room-booking service with its own in-memory server, nothing like Tencent
Meeting: ids are ``room-N``, a room has a title and a start, and its create can lose its
answer after the room was made. If the core can create, update and cancel through it, and
find its lost create through the provider's own lookup, the provider seam is real.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import SOON, insert, rows, update
from worker.domain.kinds import ErrorKind
from worker.domain.rows import MeetingRow
from worker.exceptions import ApiError, InvalidMeeting, TransportError
from worker.quota.gate import QuotaGate
from worker.quota.ledger import QuotaLedger
from worker.quota.scopes import PauseTarget, Scope
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.decide import RetryPolicy
from worker.sync.loop import PassReport, PassSettings, SyncPass
from worker.sync.provider import CallThrough, Remote
from worker.sync.retry import InCallRetry


@dataclass
class Room:
    owner: str
    title: str
    start: int
    cancelled: bool = False


@dataclass
class RoomServer:
    """The service: rooms by id, and a switch that loses the next create's answer."""

    rooms: dict[str, Room] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    lose_next_create_answer: bool = False
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def book(self, owner: str, title: str, start: int) -> str:
        self.calls.append("book")
        room_id = f"room-{next(self._ids)}"
        self.rooms[room_id] = Room(owner, title, start)
        if self.lose_next_create_answer:
            self.lose_next_create_answer = False
            raise TransportError("connection reset after booking", may_have_reached=True)
        return room_id

    def retitle(self, room_id: str, title: str, start: int) -> None:
        self.calls.append("retitle")
        if room_id not in self.rooms:
            raise ApiError(error_code=404, message="no such room", http_status=404)
        self.rooms[room_id].title, self.rooms[room_id].start = title, start

    def release(self, room_id: str) -> None:
        self.calls.append("release")
        self.rooms[room_id].cancelled = True

    def search(self, owner: str, title: str, start: int) -> list[str]:
        self.calls.append("search")
        return [
            i
            for i, r in self.rooms.items()
            if (r.owner, r.title, r.start) == (owner, title, start) and not r.cancelled
        ]


@dataclass(frozen=True)
class RoomRequest:
    owner: str
    title: str
    start: datetime


class RoomProvider:
    """The provider interface (worker.sync.provider.Provider), for the room service."""

    def __init__(self, server: RoomServer) -> None:
        self.server = server

    def request_from_row(self, row: MeetingRow) -> RoomRequest:
        if not row.subject or not row.userid or not isinstance(row.start_time, datetime):
            raise InvalidMeeting("local.subject_missing", "a room needs a title, owner, start")
        return RoomRequest(row.userid, row.subject, row.start_time)

    def check_meeting_id(self, meeting_id: str) -> str:
        if not meeting_id.startswith("room-"):
            raise InvalidMeeting("local.bad_meeting_id", f"{meeting_id!r} is no room id")
        return meeting_id

    def create(self, request: RoomRequest) -> Remote:
        room_id = self.server.book(request.owner, request.title, _seconds(request.start))
        return Remote(room_id, join_url=f"rooms://{room_id}")

    def update(self, meeting_id: str, request: RoomRequest) -> Remote:
        self.server.retitle(meeting_id, request.title, _seconds(request.start))
        return Remote(meeting_id)

    def cancel(self, meeting_id: str, owner: str, row: MeetingRow) -> None:
        self.server.release(meeting_id)

    def sent_content(self, request: RoomRequest) -> Mapping[str, Any]:
        return {"title": request.title, "start": _seconds(request.start)}

    def find_lost_create(
        self,
        owner: str,
        sent: Mapping[str, Any],
        *,
        call: CallThrough,
        taken: Callable[[Sequence[str]], Collection[str]],
    ) -> Remote | None:
        found = call(lambda: self.server.search(owner, sent["title"], sent["start"]))
        held = taken(found)
        free = [i for i in found if i not in held]
        return Remote(free[0], join_url=f"rooms://{free[0]}") if free else None

    def classify(self, error: ApiError, operation: str) -> ErrorKind:
        return ErrorKind.ROW_PERMANENT

    def diagnose(self, error: ApiError) -> str:
        return "check the room service"

    def row_message(self, error: ApiError, operation: str, owner: str | None) -> str:
        return error.message

    def scopes(self, operation: str, owner: str | None) -> tuple[Scope, ...]:
        return (Scope(f"rooms:{owner}", ()),)

    def pause_for(self, error: ApiError, operation: str, owner: str | None) -> PauseTarget | None:
        return None


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def room_pass(engine: Engine, server: RoomServer) -> Callable[[], PassReport]:
    """The sync core as the composition root builds it, serving rooms only."""
    stop = threading.Event()
    settings = PassSettings(
        owner="rooms-worker",
        batch_size=10,
        lease_seconds=60,
        max_attempts=5,
        # A failed row waits an hour: nothing is retried within the pass that failed it.
        retry=RetryPolicy(base_seconds=3600, cap_seconds=3600),
    )
    ledger = QuotaLedger(engine, tz=ZoneInfo("UTC"))
    sync = SyncPass(
        Store(engine),
        {"rooms": RoomProvider(server)},
        settings,
        default_provider="rooms",
        retry=InCallRetry(sleep=lambda seconds: None),
        gate=QuotaGate(ledger, max_wait_seconds=1, stop=stop),
        stop=stop,
        rng=random.Random(7),
        durable=DurableWrites(0),
    )
    return sync.run


@SQLITE_ONLY
def test_a_second_provider_creates_updates_cancels_and_finds_its_lost_create(
    engine: Engine,
) -> None:
    server = RoomServer()
    run = room_pass(engine, server)
    insert(engine, "r-1", "Design review", provider="rooms")

    assert run().counts == {"claimed": 1, "created": 1}
    row = rows(engine)["r-1"]
    assert (row.sync_state, row.meeting_id, row.join_url) == ("synced", "room-1", "rooms://room-1")
    assert server.rooms["room-1"] == Room("alice", "Design review", _seconds(SOON))

    update(engine, "r-1", subject="Design review, take two")
    assert run().counts == {"claimed": 1, "updated": 1}
    assert server.rooms["room-1"].title == "Design review, take two"
    assert rows(engine)["r-1"].synced_revision == rows(engine)["r-1"].revision

    # The create's answer is lost after the room was booked; then the calendar edits the
    # row. The core looks the room up through the provider's own lookup, by what was sent,
    # adopts it and brings it to the row: one room, never a second.
    server.lose_next_create_answer = True
    insert(engine, "r-2", "Retro", provider="rooms", start_time=SOON + timedelta(days=1))
    assert run().counts == {"claimed": 1, "retry_later": 1}
    assert rows(engine)["r-2"].create_intent_at is not None
    update(engine, "r-2", subject="Retro (moved room)")
    assert run().counts == {"claimed": 1, "updated": 1}
    row = rows(engine)["r-2"]
    assert (row.sync_state, row.meeting_id) == ("synced", "room-2")
    assert sorted(server.rooms) == ["room-1", "room-2"]
    assert server.rooms["room-2"].title == "Retro (moved room)"
    assert server.calls.count("book") == 2 and server.calls.count("search") == 1

    update(engine, "r-1", status="cancelled")
    assert run().counts == {"claimed": 1, "cancelled": 1}
    assert server.rooms["room-1"].cancelled and rows(engine)["r-1"].sync_state == "synced"


@SQLITE_ONLY
def test_a_provider_the_worker_does_not_serve_fails_the_row_alone(engine: Engine) -> None:
    server = RoomServer()
    insert(engine, "r-1", "Standup", provider="rooms")
    insert(engine, "w-1", "Standup", provider="wemeet")

    assert room_pass(engine, server)().counts == {"claimed": 2, "created": 1, "failed": 1}

    row = rows(engine)["w-1"]
    assert (row.sync_state, row.error_code) == ("failed", "local.unknown_provider")
    assert "'rooms'" in (row.error_message or "")
