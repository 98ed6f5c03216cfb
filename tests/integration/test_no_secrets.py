"""Secrets never leave the process: a full sync with every logger at DEBUG (urllib3's
included), a rejection, an open circuit under a wrong key, and a `meeting-sync once` at
DEBUG — then the log text, the process output, the `sync_log` and `meetings` tables and the
exceptions' text are searched for the secret keys and for every signature that was sent."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, select

from models import meetings_table, sync_log_table
from sandbox.server import SandboxServer
from tests.integration.syncenv import (
    SOON,
    cli_env,
    insert,
    make_pass,
    meeting_sync,
    update,
    worker_config,
)
from worker.composition import build_client
from worker.config import Config
from worker.exceptions import ApiError
from worker.sync.loop import SyncPass
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.signing import Credentials

SECRET_KEY = "sk-live-7Hq2ZpX9wLmN4vRtYb8KcD3fGj6"
WRONG_KEY = "sk-wrong-Qa1Ws2Ed3Rf4Tg5Yh6Uj7Ik8"


def signing_pass(config: Config, engine: Engine, signatures: list[str]) -> SyncPass:
    """A pass whose HTTP session notes the signature of every request it sends."""
    session = requests.Session()

    def note(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        signatures.append(str(response.request.headers["X-TC-Signature"]))

    session.hooks["response"].append(note)
    return make_pass(config, engine, session=session)


def table_text(engine: Engine) -> str:
    with engine.connect() as db:
        found = [db.execute(select(t)).all() for t in (meetings_table, sync_log_table)]
    return "\n".join(repr(row) for rows in found for row in rows)


def assert_no_secret(text: str, signatures: list[str], where: str) -> None:
    assert SECRET_KEY not in text, f"the secret key leaked into {where}"
    assert WRONG_KEY not in text, f"the (wrong) secret key leaked into {where}"
    for signature in signatures:
        assert signature not in text, f"a request signature leaked into {where}"


def test_no_secret_or_signature_reaches_logs_tables_or_exceptions(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = sandbox_factory(secret_key=SECRET_KEY)
    config = worker_config(migrated_url, server)
    assert config.wemeet.secret_key == SECRET_KEY
    signatures: list[str] = []
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)

    for i in range(3):
        insert(engine, f"cal-{i}", f"Meeting {i}")
    insert(engine, "rejected", "敏感词 briefing")
    signing_pass(config, engine, signatures).run()
    update(engine, "cal-0", subject="Meeting 0, moved")
    update(engine, "cal-1", status="cancelled")
    signing_pass(config, engine, signatures).run()

    wrong = dataclasses.replace(
        config, wemeet=dataclasses.replace(config.wemeet, secret_key=WRONG_KEY)
    )
    insert(engine, "cal-9", "Meeting 9")
    report = signing_pass(wrong, engine, signatures).run()
    assert report.circuit_open, "the wrong key must open the circuit"

    client = build_client(wrong)
    spec = MeetingSpec(userid="alice", subject="x", start=SOON, end=SOON + timedelta(hours=1))
    with pytest.raises(ApiError) as refused:
        client.create_meeting(spec)

    # The checks below would pass vacuously without these.
    assert len(signatures) == 7  # 4 creates, an update, a cancel, the wrong-key create
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    assert "DEBUG" in {r.levelname for r in caplog.records}

    assert_no_secret(caplog.text, signatures, "the log")
    assert_no_secret(table_text(engine), signatures, "the database")
    assert_no_secret(f"{report.diagnosis} {report.as_dict()}", signatures, "the report")
    exc = refused.value
    assert_no_secret(f"{exc} {exc!r} {exc.__dict__}", signatures, "the exception")
    credentials = Credentials("1", "id", SECRET_KEY)
    assert_no_secret(f"{credentials} {credentials!r} {config} {config!r}", [], "reprs")


def test_once_at_debug_prints_no_secret(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(secret_key=SECRET_KEY)
    insert(engine, "cal-1", "Meeting 1")
    insert(engine, "rejected", "敏感词 briefing")
    config = worker_config(migrated_url, server)
    debug = {"MEETING_SYNC_WORKER_LOG_LEVEL": "DEBUG"}

    good = meeting_sync(["once"], cli_env(config, debug))
    wrong = cli_env(config, {**debug, "MEETING_SYNC_WEMEET_SECRET_KEY": WRONG_KEY})
    insert(engine, "cal-2", "Meeting 2")
    bad = meeting_sync(["once"], wrong)

    assert good.returncode == 0, good.stderr
    assert bad.returncode == 2, bad.stderr
    assert "DEBUG" in good.stderr + good.stdout
    for run in (good, bad):
        assert_no_secret(run.stdout + run.stderr, [], "the output of once")
    assert_no_secret(table_text(engine), [], "the database")
