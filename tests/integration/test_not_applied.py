"""Hosts and invitees the API did not apply: the meeting is made without them, the row is
synced and names them in `user_non_registered`, and `meeting-sync status` counts such rows.

The sandbox knows a user list here, and answers as the real service does: people who are
no users of the account are left out of the meeting and named in the create or update
answer's ``user_non_registered``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import insert, remote, rows, run_pass, update, worker_config
from worker.status_report import render_status

BOB = "host bob@corp is not a registered user: not applied"
DAVE = "invitee dave is not a registered user: not applied"


def status(url: str, server: SandboxServer) -> dict[str, Any]:
    """What `meeting-sync status --json` prints."""
    data: dict[str, Any] = json.loads(render_status(worker_config(url, server), as_json=True))
    return data


def test_an_unregistered_host_is_named_on_the_synced_row_and_counted_by_status(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(users=("alice", "carol"))
    config = worker_config(migrated_url, server)
    hosts, invitees = json.dumps(["bob@corp"]), json.dumps(["carol", "dave"])
    insert(engine, "review", "Review", hosts=hosts, invitees=invitees)
    insert(engine, "standup", "Standup", invitees=json.dumps(["carol"]))

    run_pass(config, engine)

    table = rows(engine)
    review = table["review"]
    assert (review.sync_state, review.error_code) == ("synced", None)
    assert review.user_non_registered == f"{BOB}; {DAVE}"
    held = remote(server)[str(review.meeting_id)]
    assert held["user_non_registered"] == ["bob@corp", "dave"]
    assert held["participants"] == [{"userid": "carol"}]  # what was applied
    assert table["standup"].sync_state == "synced"
    assert table["standup"].user_non_registered is None
    assert status(migrated_url, server)["rows_with_users_not_applied"] == 1

    # An edit that still names dave keeps him on the row; bob is gone from the request.
    update(engine, "review", hosts=None, subject="Review, moved")
    run_pass(config, engine)
    assert rows(engine)["review"].user_non_registered == DAVE

    # The calendar drops the people the account does not know: the next sync clears it.
    update(engine, "review", invitees=json.dumps(["carol"]))
    run_pass(config, engine)
    review = rows(engine)["review"]
    assert (review.sync_state, review.user_non_registered) == ("synced", None)
    assert status(migrated_url, server)["rows_with_users_not_applied"] == 0


def test_status_text_names_the_count(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(users=("alice",))
    insert(engine, "review", "Review", hosts=json.dumps(["bob@corp"]))
    config = worker_config(migrated_url, server)
    run_pass(config, engine)

    text = render_status(config, as_json=False)

    assert "rows with users not applied: 1" in text.splitlines()
