"""Puts the observing parts around a pass: metrics (counted and read from the table), the
pass watch, readiness, and the HTTP server for `run` or the textfile for `once`."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from prometheus_client import write_to_textfile

from worker.config import Config, listen_address
from worker.exceptions import ConfigError
from worker.observe.metrics import Metrics
from worker.observe.passes import PassWatch
from worker.observe.readiness import Check, readiness
from worker.observe.server import OpsApp, OpsServer
from worker.observe.table import TableCollector
from worker.quota.scopes import Scope
from worker.store.migrations import script_heads
from worker.sync.loop import SyncPass
from worker.sync.provider import Providers


@dataclass
class Ops:
    metrics: Metrics
    watch_of: Callable[[SyncPass], PassWatch]
    watch: PassWatch | None = None

    def watched(self, sync: SyncPass) -> PassWatch:
        self.watch = self.watch_of(sync)
        return self.watch


def app_scopes(providers: Providers) -> tuple[Scope, ...]:
    """The app-wide quota scopes of every provider served (a query spends them)."""
    found: dict[str, Scope] = {}
    for provider in providers.values():
        for scope in provider.scopes("get", None):
            found.setdefault(scope.key, scope)
    return tuple(found.values())


def build_ops(worker: str) -> Ops:
    metrics = Metrics()

    def watch_of(sync: SyncPass) -> PassWatch:
        ledger = sync.gate.ledger if sync.gate is not None else None
        metrics.registry.register(
            TableCollector(sync.store, ledger, app_scopes(sync.rows.providers))
        )
        return PassWatch(sync, sync.store, worker=worker, metrics=metrics)

    return Ops(metrics, watch_of)


def serve(config: Config, ops: Ops) -> OpsServer | None:
    """The /metrics, /healthz and /readyz server of `run`, or None when ``listen`` is empty."""
    if not config.metrics.listen or ops.watch is None:
        return None
    watch = ops.watch
    heads = script_heads(config.database.url)

    def ready() -> list[Check]:
        return readiness(watch.store, heads, watch.circuit_code)

    host, port = listen_address(config.metrics.listen)
    try:
        server = OpsServer(OpsApp(ops.metrics.registry, ready), host, port)
    except OSError as exc:
        raise ConfigError(
            f"metrics.listen = {config.metrics.listen!r}: cannot listen: {exc}"
        ) from None
    return server.start()


def write_textfile(path: str, ops: Ops) -> None:
    """The figures in node_exporter's textfile format, written to a temporary file and
    renamed into place (prometheus_client does both), so the collector never reads half."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ConfigError(f"--metrics-file: folder {target.parent} does not exist")
    write_to_textfile(os.fspath(target), ops.metrics.registry)
