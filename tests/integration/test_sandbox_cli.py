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
