"""The sandbox's OAuth app as a judge: codes, rotation, expiry, the wrong user. Pure."""

from __future__ import annotations

import pytest

from sandbox.errors import Rejection
from sandbox.oauth import OAuthApp, OAuthState, TokenError

APP = OAuthApp("sdk-1", "app-secret", access_ttl=100, refresh_ttl=1000)


def exchange(state: OAuthState, open_id: str, now: float) -> dict[str, object]:
    code = state.auth_code(open_id, now)
    body = {"sdk_id": "sdk-1", "secret": "app-secret", "auth_code": code}
    return state.token_call("access_token", body, now)


def headers(pair: dict[str, object], now: float, open_id: str | None = None) -> dict[str, str]:
    return {
        "AccessToken": str(pair["access_token"]),
        "OpenId": open_id or str(pair["open_id"]),
        "X-TC-Timestamp": str(int(now)),
        "X-TC-Nonce": "7",
    }


def test_an_auth_code_is_single_use_and_lives_five_minutes() -> None:
    state = OAuthState(APP)
    code = state.auth_code("u", 0)
    body = {"sdk_id": "sdk-1", "secret": "app-secret", "auth_code": code}
    assert state.token_call("access_token", body, 299)["open_id"] == "u"
    with pytest.raises(TokenError) as again:
        state.token_call("access_token", body, 299)
    assert again.value.code == 1002
    late = {**body, "auth_code": state.auth_code("u", 0)}
    with pytest.raises(TokenError):
        state.token_call("access_token", late, 300)
    with pytest.raises(TokenError) as wrong_secret:
        state.token_call("access_token", {**body, "secret": "x"}, 0)
    assert wrong_secret.value.code == 1003


def test_a_refresh_rotates_the_pair_and_refuses_the_old_one() -> None:
    state = OAuthState(APP)
    first = exchange(state, "u", 0)
    refresh = {"sdk_id": "sdk-1", "refresh_token": first["refresh_token"], "open_id": "u"}
    second = state.token_call("refresh_token", refresh, 50)
    assert second["access_token"] != first["access_token"]
    assert second["expires"] == 150
    with pytest.raises(TokenError) as refused:
        state.token_call("refresh_token", refresh, 51)  # the second refresher
    assert refused.value.code == 1006
    with pytest.raises(Rejection) as old:
        state.check_call(headers(first, 51), 51)
    assert (old.value.error_code, old.value.new_error_code) == (190303, 200190303)
    assert state.check_call(headers(second, 51), 51) == "u"
    assert (state.refreshes["u"], state.refused_refreshes["u"]) == (1, 1)


def test_expired_tokens_and_other_users_are_refused() -> None:
    state = OAuthState(APP)
    pair = exchange(state, "u", 0)
    exchange(state, "v", 0)
    with pytest.raises(Rejection) as expired:
        state.check_call(headers(pair, 100), 100)
    assert expired.value.new_error_code == 200190303
    assert state.expired_calls["u"] == 1
    with pytest.raises(Rejection):
        state.check_call(headers(pair, 10, open_id="v"), 10)
    with pytest.raises(Rejection) as missing:
        state.check_call({"AccessToken": "x"}, 10)
    assert missing.value.error_code == 200001
    refresh = {"sdk_id": "sdk-1", "refresh_token": pair["refresh_token"], "open_id": "u"}
    with pytest.raises(TokenError) as late:
        state.token_call("refresh_token", refresh, 1000)  # the refresh token's 1000 s are up
    assert late.value.code == 1006
