"""TLSSigAPIv2 UserSigs: made and checked by pure functions (spec §2).

The key is the console's SecretKey used as UTF-8 bytes (never hex-decoded). A UserSig is a
JSON document, zlib-compressed and base64-encoded with ``+/=`` swapped for ``*-_`` (not RFC
base64url). Different libraries compress differently, so two UserSigs are compared by their
decoded fields, never as strings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass

VERSION = "2.0"
_TO_URL = str.maketrans("+/=", "*-_")
_FROM_URL = str.maketrans("*-_", "+/=")


class UserSigRejected(ValueError):
    """A UserSig the server refuses; ``code`` is the server's 70xxx code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# The server's codes (spec §2).
EXPIRED, MALFORMED, BAD_HMAC, WRONG_IDENTIFIER, WRONG_SDKAPPID = 70001, 70003, 70009, 70013, 70014


@dataclass(frozen=True)
class UserSigFields:
    """What a UserSig says, as decoded."""

    identifier: str
    sdkappid: int
    time: int
    expire: int
    sig: str

    @property
    def expires_at(self) -> int:
        return self.time + self.expire


def hmac_sig(key: str, identifier: str, sdkappid: int, time: int, expire: int) -> str:
    """``TLS.sig``: base64 (standard alphabet) of HMAC-SHA256 over the four LF-ended lines."""
    content = (
        f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\n"
        f"TLS.time:{time}\nTLS.expire:{expire}\n"
    )
    digest = hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def make_usersig(sdkappid: int, key: str, identifier: str, *, expire: int, now: int) -> str:
    """A UserSig for ``identifier`` valid ``expire`` seconds from ``now`` (Unix seconds)."""
    doc = {
        "TLS.ver": VERSION,
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": hmac_sig(key, identifier, sdkappid, now, expire),
    }
    packed = zlib.compress(json.dumps(doc, separators=(",", ":")).encode("utf-8"))
    return base64.b64encode(packed).decode("ascii").translate(_TO_URL)


def decode_usersig(usersig: str) -> UserSigFields:
    """The fields of a UserSig; ``UserSigRejected`` (70003) when it is no UserSig."""
    try:
        packed = base64.b64decode(usersig.translate(_FROM_URL).encode("ascii"), validate=True)
        doc = json.loads(zlib.decompress(packed).decode("utf-8"))
    except (binascii.Error, UnicodeError, zlib.error, ValueError):
        raise UserSigRejected(MALFORMED, "the UserSig does not decode") from None
    if not isinstance(doc, dict):
        raise UserSigRejected(MALFORMED, "the UserSig is not a JSON object")
    identifier, sdkappid = doc.get("TLS.identifier"), doc.get("TLS.sdkappid")
    time, expire, sig = doc.get("TLS.time"), doc.get("TLS.expire"), doc.get("TLS.sig")
    numbers = (sdkappid, time, expire)
    if (
        not isinstance(identifier, str)
        or not isinstance(sig, str)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
    ):
        raise UserSigRejected(MALFORMED, "the UserSig lacks a field or has one of a wrong type")
    return UserSigFields(identifier, int(sdkappid), int(time), int(expire), sig)  # type: ignore[arg-type]


def verify_usersig(
    usersig: str, *, sdkappid: int, key: str, identifier: str, now: float
) -> UserSigFields:
    """The fields of a UserSig the server would accept, else ``UserSigRejected``: the
    sdkappid and identifier first, then the expiry, then the HMAC (constant-time)."""
    fields = decode_usersig(usersig)
    if fields.sdkappid != sdkappid:
        raise UserSigRejected(WRONG_SDKAPPID, "the UserSig was made for another SDKAppID")
    if fields.identifier != identifier:
        raise UserSigRejected(WRONG_IDENTIFIER, "the UserSig was made for another identifier")
    if now > fields.expires_at:
        raise UserSigRejected(EXPIRED, "the UserSig has expired")
    expected = hmac_sig(key, fields.identifier, fields.sdkappid, fields.time, fields.expire)
    if not hmac.compare_digest(expected.encode("ascii"), fields.sig.encode("utf-8")):
        raise UserSigRejected(BAD_HMAC, "the UserSig's HMAC does not match the key")
    return fields
