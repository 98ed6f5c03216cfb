"""Recurring meetings on the Tencent Meeting side: a cancelled series is cancelled whole,
whatever state its row's rule is in, and an update keeps the series with its rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from models.types import MalformedJSON
from tests.unit.rowfactory import make_row
from tests.unit.test_wemeet_client import make_client, ok
from worker.wemeet.from_row import is_recurring
from worker.wemeet.meeting import MeetingSpec, cancel_body, update_body
from worker.wemeet.provider import WemeetProvider
from worker.wemeet.quota import WemeetQuotas

WEEKLY = {"recurring_type": 2, "until_type": 1, "until_count": 5}


def test_a_series_is_cancelled_with_meeting_type_1() -> None:
    assert cancel_body("alice", recurring=True) == {
        "userid": "alice",
        "instanceid": 1,
        "reason_code": 1,
        "meeting_type": 1,
    }
    assert "meeting_type" not in cancel_body("alice")  # a normal meeting: the default


@pytest.mark.parametrize(
    ("rule", "recurring"),
    [
        pytest.param(WEEKLY, True, id="a-rule"),
        pytest.param({"recurring_type": 9}, True, id="a-rule-that-no-longer-validates"),
        pytest.param("weekly", True, id="not-an-object"),
        pytest.param(MalformedJSON('{"recurring_type": 2'), True, id="json-that-does-not-parse"),
        pytest.param(None, False, id="none"),
        pytest.param({}, False, id="an-empty-object"),
        pytest.param(MalformedJSON("  "), False, id="blank-text"),
    ],
)
def test_a_row_is_read_as_a_series_leniently(rule: Any, recurring: bool) -> None:
    assert is_recurring(make_row(recurring_rule=rule, status="cancelled")) is recurring


@pytest.mark.parametrize(
    ("rule", "meeting_type"),
    [(WEEKLY, 1), ({"recurring_type": "oops"}, 1), (None, None)],
)
def test_the_provider_cancels_a_recurring_row_as_a_series(
    rule: Any, meeting_type: int | None
) -> None:
    client, transport, _ = make_client([ok({})])
    provider = WemeetProvider(client, WemeetQuotas("app", (), ()))
    row = make_row(recurring_rule=rule, status="cancelled", meeting_id="101")
    provider.cancel("101", "alice", row)
    (request,) = transport.sent
    assert request.url is not None and request.url.endswith("/v1/meetings/101/cancel")
    assert json.loads(request.body or b"").get("meeting_type") == meeting_type


def test_an_update_of_a_series_keeps_meeting_type_1_and_its_rule() -> None:
    spec = MeetingSpec(
        userid="alice",
        subject="Weekly sync",
        start=datetime(2030, 1, 1, 1, tzinfo=UTC),
        end=datetime(2030, 1, 1, 2, tzinfo=UTC),
        recurring_rule=WEEKLY,
    )
    body = update_body(spec)
    assert (body["meeting_type"], body["recurring_rule"]) == (1, WEEKLY)


def listed(meeting_id: str, subject: str, start: int, length: int, **extra: Any) -> dict[str, Any]:
    return {
        "meeting_id": meeting_id,
        "subject": subject,
        "start_time": str(start),
        "end_time": str(start + length),
        **extra,
    }


def test_a_lost_series_is_looked_for_past_the_page_where_a_normal_meeting_would_be() -> None:
    # The list orders a series by its occurrence in progress or next: here a week after
    # the first, behind twenty normal meetings of the user that start in between.
    first = datetime(2030, 1, 1, 1, tzinfo=UTC)
    start, week = int(first.timestamp()), 7 * 86400
    spec = MeetingSpec(
        userid="alice",
        subject="Weekly sync",
        start=first,
        end=first.replace(hour=2),
        recurring_rule=WEEKLY,
    )
    between = [listed(str(900 + n), "1:1", start + 60 * (n + 1), 60) for n in range(20)]
    occurrences = [
        {"sub_meeting_id": str(s), "start_time": str(s), "end_time": str(s + 3600)}
        for s in range(start, start + 5 * week, week)
    ]
    made = listed(
        "777", "Weekly sync", start + week, 3600, meeting_type=1, sub_meetings=occurrences
    )
    client, transport, _ = make_client(
        [
            ok({"meeting_info_list": between, "remaining": 1, "next_pos": start + 1200}),
            ok({"meeting_info_list": [made], "remaining": 0}),
        ]
    )
    provider = WemeetProvider(client, WemeetQuotas("app", (), ()))
    found = provider.find_lost_create(
        "alice", provider.sent_content(spec), call=lambda fetch: fetch(), taken=lambda ids: set()
    )
    assert found is not None and found.meeting_id == "777"
    assert len(transport.sent) == 2
