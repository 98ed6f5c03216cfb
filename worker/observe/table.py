"""The figures read from the database at each scrape: rows by state, the oldest pending
row, failed rows by code, drifted rows, quota use and limits, pauses, and OAuth token
expiries. A database that cannot be read
yields ``meeting_sync_database_up 0`` and nothing else (never a stale figure)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from models.meetings import REMOTE_STATES
from worker.exceptions import MeetingSyncError
from worker.observe.metrics import PREFIX
from worker.observe.token_figures import token_families
from worker.quota.ledger import QuotaLedger
from worker.quota.scopes import Scope
from worker.store.meetings import Store
from worker.store.oauth_tokens import TokenExpiries

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class QuotaFigure:
    scope: str
    window: str
    used: int
    limit: int


class TableCollector(Collector):
    """Reads the table and the quota ledger when Prometheus (or a textfile write) asks."""

    def __init__(self, store: Store, ledger: QuotaLedger | None, scopes: Sequence[Scope]) -> None:
        self.store = store
        self.ledger = ledger
        self.tokens = TokenExpiries(store.engine)
        # The limited scopes every call spends (per app, not per user: one series each).
        self.scopes = tuple(s for s in scopes if s.rates)

    def quota(self) -> list[QuotaFigure]:
        ledger = self.ledger
        if ledger is None:
            return []
        return [
            QuotaFigure(s.key, str(rate.period), ledger.used(s.key, rate), rate.calls)
            for s in self.scopes
            for rate in s.rates
        ]

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "1 when the last scrape read the database")
        try:
            families = self._families()
        except (MeetingSyncError, SQLAlchemyError) as exc:
            logger.warning("metrics_database_unreadable error=%s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self) -> list[Metric]:
        now = self.store.now()
        summary = self.store.status(now)
        rows = GaugeMetricFamily(f"{PREFIX}_rows", "Rows by sync state", labels=["state"])
        for state in ("pending", "synced", "failed"):
            rows.add_metric([state], summary.by_state.get(state, 0))
        failed = GaugeMetricFamily(
            f"{PREFIX}_failed_rows", "Failed rows by error code", labels=["code"]
        )
        for code, n in summary.failed_by_code.items():
            failed.add_metric([code], n)
        drifted = GaugeMetricFamily(
            f"{PREFIX}_drifted_rows",
            "Rows a drift check found changed, cancelled or missing at the provider",
            labels=["remote_state"],
        )
        for state in sorted({*REMOTE_STATES, *summary.drifted_by_state}):
            drifted.add_metric([state], summary.drifted_by_state.get(state, 0))
        oldest = GaugeMetricFamily(
            f"{PREFIX}_oldest_pending_age_seconds",
            "Age of the longest-waiting pending row (0 when none is pending)",
        )
        oldest.add_metric([], summary.oldest_pending_age_seconds or 0.0)
        used = GaugeMetricFamily(
            f"{PREFIX}_quota_used", "Calls spent in the current window", labels=["scope", "window"]
        )
        limit = GaugeMetricFamily(
            f"{PREFIX}_quota_limit", "Calls allowed per window", labels=["scope", "window"]
        )
        for figure in self.quota():
            used.add_metric([figure.scope, figure.window], figure.used)
            limit.add_metric([figure.scope, figure.window], figure.limit)
        pauses = GaugeMetricFamily(
            f"{PREFIX}_quota_pause_seconds",
            "Seconds left of each active quota pause",
            labels=["scope", "code"],
        )
        for pause in self.ledger.pauses() if self.ledger else ():
            left = max(0.0, (pause.until - now).total_seconds())
            pauses.add_metric([pause.scope, str(pause.error_code)], left)
        active = GaugeMetricFamily(f"{PREFIX}_quota_pauses", "Active quota pauses")
        active.add_metric([], len(pauses.samples))
        tokens = token_families(self.tokens.all(), now)
        return [rows, failed, drifted, oldest, used, limit, pauses, active, *tokens]
