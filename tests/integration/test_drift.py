"""Drift end to end: rows synced to the sandbox, meetings changed "in the app" through the
sandbox's inspection endpoint, one drift check over real HTTP, on every backend."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from models import sync_log_table
from sandbox.server import SandboxServer
from tests.integration.driftenv import (
    change_from_app,
    check_once,
    insert_rows,
    start_of,
    with_drift,
)
from tests.integration.syncenv import (
    cli_env,
    insert,
    meeting_sync,
    remote,
    rows,
    run_pass,
    update,
    worker_config,
)
from worker.composition import build_ledger
from worker.status_report import collect_status
from worker.store.meetings import Store

CANCELLED = ("cal-3", "cal-17", "cal-40")
MOVED = ("cal-8", "cal-25")
RENAMED = ("cal-31",)


def sync_fifty(engine: Engine, url: str, sandbox: SandboxServer, **drift: object):  # type: ignore[no-untyped-def]
    config = with_drift(worker_config(url, sandbox, batch_size=25), **drift)
    insert_rows(engine, 50)
    assert run_pass(config, engine).counts["created"] == 50
    return config


def change_six(engine: Engine, sandbox: SandboxServer) -> None:
    table = rows(engine)
    for external_id in CANCELLED:
        change_from_app(sandbox, str(table[external_id].meeting_id), cancel=True)
    for external_id in MOVED:
        row = table[external_id]
        start = int(row.start_time.timestamp()) + 1800  # type: ignore[union-attr]
        change_from_app(sandbox, str(row.meeting_id), start_time=start, end_time=start + 3600)
    change_from_app(sandbox, str(table[RENAMED[0]].meeting_id), subject="Renamed in the app")


def test_one_check_finds_exactly_the_six_meetings_changed_in_the_app_and_names_what_differs(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = sync_fifty(engine, migrated_url, sandbox)
    before = rows(engine)
    change_six(engine, sandbox)

    _, report = check_once(config, engine)

    after = rows(engine)
    drifted = {e: r.remote_state for e, r in after.items() if r.remote_state}
    assert drifted == {
        **dict.fromkeys(CANCELLED, "cancelled"),
        **dict.fromkeys(MOVED, "changed"),
        **dict.fromkeys(RENAMED, "changed"),
    }
    assert report.counts["checked"] == 50
    for external_id in MOVED:
        differs = str(after[external_id].remote_differs)
        assert differs.startswith("start_time is ") and "; end_time is " in differs
        assert "subject" not in differs
    assert after["cal-31"].remote_differs == (
        "subject is 'Renamed in the app', the calendar says 'Meeting 31'"
    )
    for external_id in CANCELLED:
        assert after[external_id].remote_differs == "cancelled outside the calendar"
    for external_id, row in after.items():
        # Report only: the calendar's and the sync's columns are as they were.
        old = before[external_id]
        assert (row.sync_state, row.meeting_id, row.revision) == (
            "synced",
            old.meeting_id,
            old.revision,
        )
        assert row.drift_checked_at is not None
        assert (row.remote_seen_at is not None) == (external_id in drifted)
    status = collect_status(Store(engine), build_ledger(config, engine))
    assert status["drifted_by_state"] == {"cancelled": 3, "changed": 3}


def test_restore_makes_the_sandbox_agree_with_the_calendar_without_a_duplicate(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = sync_fifty(engine, migrated_url, sandbox, policy="restore")
    before = rows(engine)
    change_six(engine, sandbox)

    sync, report = check_once(config, engine)
    assert report.counts["restore_queued"] == 6
    sync.run()  # the next pass

    after = rows(engine)
    server = remote(sandbox)
    live = [m for m in server.values() if not m["cancelled"]]
    assert len(live) == 50  # one live meeting per row, no more
    assert Counter(m["subject"] for m in live) == Counter(r.subject for r in after.values())
    for external_id, row in after.items():
        meeting = server[str(row.meeting_id)]
        assert row.sync_state == "synced" and row.remote_state is None
        assert not meeting["cancelled"]
        assert meeting["subject"] == row.subject
        assert meeting["start_time"] == int(row.start_time.timestamp())  # type: ignore[union-attr]
        assert meeting["end_time"] == int(row.end_time.timestamp())  # type: ignore[union-attr]
        renewed = row.meeting_id != before[external_id].meeting_id
        assert renewed == (external_id in CANCELLED)
    with engine.connect() as db:
        logged = db.execute(
            select(sync_log_table.c.external_id, sync_log_table.c.action).where(
                sync_log_table.c.action.like("restore%")
            )
        ).all()
    assert sorted(logged) == sorted(
        [(e, "restore_create") for e in CANCELLED]
        + [(e, "restore_update") for e in (*MOVED, *RENAMED)]
    )
    # A second check finds nothing left to do.
    _, again = check_once(config, engine)
    assert again.counts.get("restore_queued", 0) == 0


def test_a_meeting_deleted_in_the_console_is_missing(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox))
    insert_rows(engine, 3)
    run_pass(config, engine)
    gone = rows(engine)["cal-1"]
    change_from_app(sandbox, str(gone.meeting_id), delete=True)

    check_once(config, engine)

    after = rows(engine)
    assert after["cal-1"].remote_state == "missing"
    assert {e for e, r in after.items() if r.remote_state} == {"cal-1"}


def test_an_edit_in_the_calendar_clears_what_a_check_found(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox))
    insert_rows(engine, 2)
    run_pass(config, engine)
    row = rows(engine)["cal-0"]
    change_from_app(sandbox, str(row.meeting_id), subject="From the app")
    check_once(config, engine)
    assert rows(engine)["cal-0"].remote_state == "changed"

    update(engine, "cal-0", subject="Agreed name")
    run_pass(config, engine)

    synced = rows(engine)["cal-0"]
    assert synced.sync_state == "synced" and synced.remote_state is None
    assert synced.remote_differs is None and synced.remote_seen_at is None
    assert remote(sandbox)[str(row.meeting_id)]["subject"] == "Agreed name"


def test_an_owner_is_read_again_only_when_one_of_its_meetings_is_due(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # alice's meetings start within soon_seconds, bob's later: only alice is due again.
    config = with_drift(
        worker_config(migrated_url, sandbox),
        soon_seconds=timedelta(hours=10).total_seconds(),
        soon_interval_seconds=0.001,
        later_interval_seconds=3600,
    )
    for i in range(4):
        soon, later = start_of(i), start_of(i) + timedelta(days=2)
        insert(engine, f"a-{i}", f"A {i}", userid="alice", start_time=soon,
               end_time=soon + timedelta(hours=1))  # fmt: skip
        insert(engine, f"b-{i}", f"B {i}", userid="bob", start_time=later,
               end_time=later + timedelta(hours=1))  # fmt: skip
    run_pass(config, engine)
    mark = len(sandbox.requests_log())
    _, first = check_once(config, engine)
    between = len(sandbox.requests_log())
    _, second = check_once(config, engine)

    def readers(entries: list[dict[str, object]]) -> list[object]:
        return [e["userid"] for e in entries if e["endpoint"] in ("list", "get")]

    log = sandbox.requests_log()
    assert sorted(readers(log[mark:between])) == ["alice", "bob"]
    assert readers(log[between:]) == ["alice"]
    assert first.counts["checked"] == 8 and second.counts["checked"] == 4


def test_once_check_drift_restores_in_one_run_and_prints_what_it_did(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox))
    insert_rows(engine, 4)
    run_pass(config, engine)
    table = rows(engine)
    change_from_app(sandbox, str(table["cal-0"].meeting_id), cancel=True)
    change_from_app(sandbox, str(table["cal-2"].meeting_id), subject="Changed in the app")
    env = cli_env(config, {"MEETING_SYNC_DRIFT_POLICY": "restore"})

    done = meeting_sync(["once", "--check-drift"], env)

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["drift"]["cancelled"] == 1 and printed["drift"]["changed"] == 1
    assert printed["drift"]["restore_queued"] == 2
    assert printed["created"] == 1 and printed["updated"] == 1
    server = remote(sandbox)
    after = rows(engine)
    live = {i for i, m in server.items() if not m["cancelled"]}
    assert live == {str(r.meeting_id) for r in after.values()} and len(live) == 4
    assert server[str(after["cal-2"].meeting_id)]["subject"] == "Meeting 2"


def test_a_meeting_cancelled_just_before_it_starts_is_reported_not_made_again(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox), policy="restore")
    now = datetime.now(UTC).replace(microsecond=0)
    insert(engine, "now-0", "Starting now", start_time=now + timedelta(seconds=30),
           end_time=now + timedelta(hours=1))  # fmt: skip
    run_pass(config, engine)
    meeting_id = str(rows(engine)["now-0"].meeting_id)
    change_from_app(sandbox, meeting_id, cancel=True)

    _, report = check_once(config, engine)

    row = rows(engine)["now-0"]
    assert report.counts["restore_too_late"] == 1 and "restore_queued" not in report.counts
    assert (row.sync_state, row.meeting_id, row.remote_state) == ("synced", meeting_id, "cancelled")
    assert len(remote(sandbox)) == 1


def test_a_rate_window_error_stops_the_check_and_pauses_every_worker(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(worker_config(migrated_url, sandbox))
    insert_rows(engine, 10)  # five users
    run_pass(config, engine)
    sandbox.set_faults(inject=[{"endpoint": "list", "action": "error", "error_code": 190310}])
    mark = len(sandbox.requests_log())

    _, report = check_once(config, engine)

    reads = [e for e in sandbox.requests_log()[mark:] if e["endpoint"] in ("list", "get")]
    assert len(reads) == 1 and reads[0]["error_code"] == 190310
    assert report.stopped == "quota error 190310"
    assert all(r.drift_checked_at is None for r in rows(engine).values())
    pauses = {p.scope: p.error_code for p in build_ledger(config, engine).pauses()}
    assert pauses == {"app:" + config.wemeet.app_id: 190310}


def test_a_cancelled_meeting_once_reported_is_not_asked_for_again(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = with_drift(
        worker_config(migrated_url, sandbox),
        soon_interval_seconds=0.001,
        later_interval_seconds=0.001,
    )
    insert_rows(engine, 5)
    run_pass(config, engine)
    change_from_app(sandbox, str(rows(engine)["cal-2"].meeting_id), cancel=True)

    def gets_of_a_check() -> int:
        mark = len(sandbox.requests_log())
        check_once(config, engine)
        return sum(1 for e in sandbox.requests_log()[mark:] if e["endpoint"] == "get")

    assert gets_of_a_check() == 1  # the list no longer shows it: one get says cancelled
    assert gets_of_a_check() == 0  # it cannot come back: report mode leaves it be
    assert rows(engine)["cal-2"].remote_state == "cancelled"
