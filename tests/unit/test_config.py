from __future__ import annotations

import tomllib
import typing
from pathlib import Path

import pytest

from worker.config import SECTIONS, Config, WorkerConfig, from_mapping, load_config
from worker.exceptions import ConfigError
from worker.quota.rates import parse_rate

ROOT = Path(__file__).resolve().parents[2]


def test_example_file_parses_and_equals_the_defaults() -> None:
    example = ROOT / "config.example.toml"
    loaded = from_mapping(tomllib.loads(example.read_text("utf-8")), {}, source="example")
    assert loaded.database == Config().database
    assert loaded.wemeet == Config().wemeet
    assert loaded.worker == Config().worker
    assert loaded.quota == Config().quota
    assert loaded.trtc == Config().trtc


def test_example_file_documents_every_key() -> None:
    raw = tomllib.loads((ROOT / "config.example.toml").read_text("utf-8"))
    defaults = Config()
    for section in ("database", "wemeet", "worker", "quota", "trtc"):
        fields = set(vars(getattr(defaults, section)))
        assert set(raw[section]) == fields, section


def test_environment_overrides_the_file_and_converts_types() -> None:
    raw = {"worker": {"batch_size": 10}, "wemeet": {"secret_key": "from-file"}}
    env = {
        "MEETING_SYNC_WORKER_BATCH_SIZE": "25",
        "MEETING_SYNC_WEMEET_SECRET_KEY": "from-env",
        "MEETING_SYNC_DATABASE_URL": "postgresql+psycopg://u@h/db",
        "MEETING_SYNC_QUOTA_APP": "30/5s, 1000/1d",
        "MEETING_SYNC_WORKER_POLL_INTERVAL_SECONDS": "0.5",
    }
    config = from_mapping(raw, env, source="t")
    assert config.worker.batch_size == 25
    assert config.wemeet.secret_key == "from-env"
    assert config.database.url == "postgresql+psycopg://u@h/db"
    assert config.quota.app == (parse_rate("30/5s"), parse_rate("1000/1d"))
    assert config.worker.poll_interval_seconds == 0.5


