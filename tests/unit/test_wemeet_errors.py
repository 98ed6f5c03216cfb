from __future__ import annotations

import re
from pathlib import Path

import pytest

from worker.domain.kinds import OPERATIONS, ErrorKind
from worker.exceptions import ApiError
from worker.wemeet.errors import (
    MALFORMED_SUCCESS,
    NO_ERROR_BODY,
    OAUTH_ERRORS,
    REST_ERRORS,
    UNEXPECTED_STATUS,
    QuotaScope,
    classify,
    classify_error,
    describe,
    describe_oauth,
    diagnose_configuration,
    quota_scope,
    row_message,
)

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_002_error_codes.txt"


def seed_tables() -> dict[str, dict[int, str]]:
    """The two code tables of seed 002, as {code: Chinese text}."""
    tables: dict[str, dict[int, str]] = {"rest": {}, "oauth": {}}
    section: str | None = None
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if line.startswith("REST API 错误码列表"):
            section = "rest"
        elif line.startswith("OAuth2.0 错误码列表"):
            section = "oauth"
        elif section and (match := re.fullmatch(r"(\d+) (.+)", line)):
            tables[section][int(match.group(1))] = match.group(2)
    return tables


def test_seed_parses_into_both_tables() -> None:
    tables = seed_tables()
    # Guards the parser itself: the seed lists 50 REST codes and 10 OAuth codes.
    assert len(tables["rest"]) == 50
    assert len(tables["oauth"]) == 10


@pytest.mark.parametrize("code,text", sorted(seed_tables()["rest"].items()))
def test_every_rest_code_of_the_seed_is_catalogued_with_its_text(code: int, text: str) -> None:
    assert REST_ERRORS[code].zh == text
    assert REST_ERRORS[code].en


@pytest.mark.parametrize("code,text", sorted(seed_tables()["oauth"].items()))
def test_every_oauth_code_of_the_seed_is_catalogued_with_its_text(code: int, text: str) -> None:
    assert OAUTH_ERRORS[code].zh == text
    assert OAUTH_ERRORS[code].en


@pytest.mark.parametrize(
    "code,kind,scope",
    [
        (190310, ErrorKind.RATE_WINDOW, QuotaScope.APP_MINUTE),
        (190313, ErrorKind.RATE_WINDOW, QuotaScope.ACCOUNT_MINUTE),
        (9061, ErrorKind.RATE_WINDOW, QuotaScope.QUERY),
        (190311, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.APP_DAY),
        (190312, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.INTERFACE_DAY),
        (9008, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.USER_CREATE_LEGACY),
        (500029, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.USER_CREATE_HOUR),
        (500168, ErrorKind.QUOTA_EXHAUSTED, QuotaScope.ACCOUNT_CREATE_MONTH),
        (190300, ErrorKind.RESIGN, None),
        (190301, ErrorKind.RESIGN, None),
        (200002, ErrorKind.RESIGN, None),
        (200003, ErrorKind.CONFIGURATION, None),
        (190303, ErrorKind.CONFIGURATION, None),
        (200001, ErrorKind.CONFIGURATION, None),
        (9093, ErrorKind.ROW_PERMANENT, None),
        (190004, ErrorKind.ROW_PERMANENT, None),
        (200006, ErrorKind.ROW_PERMANENT, None),
        (20001, ErrorKind.ROW_PERMANENT, None),
        (190001, ErrorKind.ROW_PERMANENT, None),
        (9100, ErrorKind.ROW_PERMANENT, None),
        (9102, ErrorKind.ROW_PERMANENT, None),
        (9042, ErrorKind.ROW_PERMANENT, None),
        (190315, ErrorKind.ROW_PERMANENT, None),
        (41, ErrorKind.TRANSIENT, None),
        (5108, ErrorKind.TRANSIENT, None),
    ],
)
def test_spec_codes_have_the_worker_response_of_spec_section_4(
    code: int, kind: ErrorKind, scope: QuotaScope | None
) -> None:
    assert classify(code, "create") is kind
    assert quota_scope(code) is scope


@pytest.mark.parametrize(
    "code,kind,why",
    [
        # 会议并发数量超过限制: too many concurrent meetings. Frees with time: a long back-off
        # (was row_permanent).
        (9098, ErrorKind.SATURATED, "会议并发数量超过限制"),
        # JSON 串解析错误: the JSON does not parse. We only send JSON we encoded, so it is
        # ours or a proxy's fault, the same for every row (was row_permanent).
        (200005, ErrorKind.CONFIGURATION, "JSON 串解析错误"),
        # 查询会议详情失败 / 修改直播配置信息失败: "failed", no cause in the request (were
        # row_permanent).
        (190318, ErrorKind.TRANSIENT, "查询会议详情失败"),
        (190319, ErrorKind.TRANSIENT, "修改直播配置信息失败"),
    ],
)
def test_kinds_read_from_the_seed_wording(code: int, kind: ErrorKind, why: str) -> None:
    assert why in (describe(code).zh or "")
    for operation in OPERATIONS:
        assert classify(code, operation) is kind


