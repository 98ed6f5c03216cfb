"""Third-party OAuth2.0 apps (spec §2, seed 001/002): authorization codes, the token
endpoints with their envelope and codes, rotation, and the check of an API call's token.

Not thread-safe by itself: the app holds its lock. Times are the sandbox clock's, so an
advance of the clock moves every code and token towards its expiry. Tokens are random
strings the sandbox never logs; the inspection view shows expiries and counts, never them.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import MISSING_HEADER, STALE_TIMESTAMP, Rejection, reject

TOKEN_PATH = "/wemeet-webapi/v2/oauth2/oauth/"
TOKEN_ENDPOINTS = ("access_token", "refresh_token", "user_info")
AUTH_CODE_SECONDS = 300
DEFAULT_ACCESS_TTL = 6 * 3600
DEFAULT_REFRESH_TTL = 30 * 86400
SCOPES = ("meeting:create", "meeting:update", "meeting:cancel", "meeting:query")
# The headers an OAuth call must carry, with these exact spellings (spec §2).
OAUTH_HEADERS = ("AccessToken", "OpenId", "X-TC-Timestamp", "X-TC-Nonce")
# Seed 002's OAuth2.0 error table.
BAD_PARAMS, AUTH_CODE_INVALID, SECRET_INVALID, OPEN_ID_INVALID = 10, 1002, 1003, 1004
ACCESS_EXPIRED, REFRESH_EXPIRED = 1005, 1006
INVALID_TOKEN, TOKEN_EXPIRED_NEW_CODE = 190303, 200190303


@dataclass(frozen=True)
class OAuthApp:
    """The third-party app a sandbox recognises, and the lifetimes of what it issues."""

    sdk_id: str
    secret: str = field(repr=False)
    access_ttl: float = DEFAULT_ACCESS_TTL
    refresh_ttl: float = DEFAULT_REFRESH_TTL

    def __post_init__(self) -> None:
        if not self.sdk_id or not self.secret:
            raise ValueError("the OAuth sdk_id and secret must not be empty")
        if not (self.access_ttl > 0 and self.refresh_ttl > 0):
            raise ValueError("token lifetimes must be positive seconds")


@dataclass
class _Pair:
    open_id: str
    access_token: str
    refresh_token: str
    access_expires: float
    refresh_expires: float
    live: bool = True


class TokenError(Exception):
    """A token endpoint's refusal: HTTP 400 with the seed's code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class OAuthState:
    app: OAuthApp
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    pairs: dict[str, _Pair] = field(default_factory=dict)  # by access token
    by_refresh: dict[str, _Pair] = field(default_factory=dict)
    current: dict[str, _Pair] = field(default_factory=dict)  # by open_id
    refreshes: Counter[str] = field(default_factory=Counter)
    refused_refreshes: Counter[str] = field(default_factory=Counter)
    exchanges: Counter[str] = field(default_factory=Counter)
    expired_calls: Counter[str] = field(default_factory=Counter)

    def auth_code(self, open_id: Any, now: float) -> str:
        """A code the user's authorization would hand the app: 5 minutes, single use."""
        if not isinstance(open_id, str) or not open_id:
            raise ValueError("open_id must be a non-empty string")
        code = secrets.token_urlsafe(16)
        self.codes[code] = (open_id, now + AUTH_CODE_SECONDS)
        return code

    def token_call(self, name: str, body: Mapping[str, Any], now: float) -> dict[str, Any]:
        """The ``data`` of a token endpoint's success; TokenError for its refusal."""
        if name == "access_token":
            return self._exchange(body, now)
        if name == "refresh_token":
            return self._refresh(body, now)
        if name == "user_info":
            pair = self.pairs.get(str(body.get("access_token", "")))
            if pair is None or not pair.live or pair.open_id != body.get("open_id"):
                raise TokenError(OPEN_ID_INVALID, "open_id or access_token invalid")
            if pair.access_expires <= now:
                raise TokenError(ACCESS_EXPIRED, "access_token expired")
            return {"open_id": pair.open_id, "scopes": list(SCOPES)}
        raise TokenError(BAD_PARAMS, f"unknown token endpoint {name!r}")

    def _exchange(self, body: Mapping[str, Any], now: float) -> dict[str, Any]:
        self._check_app(body, "secret")
        found = self.codes.pop(str(body.get("auth_code", "")), None)  # single use
        if found is None or found[1] <= now:
            raise TokenError(AUTH_CODE_INVALID, "auth_code invalid or expired")
        self.exchanges[found[0]] += 1
        return self._issue(found[0], now)

    def _refresh(self, body: Mapping[str, Any], now: float) -> dict[str, Any]:
        self._check_app(body, None)
        open_id = str(body.get("open_id", ""))
        pair = self.by_refresh.get(str(body.get("refresh_token", "")))
        if pair is None or pair.open_id != open_id:
            self.refused_refreshes[open_id] += 1
            raise TokenError(OPEN_ID_INVALID, "open_id or refresh_token invalid")
        if not pair.live or pair.refresh_expires <= now:
            # A pair replaced by a refresh is dead: a second refresher is refused.
            self.refused_refreshes[open_id] += 1
            raise TokenError(REFRESH_EXPIRED, "refresh_token expired")
        self.refreshes[open_id] += 1
        return self._issue(open_id, now, refresh_expires=pair.refresh_expires)

    def _check_app(self, body: Mapping[str, Any], secret_field: str | None) -> None:
        if body.get("sdk_id") != self.app.sdk_id:
            raise TokenError(BAD_PARAMS, "sdk_id invalid")
        if secret_field is not None and body.get(secret_field) != self.app.secret:
            raise TokenError(SECRET_INVALID, "secret invalid")

    def _issue(
        self, open_id: str, now: float, *, refresh_expires: float | None = None
    ) -> dict[str, Any]:
        old = self.current.get(open_id)
        if old is not None:
            old.live = False  # every new pair invalidates the previous one
        pair = _Pair(
            open_id,
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            now + self.app.access_ttl,
            # A refresh renews the access token; the refresh token keeps its 30 days from
            # the user's authorization, after which the user must authorize again.
            refresh_expires if refresh_expires is not None else now + self.app.refresh_ttl,
        )
        self.current[open_id] = pair
        self.pairs[pair.access_token] = pair
        self.by_refresh[pair.refresh_token] = pair
        return {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires": int(pair.access_expires),
            "open_id": open_id,
            "scopes": list(SCOPES),
        }

    def check_call(self, headers: Mapping[str, str], now: float) -> str:
        """The open_id an API call acts for; the real service's Rejection otherwise."""
        missing = [name for name in OAUTH_HEADERS if not headers.get(name)]
        if missing:
            raise reject(MISSING_HEADER, f"missing required header(s): {', '.join(missing)}")
        timestamp = headers["X-TC-Timestamp"]
        if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > 300:
            raise reject(STALE_TIMESTAMP, "X-TC-Timestamp differs from server time by over 5 min")
        pair = self.pairs.get(headers["AccessToken"])
        if pair is None or not pair.live or pair.open_id != headers["OpenId"]:
            raise _token_refused("OAuth: check the OpenId and the Access Token")
        if pair.access_expires <= now:
            self.expired_calls[pair.open_id] += 1
            raise _token_refused("OAuth: the Access Token has expired")
        return pair.open_id

    def view(self, now: float) -> dict[str, Any]:
        users = set(self.current) | set(self.refused_refreshes)
        out = {}
        for open_id in sorted(users):
            pair = self.current.get(open_id)
            out[open_id] = {
                "exchanges": self.exchanges[open_id],
                "refreshes": self.refreshes[open_id],
                "refused_refreshes": self.refused_refreshes[open_id],
                "expired_token_calls": self.expired_calls[open_id],
                "access_expires": pair.access_expires if pair else None,
                "refresh_expires": pair.refresh_expires if pair else None,
                "access_expired": pair.access_expires <= now if pair else None,
            }
        return out

    def expire_refresh_token(self, open_id: str, now: float) -> None:
        """The user's refresh token reaches its end now (as 30 days would)."""
        pair = self.current.get(open_id)
        if pair is None:
            raise ValueError(f"no tokens for open_id {open_id!r}")
        pair.refresh_expires = now


def _token_refused(message: str) -> Rejection:
    return Rejection(INVALID_TOKEN, message, 400, TOKEN_EXPIRED_NEW_CODE)
