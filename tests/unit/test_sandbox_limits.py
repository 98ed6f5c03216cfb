"""Numbers the sandbox takes: NaN, infinities and absurd values in fault settings, clock
moves and API bodies are refused (400, naming the field) and change nothing, so one bad
request cannot leave every later answer a 500; whatever it writes is strict JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from sandbox.app import SandboxApp
from sandbox.config import SandboxConfig
from sandbox.windows import parse_rate
from tests.fixtures.sandbox import client_credentials
from worker.wemeet.signing import aksk_headers

NOW = 1_790_000_000.0
YEAR = 365.25 * 86400
JSON_TYPE = "application/json"
INSPECTED = ("meetings", "stats", "requests", "faults", "quota", "clock")


def started(fail_rate: float = 0.25, **config: Any) -> tuple[SandboxApp, Client]:
    """A sandbox whose fault settings differ from the defaults (unless told otherwise), so
    that a refused change that reset them would show."""
    app = SandboxApp(SandboxConfig(**config), clock=lambda: NOW)
    app.faults.update({"fail_rate": fail_rate})
    return app, Client(app)


def strict(data: bytes) -> Any:
    """``data`` as JSON, failing on the NaN/Infinity literals Python's parser lets through."""

    def refuse(literal: str) -> Any:
        raise AssertionError(f"{literal} in an answer")

    return json.loads(data, parse_constant=refuse)


def assert_served_everywhere(http: Client) -> None:
    for name in INSPECTED:
        answer = http.get(f"/_sandbox/{name}")
        assert answer.status_code == 200, (name, answer.data)
        strict(answer.data)


def post(http: Client, name: str, body: str) -> Any:
    return http.post(f"/_sandbox/{name}", data=body.encode(), content_type=JSON_TYPE)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"fail_rate": NaN}', "fail_rate"),
        ('{"drop_response_rate": Infinity}', "drop_response_rate"),
        ('{"latency_ms": NaN}', "latency_ms"),
        ('{"latency_ms": -Infinity}', "latency_ms"),
        ('{"latency_ms": 1e999}', "latency_ms"),  # json reads it as infinity
        ('{"latency_ms": 1' + "0" * 400 + "}", "latency_ms"),  # an int no float can hold
        ('{"latency_ms": 1e12}', "latency_ms"),  # thirty years per call
        ('{"latency_ms": "inf"}', "latency_ms"),  # a string float() would take
        ('{"clock_offset_seconds": NaN}', "clock_offset_seconds"),
        ('{"clock_offset_seconds": -1e300}', "clock_offset_seconds"),
        ('{"clock_offset_seconds": "nan"}', "clock_offset_seconds"),
        ('{"fail_rate": true}', "fail_rate"),
        ('{"fail_rate": 0.5, "latency_ms": NaN}', "latency_ms"),  # all or nothing
        ('{"inject": [{"action": "fail"}], "clock_offset_seconds": Infinity}', "clock_offset"),
    ],
)
def test_fault_settings_that_are_not_finite_or_absurd_are_refused_and_change_nothing(
    body: str, field: str
) -> None:
    _, http = started()
    before = http.get("/_sandbox/faults").get_json()
    answer = post(http, "faults", body)
    assert answer.status_code == 400
    assert field in strict(answer.data)["error"]
    assert http.get("/_sandbox/faults").get_json() == before
    assert_served_everywhere(http)


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "1e999", "-1e300", '"nan"', "true", "1" + "0" * 400]
)
def test_clock_moves_that_are_not_finite_or_absurd_are_refused(value: str) -> None:
    _, http = started()
    answer = post(http, "clock", f'{{"advance_seconds": {value}}}')
    assert answer.status_code == 400
    assert "advance_seconds" in strict(answer.data)["error"]
    assert http.get("/_sandbox/clock").get_json() == {"now": NOW, "advanced_seconds": 0.0}
    assert_served_everywhere(http)


def test_the_clock_moves_up_to_a_century_in_all() -> None:
    _, http = started()
    assert post(http, "clock", f'{{"advance_seconds": {90 * YEAR}}}').status_code == 200
    further = post(http, "clock", f'{{"advance_seconds": {20 * YEAR}}}')
    assert further.status_code == 400 and "advance_seconds" in further.get_json()["error"]
    assert http.get("/_sandbox/clock").get_json()["advanced_seconds"] == 90 * YEAR
    back = post(http, "clock", f'{{"advance_seconds": {-180 * YEAR}}}')
    assert back.status_code == 200 and back.get_json()["now"] == NOW - 90 * YEAR


@pytest.mark.parametrize("direction", [1, -1])
def test_a_sandbox_at_the_edges_of_its_clock_still_answers_every_request(direction: int) -> None:
    quotas = tuple(parse_rate(r) for r in ("100/60s", "100/1d", "100/1mo"))
    app, http = started(fail_rate=0.0, quotas=quotas)
    shift = direction * 99 * YEAR
    assert post(http, "faults", f'{{"clock_offset_seconds": {shift}}}').status_code == 200
    assert post(http, "clock", f'{{"advance_seconds": {shift}}}').status_code == 200
    uri = "/v1/meetings?userid=alice&instanceid=1"
    signed = aksk_headers(
        client_credentials(app.config.credentials),
        "GET",
        uri,
        b"",
        nonce=1,
        timestamp=int(app.now()),
    )
    answer = http.get(uri, headers=signed)
    assert answer.status_code in (200, 400, 500)  # an answer of the API, not a crash
    assert set(strict(answer.data)) & {"meeting_info_list", "error_info"}
    assert_served_everywhere(http)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_meeting_body_with_a_non_finite_number_is_a_json_parse_error(number: str) -> None:
    app, http = started(fail_rate=0.0)
    start = int(NOW) + 3600
    body = (
        '{"userid": "alice", "instanceid": 1, "subject": "周会", "type": 0, '
        f'"start_time": "{start}", "end_time": "{start + 3600}", '
        f'"settings": {{"mute_enable_join": {number}}}}}'
    ).encode()
    signed = aksk_headers(
        client_credentials(app.config.credentials),
        "POST",
        "/v1/meetings",
        body,
        nonce=2,
        timestamp=int(NOW),
    )
    answer = http.post("/v1/meetings", data=body, headers=signed)
    assert answer.status_code == 400
    assert strict(answer.data)["error_info"]["error_code"] == 200005
    assert app.meetings.all() == []
    assert_served_everywhere(http)


def test_a_value_that_slipped_past_the_checks_is_never_written_as_nan() -> None:
    # The last line of defence: an error (a 500 from the server) rather than text that no
    # strict JSON parser reads.
    app, http = started()
    app.faults.latency_ms = float("nan")
    with pytest.raises(ValueError):
        http.get("/_sandbox/faults")


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), -1e300])
def test_the_in_process_clock_control_checks_the_same_way(seconds: float) -> None:
    app, _ = started()
    with pytest.raises(ValueError, match="advance_seconds"):
        app.advance_clock(seconds)
    assert app.now() == NOW
