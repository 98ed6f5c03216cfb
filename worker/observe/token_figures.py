"""OAuth mode's figures, from the `oauth_tokens` table: when each user's access and refresh
tokens end, and how many users must authorize the app again. Only expiries and states are
read, never a token. An AK/SK deployment has no rows: no per-user series, and a count of 0."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily, Metric

from worker.observe.metrics import PREFIX
from worker.store.oauth_tokens import TokenExpiry


def token_families(expiries: Sequence[TokenExpiry], now: datetime) -> list[Metric]:
    access = GaugeMetricFamily(
        f"{PREFIX}_oauth_access_token_expiry_seconds",
        "Seconds until the user's access token ends (negative once it has)",
        labels=["open_id"],
    )
    refresh = GaugeMetricFamily(
        f"{PREFIX}_oauth_refresh_token_expiry_seconds",
        "Seconds until the user's refresh token ends (negative once it has); renewals do "
        "not extend it: the user must authorize again before",
        labels=["open_id"],
    )
    for e in expiries:
        access.add_metric([e.open_id], (e.access_expires_at - now).total_seconds())
        refresh.add_metric([e.open_id], (e.refresh_expires_at - now).total_seconds())
    waiting = GaugeMetricFamily(
        f"{PREFIX}_oauth_users_to_reauthorize",
        "Users whose refresh was refused for good: their rows wait until they authorize again",
    )
    waiting.add_metric([], sum(e.reauthorize for e in expiries))
    return [access, refresh, waiting]
