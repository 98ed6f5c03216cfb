"""Likely causes of configuration errors, from seeds 000/001 and spec §1. Data only.

Each text names the setting to check, never its value: a diagnosis is logged and written
to reports, so it must hold no secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_CAUSES: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        200003: (
            "wemeet.secret_key is not the SecretKey that belongs to wemeet.secret_id "
            "(or the two were swapped: X-TC-Key carries the SecretId).",
            "Text was signed in one encoding and sent in another: subjects with Chinese "
            "characters must be signed and sent as the same UTF-8 bytes (never GBK).",
            "The signature was built the wrong way, e.g. hex-encoded twice (the PHP mistake) "
            "or base64 of the raw digest: it must be Base64(lower-case hex(HMAC-SHA256)).",
            "The body or URI that was signed differs from what was sent (a proxy that rewrites "
            "requests, or a body that never made it into the request).",
            "The X-TC-Registered header does not fit the account (wemeet.registered): userids "
            "that are not registered users need 0; registered users take 0 or 1.",
            "wemeet.sdk_id is set although the app has no SdkId, or is missing although it "
            "has one.",
        ),
        190303: (
            "wemeet.app_id (the enterprise id, sent as AppId) or wemeet.secret_id (sent as "
            "X-TC-Key) is wrong; X-TC-Key must carry the SecretId, not the SecretKey.",
            "wemeet.sdk_id is set but no SdkId was ever assigned to this app: leave it empty.",
            "The app or its key pair was disabled or deleted in the Tencent Meeting console.",
            "In OAuth mode: the OpenId is wrong or the access token is invalid or expired.",
        ),
        200001: (
            "A required header is missing: most often AppId (wemeet.app_id is empty), which is "
            "not signed and therefore easy to forget.",
            "A proxy between this host and the API strips headers, or changes the case of "
            "header names (the server matches names case-sensitively).",
        ),
        200004: (
            "wemeet.base_url points at the wrong host or path prefix (it should be "
            "https://api.meeting.qq.com), or the interface is not open to this app.",
        ),
        200005: (
            "A proxy or gateway between this host and the API changes request bodies "
            "(re-encodes, truncates or compresses them): check HTTPS_PROXY and whatever "
            "wemeet.base_url points at.",
            "meeting-sync sent a body that does not parse: a fault of meeting-sync itself, "
            "since it sends only JSON it has encoded and checked. Report it with the trace id "
            "of the log line; no row was failed for it.",
        ),
        -1: (
            "wemeet.base_url points at something that is not the Tencent Meeting API (the "
            "answer had no error body), or a proxy in between rejected the request.",
        ),
        50000: ("wemeet.app_id is not a valid enterprise id.",),
        50001: ("The enterprise account is disabled or expired: check it in the console.",),
        10005: ("This app version was disabled by Tencent: update the app registration.",),
        190325: (
            "The OAuth app lacks the scope this interface needs, or the interface does not "
            "support OAuth: add the scope in the app settings and authorize again.",
        ),
    }
)


def configuration_causes(code: int) -> tuple[str, ...]:
    """The known likely causes of ``code``, most likely first (empty when none are known)."""
    return _CAUSES.get(code, ())