@pytest.mark.parametrize(
    ("raw", "env", "needle"),
    [
        ({"wemeet": {"secret": "x"}}, {}, "unknown key(s) in [wemeet]: ['secret']"),
        ({"databse": {}}, {}, "unknown section(s) ['databse']"),
        ({"worker": {"batch_size": "50"}}, {}, "worker.batch_size: expected int, got str"),
        ({"worker": {"batch_size": 0}}, {}, "worker.batch_size must be greater than 0"),
        ({}, {"MEETING_SYNC_WORKER_BATCH_SIZE": "lots"}, "$MEETING_SYNC_WORKER_BATCH_SIZE"),
        ({"wemeet": {"auth": "basic"}}, {}, "wemeet.auth = 'basic'"),
        ({"quota": {"app": [{"calls": 300}]}}, {}, "quota.app: each limit is a table"),
        ({"quota": {"app": [{"calls": 3, "per": "soon"}]}}, {}, "quota.app"),
        ({"quota": {"time_zone": "Mars/Base"}}, {}, "unknown time zone 'Mars/Base'"),
        ({"quota": {"boundary_slack_seconds": -1}}, {}, "quota.boundary_slack_seconds"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_message(
    raw: dict[str, object], env: dict[str, str], needle: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping(raw, env, source="cfg.toml")
    assert needle in str(caught.value)


def test_missing_credentials_are_named_without_values() -> None:
    config = from_mapping({"wemeet": {"secret_id": "sid-123456"}}, {}, source="t")
    with pytest.raises(ConfigError) as caught:
        config.require_credentials()
    text = str(caught.value)
    assert "wemeet.app_id" in text and "wemeet.secret_key" in text
    assert "wemeet.secret_id" not in text


def test_secret_key_never_in_repr() -> None:
    config = from_mapping({}, {"MEETING_SYNC_WEMEET_SECRET_KEY": "s3cr3t-value"}, source="t")
    assert "s3cr3t-value" not in repr(config)


def test_file_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = tmp_path / "a.toml"
    explicit.write_text("[worker]\nbatch_size = 7\n", "utf-8")
    from_env = tmp_path / "b.toml"
    from_env.write_text("[worker]\nbatch_size = 8\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "meeting-sync.toml").write_text("[worker]\nbatch_size = 9\n", "utf-8")
    env = {"MEETING_SYNC_CONFIG": str(from_env)}
    assert load_config(explicit, env).worker.batch_size == 7
    assert load_config(None, env).worker.batch_size == 8
    assert load_config(None, {}).worker.batch_size == 9
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", {})


def _float_settings() -> list[tuple[str, str]]:
    """Every float setting, found by type: one added later is covered without editing this."""
    return [
        (section, name)
        for section, cls in SECTIONS.items()
        for name, hint in typing.get_type_hints(cls).items()
        if hint is float
    ]


def test_the_float_settings_are_found() -> None:
    assert ("worker", "lease_seconds") in _float_settings()
    assert ("wemeet", "timeout_seconds") in _float_settings()
    assert len(_float_settings()) >= 12


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "+inf"])
@pytest.mark.parametrize(("section", "key"), _float_settings())
def test_a_non_finite_float_in_the_file_is_refused(section: str, key: str, value: str) -> None:
    raw = tomllib.loads(f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        from_mapping(raw, {}, source="cfg.toml")
    assert f"cfg.toml: {section}.{key}: expected a finite number" in str(caught.value)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999"])
@pytest.mark.parametrize(("section", "key"), _float_settings())
def test_a_non_finite_float_in_the_environment_is_refused(
    section: str, key: str, value: str
) -> None:
    name = f"MEETING_SYNC_{section.upper()}_{key.upper()}"
    with pytest.raises(ConfigError) as caught:
        from_mapping({}, {name: value}, source="t")
    assert f"${name}: expected a finite number" in str(caught.value)


@pytest.mark.parametrize("name", ["MEETING_SYNC_QUOTA_APP", "MEETING_SYNC_QUOTA_USER_CREATE"])
@pytest.mark.parametrize("value", ["", "  ", ",", " , "])
def test_an_empty_rate_list_in_the_environment_is_refused(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        from_mapping({}, {name: value}, source="t")
    text = str(caught.value)
    assert f"${name}" in text
    # The message says how to turn the limit off on purpose.
    key = name.removeprefix("MEETING_SYNC_QUOTA_").lower()
    assert f"{key} = []" in text


def test_an_empty_rate_list_in_the_file_turns_that_limit_off() -> None:
    # Documented in config.example.toml: a deliberate, reviewable choice in the file.
    config = from_mapping({"quota": {"app": []}}, {}, source="t")
    assert config.quota.app == ()
    assert config.quota.user_create == Config().quota.user_create


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[worker]\nworker_id = "Küche"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert str(path) in str(caught.value) and "UTF-8" in str(caught.value)


def test_a_config_path_that_is_a_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, {})
    assert str(tmp_path) in str(caught.value) and "directory" in str(caught.value)
    with pytest.raises(ConfigError, match="directory"):
        load_config(None, {"MEETING_SYNC_CONFIG": str(tmp_path)})


def test_a_misspelt_variable_is_a_warning_naming_the_closest_setting() -> None:
    env = {"MEETING_SYNC_WORKER_LEASE_SECOND": "s3cr3t-looking-value"}
    config = from_mapping({}, env, source="t")
    assert config.worker.lease_seconds == WorkerConfig().lease_seconds
    (warning,) = config.warnings
    assert "MEETING_SYNC_WORKER_LEASE_SECOND " in warning + " "
    assert "did you mean MEETING_SYNC_WORKER_LEASE_SECONDS?" in warning
    assert "s3cr3t-looking-value" not in warning  # the value may be a secret


def test_a_lower_case_variable_is_a_warning_naming_the_upper_case_one() -> None:
    config = from_mapping({}, {"meeting_sync_worker_batch_size": "5"}, source="t")
    (warning,) = config.warnings
    assert "did you mean MEETING_SYNC_WORKER_BATCH_SIZE?" in warning


def test_a_variable_unlike_any_setting_is_a_warning_without_a_guess() -> None:
    config = from_mapping({}, {"MEETING_SYNC_ZZZ": "1"}, source="t")
    (warning,) = config.warnings
    assert "MEETING_SYNC_ZZZ" in warning and "did you mean" not in warning
    assert "config.example.toml" in warning


def test_variables_the_product_and_its_tests_read_are_not_warned_about() -> None:
    env = {
        "MEETING_SYNC_CONFIG": "/dev/null",
        "MEETING_SYNC_TEST_POSTGRES_URL": "postgresql+psycopg://u@h/db",
        "MEETING_SYNC_TEST_MARIADB_URL": "mysql+pymysql://u@h/db",
        "MEETING_SYNC_TEST_CHAOS_ROWS": "2000",
        "MEETING_SYNC_TEST_CHAOS_SEED": "1",
        "MEETING_SYNC_WORKER_LEASE_SECONDS": "600",
        "MEETING_SYNC_WEMEET_SECRET_KEY": "x",
        "PATH": "/usr/bin",
        "MEETING_SYNCHRONY": "not ours",
    }
    assert from_mapping({}, env, source="t").warnings == ()


def test_a_shorter_lease_alone_brings_the_write_back_patience_below_it() -> None:
    # Set only the lease: the patience (a default that depends on it) follows, instead of
    # an error about a key the operator never wrote.
    config = from_mapping({"worker": {"lease_seconds": 15}}, {}, source="t")
    assert config.worker.writeback_retry_seconds == 3.0
    assert config.worker.writeback_retry_seconds < config.worker.lease_seconds
    env = load_config(None, {"MEETING_SYNC_WORKER_LEASE_SECONDS": "15"}, discover=False)
    assert env.worker.writeback_retry_seconds == 3.0
    assert from_mapping({}, {}, source="t").worker.writeback_retry_seconds == 60.0


def test_only_an_explicit_contradiction_of_lease_and_patience_is_an_error() -> None:
    with pytest.raises(ConfigError, match="writeback_retry_seconds"):
        from_mapping(
            {"worker": {"lease_seconds": 15, "writeback_retry_seconds": 20}}, {}, source="t"
        )
    ok = from_mapping(
        {"worker": {"lease_seconds": 15, "writeback_retry_seconds": 10}}, {}, source="t"
    )
    assert ok.worker.writeback_retry_seconds == 10.0


def test_trtc_key_comes_from_the_environment_and_is_never_shown() -> None:
    raw = {"trtc": {"sdkappid": 1400000001, "admin": "ops"}}
    config = from_mapping(raw, {"MEETING_SYNC_TRTC_KEY": "trtc-secret-123"}, source="t")
    assert (config.trtc.sdkappid, config.trtc.key, config.trtc.admin) == (
        1400000001,
        "trtc-secret-123",
        "ops",
    )
    assert "trtc-secret-123" not in repr(config)


@pytest.mark.parametrize(
    ("trtc", "words"),
    [
        ({"sdkappid": 1400000001}, "trtc.key"),
        ({"sdkappid": -1}, "negative"),
        ({"timeout_seconds": 3.0}, "over 3"),
        ({"usersig_ttl_seconds": 30}, "at least 60"),
    ],
)
def test_trtc_settings_that_cannot_work_are_refused(trtc: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        from_mapping({"trtc": trtc}, {}, source="t")


def test_trtc_rooms_are_served_only_when_configured() -> None:
    from worker.composition import build_providers

    wemeet = {"app_id": "1", "secret_id": "id", "secret_key": "sk"}
    assert set(build_providers(from_mapping({"wemeet": wemeet}, {}, source="t"))) == {"wemeet"}
    raw = {"wemeet": wemeet, "trtc": {"sdkappid": 1400000001, "key": "k" * 10}}
    assert set(build_providers(from_mapping(raw, {}, source="t"))) == {"wemeet", "trtc_room"}


def test_oauth_mode_needs_the_apps_sdk_id_and_secret_not_an_ak_sk_pair() -> None:
    config = from_mapping({"wemeet": {"auth": "oauth"}}, {}, source="t")
    assert config.oauth
    with pytest.raises(ConfigError) as refused:
        config.require_credentials()
    assert "wemeet.sdk_id" in str(refused.value)
    assert "wemeet.oauth_secret (or MEETING_SYNC_WEMEET_OAUTH_SECRET)" in str(refused.value)
    assert "secret_key" not in str(refused.value)
    env = {"MEETING_SYNC_WEMEET_SDK_ID": "s1", "MEETING_SYNC_WEMEET_OAUTH_SECRET": "hush"}
    ready = from_mapping({"wemeet": {"auth": "oauth"}}, env, source="t")
    ready.require_credentials()
    assert "hush" not in repr(ready)


def test_the_oauth_key_comes_from_the_environment_and_never_prints() -> None:
    config = from_mapping({}, {"MEETING_SYNC_OAUTH_KEY": "k" * 44}, source="t")
    assert config.oauth_key == "k" * 44
    assert config.warnings == ()
    assert "k" * 44 not in repr(config)


def test_trtc_alone_serves_only_rooms_and_says_what_tencent_meeting_needs() -> None:
    from worker.composition import build_providers, unserved_providers

    config = from_mapping({"trtc": {"sdkappid": 1400000001, "key": "k" * 10}}, {}, source="t")
    config.require_a_provider()  # no Tencent Meeting credentials needed
    assert set(build_providers(config)) == {"trtc_room"}
    hint = unserved_providers(config)["wemeet"]
    for name in ("APP_ID", "SECRET_ID", "SECRET_KEY"):
        assert f"MEETING_SYNC_WEMEET_{name}" in hint
    assert "trtc_room" not in unserved_providers(config)


def test_neither_provider_configured_is_refused_with_the_missing_credentials() -> None:
    config = from_mapping({}, {}, source="t")
    with pytest.raises(ConfigError, match=r"missing credentials: wemeet\.app_id"):
        config.require_a_provider()
