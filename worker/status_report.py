"""`meeting-sync status`: what the table looks like from the worker's side."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any

from worker.composition import build_status
from worker.config import Config
from worker.quota.ledger import QuotaLedger
from worker.store.meetings import Store
from worker.store.oauth_tokens import OAuthTokenStore


def collect_status(
    store: Store, ledger: QuotaLedger, tokens: OAuthTokenStore | None = None
) -> dict[str, Any]:
    now = store.now()
    summary = store.status(now)
    plain: dict[str, Any] = _plain(dataclasses.asdict(summary))
    plain["quota"] = {
        "calls_last_minute": ledger.calls_since(now - timedelta(minutes=1)),
        "calls_last_hour": ledger.calls_since(now - timedelta(hours=1)),
        "pauses": {
            p.scope: {"until": p.until.isoformat(), "error_code": p.error_code}
            for p in ledger.pauses()
        },
    }
    if tokens is not None:
        # Names only: the users whose rows wait until they authorize the app again.
        plain["oauth_users_to_reauthorize"] = tokens.needing_reauthorization()
    return plain


def render_status(config: Config, *, as_json: bool) -> str:
    parts = build_status(config)
    try:
        data = collect_status(parts.store, parts.ledger, parts.tokens)
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
