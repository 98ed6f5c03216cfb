"""A create the API refused outright made no meeting: nothing is left to look for.

The intent marker exists for answers that were lost; after a definitive refusal (a
sensitive word, an unknown user, a signature the API rejects) it would only cost the row a
lookup call of quota once it is fixed. An answer that may have come after the work was done
(a 500) keeps it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import insert, rows, run_pass, update, worker_config


def calls(sandbox: SandboxServer, endpoint: str) -> int:
    return int(sandbox.stats()["by_endpoint"].get(endpoint, {}).get("total", 0))


@pytest.mark.parametrize(
    "code,state",
    [
        (9093, "failed"),  # row-permanent
        (20001, "failed"),
        (190311, "pending"),  # the day's quota: parked
        (200003, "pending"),  # configuration: the circuit opens, the row waits
    ],
)
def test_a_refused_create_leaves_no_intent_and_its_retry_costs_no_lookup(
    engine: Engine, migrated_url: str, sandbox: SandboxServer, code: int, state: str
) -> None:
    insert(engine, "cal-1", "Review")
    config = worker_config(migrated_url, sandbox)
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "error", "error_code": code}])

    run_pass(config, engine)

    row = rows(engine)["cal-1"]
    assert (row.sync_state, row.meeting_id) == (state, None)
    assert row.create_intent_at is None and row.create_intent_sent is None
    assert sandbox.meetings() == []

    if code == 190311:
        return  # parked until the day's reset, which this test does not wait for
    update(engine, "cal-1", subject="Review, edited")  # the fix (and due again)
    run_pass(config, engine)

    assert rows(engine)["cal-1"].sync_state == "synced"
    assert (calls(sandbox, "create"), calls(sandbox, "list")) == (2, 0)


def test_a_create_that_may_have_been_made_keeps_its_intent(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Review")
    config = worker_config(migrated_url, sandbox, retry_base_seconds=3600, retry_max_seconds=3600)
    sandbox.set_faults(inject=[{"endpoint": "create", "action": "fail"}])  # HTTP 500

    run_pass(config, engine)

    row = rows(engine)["cal-1"]
    assert row.sync_state == "pending" and row.create_intent_at is not None
    assert row.create_intent_sent is not None
    assert row.create_intent_sent["content"]["subject"] == "Review"
