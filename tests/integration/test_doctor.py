"""`meeting-sync doctor` as a real process against a sandbox set up wrong in one way each:
it must name that cause, and only that one."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.syncenv import cli_env, meeting_sync, worker_config

pytestmark = SQLITE_ONLY


def doctor(url: str, server: SandboxServer, **env: str) -> tuple[int, dict[str, str]]:
    """Exit code, and each check's line (the last one of that name)."""
    variables = cli_env(
        worker_config(url, server), {f"MEETING_SYNC_{k.upper()}": v for k, v in env.items()}
    )
    done = meeting_sync(["doctor"], variables)
    assert done.stderr == "" or "Traceback" not in done.stderr, done.stderr
    lines: dict[str, str] = {}
    for line in done.stdout.splitlines():
        level, _, rest = line.partition(" ")
        check, _, message = rest.strip().partition(": ")
        lines[check] = f"{level} {message}"
    return done.returncode, lines


def test_a_healthy_setup_is_all_ok(migrated_url: str, sandbox: SandboxServer) -> None:
    code, lines = doctor(migrated_url, sandbox)
    assert code == 0, lines
    assert set(lines) == {"config", "database", "migrations", "api", "clock", "credentials"}
    assert all(v.startswith("OK") for v in lines.values()), lines


def test_swapped_secret_id_and_key(migrated_url: str, sandbox: SandboxServer) -> None:
    creds = sandbox.credentials
    code, lines = doctor(
        migrated_url,
        sandbox,
        wemeet_secret_id=creds.secret_key,
        wemeet_secret_key=creds.secret_id,
    )
    assert code == 2
    assert lines["credentials"].startswith("FAIL refused with 190303")
    assert "are swapped" in lines["credentials"]
    assert "sdk_id" not in lines["credentials"]


def test_an_sdk_id_sent_when_none_was_assigned(migrated_url: str, sandbox: SandboxServer) -> None:
    code, lines = doctor(migrated_url, sandbox, wemeet_sdk_id="12345678")
    assert code == 2
    assert "wemeet.sdk_id is set but no SdkId was assigned" in lines["credentials"]
    assert "swapped" not in lines["credentials"].split("ruled out")[0]


def test_an_app_id_that_is_missing(migrated_url: str, sandbox: SandboxServer) -> None:
    code, lines = doctor(migrated_url, sandbox, wemeet_app_id="")
    assert code == 2
    assert lines["config"].startswith("FAIL missing credentials: wemeet.app_id")
    assert "AppId header is required" in lines["config"]


def test_an_app_id_that_is_wrong(migrated_url: str, sandbox: SandboxServer) -> None:
    code, lines = doctor(migrated_url, sandbox, wemeet_app_id="299999999")
    assert code == 2
    credentials = lines["credentials"]
    assert credentials.startswith("FAIL refused with 190303")
    assert "wemeet.app_id (AppId) or wemeet.secret_id (X-TC-Key) is not recognised" in credentials
    assert "ruled out swapped SecretId/SecretKey, X-TC-Registered" in credentials


def test_x_tc_registered_for_userids_that_are_not_registered(
    migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(registered_users=False)
    code, lines = doctor(migrated_url, server)
    assert code == 2
    assert lines["credentials"].startswith("FAIL refused with 200003")
    assert "X-TC-Registered: 1 is refused" in lines["credentials"]
    assert "wemeet.registered = 0" in lines["credentials"]
    # And the advice is right: with it the same set-up is healthy.
    code, lines = doctor(migrated_url, server, wemeet_registered="0")
    assert code == 0, lines


def test_a_clock_more_than_five_minutes_off(
    migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = sandbox_factory(clock_offset_seconds=600)
    code, lines = doctor(migrated_url, server)
    assert code == 2
    found = re.match(r"FAIL this host's clock is (\d+) s behind the API's", lines["clock"])
    assert found is not None, lines["clock"]
    assert 598 <= int(found.group(1)) <= 602  # the Date header has whole seconds
    assert "beyond the API's 5-minute window" in lines["clock"]
    # The clock is the only fault: the credentials are fine once the offset is allowed for.
    assert lines["credentials"].startswith("OK")


class NotTheApi(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotTheApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_base_url_that_is_not_the_api(
    migrated_url: str, sandbox: SandboxServer, web_server: str
) -> None:
    code, lines = doctor(migrated_url, sandbox, wemeet_base_url=web_server)
    assert code == 2
    assert lines["api"].startswith("FAIL wemeet.base_url answers HTTP 404 (text/html)")
    assert "not the Tencent Meeting API" in lines["api"]
    assert "credentials" not in lines


def test_a_database_without_migrations(db_url: str, sandbox: SandboxServer) -> None:
    code, lines = doctor(db_url, sandbox)
    assert code == 2
    assert lines["migrations"].startswith("FAIL database at no revision")
    assert "meeting-sync db upgrade" in lines["migrations"]
