"""A deployment with `[trtc]` alone, no Tencent Meeting credentials: a real `meeting-sync
once` serves the room rows; a Tencent Meeting row fails alone, saying what to configure;
with neither provider configured the worker refuses to start."""

from __future__ import annotations

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import cli_env, insert, meeting_sync, rows, worker_config
from tests.integration.trtcenv import TRTC, insert_room, trtc_env
from worker.cli import EXIT_CONFIG

WEMEET_CREDENTIALS = ("APP_ID", "SECRET_ID", "SECRET_KEY")


def without_wemeet(env: dict[str, str]) -> dict[str, str]:
    return {
        k: v
        for k, v in env.items()
        if k.removeprefix("MEETING_SYNC_WEMEET_") not in WEMEET_CREDENTIALS
    }


def test_trtc_alone_syncs_rooms_and_a_wemeet_row_fails_naming_the_settings(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    env = without_wemeet(cli_env(worker_config(migrated_url, sandbox), trtc_env(sandbox)))
    insert_room(engine, "room-1", "房间 1")
    insert_room(engine, "room-2", "Room 2", invitees='["bob"]')
    insert(engine, "meeting-1", "A Tencent Meeting row")
    insert(engine, "meeting-2", "Its provider left NULL", provider=None)

    done = meeting_sync(["once"], env)

    assert done.returncode == 0, done.stderr
    assert env["MEETING_SYNC_TRTC_KEY"] not in done.stdout + done.stderr
    table = rows(engine)
    live = {r["room_id"] for r in sandbox.rooms() if r["state"] == "live"}
    for external_id in ("room-1", "room-2"):
        row = table[external_id]
        assert (row.provider, row.sync_state) == (TRTC, "synced"), row.error_message
        assert row.meeting_id in live
    assert len(live) == 2
    for external_id in ("meeting-1", "meeting-2"):
        row = table[external_id]
        assert (row.sync_state, row.error_code) == ("failed", "local.unknown_provider")
        message = row.error_message or ""
        assert "'wemeet' (Tencent Meeting) is not configured" in message
        assert "wemeet.app_id (or MEETING_SYNC_WEMEET_APP_ID)" in message
        assert "wemeet.secret_key" in message and "'trtc_room'" in message
    assert sandbox.stats()["total"] == 0  # nothing was sent to Tencent Meeting


def test_neither_provider_configured_still_exits_2_naming_the_credentials(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "meeting-1", "Waits for credentials")
    env = without_wemeet(cli_env(worker_config(migrated_url, sandbox)))

    done = meeting_sync(["once"], env)

    assert done.returncode == EXIT_CONFIG
    (line,) = done.stderr.strip().splitlines()
    assert "missing credentials: wemeet.app_id (or MEETING_SYNC_WEMEET_APP_ID)" in line
    assert rows(engine)["meeting-1"].sync_state == "pending"  # nothing was attempted
