"""The sandbox's command line: number flags must be finite, and listening beyond loopback
is said out loud, since the control API has no authentication."""

from __future__ import annotations

import argparse
import logging

import pytest

from sandbox.cli import add_arguments, exposure_warning, warn_if_exposed
from worker.cli import main as meeting_sync

NUMBER_FLAGS = ("--fail-rate", "--drop-response-rate", "--latency-ms", "--clock-offset-seconds")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
@pytest.mark.parametrize("flag", NUMBER_FLAGS)
def test_a_number_flag_that_is_not_finite_is_an_argparse_error(
    flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse(f"{flag}={value}")  # "-inf" alone would be read as an option
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    assert f"argument {flag}: must be a finite number, got {value!r}" in err


def test_meeting_sync_sandbox_refuses_them_the_same_way(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        meeting_sync(["sandbox", "--latency-ms", "inf"])
    assert exited.value.code == 2
    assert "argument --latency-ms: must be a finite number" in capsys.readouterr().err


def test_finite_number_flags_are_taken() -> None:
    args = parse("--fail-rate", "0.1", "--latency-ms", "30", "--clock-offset-seconds=-4e2")
    assert (args.fail_rate, args.latency_ms, args.clock_offset_seconds) == (0.1, 30.0, -400.0)


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "::ffff:127.0.0.1"]
)
def test_loopback_hosts_need_no_warning(host: str) -> None:
    assert exposure_warning(host, 8765) is None


@pytest.mark.parametrize(
    "host", ["0.0.0.0", "", "::", "192.168.1.5", "10.0.0.1", "fe80::1", "sandbox.example"]
)
def test_any_other_host_gets_a_warning_that_names_the_address_and_the_risk(host: str) -> None:
    warning = exposure_warning(host, 8765)
    assert warning is not None
    assert f"{host}:8765" in warning if host else "port 8765 of every interface" in warning
    assert "no authentication" in warning
    assert "anyone who can reach" in warning and "reset or reconfigure" in warning


def test_the_warning_goes_to_stderr_and_to_the_log(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="sandbox.cli"):
        warn_if_exposed("0.0.0.0", 8765)
        warn_if_exposed("127.0.0.1", 8765)
    err = capsys.readouterr().err
    assert err.count("no authentication") == 1 and "0.0.0.0:8765" in err
    assert [(r.levelno, r.getMessage().split()[0]) for r in caplog.records] == [
        (logging.WARNING, "sandbox.exposed")
    ]
    assert "0.0.0.0" in caplog.records[0].getMessage()


def test_oauth_is_on_with_both_flags_and_its_lifetimes_in_seconds() -> None:
    from sandbox.cli import config_from_args

    assert config_from_args(parse()).oauth is None
    app = config_from_args(
        parse("--oauth-sdk-id", "s1", "--oauth-secret", "hush", "--access-token-ttl", "60")
    ).oauth
    assert app is not None and (app.sdk_id, app.access_ttl, app.refresh_ttl) == (
        "s1",
        60.0,
        30 * 86400.0,
    )
    assert "hush" not in repr(app)
    with pytest.raises(ValueError, match="go together"):
        config_from_args(parse("--oauth-sdk-id", "s1"))
