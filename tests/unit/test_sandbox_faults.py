"""Fault settings and the exact fault queue."""

from __future__ import annotations

import random
from typing import Any

import pytest

from sandbox.faults import Faults, Injected


def test_queued_faults_apply_in_order_to_matching_endpoints() -> None:
    faults = Faults()
    faults.update(
        {
            "inject": [
                {"endpoint": "create", "action": "drop"},
                {"action": "fail"},
                {"endpoint": "create", "action": "error", "error_code": 190310},
            ]
        }
    )
    rng = random.Random(0)
    first = faults.next_for("get", rng)
    assert first is not None and first.action == "fail"  # the create-only drop waits
    drop = faults.next_for("create", rng)
    assert drop is not None and drop.action == "drop"
    error = faults.next_for("create", rng)
    assert error is not None and (error.action, error.error_code) == ("error", 190310)
    assert faults.next_for("create", rng) is None


def test_an_injected_errors_status_defaults_to_the_real_one_for_its_code() -> None:
    assert Injected.from_json({"action": "error", "error_code": 9003}).http_status == 500
    assert Injected.from_json({"action": "error", "error_code": 190004}).http_status == 400
    explicit = Injected.from_json({"action": "error", "error_code": 9003, "http_status": 400})
    assert explicit.http_status == 400


@pytest.mark.parametrize(
    "item",
    [
        {"action": "explode"},
        {"action": "error"},  # no code
        {"action": "error", "error_code": "9003"},
        {"action": "drop", "endpoint": "crate"},
        {"action": "error", "error_code": 1, "http_status": 200},
        {"action": "drop", "when": "later"},
        "drop",
    ],
)
def test_malformed_injections_are_refused(item: Any) -> None:
    faults = Faults()
    with pytest.raises(ValueError):
        faults.update({"inject": [item]})
    assert faults.queue == []


@pytest.mark.parametrize(
    "settings",
    [
        {"fail_rate": 1.5},
        {"drop_response_rate": -0.1},
        {"fail_rate": 0.6, "drop_response_rate": 0.6},
        {"latency_ms": -1},
        {"fail_rte": 0.1},  # a typo is an error, not a silent no-op
        {"fail_rate": "often"},
        {"latency_ms": float("nan")},
        {"latency_ms": float("inf")},
        {"latency_ms": 1e12},
        {"clock_offset_seconds": float("nan")},
        {"clock_offset_seconds": float("-inf")},
        {"clock_offset_seconds": 1e300},
        {"fail_rate": 0.1, "clock_offset_seconds": float("nan")},
    ],
)
def test_bad_settings_are_refused_and_change_nothing(settings: dict[str, Any]) -> None:
    faults = Faults()
    with pytest.raises(ValueError):
        faults.update({**settings, "inject": [{"action": "fail"}]})
    assert (faults.fail_rate, faults.drop_response_rate, faults.queue) == (0.0, 0.0, [])
    assert (faults.latency_ms, faults.clock_offset_seconds) == (0.0, 0.0)


def test_rates_are_seeded_and_split_between_fail_and_drop() -> None:
    def outcomes(seed: int) -> list[str | None]:
        faults = Faults(fail_rate=0.2, drop_response_rate=0.3)
        rng = random.Random(seed)
        return [getattr(faults.next_for("create", rng), "action", None) for _ in range(2000)]

    first = outcomes(42)
    assert first == outcomes(42)
    assert 300 < first.count("fail") < 500
    assert 500 < first.count("drop") < 700


def test_all_or_nothing_rates() -> None:
    rng = random.Random(1)
    always = Faults(fail_rate=1.0)
    assert all(getattr(always.next_for("get", rng), "action", "") == "fail" for _ in range(50))
    never = Faults()
    assert all(never.next_for("get", rng) is None for _ in range(50))


def test_settings_change_at_run_time_and_show() -> None:
    faults = Faults()
    faults.update({"latency_ms": 250, "clock_offset_seconds": -400, "fail_rate": 0.1})
    shown = faults.as_dict()
    assert shown["latency_ms"] == 250 and shown["clock_offset_seconds"] == -400
    assert shown["fail_rate"] == 0.1 and shown["queued"] == []
