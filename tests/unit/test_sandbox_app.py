"""The WSGI application in process (werkzeug's test client, no sockets): it works under any
WSGI server, with the documented limit that only the sandbox's own server keeps header-name
case."""

from __future__ import annotations

import json
from email.utils import parsedate_to_datetime

from werkzeug.test import Client

from sandbox.app import SandboxApp
from sandbox.config import SandboxConfig
from tests.fixtures.sandbox import client_credentials
from worker.wemeet.signing import aksk_headers

NOW = 1_790_000_000.0
BODY = json.dumps(
    {
        "userid": "alice",
        "instanceid": 1,
        "subject": "周会",
        "type": 0,
        "start_time": str(int(NOW) + 3600),
        "end_time": str(int(NOW) + 7200),
    },
    ensure_ascii=False,
).encode()


def client() -> tuple[SandboxApp, Client]:
    app = SandboxApp(SandboxConfig(), clock=lambda: NOW)
    return app, Client(app)


def headers(nonce: int, uri: str = "/v1/meetings", body: bytes = BODY) -> dict[str, str]:
    return aksk_headers(
        client_credentials(SandboxConfig().credentials),
        "POST",
        uri,
        body,
        nonce=nonce,
        timestamp=int(NOW),
    )


def test_a_signed_create_works_under_a_foreign_wsgi_server() -> None:
    app, http = client()
    response = http.post("/v1/meetings", data=BODY, headers=headers(1))
    assert response.status_code == 200
    assert response.headers["X-TC-Trace"]
    assert parsedate_to_datetime(response.headers["Date"]).timestamp() == NOW  # sandbox clock
    assert [m.fields["subject"] for m in app.meetings.all()] == ["周会"]
    stats = http.get("/_sandbox/stats").get_json()
    assert stats["by_status"] == {"200": 1}


def test_header_case_is_only_checked_by_the_sandboxs_own_server() -> None:
    # Documented limit: a WSGI environ holds normalised names, so a lower-case X-TC-Key
    # passes here; the sandbox's server (tests/integration) refuses it with 200001.
    _, http = client()
    sent = {k.lower() if k == "X-TC-Key" else k: v for k, v in headers(2).items()}
    assert http.post("/v1/meetings", data=BODY, headers=sent).status_code == 200


def test_the_signature_still_covers_the_query_as_sent() -> None:
    _, http = client()
    uri = "/v1/meetings?userid=alice&instanceid=1"
    signed = aksk_headers(
        client_credentials(SandboxConfig().credentials),
        "GET",
        uri,
        b"",
        nonce=3,
        timestamp=int(NOW),
    )
    assert http.get(uri, headers=signed).status_code == 200
    reordered = http.get("/v1/meetings?instanceid=1&userid=alice", headers=signed)
    assert reordered.get_json()["error_info"]["error_code"] == 200003
