"""The AK/SK signature as the service checks it, from the protocol's text (spec §1). Pure.

    StringToSign = METHOD "\n" "X-TC-Key=" key "&X-TC-Nonce=" nonce "&X-TC-Timestamp=" ts
                   "\n" URI "\n" BODY
    X-TC-Signature = Base64(lower-case hex(HMAC-SHA256(key=SecretKey, msg=StringToSign)))

Everything is taken exactly as it arrived: the header values as written (no re-formatting of
the numbers), the request target as sent (no re-quoting or re-ordering of the query) and the
body's bytes. A client that signs anything other than what it sends gets 200003.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

# The signed headers, in the order the string to sign lists them (sorted by name).
SIGNED_HEADERS = ("X-TC-Key", "X-TC-Nonce", "X-TC-Timestamp")


def string_to_sign(method: str, uri: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """The bytes the client should have HMAC'd, from the request as received.

    ``headers`` holds the three signed headers with exact-case names. A GET has an empty
    body, so its string ends with the line feed after the URI.
    """
    signed = "&".join(f"{name}={headers[name]}" for name in SIGNED_HEADERS)
    # The target and the header values reach the server as text decoded from the wire;
    # UTF-8 gives back the bytes a client signed for any target a client can send.
    text = f"{method.upper()}\n{signed}\n{uri}\n"
    return text.encode("utf-8", "surrogatepass") + body


def expected_signature(secret_key: str, message: bytes) -> str:
    """Base64 of the HMAC-SHA256's hex digest in lower case: always 88 characters. Base64 of
    the raw digest (44 characters) and upper-case hex are both wrong answers."""
    digest = hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest.hex().encode("ascii")).decode("ascii")


def signature_valid(
    given: str, secret_key: str, method: str, uri: str, body: bytes, headers: Mapping[str, str]
) -> bool:
    """Whether ``given`` is the signature of this request; compared in constant time, so a
    caller cannot learn a valid signature byte by byte from response times."""
    expected = expected_signature(secret_key, string_to_sign(method, uri, body, headers))
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "surrogatepass"))
