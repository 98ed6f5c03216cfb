"""Quota scopes and window arithmetic: sliding and calendar windows, waits and pauses.
Pure: no clock, no database. Which scopes a call spends is the provider's to say."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from worker.quota.rates import Period, Rate, window_bounds

# Rates up to this long are enforced as sliding windows; longer ones follow the provider's
# calendar (natural days and months), where a second of clock skew does not matter.
SLIDING_MAX_SECONDS = 3600.0


@dataclass(frozen=True)
class Scope:
    """One quota shared by every worker: a key in the ledger and its limits.

    ``counted``: windows whose calls are counted without being limited, so that a refusal
    of the provider's can be judged by them (an escalation reads them).
    """

    key: str
    rates: tuple[Rate, ...]
    counted: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Escalation:
    """When the short pause of a refusal cannot be its cure, the pause waits out ``period``
    instead: once the calls counted in the key's window of ``period`` exceed ``calls`` (the
    ones before this refusal reached the figure), or when the refusal comes again right
    after the previous pause ran out, among the first ``short_calls`` calls of the short
    window (so the short window's figure cannot have been reached). The key must count
    both windows (``Scope.counted``)."""

    period: Period
    calls: int
    short_calls: int


@dataclass(frozen=True)
class PauseTarget:
    """The quota a quota error pauses: its ledger key, and the window it waits out."""

    key: str
    period: Period
    escalation: Escalation | None = None


def escalates(
    escalation: Escalation,
    short: Period,
    *,
    used_long: int,
    used_short: int,
    previous_until: float | None,
    now: float,
) -> bool:
    """Whether a refusal waits out the escalation's long window rather than ``short``.

    ``used_long`` and ``used_short`` are the calls counted in the key's current windows,
    the refused one included; ``previous_until`` is when the key's last pause for the same
    error ran out, if it has. Pure.
    """
    if used_long > escalation.calls:
        return True
    # The retry after the short window fails again: the short window was not the cause.
    again = previous_until is not None and previous_until <= now < previous_until + (
        short.approx_seconds
    )
    return again and used_short <= escalation.short_calls


def is_sliding(rate: Rate) -> bool:
    return not rate.period.is_calendar and rate.period.approx_seconds <= SLIDING_MAX_SECONDS


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
