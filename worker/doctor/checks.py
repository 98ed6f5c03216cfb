"""The checks of `meeting-sync doctor`, in the order a deployment depends on them: the
configuration, the database and its migrations, then the API (reachable and the API, the
clock, the credentials and, for a refusal, which cause applies). Each yields Findings; a
check that cannot run (no database URL, no credentials) says so and the rest go on."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import requests
from sqlalchemy.exc import SQLAlchemyError

from worker.config import Config, load_config
from worker.exceptions import ConfigError, MeetingSyncError
from worker.store.engines import display_url, make_engine
from worker.store.meetings import Store
from worker.store.migrations import database_heads, script_heads
from worker.wemeet.probe import Finding, WemeetProbe, clock_finding, credential_cause

FAIL, WARN, OK = "FAIL", "WARN", "OK"


def load(path: str | None, env: Mapping[str, str]) -> tuple[Config | None, list[Finding]]:
    try:
        config = load_config(path, env)
    except ConfigError as exc:
        return None, [Finding(FAIL, "config", f"{exc}: fix the file or the variable it names")]
    found = [Finding(OK, "config", f"loaded from {config.source}")]
    found += [Finding(WARN, "config", warning) for warning in config.warnings]
    try:
        config.require_credentials()
    except ConfigError as exc:
        found.append(Finding(FAIL, "config", f"{exc}; {_missing_hint(config)}"))
    return config, found


def _missing_hint(config: Config) -> str:
    if not config.wemeet.app_id:
        return (
            "the AppId header is required (the API refuses a request without it, 200001): "
            "set wemeet.app_id to the enterprise id from the console"
        )
    return "set them in the environment (MEETING_SYNC_WEMEET_SECRET_KEY, ...)"


def database(config: Config) -> Iterator[Finding]:
    shown = display_url(config.database.url)
    engine = make_engine(config.database.url)
    try:
        Store(engine).now()
        at = database_heads(engine)
    except (MeetingSyncError, SQLAlchemyError) as exc:
        yield Finding(FAIL, "database", f"{shown} unreachable ({type(exc).__name__}): {exc}")
        return
    finally:
        engine.dispose()
    yield Finding(OK, "database", f"{shown} reachable")
    heads = script_heads(config.database.url)
    if at == heads:
        yield Finding(OK, "migrations", f"at head {', '.join(sorted(heads))}")
    else:
        yield Finding(
            FAIL,
            "migrations",
            f"database at {sorted(at) or 'no revision'}, this version needs {sorted(heads)}: "
            "run `meeting-sync db upgrade`",
        )


def api(
    config: Config,
    *,
    session: requests.Session | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[Finding]:
    probe = WemeetProbe(config.wemeet, session=session, **({"clock": clock} if clock else {}))
    landing = probe.landing()
    if not landing.is_api:
        yield Finding(FAIL, "api", f"{landing.detail}; fix wemeet.base_url")
        return
    yield Finding(OK, "api", landing.detail)
    offset = None if landing.server_date is None else landing.server_date - probe.clock()
    yield clock_finding(offset)
    try:
        config.require_credentials()
    except ConfigError:
        yield Finding(WARN, "credentials", "not checked: the configuration lacks them")
        return
    code = probe.signed_read(config.wemeet, offset or 0.0)
    if code is None:
        yield Finding(OK, "credentials", "accepted by the API (one list call)")
        return
    accepted = {
        name: probe.signed_read(variant, offset or 0.0) is None
        for name, variant in probe.variants().items()
    }
    cause = credential_cause(code, accepted, config.wemeet)
    yield Finding(FAIL, "credentials", f"refused with {code}: {cause}")


def exit_code(findings: list[Finding]) -> int:
    """0 healthy (warnings allowed), 2 when a check failed."""
    return 2 if any(f.level == FAIL for f in findings) else 0


def render(findings: list[Finding]) -> str:
    return "\n".join(f"{f.level:<4} {f.check}: {f.message}" for f in findings)


def run_doctor(path: str | None, env: Mapping[str, str]) -> tuple[str, int]:
    config, findings = load(path, env)
    if config is not None:
        findings += database(config)
        try:
            findings += api(config)
        except (ConfigError, ValueError) as exc:
            findings.append(Finding(FAIL, "api", f"{exc}"))
    return render(findings), exit_code(findings)
