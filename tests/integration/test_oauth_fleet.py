"""OAuth mode across a fleet: real `meeting-sync` processes on PostgreSQL share each user's
token, and exactly one of them renews it. Time is injected: the workers' clock follows the
sandbox's advanced clock (tests/integration/clocked_cli.py), so seven hours pass in a
minute or two and nothing sleeps for a token to run out."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from sandbox.server import SandboxServer
from tests.integration.oauthenv import (
    authorize,
    clocked,
    move_clock,
    oauth_config,
    oauth_env,
    oauth_sandbox,
    start_clocked_fleet,
    tokens_fresh,
)
from tests.integration.syncenv import ROOT, count_synced, insert, rows, wait_for
from tests.integration.test_quota_fleet import finish, stop_fleet

PG_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
USERS = ("open-ann", "open-ben", "open-cat")
HOUR = 3600


WAITING = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity "
    "WHERE datname = current_database() AND wait_event_type = 'Lock'",
    # MariaDB takes a row lock of a primary-key lookup while it plans the statement, so a
    # waiter shows as a running locking read of the table rather than in innodb_trx.
    "mysql": "SELECT count(*) FROM information_schema.processlist "
    "WHERE db = database() AND command = 'Query' AND id <> connection_id() "
    "AND info LIKE 'SELECT%FROM oauth_tokens%FOR UPDATE%'",
}


def lock_waiters(engine: Engine) -> int:
    with engine.connect() as db:
        return int(db.scalar(text(WAITING[engine.dialect.name])) or 0)


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_two_workers_racing_to_refresh_one_user_make_one_refresh_and_both_go_on(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    server = oauth_sandbox(sandbox_factory, access_ttl=HOUR)
    config = oauth_config(migrated_url, server, lead=600, batch_size=5)
    authorize(config, engine, server, "open-ann")
    offset = tmp_path / "offset"
    offset.write_text("0")
    move_clock(server, offset, 0, 55 * 60)  # 5 minutes left: due, and still good
    for i in range(10):
        insert(engine, f"ann-{i}", f"Meeting {i}", userid="open-ann")
    env = oauth_env(config)

    # The test holds the user's row lock until both workers wait for it: then they race.
    with engine.connect() as holder:
        held = holder.begin()
        holder.execute(text("SELECT 1 FROM oauth_tokens WHERE open_id = 'open-ann' FOR UPDATE"))
        workers = [
            subprocess.Popen(
                clocked(["once"], offset),
                env={**env, "MEETING_SYNC_WORKER_WORKER_ID": f"w{n}"},
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in range(2)
        ]
        try:
            wait_for(lambda: lock_waiters(engine) >= 2, "both workers to wait for the lock")
        finally:
            held.rollback()
    outputs = finish(workers)

    view = server.oauth()["open-ann"]
    assert (view["refreshes"], view["refused_refreshes"]) == (1, 0), view
    assert view["expired_token_calls"] == 0
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}
    assert sum("oauth_refreshed" in out for out in outputs) == 1, outputs
    # Neither was locked out: each ended its pass with nothing parked for the user.
    reports = [json.loads(out.splitlines()[0]) for out in outputs]
    assert not [r for r in reports if "unauthorized" in r or r.get("circuit_open")], reports
    assert sum(r.get("created", 0) for r in reports) == 10, reports


@PG_ONLY
def test_three_users_two_daemons_seven_hours_every_expiry_refreshed_exactly_once(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    tmp_path: Path,
) -> None:
    # Access tokens of 2 hours (the service's are 6) so that seven hours hold several
    # expiries per user; refresh tokens keep their 30 days.
    server = oauth_sandbox(sandbox_factory, access_ttl=2 * HOUR)
    lead = 1800.0
    config = oauth_config(migrated_url, server, lead=lead, batch_size=5)
    for user in USERS:
        authorize(config, engine, server, user)
    offset = tmp_path / "offset"
    offset.write_text("0")
    env = oauth_env(config, {"MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.2"})
    daemons = start_clocked_fleet(env, 2, offset, tmp_path)
    step, advanced = 240.0, 0.0
    inserted = [0]
    try:
        while advanced < 7 * HOUR:
            if advanced % HOUR == 0:
                for user in USERS:
                    for n in range(2):
                        insert(engine, f"{user}-{int(advanced)}-{n}", "Standup", userid=user)
                        inserted[0] += 1
            wait_for(
                lambda: count_synced(engine) == inserted[0] and tokens_fresh(server, lead),
                f"every row synced and every token renewed at +{advanced:.0f}s",
            )
            advanced = move_clock(server, offset, advanced, step)
        wait_for(lambda: tokens_fresh(server, lead), "the last renewals")
    finally:
        codes = stop_fleet(daemons)
    logs = [p.read_text() for p in sorted(tmp_path.glob("w*.log"))]
    assert codes == [0, 0], [log[-5000:] for log in logs]

    assert inserted[0] == 42 and {r.sync_state for r in rows(engine).values()} == {"synced"}
    view = server.oauth()
    # Every 5,400 s of the 25,200 (a 7,200 s life, renewed 1,800 s before its end): four
    # renewals per user. A second renewal of one pair would be refused (rotation) and
    # counted, a missed one would have let calls go out with an expired token.
    assert {u: (v["refreshes"], v["refused_refreshes"]) for u, v in view.items()} == {
        u: (4, 0) for u in USERS
    }
    assert {u: v["expired_token_calls"] for u, v in view.items()} == dict.fromkeys(USERS, 0)
    stats = server.stats()
    assert "190303" not in stats["by_error_code"] and "190300" not in stats["by_error_code"]
    refreshed_by = [log.count("oauth_refreshed") for log in logs]
    assert sum(refreshed_by) == 12, refreshed_by
