"""`[wemeet] registered` reaches the wire as X-TC-Registered (seeds 000 and 001)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.unit.test_wemeet_client import SPEC, FakeTransport, meeting, ok
from worker.composition import build_client
from worker.config import Config, from_mapping
from worker.exceptions import ConfigError

CREDENTIALS = {"app_id": "app-1", "secret_id": "sid-1", "secret_key": "very-secret-key"}


def header_sent(raw: dict[str, Any], env: dict[str, str]) -> str:
    """The X-TC-Registered header of a create made by the client the product builds."""
    config = from_mapping({"wemeet": {**CREDENTIALS, **raw}}, env, source="test")
    transport = FakeTransport([ok({"meeting_info_list": [meeting("m1")]})])
    session = requests.Session()
    session.mount("https://", transport)
    build_client(config, session=session).create_meeting(SPEC)
    (request,) = transport.sent
    return request.headers["X-TC-Registered"]


def test_registered_users_are_the_default() -> None:
    assert Config().wemeet.registered == 1
    assert header_sent({}, {}) == "1"


def test_an_account_of_unregistered_users_sends_zero_from_the_file() -> None:
    assert header_sent({"registered": 0}, {}) == "0"


def test_the_environment_overrides_the_file() -> None:
    assert header_sent({"registered": 1}, {"MEETING_SYNC_WEMEET_REGISTERED": "0"}) == "0"


@pytest.mark.parametrize(
    ("raw", "env", "needle"),
    [
        ({"registered": 2}, {}, "wemeet.registered = 2: expected 0 or 1"),
        ({"registered": -1}, {}, "wemeet.registered = -1: expected 0 or 1"),
        ({"registered": True}, {}, "wemeet.registered: expected int, got bool"),
        ({"registered": "1"}, {}, "wemeet.registered: expected int, got str"),
        ({}, {"MEETING_SYNC_WEMEET_REGISTERED": "yes"}, "$MEETING_SYNC_WEMEET_REGISTERED"),
        ({}, {"MEETING_SYNC_WEMEET_REGISTERED": "10"}, "expected 0 or 1"),
    ],
)
def test_only_zero_or_one_is_accepted(
    raw: dict[str, Any], env: dict[str, str], needle: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        from_mapping({"wemeet": raw}, env, source="test")
    assert needle in str(refused.value)
