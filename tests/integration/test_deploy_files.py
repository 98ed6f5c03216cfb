"""deploy/: the systemd unit and crontab are the README's, the logrotate snippet rotates the
log the crontab writes, and the alert rules parse and use only series meeting-sync exports
(read from a real `once --metrics-file`)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.fixtures.databases import SQLITE_ONLY
from tests.integration.pgfaults import Outage
from tests.integration.syncenv import ROOT, cli_env, insert, meeting_sync, worker_config
from worker.cli import EXIT_CONFIG

DEPLOY = ROOT / "deploy"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_block(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", README, re.S)
    assert found, f"no {language} block in the README"
    return found.group(1)


def test_the_systemd_unit_parses_and_is_the_readmes() -> None:
    text = (DEPLOY / "meeting-sync.service").read_text(encoding="utf-8")
    assert text == readme_block("ini")
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    unit.read_string(text)
    service = unit["Service"]
    assert service["ExecStart"].endswith("/meeting-sync run")
    assert service["ExecStartPre"].endswith("/meeting-sync db upgrade")
    assert service["KillSignal"] == "SIGTERM"
    assert service["RestartPreventExitStatus"] == str(EXIT_CONFIG)
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_crontab_is_the_readmes_and_logrotate_rotates_its_log() -> None:
    lines = (DEPLOY / "meeting-sync.cron").read_text(encoding="utf-8").splitlines()
    active = [line for line in lines if line and not line.startswith("#")]
    assert [line + "\n" for line in active] == [readme_block("cron")]
    log = re.search(r">>(\S+)", active[0])
    assert log is not None
    rotate = (DEPLOY / "meeting-sync.logrotate").read_text(encoding="utf-8")
    assert re.search(rf"^{re.escape(log.group(1))} \{{$", rotate, re.M)
    assert re.search(r"^\s+copytruncate$", rotate, re.M)


@pytest.fixture
def exported(engine: Engine, migrated_url: str, sandbox: SandboxServer, tmp_path: Path) -> str:
    insert(engine, "cal-1", "Meeting")
    insert(engine, "rejected", "敏感词")
    target = tmp_path / "meeting-sync.prom"
    target.write_text("stale figures\n")
    done = meeting_sync(
        ["once", "--metrics-file", str(target)], cli_env(worker_config(migrated_url, sandbox))
    )
    assert done.returncode == 0, done.stderr
    database = {"calendar.db", "calendar.db-wal", "calendar.db-shm"}
    left = {p.name for p in tmp_path.iterdir()} - database - {"meeting-sync.prom"}
    assert left == set(), "a temporary file was left behind"
    return target.read_text(encoding="utf-8")


@SQLITE_ONLY
def test_once_writes_the_runs_figures_in_textfile_format(
    exported: str, sandbox: SandboxServer
) -> None:
    assert "stale" not in exported
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exported)
        for s in family.samples
    }
    calls = {k: v for k, v in samples.items() if k[0] == "meeting_sync_api_calls_total"}
    assert sum(calls.values()) == sandbox.stats()["total"] == 2
    assert samples[("meeting_sync_rows", (("state", "synced"),))] == 1
    assert samples[("meeting_sync_failed_rows", (("code", "9093"),))] == 1
    assert samples[("meeting_sync_passes_total", (("outcome", "ok"),))] == 1
    # An AK/SK deployment: no OAuth user, no drift found; the counts say 0.
    assert samples[("meeting_sync_oauth_users_to_reauthorize", ())] == 0
    assert not [k for k in samples if k[0].endswith("_token_expiry_seconds")]
    drifted = [k for k in samples if k[0] == "meeting_sync_drifted_rows"]
    assert drifted and all(samples[k] == 0 for k in drifted)


@SQLITE_ONLY
def test_the_alert_rules_parse_and_use_only_exported_series(exported: str) -> None:
    rules = yaml.safe_load((DEPLOY / "meeting-sync-alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"]: r for group in rules["groups"] for r in group["rules"]}
    assert {
        "MeetingSyncCircuitOpen",
        "MeetingSyncOldestPendingTooOld",
        "MeetingSyncQuotaNearDayLimit",
        "MeetingSyncFailedRowsRising",
        "MeetingSyncOAuthUsersToReauthorize",
    } <= set(alerts)
    names = {f.name for f in text_string_to_metric_families(exported)}
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        used = set(re.findall(r"meeting_sync_[a-z_]+", rule["expr"]))
        assert used and used <= names, (name, used - names)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_once_during_a_database_outage_still_writes_the_file(
    migrated_url: str, sandbox: SandboxServer, tmp_path: Path
) -> None:
    target = tmp_path / "meeting-sync.prom"
    outage = Outage(migrated_url)
    outage.begin()
    try:
        done = meeting_sync(
            ["once", "--metrics-file", str(target)], cli_env(worker_config(migrated_url, sandbox))
        )
    finally:
        outage.end()
    assert done.returncode == 3, done.stderr
    figures = {
        s.name: s.value
        for family in text_string_to_metric_families(target.read_text(encoding="utf-8"))
        for s in family.samples
    }
    assert figures["meeting_sync_database_up"] == 0
    assert "meeting_sync_rows" not in figures  # no stale or made-up table figure
