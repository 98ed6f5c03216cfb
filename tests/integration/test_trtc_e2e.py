"""End to end with real `meeting-sync once` processes on every backend: one table holding
rows of both providers, created, renamed, moved and cancelled; then TRTC rows under lost
answers. The sandbox must agree with the table row for row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    SOON,
    cli_env,
    insert,
    meeting_sync,
    remote,
    rows,
    update,
    worker_config,
)
from tests.integration.trtcenv import TRTC, insert_room, trtc_env

MOVED = SOON + timedelta(days=1, hours=3)


def env_for(url: str, sandbox: SandboxServer) -> dict[str, str]:
    return cli_env(worker_config(url, sandbox), trtc_env(sandbox))


def once(env: dict[str, str]) -> None:
    done = meeting_sync(["once"], env)
    assert done.returncode == 0, done.stderr
    assert env["MEETING_SYNC_TRTC_KEY"] not in done.stdout + done.stderr


def live_rooms(sandbox: SandboxServer) -> dict[str, dict[str, Any]]:
    return {r["room_id"]: r for r in sandbox.rooms() if r["state"] == "live"}


def assert_rooms_agree(engine: Engine, sandbox: SandboxServer) -> None:
    """Each TRTC row holds exactly the one live room that carries it; no other room lives."""
    table = [r for r in rows(engine).values() if r.provider == TRTC]
    live = live_rooms(sandbox)
    expected: set[str] = set()
    for row in table:
        assert row.sync_state == "synced", (row.external_id, row.error_code, row.error_message)
        assert row.meeting_id is not None and row.join_url == row.meeting_id
        if row.status == "cancelled":
            assert row.meeting_id not in live, row.external_id
            continue
        room = live[row.meeting_id]
        assert row.start_time is not None and row.end_time is not None
        assert (room["name"], room["owner"]) == (row.subject, row.userid)
        assert (room["start"], room["end"]) == (
            int(row.start_time.timestamp()),  # type: ignore[union-attr]
            int(row.end_time.timestamp()),  # type: ignore[union-attr]
        )
        assert row.meeting_code == row.meeting_id
        expected.add(row.meeting_id)
    assert set(live) == expected


def test_both_providers_in_one_table_created_edited_and_cancelled(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    env = env_for(migrated_url, sandbox)
    for n in range(1, 4):
        start = SOON + timedelta(hours=n)
        end = start + timedelta(hours=1)
        insert(engine, f"w-{n}", f"Meeting {n}", start_time=start, end_time=end)
        insert_room(engine, f"r-{n}", f"房间 {n}", start, invitees='["bob", "carol"]')
    once(env)
    assert_rooms_agree(engine, sandbox)
    assert len(sandbox.rooms()) == 3
    meetings = remote(sandbox)
    for n in range(1, 4):
        row = rows(engine)[f"w-{n}"]
        assert row.sync_state == "synced"
        assert meetings[str(row.meeting_id)]["subject"] == f"Meeting {n}"
    assert live_rooms(sandbox)[str(rows(engine)["r-1"].meeting_id)]["invitees"] == ["bob", "carol"]

    before = rows(engine)
    update(engine, "r-1", subject="房间 1 (renamed)")
    update(engine, "w-1", subject="Meeting 1 (renamed)")
    update(engine, "r-2", start_time=MOVED, end_time=MOVED + timedelta(minutes=30))
    update(engine, "w-2", start_time=MOVED, end_time=MOVED + timedelta(minutes=30))
    update(engine, "r-3", status="cancelled")
    update(engine, "w-3", status="cancelled")
    once(env)

    after = rows(engine)
    assert_rooms_agree(engine, sandbox)
    # A rename keeps the room; a move makes a new one (new join data) and destroys the old.
    assert after["r-1"].meeting_id == before["r-1"].meeting_id
    assert after["r-2"].meeting_id != before["r-2"].meeting_id
    assert after["r-2"].join_url != before["r-2"].join_url
    history = {r["room_id"]: r for r in sandbox.rooms()}
    assert history[str(before["r-2"].meeting_id)]["state"] == "destroyed"
    assert history[str(before["r-3"].meeting_id)]["state"] == "destroyed"
    assert len(history) == 4  # three made at first, one more by the move
    meetings = remote(sandbox)
    assert meetings[str(after["w-1"].meeting_id)]["subject"] == "Meeting 1 (renamed)"
    assert meetings[str(after["w-2"].meeting_id)]["start_time"] == int(MOVED.timestamp())
    assert meetings[str(after["w-3"].meeting_id)]["cancelled"]
    assert all(after[k].sync_state == "synced" for k in ("w-1", "w-2", "w-3"))


def test_with_lost_answers_on_30_percent_of_creates_every_row_holds_exactly_one_room(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    env = env_for(migrated_url, sandbox)
    count = 20
    for n in range(count):
        start = SOON + timedelta(minutes=10 * n)
        insert_room(engine, f"r-{n}", f"Room {n}", start, timedelta(minutes=30))
    insert(engine, "w-0", "A Tencent Meeting beside them")
    sandbox.set_room_faults(drop_rates={"create_room": 0.3})

    def sync_until_settled() -> None:
        # Each lost answer sends its row to a later attempt; a few runs settle them all.
        for _ in range(10):
            once(env)
            if all(r.sync_state == "synced" for r in rows(engine).values()):
                return
        raise AssertionError({k: r.error_code for k, r in rows(engine).items()})

    sync_until_settled()
    assert_rooms_agree(engine, sandbox)
    assert len(sandbox.rooms()) == count  # never a second room for a row
    assert sandbox.room_stats()["stats"].get("create_room:dropped", 0) > 0

    # Moving every row makes every room anew, still under lost answers.
    for n in range(count):
        start = MOVED + timedelta(minutes=10 * n)
        update(engine, f"r-{n}", start_time=start, end_time=start + timedelta(minutes=45))
    sync_until_settled()
    assert_rooms_agree(engine, sandbox)
    assert len(live_rooms(sandbox)) == count
    assert len(sandbox.rooms()) == 2 * count
