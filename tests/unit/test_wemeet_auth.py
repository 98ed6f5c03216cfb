"""The AK/SK auth object: headers for the exact bytes sent, and what an error teaches it."""

from __future__ import annotations

from worker.exceptions import ApiError
from worker.wemeet.auth import AkSkAuth, Outgoing
from worker.wemeet.signing import Credentials, sign

CREDS = Credentials("200000001", "sid-1", "key-1")


def api(code: int, **kw: object) -> ApiError:
    return ApiError(error_code=code, message="m", http_status=400, **kw)  # type: ignore[arg-type]


def test_the_headers_sign_exactly_the_bytes_and_target_given() -> None:
    auth = AkSkAuth(CREDS, clock=lambda: 1_700_000_000.0, nonce=lambda: 42)
    request = Outgoing("POST", "/v1/meetings", b'{"subject":"x"}')
    headers = auth.headers(request)
    expected = sign(
        "POST", "/v1/meetings", b'{"subject":"x"}',
        secret_id="sid-1", secret_key="key-1", nonce=42, timestamp=1_700_000_000,
    )  # fmt: skip
    assert headers["X-TC-Signature"] == expected
    assert (headers["X-TC-Timestamp"], headers["X-TC-Nonce"]) == ("1700000000", "42")
    assert headers["AppId"] == "200000001" and headers["X-TC-Registered"] == "1"


def test_clock_skew_is_learnt_from_the_servers_date_and_moves_the_next_timestamp() -> None:
    auth = AkSkAuth(CREDS, clock=lambda: 1_000.0, nonce=lambda: 1)
    auth.learn(api(190300, server_date=1_400.0))
    assert auth.clock_offset == 400.0
    assert auth.headers(Outgoing("GET", "/v1/meetings", b""))["X-TC-Timestamp"] == "1400"


def test_other_errors_and_a_skew_without_a_date_teach_nothing() -> None:
    auth = AkSkAuth(CREDS, clock=lambda: 1_000.0)
    auth.learn(api(200003, server_date=5_000.0))
    auth.learn(api(190300))
    assert auth.clock_offset == 0.0


def test_the_registered_header_is_what_the_account_needs() -> None:
    auth = AkSkAuth(CREDS, registered="0")
    assert auth.headers(Outgoing("GET", "/v1/meetings", b""))["X-TC-Registered"] == "0"
