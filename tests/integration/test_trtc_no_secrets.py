"""The TRTC key and the administrator's UserSigs never leave the process: not in the
worker's log lines, the tables, the pass report, an exception's text or `once`'s output.

The UserSig travels in the query string (the protocol's choice), and urllib3 writes request
URLs into its DEBUG lines: the product's log handler masks ``usersig=`` in every line, and
the CLI keeps urllib3 at INFO besides."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import Engine, select

from models import meetings_table, sync_log_table
from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from sandbox.trtc_settings import TrtcSettings
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import cli_env, insert, make_pass, meeting_sync, worker_config
from tests.integration.trtcenv import trtc_config, trtc_env
from worker.config import Config
from worker.logging_setup import RedactingFilter

KEY = "trtc-live-key-9Zx8Cv7Bn6Mm5Ll4Kk3"
WRONG_KEY = "trtc-wrong-key-1Qq2Ww3Ee4Rr5Tt6"
USERSIG_LIKE = re.compile(r"eJ[\w*\-]{40,}")  # zlib's header in the UserSig alphabet


def config_for(url: str, server: SandboxServer, key: str) -> Config:
    return dataclasses.replace(worker_config(url, server), trtc=trtc_config(server, key))


def table_text(engine: Engine) -> str:
    with engine.connect() as db:
        found = [db.execute(select(t)).all() for t in (meetings_table, sync_log_table)]
    return "\n".join(repr(row) for rows in found for row in rows)


@SQLITE_ONLY
def test_no_key_or_usersig_in_logs_tables_reports_or_exceptions(
    engine: Engine, migrated_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    trtc = TrtcSettings(key=KEY)
    with SandboxServer(SandboxConfig(trtc=trtc)) as server:
        sigs: list[str] = []
        session = requests.Session()

        def note(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            query = parse_qs(urlsplit(str(response.request.url)).query)
            sigs.extend(query["usersig"])

        session.hooks["response"].append(note)
        caplog.set_level(logging.DEBUG)
        for n in range(3):
            insert(engine, f"r-{n}", f"Room {n}", provider="trtc_room")
        good = make_pass(config_for(migrated_url, server, KEY), engine, session=session).run()
        insert(engine, "r-9", "Room 9", provider="trtc_room")
        bad = make_pass(config_for(migrated_url, server, WRONG_KEY), engine, session=session)
        report = bad.run()

    assert good.counts.get("created") == 3 and report.circuit_open
    assert len(sigs) == 4 and "trtc.key" in (report.diagnosis or "")
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("urllib3"))
    texts = {
        "the worker's log": ours,
        "the database": table_text(engine),
        "the report": f"{report.diagnosis} {report.as_dict()}",
        "the config": repr(config_for(migrated_url, server, KEY)),
    }
    for where, text in texts.items():
        assert KEY not in text and WRONG_KEY not in text, where
        assert not any(sig in text for sig in sigs), where


def test_the_log_handler_masks_a_usersig_in_a_library_url() -> None:
    line = (
        'http://127.0.0.1:8765 "POST /v4/room_engine_http_srv/create_room?sdkappid=1400000001'
        "&identifier=administrator&usersig=eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSm_&random=7"
        '&contenttype=json HTTP/1.1" 200 85'
    )
    record = logging.LogRecord("urllib3.connectionpool", logging.DEBUG, "", 0, line, None, None)
    RedactingFilter([KEY]).filter(record)
    masked = record.getMessage()
    assert "usersig=***&random=7" in masked and "eJyr" not in masked


@SQLITE_ONLY
def test_once_at_debug_prints_no_key_and_no_usersig(engine: Engine, migrated_url: str) -> None:
    with SandboxServer(SandboxConfig(trtc=TrtcSettings(key=KEY))) as server:
        insert(engine, "r-1", "Room 1", provider="trtc_room")
        debug = {"MEETING_SYNC_WORKER_LOG_LEVEL": "DEBUG"}
        base = config_for(migrated_url, server, KEY)
        good = meeting_sync(["once"], cli_env(base, {**debug, **trtc_env(server)}))
        insert(engine, "r-2", "Room 2", provider="trtc_room")
        bad = meeting_sync(["once"], cli_env(base, {**debug, **trtc_env(server, WRONG_KEY)}))
    assert (good.returncode, bad.returncode) == (0, 2), good.stderr + bad.stderr
    assert "trtc_call" in good.stderr + good.stdout  # the DEBUG lines were written
    for run in (good, bad):
        output = run.stdout + run.stderr
        assert KEY not in output and WRONG_KEY not in output
        assert USERSIG_LIKE.search(output) is None
