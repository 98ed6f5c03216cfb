"""Fewer round trips per meeting, safety unchanged: a row's outcome commits in the next
call's quota reservation, and what no reservation carried in one transaction per group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from sandbox.server import SandboxServer
from tests.integration.syncenv import SOON, insert, make_pass, rows, worker_config


def test_a_batch_of_creates_costs_one_commit_per_meeting(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    count = 20
    for i in range(count):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    sync = make_pass(worker_config(migrated_url, sandbox, batch_size=count), engine)
    commits = 0

    def counted(*args: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(engine, "commit", counted)
    try:
        report = sync.run()
    finally:
        event.remove(engine, "commit", counted)

    assert report.counts == {"claimed": count, "created": count}
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}
    # One per reservation (the create's quota, its intent marker and the outcome of the
    # row before it); per batch, the claim, the last outcome, the call log and the claim
    # that finds nothing more. Writing each outcome on its own made it 2 × count + 4.
    assert commits <= count + 4, commits


def test_a_lookup_counts_the_meetings_of_outcomes_not_yet_written_as_taken(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    # Two rows alike in everything: the first is created; the second carries the marker of
    # a create whose answer was lost, and its lookup finds the first row's meeting, which
    # matches what it sent. That meeting is the first row's, written or still queued: the
    # second row must not adopt it (it would hold another row's meeting), but create its own.
    start = SOON + timedelta(hours=5)
    alike: dict[str, Any] = {
        "userid": "bob",
        "start_time": start,
        "end_time": start + timedelta(hours=1),
    }
    insert(engine, "cal-1", "Twin", **alike)
    insert(engine, "cal-2", "Twin", create_intent_at=datetime.now(UTC), **alike)
    report = make_pass(worker_config(migrated_url, sandbox), engine).run()

    assert report.counts == {"claimed": 2, "created": 2}
    table = rows(engine)
    assert {r.sync_state for r in table.values()} == {"synced"}
    made = {m["meeting_id"] for m in sandbox.meetings()}
    assert len(made) == 2
    assert {table["cal-1"].meeting_id, table["cal-2"].meeting_id} == made
