"""The sandbox's request checks as pure functions: every rejection, and their order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox.auth import REQUIRED_HEADERS, ReplayMemory, SignedRequest, authenticate
from sandbox.config import SandboxConfig
from sandbox.errors import Rejection
from sandbox.signature import expected_signature, string_to_sign
from tests.fixtures.sandbox import client_credentials
from worker.wemeet.signing import aksk_headers

NOW = 1_700_000_000
CONFIG = SandboxConfig()
BODY = '{"userid":"alice","subject":"周会"}'.encode()

# TV-2 of the spec: what the official Python SDK sends for a create.
TV2_CONFIG = SandboxConfig(secret_id="TestSecretId", secret_key="TestSecretKey")
TV2_BODY = (
    '{"end_time":"1700007200","instanceid":1,"start_time":"1700003600",'
    '"subject":"周会","type":0,"userid":"tester1"}'
).encode()
TV2 = "MzFhNGJmZjAyOTZiM2Y1MmNmNWEzNzIzNmU1ZThlMThkZWFhMjkxZmIwYTNmZDNlMGE1MWU5ZTk4ODZiOTY5Yw=="


def request(
    change: Callable[[dict[str, str]], None] | None = None,
    *,
    config: SandboxConfig = CONFIG,
    nonce: int = 12345,
    timestamp: int = NOW,
    uri: str = "/v1/meetings",
    body: bytes = BODY,
) -> SignedRequest:
    headers = aksk_headers(
        client_credentials(config.credentials), "POST", uri, body, nonce=nonce, timestamp=timestamp
    )
    if change is not None:
        change(headers)
    return SignedRequest("POST", uri, body, headers)


def resigned(req: SignedRequest, config: SandboxConfig = CONFIG) -> SignedRequest:
    """``req`` signed over its headers exactly as they now stand (e.g. a nonce spelt "012345",
    which no integer-typed signer can produce)."""
    headers = dict(req.headers)
    message = string_to_sign(req.method, req.uri, req.body, headers)
    headers["X-TC-Signature"] = expected_signature(config.secret_key, message)
    return SignedRequest(req.method, req.uri, req.body, headers)


def code_of(
    req: SignedRequest,
    now: float = NOW,
    replays: ReplayMemory | None = None,
    config: SandboxConfig = CONFIG,
) -> int:
    try:
        authenticate(req, config, now, replays or ReplayMemory())
    except Rejection as rejection:
        return rejection.error_code
    return 0


def test_a_correct_request_passes() -> None:
    assert code_of(request()) == 0


def test_the_spec_test_vector_tv2_is_accepted() -> None:
    headers = {
        "X-TC-Key": "TestSecretId",
        "X-TC-Timestamp": "1700000000",
        "X-TC-Nonce": "1234567890",
        "X-TC-Signature": TV2,
        "AppId": TV2_CONFIG.app_id,
    }
    assert code_of(SignedRequest("POST", "/v1/meetings", TV2_BODY, headers), config=TV2_CONFIG) == 0
    tampered = TV2_BODY.replace(b"tester1", b"tester2")
    assert code_of(SignedRequest("POST", "/v1/meetings", tampered, headers), config=TV2_CONFIG) == (
        200003
    )


@pytest.mark.parametrize("name", REQUIRED_HEADERS)
def test_each_required_header_missing_or_empty_is_200001(name: str) -> None:
    assert code_of(request(lambda h: h.pop(name))) == 200001
    assert code_of(request(lambda h: h.update({name: ""}))) == 200001


@pytest.mark.parametrize("name", REQUIRED_HEADERS)
def test_a_wrongly_cased_header_name_counts_as_missing(name: str) -> None:
    assert code_of(request(lambda h: h.update({name.lower(): h.pop(name)}))) == 200001
    assert code_of(request(lambda h: h.update({name.upper(): h.pop(name)}))) == 200001


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h.update({"X-TC-Key": "demo-secret-key"}),  # the classic SecretKey mix-up
        lambda h: h.update({"AppId": "200000002"}),
        lambda h: h.update({"SdkId": "18000001"}),  # never assigned
    ],
)
def test_unknown_credentials_are_190303(change: Callable[[dict[str, str]], None]) -> None:
    assert code_of(request(change)) == 190303


def test_an_empty_sdk_id_is_absent_and_an_assigned_one_must_match() -> None:
    assert code_of(request(lambda h: h.update({"SdkId": ""}))) == 0
    assigned = SandboxConfig(sdk_id="18000001")
    good = request(config=assigned)
    assert good.headers["SdkId"] == "18000001"
    assert code_of(good, config=assigned) == 0
    assert code_of(request(lambda h: h.update(SdkId="17"), config=assigned), config=assigned) == (
        190303
    )
    assert code_of(request(lambda h: h.pop("SdkId"), config=assigned), config=assigned) == 0


@pytest.mark.parametrize(("skew", "code"), [(-301, 190300), (301, 190300), (-300, 0), (300, 0)])
def test_timestamps_within_five_minutes_only(skew: int, code: int) -> None:
    assert code_of(request(timestamp=NOW + skew)) == code


def test_a_timestamp_that_is_not_a_number_is_190300() -> None:
    assert code_of(request(lambda h: h.update({"X-TC-Timestamp": "soon"}))) == 190300


@pytest.mark.parametrize(
    "change",
    [
        lambda h: h.update({"X-TC-Signature": h["X-TC-Signature"][:-3] + "AA="}),
        lambda h: h.update({"X-TC-Nonce": "54321"}),  # a signed header changed
        lambda h: h.update({"X-TC-Timestamp": str(NOW + 1)}),
    ],
)
def test_a_signature_that_does_not_cover_what_was_sent_is_200003(
    change: Callable[[dict[str, str]], None],
) -> None:
    assert code_of(request(change)) == 200003


def test_the_signature_covers_the_uri_and_body_bytes_exactly() -> None:
    signed = request(uri="/v1/meetings?userid=alice&instanceid=1")
    reordered = SignedRequest("POST", "/v1/meetings?instanceid=1&userid=alice", BODY,
                              signed.headers)  # fmt: skip
    assert code_of(reordered) == 200003
    escaped = SignedRequest("POST", "/v1/meetings", BODY.decode().encode("unicode_escape"),
                            request().headers)  # fmt: skip
    assert code_of(escaped) == 200003


def test_the_same_timestamp_and_nonce_within_five_minutes_is_a_replay() -> None:
    replays = ReplayMemory()
    assert code_of(request(), replays=replays) == 0
    assert code_of(request(), NOW + 10, replays) == 190301
    assert code_of(request(nonce=12346), NOW + 10, replays) == 0
    # Canonical numbers: a leading zero does not make a new nonce.
    leading_zero = resigned(request(lambda h: h.update({"X-TC-Nonce": "012345"})))
    assert code_of(leading_zero, NOW, replays) == 190301


@pytest.mark.parametrize(
    ("name", "spelt"), [("X-TC-Nonce", "012345"), ("X-TC-Timestamp", f"0{NOW}")]
)
def test_the_signature_covers_the_numbers_as_they_were_written(name: str, spelt: str) -> None:
    # Signed as 12345 but sent as "012345": the string to sign holds what was sent.
    respelt = request(lambda h: h.update({name: spelt}))
    assert code_of(respelt) == 200003
    assert code_of(resigned(respelt)) == 0


def test_a_replay_is_forgotten_after_five_minutes() -> None:
    replays = ReplayMemory()
    assert replays.check_and_remember(("k", "1", "2"), 1000.0)
    assert not replays.check_and_remember(("k", "1", "2"), 1299.0)
    assert replays.check_and_remember(("k", "1", "2"), 1300.0)
    for i in range(1000):
        replays.check_and_remember(("k", str(i), "9"), 2000.0 + i)
    replays.check_and_remember(("k", "x", "y"), 2000.0 + 1000 + 301)
    assert len(replays.seen) <= 301  # old entries are forgotten as time passes


@pytest.mark.parametrize(
    ("change", "now", "code"),
    [
        # Missing header beats unknown key.
        (lambda h: (h.pop("AppId"), h.update({"X-TC-Key": "x"})), NOW, 200001),
        # Unknown key beats a stale timestamp and a bad signature.
        (lambda h: h.update({"X-TC-Key": "x", "X-TC-Signature": "bad"}), NOW + 999, 190303),
        # A stale timestamp beats a bad signature.
        (lambda h: h.update({"X-TC-Signature": "bad"}), NOW + 999, 190300),
    ],
)
def test_checks_run_in_the_real_services_order(
    change: Callable[[dict[str, str]], None], now: float, code: int
) -> None:
    assert code_of(request(change), now) == code


def test_a_bad_signature_is_reported_before_a_replay() -> None:
    replays = ReplayMemory()
    assert code_of(request(), replays=replays) == 0
    again = request(lambda h: h.update({"X-TC-Signature": h["X-TC-Signature"][::-1]}))
    assert code_of(again, replays=replays) == 200003
