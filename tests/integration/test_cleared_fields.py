"""A field the calendar empties is emptied on the meeting too.

Each test sets a calendar-owned field, syncs, empties it with a plain SQL UPDATE (as a
calendar application would), syncs again, and checks what the sandbox now holds: the value
is gone, or back at the API's documented default. Where the API has no way to clear a field,
the meeting keeps it and the row's message says so. The sandbox keeps every field an update
leaves out, and merges settings key by key, so only a field that is really sent in its
clearing form passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import insert, remote, rows, run_pass, update, worker_config
from worker.domain.rows import MeetingRow

SQLITE_AND_POSTGRESQL = pytest.mark.parametrize(
    "db_url",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
    indirect=True,
)

Meeting = dict[str, Any]


def sync(engine: Engine, url: str, sandbox: SandboxServer) -> tuple[MeetingRow, Meeting]:
    """One pass; the row and its meeting as the sandbox holds it."""
    run_pass(worker_config(url, sandbox), engine)
    row = rows(engine)["cal-1"]
    assert row.sync_state == "synced" and row.error_code is None, row.error_message
    assert row.meeting_id is not None
    return row, remote(sandbox)[row.meeting_id]


def set_then_clear(
    engine: Engine,
    url: str,
    sandbox: SandboxServer,
    set_columns: dict[str, Any],
    cleared_columns: dict[str, Any],
    holds: Callable[[Meeting], bool],
) -> tuple[MeetingRow, Meeting]:
    insert(engine, "cal-1", "Weekly", **set_columns)
    _, before = sync(engine, url, sandbox)
    assert holds(before), before
    update(engine, "cal-1", **cleared_columns)
    row, after = sync(engine, url, sandbox)
    assert after["updates"] == 1
    return row, after


def settings_of(meeting: Meeting) -> dict[str, Any]:
    settings: dict[str, Any] = meeting["settings"]
    return settings


# Each calendar column with what sets it, an empty form a calendar may write, and what the
# sandbox's meeting shows while the value is there.
FIELDS = [
    pytest.param(
        {"password": "4321"}, {"password": ""}, lambda m: m.get("password") == "4321",
        id="password",
    ),
    pytest.param(
        {"location": "三楼 Room 3"}, {"location": None},
        lambda m: m.get("location") == "三楼 Room 3",
        id="location",
    ),
    pytest.param(
        {"hosts": json.dumps(["bob"])}, {"hosts": "[]"},
        lambda m: m["hosts"] == [{"userid": "bob"}],
        id="hosts",
    ),
    pytest.param(
        {"invitees": json.dumps(["bob", "carol"])}, {"invitees": None},
        lambda m: m["participants"] == [{"userid": "bob"}, {"userid": "carol"}],
        id="invitees",
    ),
]  # fmt: skip


@SQLITE_AND_POSTGRESQL
@pytest.mark.parametrize("set_columns,cleared_columns,holds", FIELDS)
def test_an_emptied_column_is_cleared_on_the_meeting(
    engine: Engine,
    migrated_url: str,
    sandbox: SandboxServer,
    set_columns: dict[str, Any],
    cleared_columns: dict[str, Any],
    holds: Callable[[Meeting], bool],
) -> None:
    # A time zone and a recording setting throughout, so nothing is left that the API
    # cannot clear: the synced row has no message.
    rest = {"time_zone": "Asia/Shanghai", "settings": json.dumps({"auto_record_type": "none"})}
    row, meeting = set_then_clear(
        engine, migrated_url, sandbox, {**rest, **set_columns}, cleared_columns, holds
    )
    assert not holds(meeting), meeting
    assert row.error_message is None


@SQLITE_AND_POSTGRESQL
def test_emptied_hosts_leave_the_creator_as_the_host(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    _, meeting = set_then_clear(
        engine, migrated_url, sandbox, {"hosts": json.dumps(["bob", "carol"])},
        {"hosts": None}, lambda m: len(m["hosts"]) == 2,
    )  # fmt: skip
    assert meeting["hosts"] == [{"userid": "alice"}]


# A managed setting set away from its default, and the documented default it returns to
# once the row's settings no longer set it (the key removed; other keys stay).
SETTINGS = [
    pytest.param("allow_in_before_host", False, {"allow_in_before_host": True}),
    pytest.param("allow_unmute_self", False, {"allow_unmute_self": True}),
    pytest.param("auto_in_waiting_room", True, {"auto_in_waiting_room": False}),
    pytest.param(
        "allow_screen_shared_watermark", True, {"allow_screen_shared_watermark": False}
    ),
    # mute_enable_type_join wins over mute_enable_join when both are held, so the reset
    # must bring both back, or a stale one would still decide.
    pytest.param(
        "mute_enable_join", False, {"mute_enable_join": True, "mute_enable_type_join": 2}
    ),
    pytest.param("mute_enable_type_join", 1, {"mute_enable_type_join": 2}),
    pytest.param("only_user_join_type", 2, {"only_user_join_type": 1}),
    pytest.param(
        "only_enterprise_user_allowed", True,
        {"only_enterprise_user_allowed": False, "only_user_join_type": 1},
    ),
]  # fmt: skip


@SQLITE_AND_POSTGRESQL
@pytest.mark.parametrize("key,value,defaults", SETTINGS)
def test_a_setting_removed_from_the_row_returns_to_its_default(
    engine: Engine,
    migrated_url: str,
    sandbox: SandboxServer,
    key: str,
    value: Any,
    defaults: dict[str, Any],
) -> None:
    # Another key stays set throughout: removing one key is not emptying the settings.
    kept = {"allow_unmute_self": True} if key != "allow_unmute_self" else {"mute_enable_join": True}
    row, meeting = set_then_clear(
        engine, migrated_url, sandbox,
        {"settings": json.dumps({key: value, **kept})}, {"settings": json.dumps(kept)},
        lambda m: settings_of(m).get(key) == value,
    )  # fmt: skip
    settings = settings_of(meeting)
    assert {k: settings.get(k) for k in defaults} == defaults
    assert {k: settings.get(k) for k in kept} == kept
    assert row.error_message is None or key not in row.error_message


@SQLITE_AND_POSTGRESQL
def test_emptied_settings_return_every_managed_setting_to_its_default(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    away = {
        "allow_in_before_host": False, "allow_unmute_self": False,
        "auto_in_waiting_room": True, "allow_screen_shared_watermark": True,
        "mute_enable_type_join": 0, "only_user_join_type": 3,
    }  # fmt: skip
    _, meeting = set_then_clear(
        engine, migrated_url, sandbox, {"settings": json.dumps(away)}, {"settings": None},
        lambda m: settings_of(m) == away,
    )  # fmt: skip
    assert settings_of(meeting) == {
        "allow_in_before_host": True, "allow_unmute_self": True,
        "auto_in_waiting_room": False, "allow_screen_shared_watermark": False,
        "mute_enable_join": True, "mute_enable_type_join": 2,
        "only_enterprise_user_allowed": False, "only_user_join_type": 1,
    }  # fmt: skip


@SQLITE_AND_POSTGRESQL
def test_an_emptied_time_zone_is_kept_and_the_row_says_so(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # The API has no way to take a meeting's time zone away (no empty form is documented,
    # and "" is no Oracle time zone): the meeting keeps it, and the row must not pretend.
    row, meeting = set_then_clear(
        engine, migrated_url, sandbox, {"time_zone": "Asia/Shanghai"}, {"time_zone": None},
        lambda m: m.get("time_zone") == "Asia/Shanghai",
    )  # fmt: skip
    assert meeting["time_zone"] == "Asia/Shanghai"
    assert row.error_message is not None and "time_zone" in row.error_message


@SQLITE_AND_POSTGRESQL
def test_a_removed_auto_record_type_is_kept_and_the_row_says_so(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # Automatic recording has no documented default (the enterprise's policy decides it and
    # may lock it), so no value can be sent back in its place.
    row, meeting = set_then_clear(
        engine, migrated_url, sandbox,
        {"settings": json.dumps({"auto_record_type": "cloud"})}, {"settings": "{}"},
        lambda m: settings_of(m).get("auto_record_type") == "cloud",
    )  # fmt: skip
    assert settings_of(meeting)["auto_record_type"] == "cloud"
    assert row.error_message is not None and "auto_record_type" in row.error_message
