"""When a synced row is due for a drift check, and which part of its owner's list a check
reads. Pure: the time is an argument."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class DriftIntervals:
    """Meetings that start within ``soon_seconds`` (or are running) are checked every
    ``soon_interval_seconds``; later ones every ``later_interval_seconds``."""

    soon_seconds: float = 86400.0
    soon_interval_seconds: float = 300.0
    later_interval_seconds: float = 3600.0


def interval(start: datetime, now: datetime, intervals: DriftIntervals) -> timedelta:
    soon = start - now <= timedelta(seconds=intervals.soon_seconds)
    seconds = intervals.soon_interval_seconds if soon else intervals.later_interval_seconds
    return timedelta(seconds=seconds)


def is_due(
    start: datetime, checked_at: datetime | None, now: datetime, intervals: DriftIntervals
) -> bool:
    """Never checked, or last checked at least its interval ago."""
    return checked_at is None or now - checked_at >= interval(start, now, intervals)


def reading_range(starts: Sequence[datetime]) -> tuple[datetime, datetime]:
    """The span of the list a check reads: from the earliest start it must see to the
    latest. The list is ordered by start, so this is the fewest pages that show them all."""
    return min(starts), max(starts)
