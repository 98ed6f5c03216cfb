"""Configuration: TOML loaded once into frozen dataclasses, then environment overrides.

Every key can be overridden by ``MEETING_SYNC_<SECTION>_<KEY>`` (upper case); secrets are
expected to come that way. The CLI loads the configuration once and passes it down: no
other module reads the environment. The loader prints nothing: what is worth telling but
not an error comes back in ``Config.warnings``, for the CLI to log.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker.exceptions import ConfigError
from worker.quota.rates import Rate, parse_rate
from worker.wemeet.signing import Credentials

ENV_PREFIX = "MEETING_SYNC_"
DEFAULT_CONFIG_FILE = "meeting-sync.toml"
# Variables with the prefix that are not settings, so no warning names them: the config
# file's path, and the test suite's and benchmarks' own (database servers, chaos run size),
# all under MEETING_SYNC_TEST_.
CONFIG_FILE_ENV = f"{ENV_PREFIX}CONFIG"
# The key the OAuth tokens are encrypted with at rest (a Fernet key). Only ever from the
# environment: it guards every token, so it does not belong in a file beside them.
OAUTH_KEY_ENV = f"{ENV_PREFIX}OAUTH_KEY"
TEST_ENV_PREFIX = f"{ENV_PREFIX}TEST_"


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///meeting-sync.db"


@dataclass(frozen=True)
class WemeetConfig:
    base_url: str = "https://api.meeting.qq.com"
    auth: str = "aksk"
    app_id: str = ""
    sdk_id: str = ""
    secret_id: str = ""
    secret_key: str = field(default="", repr=False)
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 3.05
    # X-TC-Registered: 1 for users registered with the account (SSO or user management),
    # whose meetings are then visible in the app (seed 001); 0 for accounts whose userids
    # are not registered users, where 1 fails (seed 000).
    registered: int = 1
    # auth = "oauth": a third-party app (spec §2) whose sdk_id is `sdk_id` above.
    oauth_secret: str = field(default="", repr=False)
    oauth_base_url: str = "https://meeting.tencent.com"
    oauth_refresh_lead_seconds: float = 1800.0


@dataclass(frozen=True)
class WorkerConfig:
    poll_interval_seconds: float = 5.0
    batch_size: int = 50
    lease_seconds: float = 300.0
    max_attempts: int = 10
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    retry_saturated_seconds: float = 3600.0
    circuit_cooldown_seconds: float = 300.0
    writeback_retry_seconds: float = 60.0
    log_retention_days: float = 30.0
    worker_id: str = ""
    log_level: str = "INFO"
    # Wake on insert: LISTEN on PostgreSQL; the adaptive poll's shortest interval.
    listen: bool = True
    poll_min_interval_seconds: float = 0.25
    log_format: str = "text"


@dataclass(frozen=True)
class MetricsConfig:
    # "host:port" that `run` serves /metrics, /healthz and /readyz on; empty: no server.
    listen: str = ""


@dataclass(frozen=True)
class QuotaConfig:
    time_zone: str = "Asia/Shanghai"
    max_wait_seconds: float = 5.0
    safety_margin: float = 0.02
    boundary_slack_seconds: float = 2.0
    app: tuple[Rate, ...] = (parse_rate("300/60s"), parse_rate("200000/1d"))
    user_create: tuple[Rate, ...] = (parse_rate("2000/1h"),)
    # OAuth mode: each user's own limit (spec §2), counted in the shared ledger.
    user: tuple[Rate, ...] = (parse_rate("300/60s"),)


@dataclass(frozen=True)
class TrtcConfig:
    """Tencent RTC rooms (rows with provider = 'trtc_room'); served when sdkappid is set."""

    base_url: str = "https://console.tim.qq.com"
    sdkappid: int = 0
    key: str = field(default="", repr=False)
    admin: str = "administrator"
    usersig_ttl_seconds: int = 86400
    timeout_seconds: float = 10.0
    join_url_template: str = ""
    api_limits: tuple[Rate, ...] = (parse_rate("200/1s"),)


@dataclass(frozen=True)
class DriftConfig:
    policy: str = "report"
    quota_share: float = 0.05
    check_every_seconds: float = 60.0
    soon_seconds: float = 86400.0
    soon_interval_seconds: float = 300.0
    later_interval_seconds: float = 3600.0


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = DatabaseConfig()
    wemeet: WemeetConfig = WemeetConfig()
    worker: WorkerConfig = WorkerConfig()
    quota: QuotaConfig = QuotaConfig()
    metrics: MetricsConfig = MetricsConfig()
    trtc: TrtcConfig = TrtcConfig()
    drift: DriftConfig = DriftConfig()
    source: str = "built-in defaults"
    # Worth telling the operator, yet no reason to refuse the configuration.
    warnings: tuple[str, ...] = ()
    oauth_key: str = field(default="", repr=False)

    @property
    def oauth(self) -> bool:
        return self.wemeet.auth == "oauth"

    def missing_credentials(self) -> list[str]:
        """The Tencent Meeting settings still empty (none: its rows can be served)."""
        w = self.wemeet
        needed = ("sdk_id", "oauth_secret") if self.oauth else ("app_id", "secret_id", "secret_key")
        return [
            f"wemeet.{name} (or {ENV_PREFIX}WEMEET_{name.upper()})"
            for name in needed
            if not getattr(w, name)
        ]

    @property
    def serves_wemeet(self) -> bool:
        return not self.missing_credentials()

    @property
    def serves_trtc(self) -> bool:
        return bool(self.trtc.sdkappid)  # _validate makes sure key and admin are set too

    def require_credentials(self) -> None:
        """Raise ConfigError unless the Tencent Meeting API credentials are set."""
        missing = self.missing_credentials()
        if missing:
            raise ConfigError("missing credentials: " + ", ".join(missing))

    def require_a_provider(self) -> None:
        """Raise ConfigError unless some provider can be served: a deployment with `[trtc]`
        alone serves Tencent RTC rooms, without Tencent Meeting credentials."""
        if not self.serves_trtc:
            self.require_credentials()


def for_api(
    url: str,
    base_url: str,
    credentials: Credentials,
    *,
    worker: WorkerConfig | None = None,
    quota: QuotaConfig | None = None,
) -> Config:
    """A configuration that points a database at an API endpoint with these credentials."""
    return Config(
        database=DatabaseConfig(url=url),
        wemeet=WemeetConfig(
            base_url=base_url,
            app_id=credentials.app_id,
            secret_id=credentials.secret_id,
            secret_key=credentials.secret_key,
            sdk_id=credentials.sdk_id or "",
        ),
        worker=worker or WorkerConfig(),
        quota=quota or QuotaConfig(),
        source="built in code",
    )


SECTIONS: dict[str, type[Any]] = {
    "database": DatabaseConfig,
    "wemeet": WemeetConfig,
    "worker": WorkerConfig,
    "quota": QuotaConfig,
    "metrics": MetricsConfig,
    "trtc": TrtcConfig,
    "drift": DriftConfig,
}
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("wemeet", "auth"): ("aksk", "oauth"),
    ("worker", "log_level"): ("DEBUG", "INFO", "WARNING", "ERROR"),
    ("worker", "log_format"): ("text", "json"),
    ("drift", "policy"): ("report", "restore"),
}


def resolve_path(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    """--config, else $MEETING_SYNC_CONFIG, else ./meeting-sync.toml if present, else None."""
    if explicit:
        return Path(explicit)
    if env.get(CONFIG_FILE_ENV):
        return Path(env[CONFIG_FILE_ENV])
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load_config(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, *, discover: bool = True
) -> Config:
    """Load the configuration: file (if any), then environment overrides, then validation."""
    env = os.environ if env is None else env
    resolved = resolve_path(path, env) if discover else (Path(path) if path else None)
    raw: dict[str, Any] = {}
    if resolved is not None:
        try:
            raw = tomllib.loads(resolved.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {resolved}") from None
        except IsADirectoryError:
            raise ConfigError(f"{resolved}: is a directory, not a config file") from None
        except OSError as exc:
            raise ConfigError(f"{resolved}: cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            # One byte's value, never the text around it: the file may hold a secret.
            raise ConfigError(
                f"{resolved}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                f"{exc.start}); TOML files must be saved as UTF-8"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{resolved}: not valid TOML: {exc}") from None
    return from_mapping(raw, env, source=str(resolved) if resolved else "built-in defaults")


def from_mapping(raw: Mapping[str, Any], env: Mapping[str, str], *, source: str) -> Config:
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {unknown}; known: {sorted(SECTIONS)}")
    sections: dict[str, Any] = {}
    for name, cls in SECTIONS.items():
        table = raw.get(name, {})
        if not isinstance(table, Mapping):
            raise ConfigError(f"{source}: [{name}] must be a table")
        sections[name] = _build_section(name, cls, table, env, source)
    config = Config(
        **sections,
        source=source,
        warnings=_stray_variables(env),
        oauth_key=env.get(OAUTH_KEY_ENV, ""),
    )
    _validate(config)
    return config


def _stray_variables(env: Mapping[str, str]) -> tuple[str, ...]:
    """A warning for each variable named like ours that nothing reads; never its value.

    Not an error, as an unknown key in the file is: the environment is shared with other
    programs, and a variable meant for another version or tool must not stop the worker.
    """
    settings = {
        f"{section.upper()}_{f.name.upper()}": f"{ENV_PREFIX}{section.upper()}_{f.name.upper()}"
        for section, cls in SECTIONS.items()
        for f in dataclasses.fields(cls)
    }
    known = {**settings, "CONFIG": CONFIG_FILE_ENV, "OAUTH_KEY": OAUTH_KEY_ENV}
    warnings = []
    for name in sorted(env):
        upper = name.upper()
        if name in known.values() or not upper.startswith(ENV_PREFIX):
            continue
        if upper.startswith(TEST_ENV_PREFIX):
            continue
        # Matched without the prefix, which every name shares and would make all look close.
        close = difflib.get_close_matches(upper.removeprefix(ENV_PREFIX), known, n=1)
        hint = (
            f"did you mean {known[close[0]]}?"
            if close
            else f"settings are {ENV_PREFIX}<SECTION>_<KEY>, as listed in config.example.toml"
        )
        warnings.append(f"${name} is not a meeting-sync setting and is ignored; {hint}")
    return tuple(warnings)


def _writeback_patience(worker: WorkerConfig) -> float:
    # Past the lease another worker may own the row and the write-back would be refused, so
    # the patience is a fifth of the lease, and never more than a minute.
    return min(WorkerConfig.writeback_retry_seconds, worker.lease_seconds / 5)


DERIVED: Mapping[str, Mapping[str, Callable[[Any], Any]]] = {
    "worker": {"writeback_retry_seconds": _writeback_patience},
}


def _build_section(
    section: str, cls: type[Any], table: Mapping[str, Any], env: Mapping[str, str], source: str
) -> Any:
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) in [{section}]: {unknown}; known: {sorted(fields)}"
        )
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for name in fields:
        env_name = f"{ENV_PREFIX}{section.upper()}_{name.upper()}"
        where = f"{section}.{name}"
        if env_name in env:
            values[name] = _from_env(env[env_name], hints[name], f"${env_name}")
            if values[name] == ():
                # An empty variable is a slip (a template left blank, `export X=`), not a
                # decision to stop counting calls that the provider still meters.
                raise ConfigError(
                    f"${env_name} is empty: expected limits like 300/60s,200000/1d; to run "
                    f"without {where} limits on purpose, write {name} = [] under [{section}] "
                    "in the config file"
                )
        elif name in table:
            values[name] = _coerce(table[name], hints[name], f"{source}: {where}")
    built = cls(**values)
    # A default that depends on another setting follows it, unless it was set itself: only
    # what the operator wrote can contradict itself.
    for name, derive in DERIVED.get(section, {}).items():
        if name not in values:
            built = dataclasses.replace(built, **{name: derive(built)})
    return built


def _coerce(value: Any, hint: Any, where: str) -> Any:
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(float(value), where)
    if hint in (int, str, bool):
        if type(value) is not hint:
            raise ConfigError(f"{where}: expected {hint.__name__}, got {type(value).__name__}")
        return value
    if typing.get_origin(hint) is tuple and typing.get_args(hint)[0] is Rate:
        if not isinstance(value, list):
            raise ConfigError(f'{where}: expected a list like [{{calls = 300, per = "60s"}}]')
        return tuple(_rate_from_table(item, where) for item in value)
    if isinstance(hint, types.UnionType | type):
        raise ConfigError(f"{where}: expected {hint}, got {type(value).__name__}")
    raise ConfigError(f"{where}: unsupported setting type {hint!r}")  # pragma: no cover


def _rate_from_table(item: Any, where: str) -> Rate:
    if not isinstance(item, Mapping) or set(item) != {"calls", "per"}:
        raise ConfigError(f'{where}: each limit is a table {{calls = N, per = "60s"}}')
    calls, per = item["calls"], item["per"]
    if type(calls) is not int or not isinstance(per, str):
        raise ConfigError(f'{where}: calls must be an integer and per a string like "60s"')
    try:
        return parse_rate(f"{calls}/{per}")
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _from_env(text: str, hint: Any, where: str) -> Any:
    try:
        if hint is bool:
            lowered = text.strip().lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError("expected true or false")
            return lowered in ("1", "true", "yes")
        if hint is int:
            return int(text)
        if hint is float:
            return _finite(float(text), where)
        if hint is str:
            return text
        if typing.get_origin(hint) is tuple:
            # A list of limits as "300/60s,200000/1d".
            return tuple(parse_rate(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    raise ConfigError(f"{where}: unsupported setting type {hint!r}")  # pragma: no cover


def _finite(value: float, where: str) -> float:
    # TOML has nan and inf, and float() reads "nan", "inf" and "1e999": every comparison with
    # NaN is false, so it would slip through the range checks below and crash the worker later
    # (a NaN timedelta, an infinite sleep), where systemd would restart it in a loop.
    if not math.isfinite(value):
        raise ConfigError(f"{where}: expected a finite number, got {value}")
    return value


def _validate(config: Config) -> None:
    for (section, key), allowed in CHOICES.items():
        value = getattr(getattr(config, section), key)
        if value not in allowed:
            raise ConfigError(f"{section}.{key} = {value!r}: expected one of {list(allowed)}")
    w, wk, q = config.wemeet, config.worker, config.quota
    if w.registered not in (0, 1):
        raise ConfigError(
            f"wemeet.registered = {w.registered}: expected 0 or 1 (the X-TC-Registered header: "
            "1 for registered users, 0 for userids that are not registered users)"
        )
    positive = {
        "wemeet.timeout_seconds": w.timeout_seconds,
        "wemeet.connect_timeout_seconds": w.connect_timeout_seconds,
        "wemeet.oauth_refresh_lead_seconds": w.oauth_refresh_lead_seconds,
        "worker.poll_interval_seconds": wk.poll_interval_seconds,
        "worker.poll_min_interval_seconds": wk.poll_min_interval_seconds,
        "worker.batch_size": wk.batch_size,
        "worker.lease_seconds": wk.lease_seconds,
        "worker.max_attempts": wk.max_attempts,
        "worker.retry_base_seconds": wk.retry_base_seconds,
        "worker.retry_max_seconds": wk.retry_max_seconds,
        "worker.retry_saturated_seconds": wk.retry_saturated_seconds,
        "worker.circuit_cooldown_seconds": wk.circuit_cooldown_seconds,
        "worker.log_retention_days": wk.log_retention_days,
    }
    for where, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{where} must be greater than 0 (got {value})")
    if not 0 <= wk.writeback_retry_seconds < wk.lease_seconds:
        # Past the lease another worker may own the row, and the write-back would be refused.
        raise ConfigError(
            "worker.writeback_retry_seconds must be at least 0 and below worker.lease_seconds "
            f"(got {wk.writeback_retry_seconds} and {wk.lease_seconds})"
        )
    _validate_drift(config.drift)
    if not 0 <= q.safety_margin < 1:
        raise ConfigError("quota.safety_margin must be at least 0 and below 1")
    if q.max_wait_seconds < 0:
        raise ConfigError("quota.max_wait_seconds must not be negative")
    if not 0 <= q.boundary_slack_seconds <= 60:
        raise ConfigError("quota.boundary_slack_seconds must be between 0 and 60")
    if config.metrics.listen:
        listen_address(config.metrics.listen)
    t = config.trtc
    if t.sdkappid < 0:
        raise ConfigError("trtc.sdkappid must not be negative (0: TRTC rooms are not served)")
    if t.sdkappid and (not t.key or not t.admin):
        raise ConfigError(
            "trtc.sdkappid is set, so trtc.key (or MEETING_SYNC_TRTC_KEY) and trtc.admin "
            "must be too"
        )
    if t.timeout_seconds <= 3 or t.usersig_ttl_seconds < 60:
        raise ConfigError(
            "trtc.timeout_seconds must be over 3 (the server's own timeout) and "
            "trtc.usersig_ttl_seconds at least 60"
        )
    if not config.database.url:
        raise ConfigError("database.url must not be empty")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(q.time_zone)
    except (KeyError, ValueError):
        raise ConfigError(f"quota.time_zone: unknown time zone {q.time_zone!r}") from None


def listen_address(text: str) -> tuple[str, int]:
    """``metrics.listen`` as (host, port); a ConfigError says what form it takes."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(
            f"metrics.listen = {text!r}: expected host:port, e.g. 127.0.0.1:9464 (empty: off)"
        )
    return host.strip("[]") or "0.0.0.0", int(port)


def _validate_drift(d: DriftConfig) -> None:
    if not 0 < d.quota_share < 1:
        raise ConfigError(f"drift.quota_share must be above 0 and below 1 (got {d.quota_share})")
    for key in ("check_every_seconds", "soon_interval_seconds", "later_interval_seconds"):
        if getattr(d, key) <= 0:
            raise ConfigError(f"drift.{key} must be greater than 0 (got {getattr(d, key)})")
    if d.soon_seconds < 0:
        raise ConfigError(f"drift.soon_seconds must not be negative (got {d.soon_seconds})")
