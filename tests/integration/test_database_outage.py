"""The database goes away after the API has answered: the outcome is kept and written when
the database is back, or, if it stays away, found again by the next pass — never created
twice. Real PostgreSQL: the test database refuses connections and its sessions are ended."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.clock import SteppingTime
from tests.integration.pgfaults import Outage
from tests.integration.syncenv import (
    ROOT,
    cli_env,
    insert,
    make_pass,
    meeting_sync,
    rows,
    wait_for,
    worker_config,
)
from worker.config import Config
from worker.domain.rows import MeetingRow
from worker.exceptions import DatabaseUnavailable
from worker.store.durable import DurableWrites
from worker.store.meetings import Store
from worker.sync.loop import SyncPass

POSTGRESQL = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def lease_has_expired(store: Store, row: MeetingRow) -> bool:
    assert row.lease_expires_at is not None
    return store.now() > row.lease_expires_at


def pass_meeting_an_outage(
    config: Config, engine: Engine, outage: Outage, time: SteppingTime, patience: float
) -> SyncPass:
    """A pass whose database goes away right after the API has answered for cal-1, and
    whose write-backs wait up to ``patience`` seconds of ``time`` for it to come back."""

    def database_goes_away(row: MeetingRow, operation: str) -> None:
        if row.external_id == "cal-1":
            outage.begin()

    durable = DurableWrites(patience, sleep=time.sleep, clock=time.clock)
    return make_pass(config, engine, after_call=database_goes_away, durable=durable)


@POSTGRESQL
def test_a_write_back_waits_out_an_outage_and_keeps_the_meeting(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    insert(engine, "cal-1", "Board meeting")
    insert(engine, "cal-2", "Budget review")
    outage = Outage(migrated_url)
    time = SteppingTime(on_sleep=outage.end_if_active)  # the database is back once waited for
    sync_pass = pass_meeting_an_outage(
        worker_config(migrated_url, sandbox), engine, outage, time, patience=60
    )
    try:
        with caplog.at_level(logging.WARNING):
            report = sync_pass.run()
    finally:
        outage.end_if_active()
    assert time.waits, "the write-back never met the outage"
    assert "database_unavailable during=write_back" in caplog.text
    assert report.counts["created"] == 2
    made = {m["subject"]: m["meeting_id"] for m in sandbox.meetings()}
    assert len(made) == 2
    for external_id, subject in (("cal-1", "Board meeting"), ("cal-2", "Budget review")):
        row = rows(engine)[external_id]
        assert (row.sync_state, row.meeting_id) == ("synced", made[subject])
        assert row.create_intent_at is None and row.lease_owner is None


@POSTGRESQL
def test_an_abandoned_write_back_is_found_again_by_the_next_pass(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    insert(engine, "cal-1", "Board meeting")
    outage = Outage(migrated_url)
    time = SteppingTime()  # the outage outlasts the patience
    config = worker_config(migrated_url, sandbox, lease_seconds=1.0, writeback_retry_seconds=0.5)
    sync_pass = pass_meeting_an_outage(config, engine, outage, time, patience=5)
    try:
        with caplog.at_level(logging.ERROR), pytest.raises(DatabaseUnavailable):
            sync_pass.run()
    finally:
        outage.end_if_active()
    assert time.now >= 5
    [made] = sandbox.meetings()
    assert f"write_back_abandoned id=1 meeting_id={made['meeting_id']}" in caplog.text
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None and row.create_intent_at is not None

    store = Store(engine)
    wait_for(lambda: lease_has_expired(store, row), "the dead pass's lease to expire")
    report = make_pass(config, engine).run()

    assert report.counts == {"claimed": 1, "adopted": 1}
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert len(sandbox.meetings()) == 1
    by_endpoint = sandbox.stats()["by_endpoint"]
    assert by_endpoint["create"]["total"] == 1
    assert by_endpoint["list"]["total"] == 1


@POSTGRESQL
def test_the_next_pass_of_the_same_worker_takes_back_what_an_outage_cut_short(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, caplog: pytest.LogCaptureFixture
) -> None:
    insert(engine, "cal-1", "Board meeting")
    insert(engine, "cal-2", "Budget review")
    outage = Outage(migrated_url)
    time = SteppingTime()  # the outage outlasts the patience
    # The default lease: five minutes that the rows of the cut pass must not wait out.
    config = worker_config(migrated_url, sandbox, batch_size=2)
    sync_pass = pass_meeting_an_outage(config, engine, outage, time, patience=5)
    try:
        with pytest.raises(DatabaseUnavailable):
            sync_pass.run()
    finally:
        outage.end_if_active()
    [made] = sandbox.meetings()
    # Both rows are still leased to the cut pass, for minutes to come.
    assert all(r.lease_owner is not None for r in rows(engine).values())

    with caplog.at_level(logging.INFO):
        report = sync_pass.run()

    assert "leases_taken_back count=2" in caplog.text
    assert report.counts == {"claimed": 2, "adopted": 1, "created": 1}
    after = rows(engine)
    assert {r.sync_state for r in after.values()} == {"synced"}
    assert after["cal-1"].meeting_id == made["meeting_id"]
    assert len(sandbox.meetings()) == 2


@POSTGRESQL
def test_once_exits_3_when_the_database_stays_away_and_the_next_run_adopts(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Board meeting")
    # The create is answered a second after it is sent: time to take the database away
    # once the intent marker is committed.
    sandbox.set_faults(latency_ms=1000)
    env = cli_env(
        worker_config(migrated_url, sandbox),
        {
            "MEETING_SYNC_WORKER_LEASE_SECONDS": "2",
            "MEETING_SYNC_WORKER_WRITEBACK_RETRY_SECONDS": "0.5",
        },
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "worker.cli", "once"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    outage = Outage(migrated_url)
    try:
        wait_for(lambda: rows(engine)["cal-1"].create_intent_at is not None, "the intent")
        outage.begin()
        _, stderr = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
        outage.end_if_active()
    assert worker.returncode == 3, stderr
    assert "database" in stderr.lower()
    [made] = sandbox.meetings()
    row = rows(engine)["cal-1"]
    assert row.meeting_id is None and row.create_intent_at is not None

    sandbox.set_faults(latency_ms=0)
    store = Store(engine)
    wait_for(lambda: lease_has_expired(store, row), "the lease to expire")
    again = meeting_sync(["once"], env)
    assert again.returncode == 0, again.stderr
    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == ("synced", made["meeting_id"])
    assert len(sandbox.meetings()) == 1
