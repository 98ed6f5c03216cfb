"""The OAuth2.0 token endpoints of a third-party app (spec §2): exchange an authorization
code, refresh a pair. A thin shell over ``requests``; no database, no retries.

Answers come in an envelope ``{"code", "message", "nonce", "data"}``; a refusal is HTTP 400
with a code of seed 002's OAuth table, raised as ``OAuthRefused``. Nothing raised or logged
here holds a token or the app's secret.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from worker.exceptions import OAuthRefused, TransportError
from worker.wemeet.responses import decode_json
from worker.wemeet.uri import parse_base_url

logger = logging.getLogger(__name__)

TOKEN_PATH = "/wemeet-webapi/v2/oauth2/oauth/"
MALFORMED = -2  # a client-side code, as for the REST answers


@dataclass(frozen=True)
class Issued:
    """A pair as a token endpoint issued it; ``expires`` is the access token's end (Unix s)."""

    open_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires: float
    scopes: tuple[str, ...]


class TokenEndpoints:
    def __init__(
        self,
        base_url: str,
        *,
        sdk_id: str,
        secret: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10.0),
    ) -> None:
        self._base = parse_base_url(base_url)
        self._sdk_id = sdk_id
        self._secret = secret
        self._session = session or requests.Session()
        self._timeout = timeout

    def exchange(self, auth_code: str) -> Issued:
        body = {"sdk_id": self._sdk_id, "secret": self._secret, "auth_code": auth_code}
        return self._post("access_token", body)

    def refresh(self, open_id: str, refresh_token: str) -> Issued:
        body = {"sdk_id": self._sdk_id, "refresh_token": refresh_token, "open_id": open_id}
        return self._post("refresh_token", body)

    def _post(self, name: str, body: dict[str, str]) -> Issued:
        url = self._base.url(self._base.prefix + TOKEN_PATH + name)
        try:
            answer = self._session.post(url, json=body, timeout=self._timeout)
        except requests.RequestException as exc:
            # The exception's text may hold the URL, never the body: still, say only its kind.
            raise TransportError(type(exc).__name__, may_have_reached=True, endpoint=name) from None
        logger.debug("oauth_call endpoint=%s status=%s", name, answer.status_code)
        try:
            doc = decode_json(answer.content)
        except ValueError:
            raise OAuthRefused(
                MALFORMED, f"HTTP {answer.status_code}, not JSON", endpoint=name
            ) from None
        if not isinstance(doc, dict):
            raise OAuthRefused(MALFORMED, "the answer is not a JSON object", endpoint=name)
        code = doc.get("code")
        if code != 0 or answer.status_code != 200:
            message = str(doc.get("message", ""))[:200]
            raise OAuthRefused(code if isinstance(code, int) else MALFORMED, message, endpoint=name)
        return _issued(doc.get("data"), name)


def _issued(data: Any, name: str) -> Issued:
    if not isinstance(data, dict):
        raise OAuthRefused(MALFORMED, "the answer has no data", endpoint=name)
    access, refresh = data.get("access_token"), data.get("refresh_token")
    open_id, expires = data.get("open_id"), data.get("expires")
    scopes = data.get("scopes") or []
    if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
        raise OAuthRefused(MALFORMED, "the answer lacks the token pair", endpoint=name)
    if not isinstance(open_id, str) or not open_id:
        raise OAuthRefused(MALFORMED, "the answer lacks the open_id", endpoint=name)
    if not isinstance(expires, int | float) or isinstance(expires, bool):
        raise OAuthRefused(MALFORMED, "the answer lacks the expiry", endpoint=name)
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise OAuthRefused(MALFORMED, "the answer's scopes are not a list", endpoint=name)
    return Issued(open_id, access, refresh, float(expires), tuple(scopes))
