"""`[worker] log_format = "json"`: one JSON object per line, a stable event name on each,
every API call line with its row, provider, endpoint, code, duration and trace id; and at
DEBUG no secret key and no signature anywhere in it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import cli_env, insert, meeting_sync, update, worker_config
from tests.integration.test_no_secrets import SECRET_KEY, assert_no_secret, signing_pass
from worker.logging_setup import configure

CALL_FIELDS = {
    "external_id",
    "provider",
    "endpoint",
    "http_status",
    "code",
    "duration_ms",
    "trace_id",
}


def parse_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "no log output"
    return [json.loads(line) for line in lines]  # a line that is not JSON fails here


@SQLITE_ONLY
def test_once_writes_json_lines_with_every_call_field(
    engine: Engine, migrated_url: str, sandbox: SandboxServer
) -> None:
    insert(engine, "cal-1", "Meeting 1")
    insert(engine, "cal-2", "Meeting 2")
    insert(engine, "rejected", "敏感词 briefing")
    config = worker_config(migrated_url, sandbox)
    env = cli_env(
        config, {"MEETING_SYNC_WORKER_LOG_FORMAT": "json", "MEETING_SYNC_WORKER_LOG_LEVEL": "DEBUG"}
    )
    first = meeting_sync(["once"], env)
    update(engine, "cal-1", subject="Meeting 1, moved")
    second = meeting_sync(["once"], env)
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr

    records = parse_lines(first.stderr) + parse_lines(second.stderr)
    for record in records:
        assert {"time", "level", "logger", "event", "message"} <= set(record), record
        assert record["event"] == str(record["message"]).split(" ", 1)[0]
    calls = [r for r in records if r["event"] == "api_call"]
    assert len(calls) == sandbox.stats()["total"]
    for call in calls:
        assert set(call) >= CALL_FIELDS, call
        assert call["provider"] == "wemeet"
        assert call["external_id"] in {"cal-1", "cal-2", "rejected"}
        assert isinstance(call["duration_ms"], int)
        assert isinstance(call["trace_id"], str) and call["trace_id"]
    by_row = {(c["external_id"], c["endpoint"]): c for c in calls}
    assert by_row[("rejected", "create")]["code"] == 9093
    assert by_row[("rejected", "create")]["level"] == "INFO"
    assert by_row[("cal-1", "update")]["code"] is None
    assert by_row[("cal-1", "update")]["http_status"] == 200


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out = io.StringIO()
    configure("DEBUG", secrets=(SECRET_KEY,), stream=out, log_format="json")
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    yield out
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("urllib3").setLevel(logging.NOTSET)


@SQLITE_ONLY
def test_json_debug_logs_hold_no_secret_key_and_no_signature(
    engine: Engine,
    migrated_url: str,
    sandbox_factory: Callable[..., SandboxServer],
    json_log: io.StringIO,
) -> None:
    server = sandbox_factory(secret_key=SECRET_KEY)
    insert(engine, "cal-1", "Meeting 1")
    insert(engine, "rejected", "敏感词 briefing")
    signatures: list[str] = []
    signing_pass(worker_config(migrated_url, server), engine, signatures).run()

    text = json_log.getvalue()
    records = parse_lines(text)
    assert {"DEBUG", "INFO"} <= {r["level"] for r in records}
    assert any(r["event"] == "api_call" for r in records)
    assert len(signatures) == server.stats()["total"] >= 2
    assert_no_secret(text, signatures, "the JSON log")
