"""Which Tencent Meeting quotas a call spends, and which one a quota error pauses. Pure.

The app's calls (300 a minute and 200,000 a day by default) are one scope shared by every
worker with the same AppId. Every call also passes its interface's scope (190312 pauses one
interface for the day), and the queries pass the queries' scope (9061 backs them off); creates add
the app's create scope (no limit of its own, but pausable) and the creator's own (2,000 an
hour), which also counts the creator's creates by minute and by day, the windows a 9008 is
judged by. The scopes without limits cost a lock and no count.

A third-party OAuth app's minute limit is per user (spec §2: 300 calls a minute for each
user): in that mode every call also spends its user's scope (``[quota] user``), which takes
the app's limits shorter than a day; the app's day limits stay the app's.
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.quota.rates import Rate, parse_period
from worker.quota.scopes import Escalation, PauseTarget, Scope
from worker.wemeet.errors import QuotaScope, quota_scope

# Seed 002 on 9008: "单日最多创建会议数100个,每分钟最多创建会议数9个" — at most 100 creates a
# day and 9 a minute. The figures only judge a 9008 (which window to wait out); they are
# not enforced, as the spec calls the limit legacy and 500029 (2,000 an hour) meters it now.
LEGACY_CREATES_PER_DAY = 100
LEGACY_CREATES_PER_MINUTE = 9
MINUTE = parse_period("60s")
DAY = parse_period("1d")
MONTH = parse_period("1mo")
QUERIES = ("get", "list")


@dataclass(frozen=True)
class WemeetQuotas:
    """The limits meeting-sync keeps to, as configured (``[quota] app``, ``user_create``)."""

    app_id: str
    app: tuple[Rate, ...]
    user_create: tuple[Rate, ...]
    user: tuple[Rate, ...] = ()
    per_user: bool = False  # OAuth mode: the minute limit is each user's

    def app_rates(self) -> tuple[Rate, ...]:
        if not self.per_user:
            return self.app
        return tuple(r for r in self.app if r.period.approx_seconds >= DAY.approx_seconds)

    def user_key(self, userid: str) -> str:
        return f"user:{self.app_id}:{userid}"


def scopes_for(operation: str, userid: str | None, quota: WemeetQuotas) -> tuple[Scope, ...]:
    """Every quota one call of ``operation`` spends (all reserved together, or none)."""
    app_id = quota.app_id
    scopes = [Scope(f"app:{app_id}", quota.app_rates())]
    scopes.append(Scope(f"app_op:{app_id}:{operation}", ()))
    if quota.per_user and userid:
        scopes.append(Scope(quota.user_key(userid), quota.user))
    if operation in QUERIES:
        scopes.append(Scope(f"app_query:{app_id}", ()))
    if operation == "create":
        scopes.append(Scope(f"app_create:{app_id}", ()))  # no limit of its own; pausable
        if userid:
            key = f"user_create:{app_id}:{userid}"
            scopes.append(Scope(key, quota.user_create, counted=(MINUTE, DAY)))
    return tuple(scopes)


def pause_target(
    error_code: int, operation: str, userid: str | None, quota: WemeetQuotas
) -> PauseTarget | None:
    """The ledger key to pause for a quota error of ``operation``, and the period whose
    window it waits out."""
    scope = quota_scope(error_code)
    if scope is None:
        return None
    app_id = quota.app_id
    app_periods = sorted((r.period for r in quota.app), key=lambda p: p.approx_seconds)
    shortest = app_periods[0] if app_periods else MINUTE
    longest = app_periods[-1] if app_periods else DAY
    # Without a known creator, a creator's limit holds every create of the app.
    creates = f"user_create:{app_id}:{userid}" if userid else f"app_create:{app_id}"
    if scope is QuotaScope.APP_MINUTE and quota.per_user and userid:
        user_periods = sorted((r.period for r in quota.user), key=lambda p: p.approx_seconds)
        return PauseTarget(quota.user_key(userid), (user_periods or [MINUTE])[0])
    if scope in (QuotaScope.APP_MINUTE, QuotaScope.ACCOUNT_MINUTE):
        return PauseTarget(f"app:{app_id}", shortest)
    if scope is QuotaScope.QUERY:
        return PauseTarget(f"app_query:{app_id}", shortest)
    if scope is QuotaScope.APP_DAY:
        return PauseTarget(f"app:{app_id}", longest)
    if scope is QuotaScope.INTERFACE_DAY:
        return PauseTarget(f"app_op:{app_id}:{operation}", longest)
    if scope is QuotaScope.USER_CREATE_HOUR:
        user_periods = sorted((r.period for r in quota.user_create), key=lambda p: p.approx_seconds)
        # Not for a day when the creator is unknown: the user's window, for every create.
        return PauseTarget(creates, (user_periods or [parse_period("1h")])[0])
    if scope is QuotaScope.USER_CREATE_LEGACY:
        escalation = Escalation(DAY, LEGACY_CREATES_PER_DAY, LEGACY_CREATES_PER_MINUTE)
        return PauseTarget(creates, MINUTE, escalation)
    assert scope is QuotaScope.ACCOUNT_CREATE_MONTH, scope
    return PauseTarget(f"app_create:{app_id}", MONTH)
