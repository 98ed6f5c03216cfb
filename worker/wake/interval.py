"""How long the daemon waits after a pass before polling again: pure, no clock of its own.

On a database that cannot tell the worker about new rows (SQLite, MariaDB/MySQL), polling
is the only way to find them. A fixed interval is either slow to pick a row up or a steady
load on the calendar's server. The adaptive interval is short right after a pass that found
work (a calendar that has just written one row often writes more), and doubles with every
idle pass up to the longest interval, where an idle worker costs one claim per interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class IntervalPolicy(Protocol):
    def after_pass(self, found_work: bool) -> float:
        """Seconds until the next poll, after a pass that did or did not find work."""
        ...


@dataclass(frozen=True)
class FixedInterval:
    """The same interval after every pass: the safety net beside a listener."""

    seconds: float

    def after_pass(self, found_work: bool) -> float:
        return self.seconds


class AdaptiveInterval:
    """``shortest`` after a pass that found work, then twice as long per idle pass, at most
    ``longest``. Starts idle: a worker that has just started waits the longest."""

    GROWTH = 2.0

    def __init__(self, shortest: float, longest: float) -> None:
        if shortest <= 0:
            raise ValueError("the shortest interval must be greater than 0")
        self.longest = longest
        self.shortest = min(shortest, longest)
        self._current = longest

    def after_pass(self, found_work: bool) -> float:
        if found_work:
            self._current = self.shortest
        else:
            self._current = min(self._current * self.GROWTH, self.longest)
        return self._current
