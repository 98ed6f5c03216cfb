"""The drift check's share of the quota: which limits its calls reserve. Pure."""

from __future__ import annotations

from worker.drift.budget import drift_scopes, held_back, share_rates
from worker.quota.rates import parse_rate
from worker.quota.scopes import Scope
from worker.wemeet.quota import WemeetQuotas, scopes_for

APP = (parse_rate("300/60s"), parse_rate("200000/1d"))


def test_the_share_of_each_window_is_rounded_down() -> None:
    assert [str(r) for r in share_rates(APP, 0.05)] == ["15/60s", "10000/1d"]
    # Too small a window for one call of the share holds none.
    assert [r.calls for r in share_rates((parse_rate("10/5s"),), 0.05)] == [0]


def test_a_drift_call_leaves_the_share_of_each_window_free_for_the_sync() -> None:
    assert [str(r) for r in held_back(APP, 0.05)] == ["285/60s", "190000/1d"]
    assert [r.calls for r in held_back((parse_rate("10/5s"),), 0.05)] == [9]


def test_a_drift_list_reserves_the_providers_scopes_its_share_and_the_held_back_room() -> None:
    scopes = scopes_for("list", "alice", WemeetQuotas("app", APP, ()))
    out = drift_scopes(scopes, 0.05)
    by_key = {s.key: [str(r) for r in s.rates] for s in out}
    assert by_key == {
        "app:app": ["285/60s", "190000/1d"],
        "drift:app:app": ["15/60s", "10000/1d"],
        "app_op:app:list": [],
        "app_query:app": [],
    }


def test_a_scope_without_limits_passes_unchanged() -> None:
    plain = Scope("app_op:app:get", ())
    assert drift_scopes((plain,), 0.05) == (plain,)
