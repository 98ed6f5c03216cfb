"""`python -m sandbox` as a process: one line with its URL, real answers, a clean stop."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests
import TLSSigAPIv2

from sandbox.config import DEMO_CREDENTIALS
from worker.wemeet.signing import aksk_headers, new_nonce


def spawn(*flags: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def running() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = spawn("--user", "alice", "--quota", "2/1d", "--sensitive-word", "机密")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(r"sandbox listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def get(base_url: str, uri: str) -> requests.Response:
    headers = aksk_headers(
        DEMO_CREDENTIALS, "GET", uri, b"", nonce=new_nonce(), timestamp=int(time.time())
    )
    return requests.get(base_url + uri, headers=headers, timeout=10)


def test_the_flags_take_effect_and_sigterm_stops_it(
    running: tuple[subprocess.Popen[str], str],
) -> None:
    process, base_url = running
    assert get(base_url, "/v1/meetings?userid=alice&instanceid=1").status_code == 200
    unknown = get(base_url, "/v1/meetings?userid=bob&instanceid=1")
    assert unknown.json()["error_info"]["error_code"] == 20001
    over = get(base_url, "/v1/meetings?userid=alice&instanceid=1")
    assert over.json()["error_info"]["error_code"] == 190311
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert process.stderr is not None and process.stderr.read() == ""


def test_sigint_stops_it_too(running: tuple[subprocess.Popen[str], str]) -> None:
    process, _ = running
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0


def test_a_bad_flag_value_exits_2_with_a_message() -> None:
    process = spawn("--quota", "300 per minute")
    _, err = process.communicate(timeout=20)
    assert process.returncode == 2
    assert "300 per minute" in err and "Traceback" not in err


def test_a_port_in_use_exits_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _, err = process.communicate(timeout=20)
    assert process.returncode == 1
    assert "cannot listen" in err and "Traceback" not in err


def first_line_then_stop(process: subprocess.Popen[str]) -> tuple[str, int, str]:
    """The first line on stdout ("" when the process exits without one), then the exit code
    and stderr; a process that did start is stopped with SIGTERM."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if line:
        process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    return line, process.returncode, err


def test_listening_beyond_loopback_warns_that_anyone_there_can_reset_it() -> None:
    line, code, err = first_line_then_stop(spawn("--host", "0.0.0.0"))
    assert re.fullmatch(r"sandbox listening on http://0\.0\.0\.0:\d+\n", line), line
    assert code == 0
    port = line.rsplit(":", 1)[1].strip()
    assert f"0.0.0.0:{port}" in err and "no authentication" in err
    assert "anyone who can reach" in err and "Traceback" not in err


def test_localhost_is_loopback_and_needs_no_warning() -> None:
    line, code, err = first_line_then_stop(spawn("--host", "localhost"))
    assert line.startswith("sandbox listening on http://127.0.0.1:"), line
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--latency-ms", "inf"),
        ("--clock-offset-seconds", "nan"),
        ("--fail-rate", "NaN"),
        ("--drop-response-rate", "-inf"),
    ],
)
def test_a_non_finite_number_flag_exits_2_with_a_usage_error(flag: str, value: str) -> None:
    line, code, err = first_line_then_stop(spawn(f"{flag}={value}"))
    assert (line, code) == ("", 2)
    assert "usage:" in err and f"argument {flag}: must be a finite number" in err
    assert "Traceback" not in err


def test_the_trtc_flags_set_the_room_api_credentials() -> None:
    process = spawn("--trtc-sdkappid", "1400000555", "--trtc-key", "k-555", "--trtc-admin", "ops")
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[-1]

        def call(identifier: str, sdkappid: int, key: str) -> int:
            sig = TLSSigAPIv2.TLSSigAPIv2(sdkappid, key).gen_sig(identifier)
            query = {
                "sdkappid": sdkappid,
                "identifier": "ops",
                "usersig": sig,
                "random": 9,
                "contenttype": "json",
            }
            url = base_url + "/v4/room_engine_http_srv/get_room_info"
            answer = requests.post(url, params=query, json={"RoomId": "r"}, timeout=10)
            return int(answer.json()["ErrorCode"])

        assert call("ops", 1400000555, "k-555") == 100004  # accepted; no such room
        assert call("ops", 1400000555, "another-key") == 70009
        assert call("someone", 1400000555, "k-555") == 70013
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
