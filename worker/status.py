"""`meeting-sync status`: what the table looks like from the worker's side."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from worker.config import Config
from worker.db import make_engine
from worker.store import Store


def collect_status(store: Store) -> dict[str, Any]:
    summary = store.status(store.now())
    plain: dict[str, Any] = _plain(dataclasses.asdict(summary))
    return plain


def render_status(config: Config, *, as_json: bool) -> str:
    engine = make_engine(config.database.url)
    try:
        data = collect_status(Store(engine))
    finally:
        engine.dispose()
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
        else:
            lines.append(f"{indent}{label}: {value}")
    return lines
