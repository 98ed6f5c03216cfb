from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.reconcile import find_adoptable
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.results import MeetingInfo

START = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
SPEC = MeetingSpec(userid="alice", subject="周会", start=START, end=START + timedelta(hours=1))


def info(meeting_id: str, **kw: object) -> MeetingInfo:
    values: dict[str, object] = {
        "subject": "周会",
        "start_time": START,
        "end_time": START + timedelta(hours=1),
        "creator_userid": "alice",
    }
    values.update(kw)
    return MeetingInfo(meeting_id=meeting_id, **values)  # type: ignore[arg-type]


def test_adopts_the_meeting_with_the_same_subject_times_and_creator() -> None:
    candidates = [info("1", subject="other"), info("2"), info("3", end_time=START)]
    assert find_adoptable(candidates, SPEC, taken=set()) == info("2")


def test_never_adopts_a_meeting_another_row_holds() -> None:
    assert find_adoptable([info("2")], SPEC, taken={"2"}) is None


def test_nothing_matching_means_create() -> None:
    assert find_adoptable([info("4", creator_userid="bob")], SPEC, taken=set()) is None


def test_ties_resolve_to_the_same_meeting_for_every_worker() -> None:
    a = find_adoptable([info("90"), info("100")], SPEC, taken=set())
    b = find_adoptable([info("100"), info("90")], SPEC, taken=set())
    assert a == b == info("90")
