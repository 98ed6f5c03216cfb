"""The TRTC provider's own rules through the real pass and the sandbox over HTTP: a lost
create adopted and brought to the row, a RoomId someone else holds, a reschedule whose
answer is lost, a cancel after a reschedule that did not finish, the name's limit, and a
wrong key opening the circuit."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from models import quota_pauses_table
from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import SOON, cli_env, make_pass, meeting_sync, rows, update
from tests.integration.syncenv import worker_config as base_config
from tests.integration.trtcenv import admin_client, insert_room, trtc_config, trtc_env
from worker.composition import build_ledger
from worker.config import Config
from worker.trtc.room import room_from_row

MOVED = SOON + timedelta(days=1)


def config_for(url: str, sandbox: SandboxServer) -> Config:
    # A failed row waits an hour: nothing is retried within the pass that failed it.
    config = base_config(url, sandbox, retry_base_seconds=3600, retry_max_seconds=3600)
    return dataclasses.replace(config, trtc=trtc_config(sandbox))


def run(engine: Engine, config: Config) -> dict[str, int]:
    return make_pass(config, engine).run().counts


def live(sandbox: SandboxServer) -> list[str]:
    return [r["room_id"] for r in sandbox.rooms() if r["state"] == "live"]


@SQLITE_ONLY
def test_a_lost_create_then_a_rename_is_one_room_with_the_new_name(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Draft")
    sandbox.set_room_faults(inject=[{"action": "drop", "command": "create_room"}])
    assert run(engine, config) == {"claimed": 1, "retry_later": 1}
    assert rows(engine)["r-1"].create_intent_at is not None and len(live(sandbox)) == 1

    update(engine, "r-1", subject="Final")
    assert run(engine, config) == {"claimed": 1, "updated": 1}
    row = rows(engine)["r-1"]
    [room] = sandbox.rooms()
    assert (row.sync_state, row.meeting_id) == ("synced", room["room_id"])
    assert (room["name"], room["state"]) == ("Final", "live")


@SQLITE_ONLY
def test_a_room_id_held_by_another_owner_fails_the_row_alone(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Mine")
    insert_room(engine, "r-2", "Also mine", MOVED)
    spec = room_from_row(rows(engine)["r-1"])
    client = admin_client(sandbox)
    client.create_room(dataclasses.replace(spec, owner="eve"))

    assert run(engine, config) == {"claimed": 2, "created": 1, "failed": 1}
    row = rows(engine)["r-1"]
    assert (row.sync_state, row.error_code) == ("failed", "local.room_id_taken")
    assert "'eve'" in (row.error_message or "")
    assert rows(engine)["r-2"].sync_state == "synced"


@SQLITE_ONLY
def test_a_reschedule_whose_create_answer_is_lost_leaves_one_live_room(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Planning")
    run(engine, config)
    old = rows(engine)["r-1"].meeting_id

    update(engine, "r-1", start_time=MOVED, end_time=MOVED + timedelta(hours=1))
    sandbox.set_room_faults(inject=[{"action": "drop", "command": "create_room"}])
    assert run(engine, config) == {"claimed": 1, "updated": 1}
    row = rows(engine)["r-1"]
    assert row.meeting_id != old and live(sandbox) == [row.meeting_id]
    assert len(sandbox.rooms()) == 2  # the old one, destroyed, and the new one


@SQLITE_ONLY
def test_a_cancel_after_an_unfinished_reschedule_destroys_both_rooms(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Planning")
    run(engine, config)
    update(engine, "r-1", start_time=MOVED, end_time=MOVED + timedelta(hours=1))
    # The new room is made, its answer lost; the retry finds it, and the look at it fails.
    sandbox.set_room_faults(
        inject=[
            {"action": "drop", "command": "create_room"},
            {"action": "error", "command": "get_room_info", "error_code": 100002},
        ]
    )
    assert run(engine, config) == {"claimed": 1, "failed": 1}
    assert len(live(sandbox)) == 2

    update(engine, "r-1", status="cancelled")
    assert run(engine, config) == {"claimed": 1, "cancelled": 1}
    assert live(sandbox) == [] and rows(engine)["r-1"].sync_state == "synced"


@SQLITE_ONLY
def test_a_subject_over_100_bytes_names_the_room_with_a_note_on_the_row(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert_room(engine, "r-1", "评审" * 20)  # 120 bytes of UTF-8
    assert run(engine, config_for(migrated_url, sandbox)) == {"claimed": 1, "created": 1}
    row = rows(engine)["r-1"]
    [room] = sandbox.rooms()
    assert room["name"] == "评审" * 16 + "评" and len(room["name"].encode()) == 99
    assert (row.sync_state, row.error_code) == ("synced", None)
    assert "120 bytes" in (row.error_message or "")


@SQLITE_ONLY
def test_a_wrong_key_opens_the_circuit_with_a_diagnosis_and_no_secret(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert_room(engine, "r-1", "Planning")
    insert_room(engine, "r-2", "Review", MOVED)
    wrong = "the-wrong-trtc-key-0123"
    env = cli_env(config_for(migrated_url, sandbox), trtc_env(sandbox, wrong))
    done = meeting_sync(["once"], env)
    assert done.returncode == 2, done.stderr
    output = done.stdout + done.stderr
    assert "70009" in output and "trtc.key" in output
    assert wrong not in output and sandbox.config.trtc.key not in output
    assert {r.sync_state for r in rows(engine).values()} == {"pending"}
    assert sandbox.room_stats()["stats"] == {"create_room:70009": 1}


@SQLITE_ONLY
def test_a_frequency_limit_pauses_that_api_for_every_worker_then_the_call_goes_through(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Planning")
    sandbox.set_room_faults(
        inject=[{"action": "error", "command": "create_room", "error_code": 60007}]
    )
    assert run(engine, config) == {"claimed": 1, "created": 1}
    stats = sandbox.room_stats()["stats"]
    assert (stats["create_room:60007"], stats["create_room:0"]) == (1, 1)
    # The pause (the second, plus the boundary slack) has run out by now, as the retry
    # waited for it: it was recorded on the API's own scope, and only there.
    with engine.connect() as db:
        recorded = db.execute(select(quota_pauses_table.c.scope, quota_pauses_table.c.error_code))
        paused = {scope: code for scope, code in recorded}
    assert paused == {f"trtc_api:{sandbox.config.trtc.sdkappid}:create_room": 60007}
    assert len(live(sandbox)) == 1


@SQLITE_ONLY
def test_the_trial_daily_quota_parks_rows_until_the_next_day(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Planning")
    insert_room(engine, "r-2", "Review", MOVED)
    sandbox.set_room_faults(
        inject=[{"action": "error", "command": "create_room", "error_code": 60028}]
    )
    assert run(engine, config) == {"claimed": 2, "deferred": 2}
    ledger = build_ledger(config, engine)
    [pause] = ledger.pauses()
    assert (pause.scope, pause.error_code) == (f"trtc:{sandbox.config.trtc.sdkappid}", 60028)
    tz = ZoneInfo(config.quota.time_zone)
    local = pause.until.astimezone(tz)
    assert (local.hour, local.minute) == (0, 0)  # the next day's midnight, plus the slack
    assert pause.until > datetime.now(UTC)
    for row in rows(engine).values():
        assert (row.sync_state, row.attempts) == ("pending", 0)  # not the rows' fault
        assert row.next_attempt_at is not None and row.next_attempt_at >= pause.until
    assert sandbox.rooms() == []


@SQLITE_ONLY
def test_a_cancel_after_a_reschedule_whose_write_back_was_lost_destroys_the_new_room(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert_room(engine, "r-1", "Planning")
    run(engine, config)
    old = rows(engine)["r-1"].meeting_id
    # The reschedule went through in TRTC (new room made, old one destroyed), and the row
    # never heard of it: it still names the old room.
    update(engine, "r-1", start_time=MOVED, end_time=MOVED + timedelta(hours=1))
    moved = room_from_row(rows(engine)["r-1"])
    client = admin_client(sandbox)
    client.create_room(moved)
    client.destroy_room(str(old))

    update(engine, "r-1", status="cancelled")
    assert run(engine, config) == {"claimed": 1, "cancelled": 1}
    assert live(sandbox) == []