def test_a_body_the_api_cannot_parse_is_diagnosed_as_ours_or_a_proxys() -> None:
    text = diagnose_configuration(200005)
    assert "proxy" in text and "HTTPS_PROXY" in text
    assert "fault of meeting-sync itself" in text


def test_codes_not_in_any_seed_have_no_chinese_text() -> None:
    for code in (41, 5108, 190313, 500029, 500168, 200190303):
        assert describe(code).zh is None


def test_rate_and_quota_kinds_always_name_their_scope() -> None:
    for entry in REST_ERRORS.values():
        limited = entry.kind in (ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED)
        assert (entry.scope is not None) == limited, entry.code


def test_meeting_not_found_is_done_for_cancel_and_permanent_otherwise() -> None:
    assert classify(9003, "cancel") is ErrorKind.DONE
    assert classify(9003, "update") is ErrorKind.ROW_PERMANENT
    assert classify(9003, "get") is ErrorKind.ROW_PERMANENT


def test_update_of_a_deleted_meeting_says_so_on_the_row() -> None:
    message = row_message(9003, "update", "MEETING NOT EXIST")
    assert message.startswith("MEETING NOT EXIST")
    assert "deleted in Tencent Meeting" in message
    assert row_message(9093, "create", "") == describe(9093).en


def test_unknown_codes_are_row_permanent_so_nothing_retries_them_in_a_storm() -> None:
    for operation in OPERATIONS:
        assert classify(987654, operation) is ErrorKind.ROW_PERMANENT
    assert describe(987654).en == "undocumented error code 987654"


def test_client_side_codes() -> None:
    assert classify(NO_ERROR_BODY, "create") is ErrorKind.TRANSIENT
    assert classify(MALFORMED_SUCCESS, "list") is ErrorKind.TRANSIENT
    assert classify(UNEXPECTED_STATUS, "get") is ErrorKind.CONFIGURATION


def test_new_error_code_refines_the_error_code() -> None:
    # 190303 alone is an AK/SK configuration fault; with 200190303 it is an expired token.
    assert classify(190303, "create") is ErrorKind.CONFIGURATION
    assert classify(190303, "create", new_error_code=200190303) is ErrorKind.RESIGN
    # An unknown new_error_code does not hide a known error_code.
    assert classify(9093, "create", new_error_code=12345) is ErrorKind.ROW_PERMANENT


def test_classify_error_reads_both_codes_of_an_api_error() -> None:
    exc = ApiError(error_code=190303, new_error_code=200190303, message="x", http_status=400)
    assert classify_error(exc, "get") is ErrorKind.RESIGN


def test_oauth_codes_are_their_own_namespace() -> None:
    assert describe_oauth(1005).kind is ErrorKind.RESIGN
    assert describe_oauth(1006).kind is ErrorKind.CONFIGURATION
    assert describe_oauth(20).kind is ErrorKind.TRANSIENT
    assert describe_oauth(424242).kind is ErrorKind.CONFIGURATION
    # 10 on the token endpoint is "bad parameter"; 10 is no REST code at all.
    assert 10 not in REST_ERRORS


def test_diagnosis_of_a_signature_failure_lists_the_known_causes() -> None:
    text = diagnose_configuration(200003)
    for hint in ("UTF-8", "X-TC-Registered", "hex-encoded twice", "sdk_id", "secret_key"):
        assert hint in text


def test_diagnosis_of_unauthenticated_names_app_id_key_and_sdk_id() -> None:
    text = diagnose_configuration(190303)
    for hint in ("wemeet.app_id", "X-TC-Key", "SecretId, not the SecretKey", "wemeet.sdk_id"):
        assert hint in text


def test_diagnosis_of_a_missing_header_points_at_app_id() -> None:
    assert "AppId" in diagnose_configuration(200001)


def test_diagnosis_of_other_codes_is_still_useful() -> None:
    assert "app version" in diagnose_configuration(10005)
    assert diagnose_configuration(424242).startswith("error 424242")


def test_every_operation_name_is_accepted() -> None:
    for operation in OPERATIONS:
        assert classify(9093, operation) is ErrorKind.ROW_PERMANENT
