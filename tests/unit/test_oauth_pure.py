"""OAuth's pure parts: when a pair is due, which errors renew it, how tokens are kept at
rest, and which quotas an OAuth call spends."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from worker.domain.tokens import OAuthToken
from worker.exceptions import ApiError, ConfigError
from worker.quota.rates import parse_rate
from worker.store.token_cipher import TokenCipher
from worker.wemeet.oauth import refresh_at, renews_token
from worker.wemeet.quota import WemeetQuotas, pause_target, scopes_for


def token(issued: float, expires: float) -> OAuthToken:
    return OAuthToken("u", "at-secret", "rt-secret", expires, issued + 30 * 86400, issued, "w")


def test_a_pair_is_due_lead_seconds_before_its_end() -> None:
    assert refresh_at(token(0, 21600), 1800) == 19800


def test_a_lead_longer_than_the_whole_life_means_half_way() -> None:
    assert refresh_at(token(1000, 1060), 1800) == 1030
    assert refresh_at(token(1000, 2800), 1800) == 1900  # exactly the life: half-way too


def test_expired_or_invalid_tokens_renew_and_other_190303s_do_not() -> None:
    def error(code: int, new: int | None = None) -> ApiError:
        return ApiError(error_code=code, message="m", http_status=400, new_error_code=new)

    assert renews_token(error(190303, 200190303))
    assert renews_token(error(1005))
    assert not renews_token(error(190303))  # an AK/SK credential fault: a person's job
    assert not renews_token(error(9093))


def test_tokens_at_rest_are_ciphertext_with_a_key_and_marked_plain_without() -> None:
    key = Fernet.generate_key().decode()
    sealed = TokenCipher(key).seal("tok-123")
    assert sealed.startswith("fernet:") and "tok-123" not in sealed
    assert TokenCipher(key).open(sealed) == "tok-123"
    assert TokenCipher().seal("tok-123") == "plain:tok-123"
    assert TokenCipher(key).open("plain:tok-123") == "tok-123"  # a key set later still reads
    with pytest.raises(ConfigError, match="MEETING_SYNC_OAUTH_KEY"):
        TokenCipher().open(sealed)
    with pytest.raises(ConfigError, match="not the key they were written with"):
        TokenCipher(Fernet.generate_key().decode()).open(sealed)
    with pytest.raises(ConfigError, match="not a Fernet key") as bad:
        TokenCipher("short-and-wrong")
    assert "short-and-wrong" not in str(bad.value)


def test_an_oauth_call_spends_its_users_minute_and_the_apps_day() -> None:
    quotas = WemeetQuotas(
        app_id="oauth:s1",
        app=(parse_rate("300/60s"), parse_rate("200000/1d")),
        user_create=(parse_rate("2000/1h"),),
        user=(parse_rate("300/60s"),),
        per_user=True,
    )
    scopes = {s.key: s.rates for s in scopes_for("update", "open-1", quotas)}
    assert scopes["app:oauth:s1"] == (parse_rate("200000/1d"),)
    assert scopes["user:oauth:s1:open-1"] == (parse_rate("300/60s"),)
    pause = pause_target(190310, "update", "open-1", quotas)
    assert pause is not None and pause.key == "user:oauth:s1:open-1"
    aksk = WemeetQuotas(app_id="1", app=quotas.app, user_create=quotas.user_create)
    assert not [s for s in scopes_for("update", "open-1", aksk) if s.key.startswith("user:")]
