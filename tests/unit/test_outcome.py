from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.rowfactory import wemeet_provider
from worker.exceptions import ApiError, TransportError
from worker.sync.decide import Done, Fail, RetryLater, RetryPolicy, Trip, decide

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_seconds=30.0, cap_seconds=600.0)
PROVIDER = wemeet_provider()


def api(code: int, message: str = "server says no", status: int = 400) -> ApiError:
    return ApiError(error_code=code, message=message, http_status=status)


def outcome(exc: ApiError | TransportError, operation: str = "create", attempt: int = 1) -> object:
    return decide(
        exc,
        PROVIDER,
        operation=operation,
        attempt=attempt,
        now=NOW,
        policy=POLICY,
        rng=random.Random(0),
    )


@pytest.mark.parametrize("code", [9093, 190004, 20001, 190001, 9102])
def test_row_permanent_errors_fail_the_row_with_the_servers_message(code: int) -> None:
    decision = outcome(api(code, "subject has sensitive words"))
    assert isinstance(decision, Fail)
    assert decision.code == str(code)
    assert decision.message.startswith("subject has sensitive words")


@pytest.mark.parametrize("code", [200003, 190303, 200001])
def test_configuration_errors_trip_the_circuit_with_a_diagnosis(code: int) -> None:
    decision = outcome(api(code))
    assert isinstance(decision, Trip)
    assert str(code) in decision.diagnosis


def test_cancelling_a_meeting_that_is_gone_is_done() -> None:
    assert outcome(api(9003, status=500), operation="cancel") == Done("9003")


def test_updating_a_meeting_that_is_gone_fails_with_a_hint() -> None:
    decision = outcome(api(9003, "MEETING NOT EXIST", status=500), operation="update")
    assert isinstance(decision, Fail)
    assert decision.message.startswith("MEETING NOT EXIST") and "meeting_id" in decision.message


def test_transient_failures_come_back_later_and_count_as_attempts() -> None:
    for exc in (TransportError("reset", may_have_reached=True), api(0, "", status=502)):
        decision = outcome(exc, attempt=3)
        assert isinstance(decision, RetryLater) and not decision.refund
        assert NOW + timedelta(seconds=15) <= decision.at <= NOW + timedelta(seconds=120)


@pytest.mark.parametrize("code", [190310, 190311, 9008, 500029])
def test_quota_errors_park_the_row_without_spending_its_attempts(code: int) -> None:
    decision = outcome(api(code))
    assert isinstance(decision, RetryLater) and decision.refund and decision.code == str(code)


@pytest.mark.parametrize("operation", ["create", "update"])
def test_too_many_concurrent_meetings_waits_a_long_back_off_without_spending_attempts(
    operation: str,
) -> None:
    decision = outcome(
        api(9098, "会议并发数量超过限制", status=500), operation=operation, attempt=9
    )
    assert isinstance(decision, RetryLater) and decision.refund and decision.code == "9098"
    # Half an hour to an hour by default, whatever the attempt: no growth, no giving up.
    assert NOW + timedelta(minutes=30) <= decision.at <= NOW + timedelta(hours=1)
    assert decision.message.startswith("会议并发数量超过限制")


def test_a_body_the_api_cannot_parse_trips_the_circuit() -> None:
    decision = outcome(api(200005, "json parse error"))
    assert isinstance(decision, Trip) and decision.code == "200005"
    assert "proxy" in decision.diagnosis
