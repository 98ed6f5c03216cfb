"""Sandbox settings, its command-line flags and its request ledger."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from sandbox.cli import add_arguments, config_from_args
from sandbox.config import DEMO_CREDENTIALS, SandboxConfig
from sandbox.request_log import RequestLog
from sandbox.windows import parse_rate


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_defaults_are_the_documented_demo_setup() -> None:
    config = SandboxConfig()
    assert config.credentials == DEMO_CREDENTIALS
    assert (config.app_id, config.secret_id) == ("200000001", "demo-secret-id")
    assert config.sdk_id is None and config.users is None
    assert config.sensitive_words == ("敏感词",)
    assert config.quotas == () and config.quota_tz == "Asia/Shanghai"
    assert (config.fail_rate, config.drop_response_rate, config.latency_ms) == (0, 0, 0)
    assert "demo-secret-key" not in repr(config)


@pytest.mark.parametrize(
    "changes",
    [
        {"fail_rate": 1.1},
        {"drop_response_rate": -0.5},
        {"fail_rate": 0.7, "drop_response_rate": 0.7},
        {"latency_ms": -5},
        {"quota_tz": "Mars/Olympus"},
        {"app_id": ""},
        {"request_log_limit": 0},
        {"fail_rate": float("nan")},
        {"latency_ms": float("nan")},
        {"latency_ms": float("inf")},
        {"latency_ms": 1e12},
        {"clock_offset_seconds": float("nan")},
        {"clock_offset_seconds": float("inf")},
        {"clock_offset_seconds": -1e300},
    ],
)
def test_invalid_settings_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        SandboxConfig(**changes)


def test_quotas_must_be_the_sandboxs_own_rates() -> None:
    with pytest.raises(TypeError):
        SandboxConfig(quotas=("300/60s",))  # type: ignore[arg-type]
    listed = SandboxConfig(quotas=[parse_rate("300/60s")])  # type: ignore[arg-type]
    assert listed.quotas == (parse_rate("300/60s"),)  # kept as a tuple, so still hashable


def test_flags_default_to_the_interface_documented_values() -> None:
    args = parse()
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    assert config_from_args(args) == SandboxConfig()


def test_every_flag_reaches_the_config() -> None:
    args = parse(
        "--app-id", "1400", "--sdk-id", "18000", "--secret-id", "sid", "--secret-key", "skey",
        "--quota", "300/60s", "--quota", "40/20s:190311", "--quota-tz", "UTC",
        "--user", "alice", "--user", "bob", "--sensitive-word", "机密", "--seed", "7",
        "--fail-rate", "0.1", "--drop-response-rate", "0.2", "--latency-ms", "30",
        "--clock-offset-seconds", "-400", "--empty-cancel-body",
    )  # fmt: skip
    config = config_from_args(args)
    assert config == SandboxConfig(
        app_id="1400",
        sdk_id="18000",
        secret_id="sid",
        secret_key="skey",
        quotas=(parse_rate("300/60s"), parse_rate("40/20s:190311")),
        quota_tz="UTC",
        users=("alice", "bob"),
        sensitive_words=("机密",),
        seed=7,
        fail_rate=0.1,
        drop_response_rate=0.2,
        latency_ms=30,
        clock_offset_seconds=-400,
        empty_cancel_body=True,
    )


def test_an_empty_sdk_id_flag_means_none() -> None:
    assert config_from_args(parse("--sdk-id", "")).sdk_id is None


def test_a_bad_quota_flag_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        config_from_args(parse("--quota", "300 per minute"))


def test_the_ledger_counts_exactly_and_keeps_the_latest_entries() -> None:
    ledger = RequestLog(limit=3)
    ledger.record(1.0, "create", 200, None, "alice")
    ledger.record(2.0, "create", 500, 9093, "alice")
    ledger.record(3.0, "get", None, None, "bob", fault="drop")
    ledger.record(4.0, "get", 500, None, "bob", fault="fail")
    stats = ledger.stats()
    assert stats["total"] == 4 and stats["logged"] == 3
    assert stats["by_status"] == {"200": 1, "500": 2, "dropped": 1}
    assert stats["by_error_code"] == {"9093": 1}
    assert stats["by_endpoint"]["create"] == {"total": 2, "ok": 1, "error": 1, "error_9093": 1}
    assert stats["by_endpoint"]["get"] == {"total": 2, "drop": 1, "fail": 1}
    assert [e["seq"] for e in ledger.entries()] == [1, 2, 3]
    assert [e["seq"] for e in ledger.entries(since=3)] == [3]
    assert ledger.entries(since=99) == []
    ledger.entries()[0]["t"] = -1.0  # copies: the log itself does not change
    assert ledger.entries()[0]["t"] == 2.0
