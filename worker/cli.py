"""The `meeting-sync` command line. The only place that maps exceptions to exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence

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
    status = commands.add_parser("status", help="rows by state, failures, quota use")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    oauth = commands.add_parser("oauth", help="users a third-party (OAuth) app acts for")
    oauth_commands = oauth.add_subparsers(dest="oauth_command", required=True, metavar="ACTION")
    exchange = oauth_commands.add_parser("exchange", help="store a user's authorization")
    exchange.add_argument("--auth-code", required=True, help="the code the user's consent gave")
    listing = oauth_commands.add_parser("list", help="users, expiries, scopes, states")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    revoke = oauth_commands.add_parser("revoke", help="forget a user's authorization")
    revoke.add_argument("--open-id", required=True)
    add_ops_commands(commands)
    sandbox = commands.add_parser("sandbox", help="run the local API emulator")
    from sandbox.cli import add_arguments

    add_arguments(sandbox)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    after_call: AfterCall | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """The command line. ``after_call`` is a fault-injection seam for a test's own entry
    point (it runs between a provider's answer and the write-back), ``clock`` one for the
    worker's time (a test's entry point follows a sandbox's advanced clock with it); the
    product passes neither.
    """
    args = build_parser().parse_args(argv)
    if args.command == "sandbox":
        from sandbox.cli import run as run_sandbox

        return run_sandbox(args)
    if args.command == "demo":
        from worker.demo import run_demo

        return run_demo(sys.stdout)
    if args.command == "doctor":
        from worker.doctor.checks import run_doctor

        text, code = run_doctor(args.config, os.environ)
        print(text)
        return code
    try:
        config = load_config(args.config, os.environ)
        _configure_logging(config)
        for warning in config.warnings:
            logger.warning("config_warning %s", warning)
        return _dispatch(args, config, after_call, clock)
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
    configure(
        config.worker.log_level,
        secrets=(w.secret_key, w.oauth_secret, config.oauth_key, config.trtc.key),
        log_format=config.worker.log_format,
    )


def _dispatch(
    args: argparse.Namespace,
    config: Config,
    after_call: AfterCall | None,
    clock: Callable[[], float],
) -> int:
    if args.command == "db":
        from worker.store.engines import display_url, upgrade

        upgrade(config.database.url)
        print(f"database at {display_url(config.database.url)} is up to date")
        return EXIT_OK
    if args.command == "status":
        from worker.status_report import render_status

        print(render_status(config, as_json=args.json))
        return EXIT_OK
    if args.command == "oauth":
        from worker.oauth_commands import run_oauth

        print(
            run_oauth(
                config,
                args.oauth_command,
                auth_code=getattr(args, "auth_code", None),
                open_id=getattr(args, "open_id", None),
                as_json=getattr(args, "json", False),
                clock=clock,
            )
        )
        return EXIT_OK
    if args.command == "retry":
        from worker import ops_commands
        from worker.store.retry import RetrySelector

        selector = RetrySelector(args.code, args.external_id, args.all_failed)
        ops_commands.retry(config, selector)
        return EXIT_OK
    config.require_a_provider()
    if args.command == "once":
        from worker import ops_commands

        report, drift = ops_commands.once(
            config,
            metrics_file=args.metrics_file,
            after_call=after_call,
            clock=clock,
            check_drift=args.check_drift,
        )
        shown = report.as_dict() if drift is None else {**report.as_dict(), "drift": drift}
        print(json.dumps(shown, ensure_ascii=False))
        if report.circuit_open:
            return EXIT_CONFIG
        return EXIT_OK
    if args.command == "run":
        from worker.daemon import run_daemon

        return run_daemon(config, after_call=after_call, clock=clock)
    raise AssertionError(args.command)  # argparse rejects unknown commands


def add_ops_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    once = commands.add_parser("once", help="sync every row that is due now, then exit")
    once.add_argument(
        "--metrics-file", metavar="PATH", help="write the run's figures for node_exporter"
    )
    once.add_argument(
        "--check-drift",
        action="store_true",
        help="also compare synced meetings with the API and act by [drift] policy",
    )
    commands.add_parser("doctor", help="check config, database, clock and credentials")
    retry = commands.add_parser("retry", help="put failed rows back to pending")
    retry.add_argument("--code", help="only rows failed with this error code")
    retry.add_argument("--external-id", help="only the row with this external_id")
    retry.add_argument("--all-failed", action="store_true", help="every failed row")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
