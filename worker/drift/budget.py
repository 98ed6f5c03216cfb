"""The drift check's share of the quota, and the one way its calls go out.

A check's call reserves, in the shared ledger, every quota the provider names for it, and
two limits more: the drift key of each limited scope (``drift:<key>``: at most ``share`` of
each window), and the scope itself with ``share`` of its room held back (a drift call only
takes a slot while the window keeps at least that much free for the sync). It never waits
for quota: no room, a pause in force, or a quota error answered ends the check until its
next run, so the sync's creates, updates and cancels never queue behind it.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError, DriftStopped, QuotaDeferred
from worker.quota.gate import QuotaGate, QuotaTarget
from worker.quota.ledger import Granted
from worker.quota.rates import Rate
from worker.quota.scopes import Scope

T = TypeVar("T")

DRIFT_KEY_PREFIX = "drift:"


def share_rates(rates: tuple[Rate, ...], share: float) -> tuple[Rate, ...]:
    """``share`` of each limit, rounded down: never more than the share, so a window too
    small to hold one call of it holds none."""
    return tuple(Rate(math.floor(r.calls * share), r.period) for r in rates)


def held_back(rates: tuple[Rate, ...], share: float) -> tuple[Rate, ...]:
    """Each limit less ``share`` of it, rounded up: what a drift call may fill up to."""
    return tuple(Rate(max(0, r.calls - math.ceil(r.calls * share)), r.period) for r in rates)


def drift_scopes(scopes: tuple[Scope, ...], share: float) -> tuple[Scope, ...]:
    """The scopes a drift call reserves, from those the provider names for the call. Pure."""
    out: list[Scope] = []
    for scope in scopes:
        if not scope.rates:
            out.append(scope)
            continue
        out.append(Scope(scope.key, held_back(scope.rates, share), scope.counted))
        out.append(Scope(DRIFT_KEY_PREFIX + scope.key, share_rates(scope.rates, share)))
    return tuple(out)


@dataclass(frozen=True)
class DriftBudget:
    gate: QuotaGate
    share: float

    def caller(self, target: QuotaTarget, owner: str) -> BudgetedCall:
        """The ``DriftCall`` for one owner's reads of ``target``."""
        return BudgetedCall(self, target, owner)


@dataclass(frozen=True)
class BudgetedCall:
    """One owner's reads within the budget (a ``worker.sync.provider.DriftCall``)."""

    budget: DriftBudget
    target: QuotaTarget
    owner: str

    def __call__(self, operation: str, fetch: Callable[[], T]) -> T:
        gate, target = self.budget.gate, self.target
        scopes = drift_scopes(target.scopes(operation, self.owner), self.budget.share)
        reserved = gate.ledger.reserve(scopes)
        if not isinstance(reserved, Granted):
            raise DriftStopped(f"no room in {reserved.scope} before {reserved.until}")
        try:
            return fetch()
        except ApiError as exc:
            kind = target.classify(exc, operation)
            if kind not in (ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED):
                raise
            # Every worker pauses that quota, as after any call's quota error.
            with contextlib.suppress(QuotaDeferred):
                gate.observe(target, exc, operation, self.owner)
            raise DriftStopped(f"quota error {exc.error_code}") from exc
