"""The drift comparison and schedule: pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from worker.drift.compare import compare
from worker.drift.schedule import DriftIntervals, interval, is_due, reading_range
from worker.sync.provider import MeetingView, RemoteMeeting

START = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
SYNCED = MeetingView("Weekly sync", START, START + timedelta(hours=1), False, False)


def live(**changes: object) -> RemoteMeeting:
    return RemoteMeeting("live", replace(SYNCED, **changes))  # type: ignore[arg-type]


def test_a_meeting_that_agrees_is_no_drift() -> None:
    assert compare(SYNCED, live()) is None


def test_times_are_compared_to_the_second() -> None:
    assert compare(SYNCED, live(start=START + timedelta(microseconds=400))) is None


def test_a_moved_meeting_names_both_times() -> None:
    drift = compare(SYNCED, live(start=START + timedelta(hours=1), end=START + timedelta(hours=2)))
    assert drift is not None and drift.state == "changed"
    assert drift.differs == (
        "start_time is 2030-01-08 10:00:00 UTC, the calendar says 2030-01-08 09:00:00 UTC",
        "end_time is 2030-01-08 11:00:00 UTC, the calendar says 2030-01-08 10:00:00 UTC",
    )


def test_a_renamed_meeting_names_both_subjects() -> None:
    drift = compare(SYNCED, live(subject="Renamed"))
    assert drift is not None
    assert drift.text == "subject is 'Renamed', the calendar says 'Weekly sync'"


def test_a_password_added_in_the_app_is_named_without_its_value() -> None:
    drift = compare(SYNCED, live(has_password=True))
    assert drift is not None and drift.state == "changed"
    assert drift.text == "the meeting has a password, the calendar's has no password"


def test_a_series_made_a_single_meeting_is_named() -> None:
    drift = compare(replace(SYNCED, recurring=True), live(recurring=False))
    assert drift is not None
    assert drift.text == "the meeting is a single meeting, the calendar's is a recurring series"


def test_several_differences_are_all_named() -> None:
    drift = compare(SYNCED, live(subject="X", has_password=True))
    assert drift is not None and len(drift.differs) == 2


@pytest.mark.parametrize("state", ["cancelled", "missing"])
def test_cancelled_and_missing_meetings_are_drift_of_their_own_state(state: str) -> None:
    drift = compare(SYNCED, RemoteMeeting(state))  # type: ignore[arg-type]
    assert drift is not None and drift.state == state


def test_an_ended_meeting_is_no_drift_whatever_it_shows() -> None:
    assert compare(SYNCED, RemoteMeeting("ended", replace(SYNCED, subject="Other"))) is None


def test_what_the_provider_does_not_say_is_not_compared() -> None:
    unknown = MeetingView(None, None, None, None, None)
    assert compare(SYNCED, RemoteMeeting("live", unknown)) is None


NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
INTERVALS = DriftIntervals(
    soon_seconds=86400, soon_interval_seconds=300, later_interval_seconds=3600
)


def test_meetings_within_a_day_are_checked_most_often() -> None:
    assert interval(NOW + timedelta(hours=23), NOW, INTERVALS) == timedelta(seconds=300)
    assert interval(NOW - timedelta(minutes=5), NOW, INTERVALS) == timedelta(seconds=300)
    assert interval(NOW + timedelta(hours=25), NOW, INTERVALS) == timedelta(seconds=3600)


def test_a_row_is_due_when_never_checked_or_its_interval_has_passed() -> None:
    soon = NOW + timedelta(hours=1)
    later = NOW + timedelta(days=3)
    assert is_due(soon, None, NOW, INTERVALS)
    assert not is_due(soon, NOW - timedelta(seconds=299), NOW, INTERVALS)
    assert is_due(soon, NOW - timedelta(seconds=300), NOW, INTERVALS)
    assert not is_due(later, NOW - timedelta(seconds=300), NOW, INTERVALS)
    assert is_due(later, NOW - timedelta(seconds=3600), NOW, INTERVALS)


def test_the_list_is_read_from_the_earliest_to_the_latest_start_due() -> None:
    starts = [NOW + timedelta(hours=h) for h in (5, 1, 9)]
    assert reading_range(starts) == (NOW + timedelta(hours=1), NOW + timedelta(hours=9))
