"""The sandbox's own UserSig judge (TLSSigAPIv2, spec §2): it shares nothing with the
worker, whose UserSigs it checks. Decodes the ``*-_`` base64 variant, inflates, checks the
SDKAppID, the identifier and the expiry, then the HMAC (constant-time)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib

EXPIRED, MALFORMED, BAD_HMAC, WRONG_IDENTIFIER, WRONG_SDKAPPID = 70001, 70003, 70009, 70013, 70014


class SigRefused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _expected(key: str, doc: dict[str, object]) -> str:
    content = "".join(
        f"TLS.{name}:{doc[f'TLS.{name}']}\n"
        for name in ("identifier", "sdkappid", "time", "expire")
    )
    mac = hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


def check_usersig(usersig: str, *, sdkappid: int, key: str, identifier: str, now: float) -> None:
    """Raises ``SigRefused`` with the server's code unless the UserSig is good."""
    try:
        raw = usersig.replace("*", "+").replace("-", "/").replace("_", "=")
        doc = json.loads(zlib.decompress(base64.b64decode(raw, validate=True)))
    except (binascii.Error, zlib.error, ValueError, UnicodeError):
        raise SigRefused(MALFORMED, "usersig invalid: it does not decode") from None
    ints = ("TLS.sdkappid", "TLS.time", "TLS.expire")
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("TLS.identifier"), str)
        or not isinstance(doc.get("TLS.sig"), str)
        or not all(type(doc.get(k)) is int for k in ints)
    ):
        raise SigRefused(MALFORMED, "usersig invalid: a field is missing or of a wrong type")
    if doc["TLS.sdkappid"] != sdkappid:
        raise SigRefused(WRONG_SDKAPPID, "usersig sdkappid mismatch")
    if doc["TLS.identifier"] != identifier:
        raise SigRefused(WRONG_IDENTIFIER, "usersig identifier mismatch")
    if now > doc["TLS.time"] + doc["TLS.expire"]:
        raise SigRefused(EXPIRED, "usersig expired")
    if not hmac.compare_digest(_expected(key, doc).encode(), str(doc["TLS.sig"]).encode()):
        raise SigRefused(BAD_HMAC, "usersig check failed: HMAC mismatch")
