"""Each limit and fault the error table (seed 002) names, through the sandbox's exact fault
queue: what waits, for how long, and what goes on beside it.

The worker never waits in-process here (``quota.max_wait_seconds = 0``): a call that must
wait is handed back with its time in ``next_attempt_at``, so nothing depends on how fast
the machine is. The claim takes rows never tried first, then by id, so the rows inserted
first meet the fault and the ones after show what goes on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text, update

from models import quota_pauses_table
from sandbox.server import SandboxServer
from tests.integration.syncenv import SOON, insert, remote, rows, run_pass, worker_config
from tests.integration.syncenv import update as edit
from worker.composition import build_ledger
from worker.config import Config, QuotaConfig
from worker.store.meetings import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
SLACK = timedelta(seconds=2)  # the ledger's default boundary slack
LATER = SOON + timedelta(days=30)


def config_for(url: str, sandbox: SandboxServer, **worker: float) -> Config:
    return replace(worker_config(url, sandbox, **worker), quota=QuotaConfig(max_wait_seconds=0.0))


def calls(sandbox: SandboxServer, endpoint: str) -> int:
    return int(sandbox.stats()["by_endpoint"].get(endpoint, {}).get("total", 0))


def pauses(config: Config, engine: Engine) -> dict[str, tuple[int, datetime]]:
    return {p.scope: (p.error_code, p.until) for p in build_ledger(config, engine).pauses()}


def inject(sandbox: SandboxServer, endpoint: str, code: int) -> None:
    sandbox.set_faults(inject=[{"endpoint": endpoint, "action": "error", "error_code": code}])


def next_shanghai_midnight(now: datetime) -> datetime:
    day = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    return datetime.combine(day, time(0), SHANGHAI)


def test_one_interfaces_daily_cap_parks_that_interface_and_the_others_go_on(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    # Two creates held back by sync_after, so that they come first in the second pass.
    insert(engine, "new-1", "Planning", sync_after=LATER)
    insert(engine, "new-2", "Retro", sync_after=LATER)
    insert(engine, "moved", "Standup")
    insert(engine, "dropped", "Offsite")
    run_pass(config, engine)
    edit(engine, "new-1", sync_after=None)
    edit(engine, "new-2", sync_after=None)
    edit(engine, "moved", subject="Standup, later")
    edit(engine, "dropped", status="cancelled")
    inject(sandbox, "create", 190312)

    run_pass(config, engine)

    table = rows(engine)
    paused = pauses(config, engine)
    key = f"app_op:{config.wemeet.app_id}:create"
    assert list(paused) == [key]
    code, until = paused[key]
    assert code == 190312
    assert until == next_shanghai_midnight(Store(engine).now()) + SLACK
    # The creates wait for the day's reset: the first was refused, the second never sent.
    for name in ("new-1", "new-2"):
        row = table[name]
        assert (row.sync_state, row.error_code, row.attempts) == ("pending", "190312", 0)
        assert row.next_attempt_at == until and row.create_intent_at is None
    assert calls(sandbox, "create") == 2 + 1
    # The update and the cancel after them went on.
    meetings = remote(sandbox)
    moved, dropped = table["moved"], table["dropped"]
    assert moved.sync_state == "synced" and dropped.sync_state == "synced"
    assert meetings[str(moved.meeting_id)]["subject"] == "Standup, later"
    assert meetings[str(dropped.meeting_id)]["cancelled"] is True


def test_queries_too_frequent_back_off_the_lookups_while_the_rest_goes_on(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # A lost create comes back in an hour, not within the same pass.
    config = config_for(migrated_url, sandbox, retry_base_seconds=3600, retry_max_seconds=3600)
    insert(engine, "lost-1", "Planning")
    insert(engine, "lost-2", "Retro")
    insert(engine, "moved", "Standup")
    insert(engine, "dropped", "Offsite")
    # The first two creates are made, and their answers lost: each row must look its
    # meeting up (a list) before anything else.
    sandbox.set_faults(
        inject=[{"endpoint": "create", "action": "drop"}, {"endpoint": "create", "action": "drop"}]
    )
    run_pass(config, engine)
    assert all(rows(engine)[n].create_intent_at is not None for n in ("lost-1", "lost-2"))
    edit(engine, "moved", subject="Standup, later")
    edit(engine, "dropped", status="cancelled")
    insert(engine, "new", "Review")
    with engine.begin() as db:
        # Due now, and first in the claim's order (as rows never tried): the calls that
        # follow the refusal are the other rows'.
        db.execute(text("UPDATE meetings SET next_attempt_at = NULL"))
    inject(sandbox, "list", 9061)

    run_pass(config, engine)

    table = rows(engine)
    ((scope, (code, until)),) = pauses(config, engine).items()
    assert (scope, code) == (f"app_query:{config.wemeet.app_id}", 9061)
    # Both lookups wait for the minute to turn; the second was never sent.
    for name in ("lost-1", "lost-2"):
        row = table[name]
        assert (row.sync_state, row.error_code, row.meeting_id) == ("pending", "9061", None)
        assert row.create_intent_at is not None and row.next_attempt_at == until
    assert calls(sandbox, "list") == 1
    assert until - Store(engine).now() <= timedelta(seconds=60) + SLACK
    # Creates, updates and cancels are no queries: they went on.
    assert {table[n].sync_state for n in ("moved", "dropped", "new")} == {"synced"}
    assert remote(sandbox)[str(table["dropped"].meeting_id)]["cancelled"] is True


def test_9008_parks_the_creators_creates_for_the_minute_then_the_day_others_go_on(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert(engine, "alice-1", "Planning", userid="alice")
    insert(engine, "alice-2", "Retro", userid="alice")
    insert(engine, "bob-1", "Standup", userid="bob")
    insert(engine, "bob-2", "Offsite", userid="bob")
    inject(sandbox, "create", 9008)

    run_pass(config, engine)

    table = rows(engine)
    key = f"user_create:{config.wemeet.app_id}:alice"
    ((scope, (code, minute)),) = pauses(config, engine).items()
    assert (scope, code) == (key, 9008)
    assert minute - Store(engine).now() <= timedelta(seconds=60) + SLACK
    for name in ("alice-1", "alice-2"):
        row = table[name]
        assert (row.sync_state, row.error_code, row.attempts) == ("pending", "9008", 0)
        assert row.next_attempt_at == minute
    assert table["bob-1"].sync_state == "synced" and table["bob-2"].sync_state == "synced"
    assert calls(sandbox, "create") == 3  # alice's second create was never sent

    # The minute passes (the pause and the rows' wait run out, as the clock would make
    # them), and the retry is refused again: the minute was not the cause.
    past = Store(engine).now() - timedelta(seconds=1)
    with engine.begin() as db:
        db.execute(update(quota_pauses_table).values(until=past))
        db.execute(
            text("UPDATE meetings SET next_attempt_at = :t WHERE userid = 'alice'"), {"t": past}
        )
    inject(sandbox, "create", 9008)

    run_pass(config, engine)

    day = next_shanghai_midnight(Store(engine).now()) + SLACK
    assert pauses(config, engine) == {key: (9008, day)}
    table = rows(engine)
    for name in ("alice-1", "alice-2"):
        row = table[name]
        assert (row.sync_state, row.error_code, row.next_attempt_at) == ("pending", "9008", day)
    assert calls(sandbox, "create") == 4


def test_too_many_concurrent_meetings_is_retried_after_a_long_back_off(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert(engine, "busy", "Planning")
    insert(engine, "other", "Retro")
    inject(sandbox, "create", 9098)

    run_pass(config, engine)

    table = rows(engine)
    busy = table["busy"]
    now = Store(engine).now()
    assert (busy.sync_state, busy.error_code, busy.attempts) == ("pending", "9098", 0)
    assert busy.error_message and busy.error_message.startswith("injected error")
    assert busy.next_attempt_at is not None
    wait = busy.next_attempt_at - now
    assert timedelta(minutes=29) <= wait <= timedelta(hours=1)
    # The API refused it outright: no meeting to look for when it comes back.
    assert busy.create_intent_at is None and busy.meeting_id is None
    assert table["other"].sync_state == "synced"
    assert pauses(config, engine) == {}


def test_a_body_the_api_cannot_parse_opens_the_circuit_instead_of_failing_rows(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = config_for(migrated_url, sandbox)
    insert(engine, "first", "Planning")
    insert(engine, "second", "Retro")
    inject(sandbox, "create", 200005)

    report = run_pass(config, engine)

    assert report.circuit_code == "200005"
    assert report.diagnosis and "proxy" in report.diagnosis
    table = rows(engine)
    assert {(r.sync_state, r.error_code) for r in table.values()} == {("pending", None)}
    assert table["first"].create_intent_at is None
    assert calls(sandbox, "create") == 1  # nothing more was sent
