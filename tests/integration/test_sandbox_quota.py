"""Quotas over real HTTP on an injected clock: natural windows, the real codes, and which
requests count (every authenticated attempt; never an inspection request)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import requests

from sandbox.server import SandboxServer
from sandbox.windows import parse_rate
from tests.fixtures.sandbox import SignedSender, error_of, meeting_body

LIST = "/v1/meetings?userid=alice&instanceid=1"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str, tz: ZoneInfo = SHANGHAI) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


def started(
    factory: Callable[..., SandboxServer], when: str, *quotas: str, **config: object
) -> tuple[SignedSender, list[float]]:
    clock = [at(when)]
    server = factory(quotas=tuple(parse_rate(q) for q in quotas), clock=lambda: clock[0], **config)
    return SignedSender(server), clock


def statuses(sender: SignedSender, count: int) -> list[int]:
    out = []
    for _ in range(count):
        response = sender.send("GET", LIST)
        out.append(200 if response.ok else error_of(response)[1])
    return out


def test_a_minute_then_a_day_window(sandbox_factory: Callable[..., SandboxServer]) -> None:
    sender, clock = started(sandbox_factory, "2026-11-22 10:15:02", "3/5s", "5/1d")
    assert statuses(sender, 4) == [200, 200, 200, 190310]
    clock[0] += 5  # the 5-second window turns; the refused attempt still counted today
    assert statuses(sender, 2) == [200, 190311]
    response = sender.send("GET", LIST)
    assert response.status_code == 500  # seeds: quota answers are service errors
    clock[0] += 86400
    assert statuses(sender, 1) == [200]


def test_the_day_turns_at_midnight_in_shanghai(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender, clock = started(sandbox_factory, "2026-11-22 23:59:50", "2/1d")
    assert statuses(sender, 3) == [200, 200, 190311]
    clock[0] = at("2026-11-22 23:59:59.9")
    assert statuses(sender, 1) == [190311]
    clock[0] = at("2026-11-23 00:00:00")  # 16:00 UTC
    assert statuses(sender, 2) == [200, 200]


def test_the_quota_time_zone_is_configurable(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    utc = ZoneInfo("UTC")
    sender, clock = started(sandbox_factory, "2026-11-22 00:00:00", "1/1d", quota_tz="UTC")
    clock[0] = at("2026-11-22 23:59:00", utc)
    assert statuses(sender, 2) == [200, 190311]
    clock[0] = at("2026-11-23 00:00:00", utc)
    assert statuses(sender, 1) == [200]


def test_advancing_the_sandbox_clock_turns_a_day(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender, _ = started(sandbox_factory, "2026-11-22 12:00:00", "1/1d")
    assert statuses(sender, 2) == [200, 190311]
    url = f"{sender.server.base_url}/_sandbox/clock"
    now = requests.post(url, json={"advance_seconds": 12 * 3600}, timeout=5).json()["now"]
    assert now == at("2026-11-23 00:00:00")
    assert statuses(sender, 1) == [200]


def test_an_override_code_makes_a_short_day(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender, clock = started(sandbox_factory, "2026-11-22 10:15:00", "2/20s:190311")
    assert statuses(sender, 3) == [200, 200, 190311]
    clock[0] += 20
    assert statuses(sender, 1) == [200]


def test_every_authenticated_attempt_counts_and_nothing_else_does(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender, _ = started(sandbox_factory, "2026-11-22 10:15:00", "4/60s")
    base = sender.server.base_url
    # Not authenticated, replays and inspection requests: none of these count.
    sender.send("GET", LIST, change=lambda h: h.update({"X-TC-Signature": "x" * 88}))
    sender.send("GET", LIST, change=lambda h: h.pop("AppId"))
    sender.send("GET", LIST, nonce=7)
    sender.send("GET", LIST, nonce=7)  # 190301
    for _ in range(5):
        requests.get(f"{base}/_sandbox/stats", timeout=5)
    (usage,) = requests.get(f"{base}/_sandbox/quota", timeout=5).json()
    assert usage["used"] == 1  # only the first nonce-7 request
    # Refused by business rules, unparsable or faulted: each of these counts.
    assert error_of(sender.create(subject="敏感词"))[1] == 9093
    assert error_of(sender.send("POST", "/v1/meetings", raw_body=b"{"))[1] == 200005
    sender.server.set_faults(inject=[{"action": "fail"}])
    assert sender.send("GET", LIST).status_code == 500
    assert error_of(sender.create(start_time=meeting_body()["start_time"]))[1] == 190310
    assert requests.get(f"{base}/_sandbox/quota", timeout=5).json()[0]["used"] == 5


def test_the_request_log_measures_use_per_window(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    sender, clock = started(sandbox_factory, "2026-11-22 10:15:00", "3/5s")
    for _ in range(4):
        statuses(sender, 2)
        clock[0] += 2.5
    log = sender.server.requests_log()
    assert [e["t"] - at("2026-11-22 10:15:00") for e in log] == [0, 0, 2.5, 2.5, 5, 5, 7.5, 7.5]
    assert [e["error_code"] for e in log] == [None, None, None, 190310] * 2
    assert {e["userid"] for e in log} == {"alice"}
