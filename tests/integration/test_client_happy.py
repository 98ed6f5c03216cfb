"""The client against the sandbox over real HTTP: the calls a sync makes, end to end."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import client_credentials
from worker.domain.calls import CallRecord
from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.errors import classify_error
from worker.wemeet.meeting import MeetingSpec

SUBJECT = "周会 · 发布评审 🚀"
ODD_USER = "李雷@example.com"


# One base for the whole module: a base taken at each call moves when a second turns
# between two calls, and a listing "from" a moment would then miss what was made at it.
BASE = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def future(hours: float) -> datetime:
    return BASE + timedelta(hours=hours)


def spec(userid: str, subject: str = SUBJECT, at: float = 0, **extra: Any) -> MeetingSpec:
    return MeetingSpec(
        userid=userid, subject=subject, start=future(at), end=future(at + 1), **extra
    )


@pytest.fixture
def server(sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(users=("alice", "bob", ODD_USER))


@pytest.fixture
def client(server: SandboxServer) -> WemeetClient:
    return WemeetClient(
        AkSkAuth(client_credentials(server.credentials)), server.base_url, read_timeout=5.0
    )


def test_create_with_chinese_and_emoji_subject_then_get(
    server: SandboxServer, client: WemeetClient
) -> None:
    wanted = spec("alice", time_zone="Asia/Shanghai", password="4321")
    created = client.create_meeting(wanted)
    assert created.meeting_id and created.meeting_code and created.join_url
    assert created.subject == SUBJECT

    (held,) = server.meetings()
    assert held["subject"] == SUBJECT
    assert held["meeting_id"] == created.meeting_id

    got = client.get_meeting(created.meeting_id, "alice")
    assert got.subject == SUBJECT
    assert (got.start_time, got.end_time) == (wanted.start, wanted.end)
    assert got.status == "MEETING_STATE_INIT"
    assert got.meeting_code == created.meeting_code


def test_a_userid_that_needs_percent_encoding_is_signed_as_sent(client: WemeetClient) -> None:
    created = client.create_meeting(spec(ODD_USER, subject="encoding"))
    got = client.get_meeting(created.meeting_id, ODD_USER)
    assert got.meeting_id == created.meeting_id
    listed = client.list_user_meetings(ODD_USER)
    assert [m.meeting_id for m in listed] == [created.meeting_id]


def test_update_changes_what_the_server_holds(client: WemeetClient) -> None:
    created = client.create_meeting(spec("alice", subject="before"))
    moved = spec("alice", subject="after · 之后", at=3)
    updated = client.update_meeting(created.meeting_id, moved)
    assert updated.meeting_id == created.meeting_id
    got = client.get_meeting(created.meeting_id, "alice")
    assert got.subject == "after · 之后"
    assert (got.start_time, got.end_time) == (moved.start, moved.end)


def test_list_pages_past_twenty_and_returns_each_meeting_once(
    server: SandboxServer, client: WemeetClient
) -> None:
    made = {client.create_meeting(spec("bob", subject=f"m{i}", at=i)).meeting_id for i in range(25)}
    client.create_meeting(spec("alice", subject="not bob's"))
    records: list[CallRecord] = []
    lister = WemeetClient(
        AkSkAuth(client_credentials(server.credentials)), server.base_url, on_call=records.append
    )
    listed = lister.list_user_meetings("bob")
    assert [m.meeting_id for m in listed if m.meeting_id in made] == [m.meeting_id for m in listed]
    assert {m.meeting_id for m in listed} == made
    assert len(listed) == 25
    assert len(records) >= 2  # more than one page
    assert all(r.endpoint == "list" and r.ok for r in records)


def test_list_from_a_position_skips_earlier_meetings(client: WemeetClient) -> None:
    early = client.create_meeting(spec("alice", subject="early", at=0))
    late = client.create_meeting(spec("alice", subject="late", at=10))
    listed = client.list_user_meetings("alice", pos=int(future(5).timestamp()))
    ids = {m.meeting_id for m in listed}
    assert late.meeting_id in ids
    assert early.meeting_id not in ids


def test_list_until_a_start_time_stops_at_the_first_page_past_it(
    server: SandboxServer, client: WemeetClient
) -> None:
    # 25 meetings at each of three moments: a listing of the first moment needs two pages
    # (20 + 5 of them), not all four.
    at = {h: {client.create_meeting(spec("bob", f"{h}-{i}", at=h)).meeting_id for i in range(25)}
          for h in (1, 2, 3)}  # fmt: skip
    records: list[CallRecord] = []
    lister = WemeetClient(
        AkSkAuth(client_credentials(server.credentials)), server.base_url, on_call=records.append
    )
    moment = int(future(1).timestamp())
    listed = {m.meeting_id for m in lister.list_user_meetings("bob", pos=moment, until=moment)}
    assert at[1] <= listed
    assert not listed & at[3]
    assert len(records) == 2
    everything = {m.meeting_id for m in lister.list_user_meetings("bob", pos=moment)}
    assert everything == at[1] | at[2] | at[3]
    assert len(records) == 2 + 4


def test_cancel_then_cancel_again_is_done(server: SandboxServer, client: WemeetClient) -> None:
    created = client.create_meeting(spec("alice", subject="to cancel"))
    client.cancel_meeting(created.meeting_id, "alice")
    assert client.get_meeting(created.meeting_id, "alice").status == "MEETING_STATE_CANCELLED"
    try:
        client.cancel_meeting(created.meeting_id, "alice")
    except ApiError as exc:  # the API may answer 9003 for a cancelled meeting
        assert classify_error(exc, "cancel") is ErrorKind.DONE
    (held,) = server.meetings()
    assert held["meeting_id"] == created.meeting_id
