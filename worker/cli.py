"""The `meeting-sync` command line. The only place that maps exceptions to exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence

from worker.config import Config, load_config
from worker.exceptions import ConfigError, DatabaseUnavailable, MeetingSyncError
from worker.sync.job import AfterCall

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_OTHER = 1
EXIT_CONFIG = 2
EXIT_DATABASE = 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meeting-sync",
        description="Sync a SQL calendar table with Tencent Meeting.",
    )
    parser.add_argument("--config", metavar="PATH", help="TOML configuration file")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("demo", help="sync sample meetings against an in-process sandbox")
    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply the migrations to the configured database")
    commands.add_parser("run", help="run the daemon until SIGTERM/SIGINT")
    once = commands.add_parser("once", help="sync every row that is due now, then exit")
    once.add_argument(
        "--check-drift",
        action="store_true",
        help="also compare synced meetings with the API and act by [drift] policy",
    )
    status = commands.add_parser("status", help="rows by state, failures, quota use")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    sandbox = commands.add_parser("sandbox", help="run the local API emulator")
    from sandbox.cli import add_arguments

    add_arguments(sandbox)
    return parser


def main(argv: Sequence[str] | None = None, *, after_call: AfterCall | None = None) -> int:
    """The command line. ``after_call`` is a fault-injection seam for a test's own entry
    point (it runs between a provider's answer and the write-back); the product passes none.
    """
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from sandbox.cli import run as run_sandbox

        return run_sandbox(args)
    if args.command == "demo":
        from worker.demo import run_demo

        return run_demo(sys.stdout)
    try:
        config = load_config(args.config, os.environ)
        _configure_logging(config)
        for warning in config.warnings:
            logger.warning("config_warning %s", warning)
        return _dispatch(args, config, after_call)
    except ConfigError as exc:
        print(f"meeting-sync: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except DatabaseUnavailable as exc:
        print(f"meeting-sync: database unreachable: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except MeetingSyncError as exc:
        print(f"meeting-sync: {exc}", file=sys.stderr)
        return EXIT_OTHER


def _configure_logging(config: Config) -> None:
    from worker.logging_setup import configure

    w = config.wemeet
    configure(config.worker.log_level, secrets=(w.secret_key,))


def _dispatch(args: argparse.Namespace, config: Config, after_call: AfterCall | None) -> int:
    if args.command == "db":
        from worker.store.engines import display_url, upgrade

        upgrade(config.database.url)
        print(f"database at {display_url(config.database.url)} is up to date")
        return EXIT_OK
    if args.command == "status":
        from worker.status_report import render_status

        print(render_status(config, as_json=args.json))
        return EXIT_OK
    config.require_credentials()
    if args.command == "once":
        from worker.composition import run_once
        from worker.drift_runs import run_once_with_drift

        if args.check_drift:
            report, drift = run_once_with_drift(config, after_call=after_call)
            print(json.dumps({**report.as_dict(), "drift": drift}, ensure_ascii=False))
        else:
            report = run_once(config, after_call=after_call)
            print(json.dumps(report.as_dict(), ensure_ascii=False))
        if report.circuit_open:
            return EXIT_CONFIG
        return EXIT_OK
    if args.command == "run":
        from worker.daemon import run_daemon

        return run_daemon(config, after_call=after_call)
    raise AssertionError(args.command)  # argparse rejects unknown commands


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
