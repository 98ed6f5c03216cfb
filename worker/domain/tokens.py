"""A user's OAuth authorization as the worker keeps it: a plain value both the store (which
persists it) and a provider's auth (which uses it) speak. Tokens never print."""

from __future__ import annotations

from dataclasses import dataclass, field

ACTIVE = "active"
REAUTHORIZE = "reauthorize"
"""The refresh token was refused for good: a person must authorize the app again."""


@dataclass(frozen=True)
class OAuthToken:
    open_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: float  # Unix seconds
    refresh_expires_at: float
    refreshed_at: float  # when this pair was issued (exchange or refresh)
    refreshed_by: str
    scopes: tuple[str, ...] = ()
    state: str = ACTIVE
    error_code: str | None = None
    error_message: str | None = None
