"""The pure parts of operations: progress figures and lines (with a fake clock), the
doctor's verdicts, the failed-code explanations, the metrics labels, the new config keys
and the sandbox's X-TC-Registered rule."""

from __future__ import annotations

import io
import json
import logging
from dataclasses import replace

import pytest

from sandbox.auth import ReplayMemory, authenticate
from sandbox.config import SandboxConfig
from sandbox.errors import Rejection
from tests.unit.test_sandbox_auth import NOW, request
from worker.config import WemeetConfig, from_mapping, listen_address
from worker.domain.calls import CallEvent, CallRecord
from worker.exceptions import ConfigError
from worker.logging_setup import RedactingFilter, formatter
from worker.observe.metrics import call_outcome
from worker.observe.progress import BarProgress, PlainProgress, describe, figures, progress_for
from worker.wemeet.explain import explain
from worker.wemeet.probe import (
    REGISTERED_0,
    SWAPPED_KEYS,
    WITHOUT_SDK_ID,
    clock_finding,
    credential_cause,
)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_figures_give_rate_and_time_left() -> None:
    assert figures(0, 100, 5.0) == (None, None)
    assert figures(25, 100, 5.0) == (5.0, 15.0)
    assert describe(25, 100, 5.0) == "done=25/100 rate=5.0/s eta=15s"


def test_plain_progress_writes_a_line_every_interval_and_at_the_end() -> None:
    clock, out = FakeClock(), io.StringIO()
    progress = PlainProgress(100, out, clock=clock, every=10.0)
    for _ in range(40):
        clock.t += 0.5  # 2 rows a second
        progress("created")
    progress.close()
    assert out.getvalue().splitlines() == [
        "progress_started done=0/100 rate=- eta=-",
        "progress done=20/100 rate=2.0/s eta=40s",
        "progress done=40/100 rate=2.0/s eta=30s",
        "progress_done done=40/100 rate=2.0/s eta=30s",
    ]


def test_a_terminal_gets_a_bar_and_a_small_run_nothing() -> None:
    assert progress_for(50, io.StringIO(), threshold=50) is None
    assert isinstance(progress_for(51, io.StringIO(), threshold=50), PlainProgress)
    clock, out = FakeClock(), Terminal()
    bar = progress_for(60, out, threshold=50, clock=clock)
    assert isinstance(bar, BarProgress)
    for _ in range(30):
        clock.t += 0.1
        bar("created")
    bar.close()
    assert "30/60" in out.getvalue()
    assert "10.0 rows/s, 3s left" in out.getvalue()


CONFIG = WemeetConfig(app_id="1", secret_id="id", secret_key="key", sdk_id="9", registered=1)


@pytest.mark.parametrize(
    ("accepted", "named"),
    [
        ({SWAPPED_KEYS: True}, "are swapped"),
        ({SWAPPED_KEYS: False, WITHOUT_SDK_ID: True}, "no SdkId was assigned"),
        ({SWAPPED_KEYS: False, WITHOUT_SDK_ID: False, REGISTERED_0: True}, "X-TC-Registered"),
    ],
)
def test_the_accepted_change_names_the_cause(accepted: dict[str, bool], named: str) -> None:
    assert named in credential_cause(190303, accepted, CONFIG)


def test_with_every_probe_refused_the_cause_is_the_remaining_one() -> None:
    refused = {SWAPPED_KEYS: False, WITHOUT_SDK_ID: False, REGISTERED_0: False}
    assert "wemeet.app_id (AppId) or wemeet.secret_id" in credential_cause(190303, refused, CONFIG)
    signature = credential_cause(200003, refused, CONFIG)
    assert signature.startswith("wemeet.secret_key is not the SecretKey")
    assert "ruled out swapped SecretId/SecretKey, the SdkId, X-TC-Registered" in signature
    plain = replace(CONFIG, sdk_id="", registered=0)
    assert "ruled out swapped SecretId/SecretKey)" in credential_cause(200003, {}, plain)


def test_clock_findings() -> None:
    assert clock_finding(2.0).level == "OK"
    assert clock_finding(-45.0).level == "WARN"
    late = clock_finding(-400.0)
    assert late.level == "FAIL" and "400 s ahead of the API's" in late.message
    assert clock_finding(None).level == "WARN"


def test_failed_codes_are_explained_with_a_fix() -> None:
    word = explain("9093")
    assert word.meaning == "Subject contains a sensitive word."
    assert "meeting-sync retry --code 9093" in word.fix
    assert "Shorten the subject" in explain("local.subject_too_long").fix
    assert "edit makes it pending" in explain("9999999").fix
    assert explain("transport").meaning == "not a Tencent Meeting code"


def call(status: int | None, code: int | None, ok: bool) -> CallEvent:
    record = CallRecord("create", "POST", "/v1/meetings", status, code, None, 0.01, ok)
    return CallEvent("wemeet", "cal-1", record)


def test_call_outcome_labels() -> None:
    assert call_outcome(call(200, None, True)) == ("ok", "")
    assert call_outcome(call(400, 9093, False)) == ("error", "9093")
    assert call_outcome(call(None, None, False)) == ("no_answer", "")


def test_metrics_listen_and_log_format_are_checked() -> None:
    assert listen_address("127.0.0.1:9464") == ("127.0.0.1", 9464)
    assert listen_address("[::1]:9464") == ("::1", 9464)
    assert listen_address(":9464") == ("0.0.0.0", 9464)
    for bad in ("9464", "host:", "host:99999"):
        with pytest.raises(ConfigError, match=r"metrics\.listen"):
            from_mapping({"metrics": {"listen": bad}}, {}, source="t")
    with pytest.raises(ConfigError, match="log_format"):
        from_mapping({"worker": {"log_format": "xml"}}, {}, source="t")
    loaded = from_mapping({}, {"MEETING_SYNC_METRICS_LISTEN": "127.0.0.1:1"}, source="t")
    assert loaded.metrics.listen == "127.0.0.1:1"


def test_the_sandbox_refuses_registered_1_for_unregistered_users() -> None:
    config = SandboxConfig(registered_users=False)

    def registered(value: str) -> None:
        req = request(lambda h: h.update({"X-TC-Registered": value}), config=config)
        authenticate(req, config, NOW, ReplayMemory())

    registered("0")
    with pytest.raises(Rejection) as refused:
        registered("1")
    assert refused.value.error_code == 200003
    # An account of registered users takes either.
    req = request(lambda h: h.update({"X-TC-Registered": "1"}))
    authenticate(req, SandboxConfig(), NOW, ReplayMemory())


def test_json_lines_mask_a_secret_in_extra_fields_too() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter("json"))
    handler.addFilter(RedactingFilter(["sk-live-1234567890"]))
    log = logging.getLogger("test.json_redaction")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning(
            "odd_answer detail=%s", "key sk-live-1234567890", extra={"body": "sk-live-1234567890!"}
        )
    finally:
        log.removeHandler(handler)
    line = json.loads(out.getvalue())
    assert line["event"] == "odd_answer"
    assert line["message"] == "odd_answer detail=key ***"
    assert line["body"] == "***!"
    assert "sk-live" not in out.getvalue()
