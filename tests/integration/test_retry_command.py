"""`meeting-sync retry`: failed rows back to pending, audited in `sync_log`; after the
sandbox's sensitive-word list changes, `retry --code 9093` makes those rows sync."""

from __future__ import annotations

import json

import requests
from sqlalchemy import Engine, select

from models import sync_log_table
from sandbox.server import SandboxServer
from tests.integration.syncenv import cli_env, insert, meeting_sync, rows, worker_config


def sensitive_words(sandbox: SandboxServer, words: list[str] | None = None) -> list[str]:
    url = f"{sandbox.base_url}/_sandbox/sensitive_words"
    answer = (
        requests.get(url, timeout=10)
        if words is None
        else requests.post(url, json={"words": words}, timeout=10)
    )
    answer.raise_for_status()
    return list(answer.json()["words"])


def retry_entries(engine: Engine) -> list[tuple[str | None, str | None, str | None]]:
    log = sync_log_table.c
    query = select(log.error_code, log.external_id, log.trace_id).where(log.action == "retry")
    with engine.connect() as db:
        return [tuple(r) for r in db.execute(query.order_by(log.id))]


def test_retry_by_code_after_the_word_list_changed_syncs_the_rows(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "ok", "Planning")
    insert(engine, "word-1", "敏感词 review")
    insert(engine, "word-2", "Weekly 敏感词")
    insert(engine, "no-user", "Sync", userid="")  # fails locally, not with 9093
    env = cli_env(worker_config(migrated_url, sandbox))
    assert meeting_sync(["once"], env).returncode == 0
    before = rows(engine)
    assert [before[k].error_code for k in ("word-1", "word-2")] == ["9093", "9093"]
    assert before["no-user"].sync_state == "failed"

    assert sensitive_words(sandbox) == ["敏感词"]
    assert sensitive_words(sandbox, ["机密"]) == ["机密"]
    done = meeting_sync(["retry", "--code", "9093"], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"retried": 2}
    assert retry_entries(engine) == [("9093", None, "rows=2")]
    assert {rows(engine)[k].sync_state for k in ("word-1", "word-2")} == {"pending"}

    assert meeting_sync(["once"], env).returncode == 0
    after = rows(engine)
    assert {after[k].sync_state for k in ("ok", "word-1", "word-2")} == {"synced"}
    assert after["no-user"].sync_state == "failed"  # not selected, left alone
    subjects = {m["subject"] for m in sandbox.meetings() if not m["cancelled"]}
    assert subjects == {"Planning", "敏感词 review", "Weekly 敏感词"}


def test_retry_needs_a_selector_and_an_external_id_picks_one_row(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "word-1", "敏感词 one")
    insert(engine, "word-2", "敏感词 two")
    env = cli_env(worker_config(migrated_url, sandbox))
    assert meeting_sync(["once"], env).returncode == 0

    refused = meeting_sync(["retry"], env)
    assert refused.returncode == 2
    assert "--code CODE, --external-id ID or --all-failed" in refused.stderr
    assert retry_entries(engine) == []

    one = meeting_sync(["retry", "--external-id", "word-2"], env)
    assert json.loads(one.stdout) == {"retried": 1}
    table = rows(engine)
    assert (table["word-1"].sync_state, table["word-2"].sync_state) == ("failed", "pending")
    assert table["word-2"].attempts == 0 and table["word-2"].error_code is None

    every = meeting_sync(["retry", "--all-failed"], env)
    assert json.loads(every.stdout) == {"retried": 1}
    assert retry_entries(engine) == [(None, "word-2", "rows=1"), (None, None, "rows=1")]
