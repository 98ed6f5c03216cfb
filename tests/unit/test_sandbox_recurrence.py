"""A series' occurrences from its first one and its rule, in the meeting's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from sandbox.recurrence import MAX_OCCURRENCES, meeting_zone, occurrences

SHANGHAI = meeting_zone("Asia/Shanghai")
FIRST = datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)  # a Tuesday


def days(rule: dict[str, Any], first: datetime = FIRST) -> list[str]:
    zone = first.tzinfo
    assert zone is not None
    starts = occurrences(int(first.timestamp()), rule, meeting_zone(str(zone)))
    return [datetime.fromtimestamp(s, zone).strftime("%a %m-%d %H:%M") for s in starts]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param(
            {"recurring_type": 2, "until_type": 1, "until_count": 3},
            ["Tue 12-01 10:00", "Tue 12-08 10:00", "Tue 12-15 10:00"],
            id="weekly",
        ),
        pytest.param(
            {"recurring_type": 3, "until_type": 1, "until_count": 2},
            ["Tue 12-01 10:00", "Tue 12-15 10:00"],
            id="biweekly",
        ),
        pytest.param(
            {"recurring_type": 1, "until_type": 1, "until_count": 5},
            [
                "Tue 12-01 10:00",
                "Wed 12-02 10:00",
                "Thu 12-03 10:00",
                "Fri 12-04 10:00",
                "Mon 12-07 10:00",
            ],
            id="weekdays",
        ),
        pytest.param(
            {"recurring_type": 4, "until_type": 1, "until_count": 3},
            ["Tue 12-01 10:00", "Fri 01-01 10:00", "Mon 02-01 10:00"],
            id="monthly",
        ),
        pytest.param(
            {
                "recurring_type": 0,
                "until_type": 0,
                "until_date": int(FIRST.timestamp()) + 2 * 86400,
            },
            ["Tue 12-01 10:00", "Wed 12-02 10:00", "Thu 12-03 10:00"],
            id="daily-until-a-date",
        ),
        pytest.param(
            {
                "recurring_type": "5",
                "customized_recurring_type": "1",
                "customized_recurring_step": "2",
                "until_type": "1",
                "until_count": "2",
            },
            ["Tue 12-01 10:00", "Tue 12-15 10:00"],
            id="custom-every-two-weeks-as-strings",
        ),
    ],
)
def test_each_rule_repeats_the_first_occurrence(rule: dict[str, Any], expected: list[str]) -> None:
    assert days(rule) == expected


def test_the_documented_defaults_a_week_of_daily_meetings() -> None:
    assert len(days({"recurring_type": 0})) == 8  # until_date defaults to a week later
    assert len(days({"recurring_type": 0, "until_type": 1})) == 7  # until_count defaults to 7


def test_a_series_holds_at_most_fifty_occurrences() -> None:
    assert len(days({"recurring_type": 0, "until_type": 1, "until_count": 500})) == MAX_OCCURRENCES
    far = {"recurring_type": 0, "until_type": 0, "until_date": int(FIRST.timestamp()) + 10**8}
    assert len(days(far)) == MAX_OCCURRENCES


def test_a_monthly_series_skips_months_without_its_day() -> None:
    first = datetime(2027, 1, 31, 9, 0, tzinfo=SHANGHAI)
    rule = {"recurring_type": 4, "until_type": 1, "until_count": 3}
    assert days(rule, first) == ["Sun 01-31 09:00", "Wed 03-31 09:00", "Mon 05-31 09:00"]


def test_the_wall_clock_time_holds_across_a_daylight_saving_change() -> None:
    berlin = meeting_zone("Europe/Berlin")
    first = datetime(2026, 10, 20, 9, 0, tzinfo=berlin)  # CEST; the 27th is CET
    rule = {"recurring_type": 2, "until_type": 1, "until_count": 2}
    starts = occurrences(int(first.timestamp()), rule, berlin)
    assert starts[1] - starts[0] == 7 * 86400 + 3600
    assert days(rule, first) == ["Tue 10-20 09:00", "Tue 10-27 09:00"]


def test_an_unknown_zone_repeats_in_shanghai_time_and_year_9999_ends_a_series() -> None:
    assert meeting_zone("Mars/Olympus") == SHANGHAI and meeting_zone(None) == SHANGHAI
    assert occurrences(999_999_999_999, {"recurring_type": 0, "until_type": 1}, SHANGHAI) == [
        999_999_999_999
    ]
    late = int(datetime(9999, 12, 30, 10, 0, tzinfo=SHANGHAI).timestamp())
    assert len(occurrences(late, {"recurring_type": 0, "until_type": 1}, SHANGHAI)) == 2
