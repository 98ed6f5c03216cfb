from __future__ import annotations

import pytest

from worker.exceptions import ApiError, TransportError
from worker.sync.retry import InCallRetry, InCallSettings, retryable
from worker.wemeet.errors import classify_error


def api(code: int, **kw: object) -> ApiError:
    return ApiError(error_code=code, message="m", http_status=400, **kw)  # type: ignore[arg-type]


class Flaky:
    """Fails with the given exceptions in turn, then answers 'ok'."""

    def __init__(self, *failures: BaseException) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def retry(**kw: object) -> tuple[InCallRetry, list[float]]:
    sleeps: list[float] = []
    return InCallRetry(InCallSettings(max_attempts=3), sleep=sleeps.append, **kw), sleeps  # type: ignore[arg-type]


def test_transient_failure_is_retried_with_a_wait_and_then_succeeds() -> None:
    policy, sleeps = retry()
    fn = Flaky(api(0), TransportError("refused", may_have_reached=False))
    assert policy.call("update", fn, classify_error) == "ok"
    assert fn.calls == 3 and len(sleeps) == 2 and all(0 <= s <= 5 for s in sleeps)


def test_gives_up_after_the_attempt_bound_and_reraises_the_last_error() -> None:
    policy, _ = retry()
    fn = Flaky(api(0), api(0), api(0), api(0))
    with pytest.raises(ApiError):
        policy.call("update", fn, classify_error)
    assert fn.calls == 3


def test_a_create_that_may_have_reached_the_server_is_not_sent_again() -> None:
    policy, _ = retry()
    fn = Flaky(TransportError("read timeout", may_have_reached=True))
    with pytest.raises(TransportError):
        policy.call("create", fn, classify_error)
    assert fn.calls == 1
    assert not retryable(api(0), "create", classify_error)
    assert retryable(TransportError("refused", may_have_reached=False), "create", classify_error)


def test_replay_is_re_signed_once_not_in_a_loop() -> None:
    policy, _ = retry()
    fn = Flaky(api(190301), api(190301), api(190301))
    with pytest.raises(ApiError):
        policy.call("get", fn, classify_error)
    assert fn.calls == 2


def test_clock_skew_is_retried_once_with_a_fresh_signature() -> None:
    # What 190300 teaches (the server's clock) the auth object learns from the answer
    # (tests/unit/test_wemeet_auth.py); the retry only gives it its one fresh attempt.
    policy, _ = retry()
    fn = Flaky(api(190300, server_date=1_400.0))
    assert policy.call("create", fn, classify_error) == "ok"
    fn = Flaky(api(190300), api(190300))
    with pytest.raises(ApiError):
        policy.call("create", fn, classify_error)
    assert fn.calls == 2


@pytest.mark.parametrize("code", [9093, 200003, 190311, 9008])
def test_errors_that_a_retry_cannot_fix_are_not_retried_in_call(code: int) -> None:
    policy, sleeps = retry()
    fn = Flaky(api(code))
    with pytest.raises(ApiError):
        policy.call("update", fn, classify_error)
    assert fn.calls == 1 and sleeps == []


def test_a_rate_window_error_is_retried_after_the_gate_has_paused_the_quota() -> None:
    policy, _ = retry()
    fn = Flaky(api(190310))
    assert policy.call("create", fn, classify_error) == "ok"
    assert fn.calls == 2


@pytest.mark.parametrize("code", [9098, 200005])
def test_a_full_account_or_an_unparsable_body_is_not_tried_again_in_the_call(code: int) -> None:
    policy, sleeps = retry()
    fn = Flaky(api(code))
    with pytest.raises(ApiError):
        policy.call("update", fn, classify_error)
    assert fn.calls == 1 and sleeps == []
