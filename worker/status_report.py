"""`meeting-sync status`: what the table looks like from the worker's side."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from worker.composition import build_providers, build_status
from worker.config import Config
from worker.exceptions import ConfigError
from worker.observe.assemble import app_scopes
from worker.observe.table import TableCollector
from worker.quota.ledger import QuotaLedger
from worker.quota.scopes import Scope
from worker.store.history import last_passes, parked_rows
from worker.store.meetings import Store
from worker.store.oauth_tokens import OAuthTokenStore
from worker.wemeet.explain import explain


def collect_status(
    store: Store,
    ledger: QuotaLedger,
    scopes: Sequence[Scope] = (),
    *,
    tokens: OAuthTokenStore | None = None,
) -> dict[str, Any]:
    now = store.now()
    summary = store.status(now)
    plain: dict[str, Any] = _plain(dataclasses.asdict(summary))
    plain["failed_codes"] = {
        code: {"rows": n, **dataclasses.asdict(explain(code))}
        for code, n in sorted(summary.failed_by_code.items())
    }
    current = TableCollector(store, ledger, scopes).quota()
    plain["quota"] = {
        "calls_last_minute": ledger.calls_since(now - timedelta(minutes=1)),
        "calls_last_hour": ledger.calls_since(now - timedelta(hours=1)),
        "current_windows": {f"{q.scope} per {q.window}": f"{q.used}/{q.limit}" for q in current},
        "pauses": {
            p.scope: {"until": p.until.isoformat(), "error_code": p.error_code}
            for p in ledger.pauses()
        },
    }
    if tokens is not None:
        # Names only: the users whose rows wait until they authorize the app again.
        plain["oauth_users_to_reauthorize"] = tokens.needing_reauthorization()
    plain["waiting_rows"] = {
        p.error_code: {"rows": p.rows, "next_attempt_at": p.until.isoformat()}
        for p in parked_rows(store.engine, now)
    }
    plain["last_passes"] = {
        p.at.isoformat(): _pass_line(p.worker, p.duration_ms, p.summary, p.circuit_code)
        for p in last_passes(store.engine)
    }
    return plain


def _pass_line(worker: str | None, ms: int | None, summary: str | None, code: str | None) -> str:
    circuit = f" circuit_open={code}" if code else ""
    return f"{summary or 'nothing'} in {ms or 0} ms by {worker}{circuit}"


def render_status(config: Config, *, as_json: bool) -> str:
    parts = build_status(config)
    try:
        try:
            scopes = app_scopes(build_providers(config))
        except ConfigError:  # no credentials yet: the limits are shown once there are
            scopes = ()
        data = collect_status(parts.store, parts.ledger, scopes, tokens=parts.tokens)
    finally:
        parts.store.engine.dispose()
    if as_json:
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return "\n".join(_lines(data))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _lines(data: dict[str, Any], indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in data.items():
        label = key.replace("_", " ")
        if isinstance(value, dict):
            lines.append(f"{indent}{label}:" + ("" if value else " none"))
            lines.extend(_lines(value, indent + "  "))
        elif isinstance(value, list):
            lines.append(f"{indent}{label}: " + (", ".join(map(str, value)) or "none"))
        else:
            lines.append(f"{indent}{label}: {value}")
    return lines
