"""The sandbox's own signature check against the spec's published vectors (spec §1), with no
code of the worker: the right signature passes, and any single byte changed is 200003."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.auth import ReplayMemory, SignedRequest, authenticate
from sandbox.config import SandboxConfig
from sandbox.errors import Rejection
from sandbox.signature import expected_signature, signature_valid, string_to_sign
from tests.fixtures.vectors import APP_ID, TV1, TV1_WRONG, TV2, VECTORS, Vector

EACH = [pytest.param(v, id=v.name) for v in VECTORS]


def config_for(vector: Vector) -> SandboxConfig:
    return SandboxConfig(app_id=APP_ID, secret_id=vector.secret_id, secret_key=vector.secret_key)


def code_of(vector: Vector, request: SignedRequest) -> int:
    try:
        authenticate(request, config_for(vector), float(vector.timestamp), ReplayMemory())
    except Rejection as rejection:
        return rejection.error_code
    return 0


def as_sent(vector: Vector) -> SignedRequest:
    return SignedRequest(vector.method, vector.uri, vector.body, vector.headers())


def test_the_string_to_sign_has_the_specs_layout() -> None:
    assert string_to_sign("POST", TV1.uri, TV1.body, TV1.headers()) == (
        b"POST\nX-TC-Key=aSecretId&X-TC-Nonce=2095528619&X-TC-Timestamp=1586675334\n"
        b"/v1/meetings\nbody"
    )


def test_a_get_string_to_sign_ends_with_the_line_feed_after_the_uri() -> None:
    headers = {"X-TC-Key": "k", "X-TC-Nonce": "1", "X-TC-Timestamp": "2"}
    uri = "/v1/meetings/1?userid=a&instanceid=1"
    assert string_to_sign("GET", uri, b"", headers) == (
        b"GET\nX-TC-Key=k&X-TC-Nonce=1&X-TC-Timestamp=2\n/v1/meetings/1?userid=a&instanceid=1\n"
    )


def test_the_body_is_signed_as_its_utf8_bytes() -> None:
    message = string_to_sign(TV2.method, TV2.uri, TV2.body, TV2.headers())
    assert message.endswith("周会".encode() + b'","type":0,"userid":"tester1"}')


@pytest.mark.parametrize("vector", EACH)
def test_the_published_signature_is_reproduced(vector: Vector) -> None:
    message = string_to_sign(vector.method, vector.uri, vector.body, vector.headers())
    signature = expected_signature(vector.secret_key, message)
    assert signature == vector.signature
    assert len(signature) == 88


@pytest.mark.parametrize("vector", EACH)
def test_the_sandbox_accepts_the_published_request(vector: Vector) -> None:
    assert code_of(vector, as_sent(vector)) == 0


@pytest.mark.parametrize("wrong", TV1_WRONG)
def test_the_specs_wrong_variants_are_200003(wrong: str) -> None:
    request = SignedRequest(TV1.method, TV1.uri, TV1.body, TV1.headers(wrong))
    assert code_of(TV1, request) == 200003


def single_byte_changes(vector: Vector) -> Iterator[tuple[str, SignedRequest]]:
    """The vector's request with one byte of what is signed, or of the signature, changed."""
    for i in range(len(vector.body)):
        body = bytearray(vector.body)
        body[i] ^= 0x01
        yield f"body[{i}]", SignedRequest(vector.method, vector.uri, bytes(body), vector.headers())
    for i in range(len(vector.uri)):
        uri = vector.uri[:i] + chr(ord(vector.uri[i]) ^ 0x01) + vector.uri[i + 1 :]
        yield f"uri[{i}]", SignedRequest(vector.method, uri, vector.body, vector.headers())
    for i, char in enumerate(vector.signature):
        other = "A" if char != "A" else "B"
        signature = vector.signature[:i] + other + vector.signature[i + 1 :]
        yield (
            f"signature[{i}]",
            SignedRequest(vector.method, vector.uri, vector.body, vector.headers(signature)),
        )
    for i, digit in enumerate(vector.nonce):
        headers = vector.headers()
        headers["X-TC-Nonce"] = (
            vector.nonce[:i] + str((int(digit) + 1) % 10) + vector.nonce[i + 1 :]
        )
        yield f"nonce[{i}]", SignedRequest(vector.method, vector.uri, vector.body, headers)
    # Only the last digit: the others would move the timestamp out of the 5-minute window.
    headers = vector.headers()
    last = vector.timestamp[-1]
    headers["X-TC-Timestamp"] = vector.timestamp[:-1] + str((int(last) + 1) % 10)
    yield "timestamp[-1]", SignedRequest(vector.method, vector.uri, vector.body, headers)
    yield "method", SignedRequest("PUT", vector.uri, vector.body, vector.headers())


@pytest.mark.parametrize("vector", EACH)
def test_any_single_byte_changed_is_200003(vector: Vector) -> None:
    changed = dict(single_byte_changes(vector))
    assert len(changed) > 100  # every byte of the body, the URI and the signature
    refused = {where: code_of(vector, request) for where, request in changed.items()}
    assert refused == dict.fromkeys(changed, 200003)


@pytest.mark.parametrize("vector", EACH)
def test_the_key_and_the_secret_are_both_in_the_signature(vector: Vector) -> None:
    # A changed X-TC-Key never reaches the signature check (190303 comes first), so the
    # signature's dependence on it is checked here directly.
    args = (vector.method, vector.uri, vector.body)
    other_key = {**vector.headers(), "X-TC-Key": vector.secret_id + "x"}
    assert not signature_valid(vector.signature, vector.secret_key, *args, other_key)
    assert not signature_valid(vector.signature, vector.secret_key + "x", *args, vector.headers())
    assert signature_valid(vector.signature, vector.secret_key, *args, vector.headers())


def test_a_signature_header_that_is_not_ascii_is_refused_not_a_crash() -> None:
    request = SignedRequest(TV1.method, TV1.uri, TV1.body, TV1.headers("签名" * 44))
    assert code_of(TV1, request) == 200003
