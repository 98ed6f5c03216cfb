"""The meeting store: real-looking identifiers, states, and list paging that sees every
meeting exactly once."""

from __future__ import annotations

import random
import re

import pytest

from sandbox.state import (
    PAGE_SIZE,
    STATE_CANCELLED,
    STATE_ENDED,
    STATE_INIT,
    STATE_STARTED,
    MeetingStore,
)

NOW = 1_700_000_000.0


def store(seed: int = 1) -> MeetingStore:
    return MeetingStore(random.Random(seed))


def add(s: MeetingStore, start: int, user: str = "alice", now: float = NOW) -> str:
    return s.create(user, start, start + 3600, {"subject": f"m{start}"}, now).meeting_id


def every_page(s: MeetingStore, user: str, now: float, pos: int | None = None) -> list[list[str]]:
    pages: list[list[str]] = []
    cursory: int | None = None
    while True:
        page, remaining = s.page(user, now, pos, cursory)
        pages.append([m.meeting_id for m in page])
        if remaining == 0:
            return pages
        pos, cursory = page[-1].start_time, page[-1].cursor


def test_identifiers_look_real_and_are_unique() -> None:
    s = store()
    meetings = [s.create("alice", 2_000_000_000, 2_000_003_600, {}, NOW) for _ in range(500)]
    assert len({m.meeting_id for m in meetings}) == 500
    assert len({m.meeting_code for m in meetings}) == 500
    for m in meetings:
        assert re.fullmatch(r"[1-9]\d{18}", m.meeting_id)
        assert re.fullmatch(r"[1-9]\d{8}", m.meeting_code)
        assert re.fullmatch(r"https://meeting\.tencent\.com/dm/[A-Za-z0-9]{12}", m.join_url)


def test_the_same_seed_gives_the_same_identifiers() -> None:
    a, b = store(7), store(7)
    assert [add(a, 2_000_000_000 + i) for i in range(5)] == [
        add(b, 2_000_000_000 + i) for i in range(5)
    ]


def test_states_follow_the_clock_and_cancellation() -> None:
    s = store()
    m = s.create("alice", int(NOW) + 10, int(NOW) + 20, {}, NOW)
    assert m.state(NOW) == STATE_INIT
    assert m.state(NOW + 10) == STATE_STARTED
    assert m.state(NOW + 20) == STATE_ENDED
    m.cancelled = True
    assert m.state(NOW) == STATE_CANCELLED
    info = m.info(NOW)
    assert info["status"] == STATE_CANCELLED
    assert info["start_time"] == str(int(NOW) + 10)  # times travel as strings


def test_cursors_increase_even_when_the_clock_goes_back() -> None:
    s = store()
    first = s.create("alice", 2_000_000_000, 2_000_003_600, {}, NOW)
    second = s.create("alice", 2_000_000_000, 2_000_003_600, {}, NOW - 100)
    assert second.cursor > first.cursor
    assert first.cursor == int(NOW * 1000)  # a millisecond stamp, as next_cursory is


@pytest.mark.parametrize("count", [0, 1, 19, 20, 21, 40, 45, 101])
def test_paging_sees_every_meeting_once_in_start_order(count: int) -> None:
    s = store()
    rng = random.Random(count)
    # Many meetings share a start second, so the cursor must break ties.
    ids = [add(s, int(NOW) + 86400 + rng.randrange(5) * 60) for _ in range(count)]
    pages = every_page(s, "alice", NOW)
    seen = [i for page in pages for i in page]
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert len(pages) == max(1, -(-count // PAGE_SIZE))
    assert all(len(p) <= PAGE_SIZE for p in pages)
    starts = [s.by_id[i].start_time for i in seen]
    assert starts == sorted(starts)


def test_lists_hold_only_the_users_live_upcoming_or_running_meetings() -> None:
    s = store()
    upcoming = add(s, int(NOW) + 600)
    running = add(s, int(NOW) - 600)
    add(s, int(NOW) - 7200)  # ended an hour ago
    cancelled = add(s, int(NOW) + 900)
    s.by_id[cancelled].cancelled = True
    add(s, int(NOW) + 600, user="bob")
    assert every_page(s, "alice", NOW) == [[running, upcoming]]
    assert every_page(s, "nobody", NOW) == [[]]


def test_pos_alone_starts_at_that_time_inclusive() -> None:
    s = store()
    ids = [add(s, int(NOW) + 100 * i) for i in range(1, 6)]
    page, remaining = s.page("alice", NOW, int(NOW) + 300, None)
    assert [m.meeting_id for m in page] == ids[2:] and remaining == 0


def test_cursory_alone_continues_after_the_meeting_it_names() -> None:
    s = store()
    ids = [add(s, int(NOW) + 100 * i) for i in range(1, 6)]
    second = s.by_id[ids[1]]
    page, _ = s.page("alice", NOW, None, second.cursor)
    assert [m.meeting_id for m in page] == ids[2:]


def test_a_meeting_moved_later_during_paging_is_seen_once() -> None:
    s = store()
    ids = [add(s, int(NOW) + 100 * i) for i in range(1, 46)]
    first, _ = s.page("alice", NOW, None, None)
    # A meeting not yet seen is moved later between two pages: it shows up once, later.
    s.by_id[ids[30]].start_time = int(NOW) + 100 * 50
    seen = [m.meeting_id for m in first]
    pos, cursory = first[-1].start_time, first[-1].cursor
    while True:
        page, remaining = s.page("alice", NOW, pos, cursory)
        seen += [m.meeting_id for m in page]
        if remaining == 0:
            break
        pos, cursory = page[-1].start_time, page[-1].cursor
    assert sorted(seen) == sorted(ids) and seen[-1] == ids[30]
