"""Bounds of the numbers a sandbox is set to, at start-up or at run time. Pure.

Every check raises a ValueError that names the setting, before anything is changed: a NaN
latency or an infinite clock offset would otherwise be stored and turn every later answer
into a 500 until a reset.
"""

from __future__ import annotations

import math

# Longer than any client timeout worth emulating; a latency of days would hold a server
# thread (and its connection) for good.
MAX_LATENCY_MS = 600_000.0
# How far the clock fault, and separately all clock advances together, may move the
# sandbox's clock from the host's: far enough for any quota window or meeting date a test
# needs, near enough that dates stay within what datetime and the Date header can show.
MAX_CLOCK_SHIFT_SECONDS = 100 * 365.25 * 86400


def finite(value: object, name: str) -> float:
    """``value`` as a float: a number (not a bool, not a string) that is neither NaN nor
    infinite and fits in a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        raise ValueError(f"{name} is too large to be a float") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {number!r}")
    return number


def check_rates(fail_rate: float, drop_response_rate: float) -> None:
    for name, value in (("fail_rate", fail_rate), ("drop_response_rate", drop_response_rate)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, got {value}")
    if fail_rate + drop_response_rate > 1.0:
        raise ValueError("fail_rate + drop_response_rate must not exceed 1")


def check_latency(latency_ms: float) -> None:
    if not 0.0 <= latency_ms <= MAX_LATENCY_MS:
        raise ValueError(f"latency_ms must be between 0 and {MAX_LATENCY_MS:.0f}, got {latency_ms}")


def check_advance(advanced: float, step: float) -> None:
    """A clock advance of ``step`` seconds after ``advanced`` seconds of earlier ones."""
    total = advanced + step
    if not abs(total) <= MAX_CLOCK_SHIFT_SECONDS:
        raise ValueError(
            f"advance_seconds {step} would move the sandbox's clock {total} s from the host's "
            f"in all; at most {MAX_CLOCK_SHIFT_SECONDS:.0f} s (a century) either way"
        )


def check_shift(seconds: float, name: str) -> None:
    """A move of the sandbox's clock, at most a century either way."""
    if not abs(seconds) <= MAX_CLOCK_SHIFT_SECONDS:
        raise ValueError(
            f"{name} must move the sandbox's clock at most {MAX_CLOCK_SHIFT_SECONDS:.0f} s "
            f"(a century) from the host's, got {seconds}"
        )
