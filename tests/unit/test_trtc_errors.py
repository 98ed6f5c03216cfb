"""The TRTC error catalogue against seed 003's table and the spec's room codes."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from worker.config import QuotaConfig
from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError
from worker.quota.rates import parse_period
from worker.quota.scopes import pause_until
from worker.trtc import errors
from worker.trtc.quota import TrtcQuotas, pause_target, scopes_for

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_003_error_codes.txt"


def seed_table() -> dict[int, str]:
    """Seed 003's error-code table, as {code: description}."""
    table: dict[int, str] = {}
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if match := re.fullmatch(r"(\d{5,6}) \| (.+) \|", line.strip()):
            table[int(match.group(1))] = match.group(2)
    return table


def test_the_seed_table_is_read_whole() -> None:
    table = seed_table()
    assert sorted(table) == [*range(60002, 60022)]
    assert "frequency" in table[60007]


@pytest.mark.parametrize("code", sorted(seed_table()))
def test_every_code_of_the_seed_is_in_the_catalogue_with_its_words(code: int) -> None:
    entry = errors.CATALOGUE[code]
    seed_words = seed_table()[code]
    # The catalogue's text is the seed's, up to what it adds for the administrator.
    first_sentence = seed_words.split(".")[0].split(",")[0]
    assert first_sentence.lower() in entry.text.lower() or entry.text.lower() in seed_words.lower()


RATE = [60007, 60011, 60018, 60019]
TRANSIENT = [60008, 60014, 100001]
CONFIGURATION = [60004, 60005, 60006, 70001, 70003, 70005, 70009, 70013, 70014]
ROW = [100002, 100026, 100006, 100015, 60002, 60003, 60015]


@pytest.mark.parametrize("operation", ["create", "update", "cancel", "get"])
def test_kinds_as_the_issue_names_them(operation: str) -> None:
    for code in RATE:
        assert errors.classify(code, operation) is ErrorKind.RATE_WINDOW, code
    for code in TRANSIENT:
        assert errors.classify(code, operation) is ErrorKind.TRANSIENT, code
    for code in CONFIGURATION:
        assert errors.classify(code, operation) is ErrorKind.CONFIGURATION, code
    for code in ROW:
        assert errors.classify(code, operation) is ErrorKind.ROW_PERMANENT, code
    assert errors.classify(60028, operation) is ErrorKind.QUOTA_EXHAUSTED
    assert errors.classify(100012, operation) is ErrorKind.RATE_WINDOW
    assert errors.classify(424242, operation) is ErrorKind.ROW_PERMANENT  # unknown


def test_done_in_their_places_only() -> None:
    assert errors.classify(100010, "create") is ErrorKind.DONE
    assert errors.classify(100003, "create") is ErrorKind.DONE
    assert errors.classify(100004, "cancel") is ErrorKind.DONE
    assert errors.classify(100004, "update") is ErrorKind.ROW_PERMANENT
    assert errors.classify(100003, "update") is ErrorKind.ROW_PERMANENT


def test_configuration_faults_have_a_diagnosis_naming_the_setting() -> None:
    assert "trtc.key" in errors.diagnose(70009)
    assert "trtc.admin" in errors.diagnose(60010)
    assert "trtc.base_url" in errors.diagnose(60026)
    assert "trtc.sdkappid" in errors.diagnose(60006)


QUOTAS = TrtcQuotas(sdkappid=1400000001)


def test_each_api_is_its_own_scope_of_200_a_second() -> None:
    keys = {s.key: s.rates for s in scopes_for("cancel", QUOTAS)}
    assert keys == {
        "trtc:1400000001": (),
        "trtc_api:1400000001:destroy_room": QUOTAS.api,
    }
    (rate,) = QUOTAS.api
    assert (rate.calls, rate.period) == (200, parse_period("1s"))
    # An update reserves each command it may send: a rename or a reschedule.
    update = {s.key for s in scopes_for("update", QUOTAS)}
    assert {f"trtc_api:1400000001:{c}" for c in ("update_room_info", "create_room")} <= update


def test_pauses() -> None:
    day = pause_target(60028, "create", QUOTAS)
    assert day is not None and (day.key, day.period) == ("trtc:1400000001", parse_period("1d"))
    api = pause_target(60007, "cancel", QUOTAS)
    assert api is not None and api.key == "trtc_api:1400000001:destroy_room"
    app = pause_target(60011, "get", QUOTAS)
    assert app is not None and app.key == "trtc:1400000001"
    fast = pause_target(100012, "update", QUOTAS)
    assert fast is not None and fast.key == "trtc_api:1400000001:create_room"
    assert pause_target(100002, "create", QUOTAS) is None


def test_row_message_keeps_the_server_words_and_says_what_to_do() -> None:
    text = errors.row_message(100026, "create", "RoomName holds sensitive content")
    assert "RoomName holds sensitive content" in text and "subject" in text
    exc = ApiError(error_code=100004, message="gone", http_status=200)
    assert "Clear meeting_id" in errors.row_message(exc.error_code, "update", exc.message)


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.999])
def test_a_room_created_too_fast_is_retried_at_least_a_second_later(fraction: float) -> None:
    target = pause_target(100012, "create", QUOTAS)
    assert target is not None
    now = 1_900_000_000 + fraction
    slack = QuotaConfig().boundary_slack_seconds
    assert pause_until(target.period, now, ZoneInfo("Asia/Shanghai"), slack) - now >= 1.0
