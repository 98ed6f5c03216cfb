from __future__ import annotations

import random

import pytest

from tests.fixtures.vectors import TV1_WRONG, VECTORS, Vector
from worker.wemeet.signing import Credentials, aksk_headers, new_nonce, sign, string_to_sign

TV1 = "OGM4YTExZjc5MzVlNTg4ZDA0NDVhYjA0ZGNhYzYzOTZjMTM2YjU3ZmJiYzVhODBjYjY1NGYxZmMyMTVlMWRhYQ=="
TV1_RAW_DIGEST = "jIoR95NeWI0ERasE3KxjlsE2tX+7xagMtlTx/CFeHao="
TV1_UPPER_HEX = (
    "OEM4QTExRjc5MzVFNTg4RDA0NDVBQjA0RENBQzYzOTZDMTM2QjU3RkJCQzVBODBDQjY1NEYxRkMyMTVFMURBQQ=="
)
TV2_BODY = (
    '{"end_time":"1700007200","instanceid":1,"start_time":"1700003600",'
    '"subject":"周会","type":0,"userid":"tester1"}'
).encode()
TV2 = "MzFhNGJmZjAyOTZiM2Y1MmNmNWEzNzIzNmU1ZThlMThkZWFhMjkxZmIwYTNmZDNlMGE1MWU5ZTk4ODZiOTY5Yw=="


def tv1() -> str:
    return sign(
        "POST",
        "/v1/meetings",
        b"body",
        secret_id="aSecretId",
        secret_key="aSecretKey",
        nonce=2095528619,
        timestamp=1586675334,
    )


def test_tv1_matches_and_wrong_variants_do_not() -> None:
    got = tv1()
    assert got == TV1
    assert len(got) == 88
    assert got not in (TV1_RAW_DIGEST, TV1_UPPER_HEX)


def test_tv2_chinese_body_signed_as_utf8() -> None:
    got = sign(
        "POST",
        "/v1/meetings",
        TV2_BODY,
        secret_id="TestSecretId",
        secret_key="TestSecretKey",
        nonce=1234567890,
        timestamp=1700000000,
    )
    assert got == TV2


@pytest.mark.parametrize(
    "change",
    [
        {"method": "post"},  # upper-cased anyway: must still match
    ],
)
def test_method_is_upper_cased(change: dict[str, str]) -> None:
    got = sign(
        change["method"],
        "/v1/meetings",
        b"body",
        secret_id="aSecretId",
        secret_key="aSecretKey",
        nonce=2095528619,
        timestamp=1586675334,
    )
    assert got == TV1


def test_gbk_body_does_not_match_utf8_signature() -> None:
    gbk_body = TV2_BODY.decode().encode("gbk")
    got = sign(
        "POST",
        "/v1/meetings",
        gbk_body,
        secret_id="TestSecretId",
        secret_key="TestSecretKey",
        nonce=1234567890,
        timestamp=1700000000,
    )
    assert got != TV2


def test_get_string_to_sign_ends_after_uri_newline() -> None:
    s = string_to_sign(
        "GET", "/v1/meetings/1?userid=a&instanceid=1", b"", secret_id="k", nonce=1, timestamp=2
    )
    assert (
        s
        == b"GET\nX-TC-Key=k&X-TC-Nonce=1&X-TC-Timestamp=2\n/v1/meetings/1?userid=a&instanceid=1\n"
    )


def test_headers_include_sdk_id_only_when_configured() -> None:
    creds = Credentials(app_id="200000001", secret_id="sid", secret_key="skey")
    h = aksk_headers(creds, "POST", "/v1/meetings", b"{}", nonce=5, timestamp=6)
    assert "SdkId" not in h
    assert h["X-TC-Registered"] == "1" and h["AppId"] == "200000001" and h["X-TC-Key"] == "sid"
    with_sdk = Credentials(app_id="1", secret_id="sid", secret_key="skey", sdk_id="18000")
    assert aksk_headers(with_sdk, "GET", "/v1/x", b"", nonce=5, timestamp=6)["SdkId"] == "18000"


def test_secret_key_not_in_repr() -> None:
    creds = Credentials(app_id="1", secret_id="sid", secret_key="very-secret-key")
    assert "very-secret-key" not in repr(creds)


def test_nonce_is_positive_without_leading_zero() -> None:
    rng = random.Random(7)
    for _ in range(1000):
        n = new_nonce(rng)
        assert n > 0 and not str(n).startswith("0")


@pytest.mark.parametrize("vector", [pytest.param(v, id=v.name) for v in VECTORS])
def test_every_published_vector_is_reproduced_in_the_headers_sent(vector: Vector) -> None:
    creds = Credentials(app_id="1", secret_id=vector.secret_id, secret_key=vector.secret_key)
    sent = aksk_headers(
        creds,
        vector.method,
        vector.uri,
        vector.body,
        nonce=int(vector.nonce),
        timestamp=int(vector.timestamp),
    )
    # The signed headers go out exactly as the vector spells them, with its signature.
    assert {name: sent[name] for name in ("X-TC-Key", "X-TC-Nonce", "X-TC-Timestamp")} == {
        "X-TC-Key": vector.secret_id,
        "X-TC-Nonce": vector.nonce,
        "X-TC-Timestamp": vector.timestamp,
    }
    assert sent["X-TC-Signature"] == vector.signature
    assert sent["X-TC-Signature"] not in TV1_WRONG
