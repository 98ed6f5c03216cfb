"""Create and update bodies: what the sandbox refuses, with the real service's codes."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.errors import Rejection
from sandbox.validate import check_create, check_optional, require_user, unix_seconds

WORDS = ("敏感词",)
GOOD: dict[str, Any] = {
    "userid": "alice",
    "instanceid": 1,
    "subject": "周会",
    "type": 0,
    "start_time": "1700003600",
    "end_time": "1700007200",
}


def code_of(**changes: Any) -> int:
    body = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    try:
        check_create(body, WORDS)
    except Rejection as rejection:
        return rejection.error_code
    return 0


def test_a_good_body_gives_its_times() -> None:
    assert check_create(GOOD, WORDS) == (1700003600, 1700007200)
    assert code_of(start_time=1700003600, end_time=1700007200) == 0  # integers are taken too


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": None},
        {"subject": ""},
        {"subject": "   "},
        {"subject": 42},
        {"subject": "x" * 513},
        {"subject": "会" * 171},  # 513 bytes of UTF-8
        {"end_time": "1700003600"},  # end == start
        {"end_time": "1700000000"},  # end < start
        {"start_time": None},
        {"start_time": "tomorrow"},
        {"start_time": "-5"},
        {"start_time": True},
        {"type": 2},
        {"type": None},
        {"instanceid": None},
        {"instanceid": "one"},
        {"instanceid": 1.0},
        {"type": "instant"},
        {"meeting_type": "2"},
        {"password": "123"},
        {"password": "1234567"},
        {"password": "12ab"},
        {"password": 1234},
        {"invitees": [{"userid": f"u{i}"} for i in range(301)]},
        {"invitees": ["bob"]},
        {"hosts": {"userid": "bob"}},
        {"location": "x" * 37},
        {"location": "会" * 19},
        {"settings": "mute"},
        {"meeting_type": 2},
        {"meeting_type": 1},  # recurring without a rule
    ],
)
def test_bad_parameters_are_190004(changes: dict[str, Any]) -> None:
    assert code_of(**changes) == 190004


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "x" * 512},
        {"subject": "会" * 170 + "xy"},  # exactly 512 bytes
        {"password": "1234"},
        {"password": "123456"},
        {"password": ""},
        {"invitees": [{"userid": f"u{i}"} for i in range(300)]},
        {"location": "x" * 36},
        {"location": "会" * 18},
        {"meeting_type": 1, "recurring_rule": {"recurring_type": 0, "until_count": 3}},
        {"settings": {"mute_enable_join": True}},
        {"type": 1},
        # The official examples send integers as strings; the service takes both.
        {"instanceid": "1", "type": "0"},
        {"meeting_type": "1", "recurring_rule": {"recurring_type": "5"}},
    ],
)
def test_values_at_the_limits_are_accepted(changes: dict[str, Any]) -> None:
    assert code_of(**changes) == 0


def test_a_sensitive_word_in_the_subject_is_9093() -> None:
    assert code_of(subject="关于敏感词的讨论") == 9093
    # A too-long subject is a parameter error first.
    assert code_of(subject="敏感词" + "x" * 600) == 190004


def test_an_update_may_keep_the_stored_recurring_rule() -> None:
    check_optional({"meeting_type": 1}, stored_rule={"recurring_type": 2})
    with pytest.raises(Rejection):
        check_optional({"meeting_type": 1}, stored_rule=None)


def test_users_must_be_known_when_a_list_is_configured() -> None:
    assert require_user("alice", None) == "alice"
    assert require_user("alice", ("alice",)) == "alice"
    with pytest.raises(Rejection) as caught:
        require_user("mallory", ("alice",))
    assert caught.value.error_code == 20001
    with pytest.raises(Rejection) as caught:
        require_user("", None)
    assert caught.value.error_code == 190004


def test_unix_seconds() -> None:
    assert unix_seconds("1700000000", "t") == 1700000000
    assert unix_seconds(5, "t") == 5
    for bad in ("١٢٣", "1.5", "", None, 1.5, "9" * 13):
        with pytest.raises(Rejection):
            unix_seconds(bad, "t")
