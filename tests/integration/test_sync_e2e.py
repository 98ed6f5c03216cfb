"""The product end to end: calendar rows → sandbox over real HTTP → rows, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, text

from models import quota_events_table
from sandbox.server import SandboxServer
from tests.fixtures.sandbox import client_credentials
from tests.integration.syncenv import (
    SOON,
    insert,
    make_pass,
    remote,
    rows,
    run_pass,
    update,
    worker_config,
)
from worker.domain.rows import MeetingRow
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.meeting import MeetingSpec

SUBJECTS = ["周会", "Design review 🎨", "Ünïcödé stand-up", "季度规划 📅", "1:1"]


def subject_of(i: int) -> str:
    return f"{SUBJECTS[i % len(SUBJECTS)]} #{i}"


def assert_agrees(row: MeetingRow, meeting: dict[str, object]) -> None:
    assert meeting["subject"] == row.subject
    assert int(str(meeting["start_time"])) == int(row.start_time.timestamp())  # type: ignore[union-attr]
    assert int(str(meeting["end_time"])) == int(row.end_time.timestamp())  # type: ignore[union-attr]
    assert meeting["meeting_code"] == row.meeting_code
    assert meeting["join_url"] == row.join_url


def test_fifty_rows_are_created_edited_cancelled_and_agree_with_the_api(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox, batch_size=20)
    for i in range(50):
        start = SOON + timedelta(hours=i)
        insert(
            engine, f"cal-{i}", subject_of(i), start_time=start, end_time=start + timedelta(hours=1)
        )

    report = run_pass(config, engine)

    assert report.counts["created"] == 50
    table = rows(engine)
    server = remote(sandbox)
    assert len(server) == 50
    for row in table.values():
        assert row.sync_state == "synced" and row.error_code is None
        assert row.meeting_id is not None and len(row.meeting_code or "") == 9
        assert_agrees(row, server[row.meeting_id])

    # Plain UPDATEs, as a calendar application makes them.
    update(engine, "cal-1", subject="周会（改期）")
    update(
        engine,
        "cal-2",
        start_time=SOON + timedelta(days=3),
        end_time=SOON + timedelta(days=3, hours=2),
    )
    update(engine, "cal-3", status="cancelled")
    assert rows(engine)["cal-1"].sync_state == "pending"

    report = run_pass(config, engine)

    assert report.counts == {"claimed": 3, "updated": 2, "cancelled": 1}
    table, server = rows(engine), remote(sandbox)
    assert len(server) == 50  # edits never create
    for key in ("cal-1", "cal-2"):
        assert table[key].sync_state == "synced" and table[key].synced_revision == 2
        assert_agrees(table[key], server[table[key].meeting_id or ""])
    assert server[table["cal-3"].meeting_id or ""]["state"] == "MEETING_STATE_CANCELLED"
    assert table["cal-3"].sync_state == "synced"
    live = [m for m in server.values() if m["state"] != "MEETING_STATE_CANCELLED"]
    assert len(live) == 49


def test_a_second_pass_with_nothing_due_sends_nothing(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    config = worker_config(migrated_url, sandbox)
    insert(engine, "cal-1", "Weekly")
    run_pass(config, engine)
    sent = sandbox.stats()["total"]

    report = run_pass(config, engine)

    assert report.counts == {}
    assert sandbox.stats()["total"] == sent


def test_rejected_rows_carry_the_exact_code_and_message_and_the_rest_still_sync(
    engine: Engine, migrated_url: str, sandbox_factory: object
) -> None:
    server: SandboxServer = sandbox_factory(users=("alice",))  # type: ignore[operator]
    config = worker_config(migrated_url, server)
    insert(engine, "ok-1", "Fine")
    insert(engine, "sensitive", "敏感词 briefing")
    insert(engine, "stranger", "Hello", userid="mallory")
    insert(engine, "ok-2", "Also fine")
    insert(engine, "backwards", "Oops", end_time=SOON - timedelta(hours=1))

    run_pass(config, engine)

    table = rows(engine)
    assert {k for k, r in table.items() if r.sync_state == "synced"} == {"ok-1", "ok-2"}
    failures = {
        k: (r.error_code, r.error_message) for k, r in table.items() if r.sync_state == "failed"
    }
    assert failures["sensitive"][0] == "9093"
    assert failures["stranger"][0] == "20001"
    assert failures["backwards"][0] == "local.end_not_after_start"
    errors = {
        str(e["error_code"]): e["message"] for e in server.requests_log() if e.get("error_code")
    }
    assert failures["sensitive"][1].startswith(str(errors["9093"]))
    assert failures["stranger"][1].startswith(str(errors["20001"]))
    assert "end_time" in (failures["backwards"][1] or "")
    assert len(server.meetings()) == 2


def test_an_edit_committed_while_the_call_is_in_flight_is_synced_next(
    engine: Engine, migrated_url: str, sandbox_factory: object
) -> None:
    server: SandboxServer = sandbox_factory(latency_ms=200)  # type: ignore[operator]
    config = worker_config(migrated_url, server)
    insert(engine, "cal-1", "Before")
    edits: list[str] = []

    def edit_while_in_flight(row: MeetingRow, operation: str) -> None:
        # Runs after the API answered and before the write-back: the worst moment for an edit.
        if not edits:
            edits.append(operation)
            update(engine, "cal-1", subject="After")

    make_pass(config, engine, after_call=edit_while_in_flight).run()

    row = rows(engine)["cal-1"]
    assert edits == ["create"]
    assert row.sync_state == "synced" and row.revision == 2 and row.synced_revision == 2
    (meeting,) = server.meetings()
    assert meeting["subject"] == "After"
    assert meeting["meeting_id"] == row.meeting_id


def test_a_row_whose_lease_is_gone_by_its_grant_sends_nothing_and_spends_no_quota(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Taken over")
    sync = make_pass(worker_config(migrated_url, sandbox), engine)
    claim = sync.store.claim

    def claim_then_lose_the_lease(**kwargs: Any) -> list[MeetingRow]:
        claimed = claim(**kwargs)
        # Another worker took the rows over meanwhile (this one's lease ran out).
        with engine.begin() as db:
            db.execute(text("UPDATE meetings SET lease_owner = 'someone else'"))
        return claimed

    sync.store.claim = claim_then_lose_the_lease  # type: ignore[method-assign]
    report = sync.run()

    assert report.counts == {"claimed": 1, "lease_lost": 1}
    assert sandbox.stats()["total"] == 0
    row = rows(engine)["cal-1"]
    assert row.create_intent_at is None and row.lease_owner == "someone else"
    with engine.connect() as db:
        assert db.scalar(select(func.count()).select_from(quota_events_table)) == 0


def test_rows_are_planned_on_the_database_clock_plus_the_time_since_the_claim(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    start = datetime.now(UTC) + timedelta(minutes=10)
    insert(engine, "cal-1", "Soon", start_time=start, end_time=start + timedelta(hours=1))
    # An hour passes on this host between the claim and the row's turn (a long quota wait).
    readings = iter([0.0])
    sync = make_pass(
        worker_config(migrated_url, sandbox),
        engine,
        monotonic=lambda: next(readings, 3600.0),
    )
    report = sync.run()

    assert report.counts == {"claimed": 1, "failed": 1}
    assert rows(engine)["cal-1"].error_code == "local.start_in_past"
    assert sandbox.stats()["total"] == 0


def test_a_reconciliation_asks_again_for_the_page_that_failed_not_the_whole_list(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # 25 meetings of bob's start at the same moment: the lost create is on the second page.
    start = SOON + timedelta(hours=3)
    maker = WemeetClient(AkSkAuth(client_credentials(sandbox.credentials)), sandbox.base_url)
    made = {
        f"Standup {i}": maker.create_meeting(
            MeetingSpec("bob", f"Standup {i}", start, start + timedelta(hours=1))
        ).meeting_id
        for i in range(25)
    }
    insert(
        engine, "cal-1", "Standup 22", userid="bob", start_time=start,
        end_time=start + timedelta(hours=1), create_intent_at=datetime.now(UTC),
    )  # fmt: skip
    sync = make_pass(worker_config(migrated_url, sandbox), engine)
    assert sync.gate is not None
    reserve = sync.gate.ledger.reserve
    reservations = 0

    def second_page_fails_once(*args: Any) -> Any:
        nonlocal reservations
        reservations += 1
        if reservations == 2:  # the second page's first attempt: the API fails it
            sandbox.set_faults(inject=[{"endpoint": "list", "action": "fail"}])
        return reserve(*args)

    sync.gate.ledger.reserve = second_page_fails_once  # type: ignore[method-assign]
    report = sync.run()

    assert report.counts == {"claimed": 1, "adopted": 1}
    assert rows(engine)["cal-1"].meeting_id == made["Standup 22"]
    stats = sandbox.stats()
    # Page 1, page 2 failed, page 2 again; each of them reserved from the quota.
    assert stats["by_endpoint"]["list"]["total"] == 3
    assert stats["by_status"]["500"] == 1
    assert reservations == 3
