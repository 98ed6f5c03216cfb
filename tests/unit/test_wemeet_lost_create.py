from __future__ import annotations

from datetime import UTC, datetime, timedelta

from worker.sync.lost_create import SentCreate
from worker.wemeet.lost_create import Sent, find_adoptable
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo, SubMeeting

START = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
SPEC = MeetingSpec(userid="alice", subject="周会", start=START, end=START + timedelta(hours=1))
SENT = Sent.of(SPEC)


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
    assert find_adoptable(candidates, SENT, taken=set()) == info("2")


def test_never_adopts_a_meeting_another_row_holds() -> None:
    assert find_adoptable([info("2")], SENT, taken={"2"}) is None


def test_nothing_matching_means_create() -> None:
    assert find_adoptable([info("4", creator_userid="bob")], SENT, taken=set()) is None


def test_ties_resolve_to_the_same_meeting_for_every_worker() -> None:
    a = find_adoptable([info("90"), info("100")], SENT, taken=set())
    b = find_adoptable([info("100"), info("90")], SENT, taken=set())
    assert a == b == info("90")


def test_what_was_sent_survives_its_round_trip_through_the_row() -> None:
    envelope = SentCreate(revision=3, owner="alice", content=SENT.to_json())
    stored = SentCreate.from_json(envelope.to_json())
    assert stored == envelope
    assert stored is not None and Sent.from_json(stored.owner, stored.content) == SENT
    assert SENT.start == int(START.timestamp())


def test_a_stored_value_this_module_did_not_write_counts_as_none() -> None:
    good = SentCreate(revision=3, owner="alice", content=SENT.to_json()).to_json()
    for junk in (None, "text", [], {"owner": "alice"}, {**good, "revision": True}):
        assert SentCreate.from_json(junk) is None
    assert SentCreate.from_json({**good, "content": "subject"}) is None
    for content in ({}, {**SENT.to_json(), "start": "9"}, {**SENT.to_json(), "end": False}):
        assert Sent.from_json("alice", content) is None


def test_the_match_is_on_what_was_sent_not_on_the_row_as_edited_since() -> None:
    # The calendar renamed and moved the row after the create's answer was lost: the
    # meeting the create made still carries the old subject and times.
    made = info("7")
    edited = MeetingSpec(
        userid="alice", subject="renamed", start=START + timedelta(days=1),
        end=START + timedelta(days=1, hours=1),
    )  # fmt: skip
    assert find_adoptable([made], Sent.of(edited), taken=set()) is None
    assert find_adoptable([made], SENT, taken=set()) == made


# -- a recurring series ----------------------------------------------------------------

WEEK = timedelta(days=7)
SERIES_SPEC = MeetingSpec(
    userid="alice",
    subject="周会",
    start=START,
    end=START + timedelta(hours=1),
    recurring_rule={"recurring_type": 2, "until_type": 1, "until_count": 3},
)
SERIES_SENT = Sent.of(SERIES_SPEC)


def series(meeting_id: str, shown: int = 0, **kw: object) -> MeetingInfo:
    """A series of three weekly occurrences as the list shows it: at occurrence ``shown``."""
    subs = tuple(
        SubMeeting(str(n), START + n * WEEK, START + n * WEEK + timedelta(hours=1))
        for n in range(3)
    )
    values: dict[str, object] = {
        "start_time": START + shown * WEEK,
        "end_time": START + shown * WEEK + timedelta(hours=1),
        "meeting_type": 1,
        "sub_meetings": subs,
    }
    values.update(kw)
    return info(meeting_id, **values)


def test_a_series_is_found_while_its_first_occurrence_is_the_one_listed() -> None:
    assert find_adoptable([series("5")], SERIES_SENT, taken=set()) == series("5")


def test_a_series_is_found_by_its_first_occurrence_once_the_list_shows_a_later_one() -> None:
    listed = series("5", shown=1)
    assert find_adoptable([listed], SERIES_SENT, taken=set()) == listed
    # Not by a later occurrence: a series whose second occurrence is what was sent is
    # another series (made by hand, say), not this create's.
    later = MeetingSpec(
        userid="alice", subject="周会", start=START + WEEK, end=START + WEEK + timedelta(hours=1),
        recurring_rule={"recurring_type": 2},
    )  # fmt: skip
    assert find_adoptable([listed], Sent.of(later), taken=set()) is None


def test_a_series_and_a_normal_meeting_never_stand_in_for_each_other() -> None:
    assert find_adoptable([info("6", meeting_type=0)], SERIES_SENT, taken=set()) is None
    assert find_adoptable([series("5")], SENT, taken=set()) is None
    # A record kept before the kind was matches either, as it did then.
    unknown = Sent("alice", "周会", SENT.start, SENT.end)
    assert find_adoptable([series("5")], unknown, taken=set()) == series("5")


def test_the_kind_is_kept_with_what_was_sent() -> None:
    assert SERIES_SENT.to_json()["meeting_type"] == 1 and SENT.to_json()["meeting_type"] == 0
    assert Sent.from_json("alice", SERIES_SENT.to_json()) == SERIES_SENT
    before = {"subject": "周会", "start": SENT.start, "end": SENT.end}
    assert Sent.from_json("alice", before) == Sent("alice", "周会", SENT.start, SENT.end, None)
    for kind in (True, 2, "1"):
        assert Sent.from_json("alice", {**SENT.to_json(), "meeting_type": kind}) is None
