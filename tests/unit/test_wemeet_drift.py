"""Tencent Meeting's answers as a drift check reads them. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.unit.rowfactory import NOW, make_row
from worker.wemeet.drift import remote_meeting, synced_view
from worker.wemeet.meetings_read import parse_meeting


def entry(**fields: object) -> dict[str, object]:
    start = int((NOW + timedelta(days=1)).timestamp())
    base: dict[str, object] = {
        "meeting_id": "1",
        "subject": "Weekly sync",
        "start_time": str(start),
        "end_time": str(start + 3600),
        "status": "MEETING_STATE_INIT",
        "meeting_type": 0,
    }
    base.update(fields)
    return base


def test_a_synced_row_and_its_listed_meeting_agree() -> None:
    row = make_row(sync_state="synced", meeting_id="1")
    seen = remote_meeting(parse_meeting(entry()))
    assert seen.state == "live" and seen.view == synced_view(row)


def test_states_map_to_live_cancelled_and_ended() -> None:
    def state(status: str) -> str:
        return remote_meeting(parse_meeting(entry(status=status))).state

    assert state("MEETING_STATE_STARTED") == "live"
    assert state("MEETING_STATE_CANCELLED") == "cancelled"
    for over in ("MEETING_STATE_ENDED", "MEETING_STATE_NULL", "MEETING_STATE_RECYCLED"):
        assert state(over) == "ended"


def test_a_password_or_need_password_means_a_password_without_keeping_it() -> None:
    assert remote_meeting(parse_meeting(entry(password="1234"))).view.has_password  # type: ignore[union-attr]
    assert remote_meeting(parse_meeting(entry(need_password=True))).view.has_password  # type: ignore[union-attr]
    assert not remote_meeting(parse_meeting(entry())).view.has_password  # type: ignore[union-attr]
    assert synced_view(make_row(password="123456")).has_password


def test_a_series_is_compared_by_its_first_occurrence() -> None:
    first = int(datetime(2030, 1, 8, 9, tzinfo=UTC).timestamp())
    shown = entry(
        meeting_type=1,
        start_time=str(first + 7 * 86400),
        end_time=str(first + 7 * 86400 + 3600),
        sub_meetings=[
            {"sub_meeting_id": str(s), "start_time": str(s), "end_time": str(s + 3600)}
            for s in (first, first + 7 * 86400)
        ],
    )
    view = remote_meeting(parse_meeting(shown)).view
    assert view is not None and view.recurring
    assert view.start == datetime.fromtimestamp(first, UTC)
