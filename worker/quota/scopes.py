"""Which quotas a call spends, which one a quota error pauses, and sliding-window arithmetic.
Pure: no clock, no database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from worker.config import QuotaConfig
from worker.quota.rates import Period, Rate, parse_period, window_bounds
from worker.wemeet.errors import QuotaScope, quota_scope

# Rates up to this long are enforced as sliding windows; longer ones follow the provider's
# calendar (natural days and months), where a second of clock skew does not matter.
SLIDING_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Scope:
    """One quota shared by every worker: a key in the ledger and its limits."""

    key: str
    rates: tuple[Rate, ...]


def scopes_for(
    operation: str, app_id: str, userid: str | None, quota: QuotaConfig
) -> tuple[Scope, ...]:
    """Every quota one call of ``operation`` spends (all reserved together, or none)."""
    app = Scope(f"app:{app_id}", quota.app)
    if operation != "create":
        return (app,)
    creates = Scope(f"app_create:{app_id}", ())  # no limit of its own; pausable
    if not userid:
        return (app, creates)
    return (app, creates, Scope(f"user_create:{app_id}:{userid}", quota.user_create))


def is_sliding(rate: Rate) -> bool:
    return not rate.period.is_calendar and rate.period.approx_seconds <= SLIDING_MAX_SECONDS


def pause_target(
    error_code: int, app_id: str, userid: str | None, quota: QuotaConfig
) -> tuple[str, Period] | None:
    """The ledger key to pause for a quota error, and the period whose window it waits out."""
    scope = quota_scope(error_code)
    if scope is None:
        return None
    app_periods = sorted((r.period for r in quota.app), key=lambda p: p.approx_seconds)
    shortest = app_periods[0] if app_periods else parse_period("60s")
    longest = app_periods[-1] if app_periods else parse_period("1d")
    if scope in (QuotaScope.APP_MINUTE, QuotaScope.ACCOUNT_MINUTE, QuotaScope.QUERY):
        return f"app:{app_id}", shortest
    if scope in (QuotaScope.APP_DAY, QuotaScope.INTERFACE_DAY):
        return f"app:{app_id}", longest
    if scope is QuotaScope.USER_CREATE_HOUR:
        user_periods = sorted((r.period for r in quota.user_create), key=lambda p: p.approx_seconds)
        period = (user_periods or [parse_period("1h")])[0]
        # Without a known creator, hold every create for the user's window, not for a day.
        return (f"user_create:{app_id}:{userid}" if userid else f"app_create:{app_id}"), period
    if scope is QuotaScope.ACCOUNT_CREATE_MONTH:
        return f"app_create:{app_id}", parse_period("1mo")
    return f"app_create:{app_id}", parse_period("1d")  # legacy creates per day, and fallback


def pause_until(period: Period, now: float, tz: ZoneInfo, slack: float = 0.0) -> float:
    """A quota error holds until the provider's current window of ``period`` turns.

    ``slack`` seconds more: the provider's clock may turn a little after ours, and a call sent
    into its old window would be refused again and cost a whole window more.
    """
    return window_bounds(period, now, tz)[1] + slack


def calendar_windows(period: Period, t: float, tz: ZoneInfo, slack: float) -> tuple[float, ...]:
    """Starts of the provider's windows that a call at ``t`` may be counted in.

    The provider's clock and the moment it counts the call may differ from ours by up to
    ``slack`` seconds, so near the turn of a day or month a call counts in both windows.
    """
    starts = {window_bounds(period, t - slack, tz)[0], window_bounds(period, t + slack, tz)[0]}
    return tuple(sorted(starts))


def calendar_wait(
    period: Period,
    calls: int,
    used: Mapping[float, int],
    now: float,
    tz: ZoneInfo,
    slack: float,
) -> float:
    """Seconds until one more call fits every window it may be counted in.

    ``used`` maps a window's start to the calls already counted in it.
    """
    t = now
    # Only the windows around ``now`` can hold calls, so this settles within a few steps.
    for _ in range(4):
        full = [s for s in calendar_windows(period, t, tz, slack) if used.get(s, 0) >= calls]
        if not full:
            break
        t = window_bounds(period, max(full), tz)[1] + slack
    return t - now


def sliding_wait(
    count: int, nth_oldest: Callable[[int], float], calls: int, window: float, now: float
) -> float:
    """Seconds until one more call fits: at most ``calls`` in any ``window`` seconds.

    ``count`` calls lie inside (now - window, now]; ``nth_oldest(i)`` is the time of the
    i-th oldest of them (from 0). It is asked for one time only, and only when the window
    is full, so the usual case costs a count and no list of calls.
    """
    excess = count - calls + 1
    if excess <= 0:
        return 0.0
    # The call that must leave the window before one more fits.
    return max(0.0, nth_oldest(excess - 1) + window - now)


def sliding_window(rate: Rate, margin: float) -> float:
    """A little longer than the period, so jitter and clock skew cannot push N+1 calls
    into one of the provider's windows."""
    return rate.period.approx_seconds * (1.0 + margin)
