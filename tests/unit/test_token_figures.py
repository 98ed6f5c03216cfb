"""OAuth figures from the token table's expiries: seconds left, negative once ended; the
users parked for re-authorization counted; nothing per user when there is no user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.core import Metric

from worker.observe.token_figures import token_families
from worker.store.oauth_tokens import TokenExpiry

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def values(families: list[Metric]) -> dict[tuple[str, str], float]:
    return {
        (s.name, s.labels.get("open_id", "")): s.value
        for family in families
        for s in family.samples
    }


def test_seconds_left_per_user_negative_once_ended_and_parked_users_counted() -> None:
    expiries = [
        TokenExpiry("u-1", NOW + timedelta(hours=6), NOW + timedelta(days=30), False),
        TokenExpiry("u-2", NOW - timedelta(hours=1), NOW - timedelta(seconds=5), True),
    ]
    got = values(token_families(expiries, NOW))
    assert got == {
        ("meeting_sync_oauth_access_token_expiry_seconds", "u-1"): 6 * 3600,
        ("meeting_sync_oauth_refresh_token_expiry_seconds", "u-1"): 30 * 86400,
        ("meeting_sync_oauth_access_token_expiry_seconds", "u-2"): -3600,
        ("meeting_sync_oauth_refresh_token_expiry_seconds", "u-2"): -5,
        ("meeting_sync_oauth_users_to_reauthorize", ""): 1,
    }


def test_without_users_only_a_count_of_zero() -> None:
    assert values(token_families([], NOW)) == {("meeting_sync_oauth_users_to_reauthorize", ""): 0}
