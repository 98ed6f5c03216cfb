"""AK/SK request signing for the Tencent Meeting REST API (spec §1). Pure functions.

The signature covers the exact bytes that go on the wire: the caller builds the body once
as UTF-8 bytes and passes the URI as it will be sent (already percent-encoded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from dataclasses import dataclass, field

CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class Credentials:
    """AK/SK credentials of an enterprise self-built app. The secret key never prints."""

    app_id: str
    secret_id: str
    secret_key: str = field(repr=False)
    sdk_id: str | None = None


def string_to_sign(
    method: str, uri: str, body: bytes, *, secret_id: str, nonce: int, timestamp: int
) -> bytes:
    """The exact bytes that are HMAC'd: METHOD\\nheaders\\nURI\\nBODY."""
    headers = f"X-TC-Key={secret_id}&X-TC-Nonce={nonce}&X-TC-Timestamp={timestamp}"
    head = f"{method.upper()}\n{headers}\n{uri}\n".encode()
    return head + body


def sign(
    method: str,
    uri: str,
    body: bytes,
    *,
    secret_id: str,
    secret_key: str,
    nonce: int,
    timestamp: int,
) -> str:
    """Base64 of the lower-case hex HMAC-SHA256 digest (always 88 characters)."""
    message = string_to_sign(
        method, uri, body, secret_id=secret_id, nonce=nonce, timestamp=timestamp
    )
    digest_hex = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
    return base64.b64encode(digest_hex.encode("ascii")).decode("ascii")


def aksk_headers(
    creds: Credentials, method: str, uri: str, body: bytes, *, nonce: int, timestamp: int
) -> dict[str, str]:
    """Every header an AK/SK request carries, with names exactly as the server expects."""
    headers = {
        "Content-Type": CONTENT_TYPE,
        "AppId": creds.app_id,
        "X-TC-Registered": "1",
        "X-TC-Key": creds.secret_id,
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Nonce": str(nonce),
        "X-TC-Signature": sign(
            method,
            uri,
            body,
            secret_id=creds.secret_id,
            secret_key=creds.secret_key,
            nonce=nonce,
            timestamp=timestamp,
        ),
    }
    if creds.sdk_id:
        headers["SdkId"] = creds.sdk_id
    return headers


def new_nonce(rng: random.Random | None = None) -> int:
    """A random positive integer with no leading zero (decimal), fresh per attempt."""
    return (rng or random.SystemRandom()).randint(1, 2**31 - 1)
