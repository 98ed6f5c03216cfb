"""`meeting-sync oauth exchange | list | revoke`: the users a third-party app acts for.

What they print names users, expiries, scopes and states, never a token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from worker.composition import build_keeper
from worker.config import Config
from worker.domain.tokens import OAuthToken
from worker.exceptions import ConfigError
from worker.store.engines import make_engine
from worker.store.oauth_tokens import OAuthTokenStore
from worker.store.token_cipher import TokenCipher


def run_oauth(
    config: Config,
    action: str,
    *,
    auth_code: str | None = None,
    open_id: str | None = None,
    as_json: bool = False,
    clock: Callable[[], float] = time.time,
) -> str:
    if not config.oauth:
        raise ConfigError('`meeting-sync oauth` needs [wemeet] auth = "oauth"')
    engine = make_engine(config.database.url)
    try:
        if action == "exchange":
            config.require_credentials()
            keeper = build_keeper(config, engine, clock=clock)
            assert keeper is not None and auth_code is not None
            return keeper.exchange(auth_code).open_id
        store = OAuthTokenStore(engine, TokenCipher(config.oauth_key))
        if action == "revoke":
            assert open_id is not None
            if not store.forget(open_id):
                raise ConfigError(f"no OAuth authorization is stored for open_id {open_id!r}")
            return f"forgot {open_id}; their rows wait until they authorize the app again"
        assert action == "list", action
        users = [describe(token, clock()) for token in store.all()]
        if as_json:
            return json.dumps(users, ensure_ascii=False, indent=2)
        return "\n".join(_line(u) for u in users) or "no authorized users"
    finally:
        engine.dispose()


def describe(token: OAuthToken, now: float) -> dict[str, Any]:
    """What may be shown of a user's authorization: everything but the tokens."""
    state = token.state
    if state == "active" and token.access_expires_at <= now:
        state = "expired"  # renewed at the next check, if its refresh token still works
    return {
        "open_id": token.open_id,
        "state": state,
        "access_expires_at": _iso(token.access_expires_at),
        "refresh_expires_at": _iso(token.refresh_expires_at),
        "scopes": list(token.scopes),
        "refreshed_at": _iso(token.refreshed_at),
        "refreshed_by": token.refreshed_by,
        "error_code": token.error_code,
        "error_message": token.error_message,
    }


def _line(user: dict[str, Any]) -> str:
    text = (
        f"{user['open_id']}  {user['state']}  access until {user['access_expires_at']}  "
        f"refresh until {user['refresh_expires_at']}  scopes {' '.join(user['scopes']) or '-'}"
    )
    return text + (f"\n  {user['error_message']}" if user["error_message"] else "")


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()
