"""Which Tencent Meeting quotas a call spends, and which one a quota error pauses. Pure.

The app's calls (300 a minute and 200,000 a day by default) are one scope shared by every
worker with the same AppId; creates add the app's create scope (no limit of its own, but
pausable) and the creator's own (2,000 an hour).
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.quota.rates import Period, Rate, parse_period
from worker.quota.scopes import Scope
from worker.wemeet.errors import QuotaScope, quota_scope


@dataclass(frozen=True)
class WemeetQuotas:
    """The limits meeting-sync keeps to, as configured (``[quota] app``, ``user_create``)."""

    app_id: str
    app: tuple[Rate, ...]
    user_create: tuple[Rate, ...]


def scopes_for(operation: str, userid: str | None, quota: WemeetQuotas) -> tuple[Scope, ...]:
    """Every quota one call of ``operation`` spends (all reserved together, or none)."""
    app = Scope(f"app:{quota.app_id}", quota.app)
    if operation != "create":
        return (app,)
    creates = Scope(f"app_create:{quota.app_id}", ())  # no limit of its own; pausable
    if not userid:
        return (app, creates)
    return (app, creates, Scope(f"user_create:{quota.app_id}:{userid}", quota.user_create))


def pause_target(
    error_code: int, userid: str | None, quota: WemeetQuotas
) -> tuple[str, Period] | None:
    """The ledger key to pause for a quota error, and the period whose window it waits out."""
    scope = quota_scope(error_code)
    if scope is None:
        return None
    app_periods = sorted((r.period for r in quota.app), key=lambda p: p.approx_seconds)
    shortest = app_periods[0] if app_periods else parse_period("60s")
    longest = app_periods[-1] if app_periods else parse_period("1d")
    if scope in (QuotaScope.APP_MINUTE, QuotaScope.ACCOUNT_MINUTE, QuotaScope.QUERY):
        return f"app:{quota.app_id}", shortest
    if scope in (QuotaScope.APP_DAY, QuotaScope.INTERFACE_DAY):
        return f"app:{quota.app_id}", longest
    if scope is QuotaScope.USER_CREATE_HOUR:
        user_periods = sorted((r.period for r in quota.user_create), key=lambda p: p.approx_seconds)
        period = (user_periods or [parse_period("1h")])[0]
        # Without a known creator, hold every create for the user's window, not for a day.
        return (
            f"user_create:{quota.app_id}:{userid}" if userid else f"app_create:{quota.app_id}"
        ), period
    if scope is QuotaScope.ACCOUNT_CREATE_MONTH:
        return f"app_create:{quota.app_id}", parse_period("1mo")
    return f"app_create:{quota.app_id}", parse_period("1d")  # legacy creates per day, and fallback
