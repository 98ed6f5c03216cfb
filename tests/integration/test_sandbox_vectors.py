"""The spec's published signature vectors sent over real HTTP to a sandbox whose clock stands
at the vector's timestamp: the raw target, header values and body bytes the server reads are
the ones the vector signed."""

from __future__ import annotations

from collections.abc import Callable

import requests

from sandbox.server import SandboxServer
from tests.fixtures.vectors import TV1, TV2, Vector


def started(factory: Callable[..., SandboxServer], vector: Vector) -> SandboxServer:
    return factory(
        secret_id=vector.secret_id,
        secret_key=vector.secret_key,
        clock=lambda: float(vector.timestamp),
    )


def send(
    server: SandboxServer,
    vector: Vector,
    *,
    body: bytes | None = None,
    signature: str | None = None,
) -> requests.Response:
    headers = {
        **vector.headers(signature),
        "Content-Type": "application/json",
        "X-TC-Registered": "1",
    }
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment for localhost
        prepared = session.prepare_request(
            requests.Request(vector.method, server.base_url + vector.uri, headers=headers)
        )
        prepared.body = vector.body if body is None else body
        prepared.headers["Content-Length"] = str(len(prepared.body))
        return session.send(prepared, timeout=10)


def code(response: requests.Response) -> int:
    return int(response.json()["error_info"]["error_code"])


def test_tv2_creates_the_meeting_and_a_changed_body_byte_is_200003(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = started(sandbox_factory, TV2)
    tampered = TV2.body.replace(b"tester1", b"tester2")
    assert code(send(server, TV2, body=tampered)) == 200003
    created = send(server, TV2)
    assert created.status_code == 200, created.text
    (info,) = created.json()["meeting_info_list"]
    assert info["subject"] == "周会"
    assert [m["subject"] for m in server.meetings()] == ["周会"]


def test_tv1_passes_the_signature_check_and_a_changed_signature_byte_is_200003(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = started(sandbox_factory, TV1)
    wrong = "P" + TV1.signature[1:]
    assert code(send(server, TV1, signature=wrong)) == 200003
    # The signature holds; TV-1's body "body" is not JSON, which is judged next.
    assert code(send(server, TV1)) == 200005
