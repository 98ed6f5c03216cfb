"""The proof that the sandbox speaks the real protocol: Tencent's own Python SDK works
against it unmodified — create (Chinese subject), get, update, list and cancel."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
import wemeet_openapi
from wemeet_openapi.core import constants, xhttp
from wemeet_openapi.core.authenticator import JWTAuthenticator
from wemeet_openapi.core.exception import ServiceException
from wemeet_openapi.service.meetings import api as meetings_api
from wemeet_openapi.service.meetings import model as meetings_model

from sandbox.server import SandboxServer


def sdk_client(sandbox: SandboxServer, sdk_id: str = "") -> Any:
    """The SDK's own client, pointed at the sandbox through its host/protocol settings."""
    creds = sandbox.credentials
    host = sandbox.base_url.removeprefix("http://")
    return wemeet_openapi.Client(
        app_id=creds.app_id,
        sdk_id=sdk_id,  # the SDK always sends SdkId; empty means the app has none
        secret_id=creds.secret_id,
        secret_key=creds.secret_key,
        clt=xhttp.Client(host=host, protocol="http", serializer=constants.DEFAULT_SERIALIZER),
    )


def auth() -> list[Any]:
    # One authenticator per call: the SDK keeps the first nonce/timestamp it generates.
    return [JWTAuthenticator().options_build()]


def test_official_sdk_create_get_update_list_cancel(sandbox: SandboxServer) -> None:
    client = sdk_client(sandbox)
    start = int(time.time()) + 86400

    created = client.meetings_api.v1_meetings_post(
        request=meetings_api.ApiV1MeetingsPostRequest(
            body=meetings_model.V1MeetingsPostRequest(
                userid="tester1",
                instanceid=1,
                subject="周会：季度规划",
                type=0,
                start_time=str(start),
                end_time=str(start + 3600),
            )
        ),
        authenticator_options=auth(),
    )
    info = created.data.meeting_info_list[0]
    meeting_id = info.meeting_id
    assert info.subject == "周会：季度规划" and len(info.meeting_code) == 9

    got = client.meetings_api.v1_meetings_meeting_id_get(
        request=meetings_api.ApiV1MeetingsMeetingIdGetRequest(
            meeting_id=meeting_id, operator_id="tester1", operator_id_type="1", instanceid="1"
        ),
        authenticator_options=auth(),
    )
    assert got.data.meeting_info_list[0].status == "MEETING_STATE_INIT"

    client.meetings_api.v1_meetings_meeting_id_put(
        request=meetings_api.ApiV1MeetingsMeetingIdPutRequest(
            meeting_id=meeting_id,
            body=meetings_model.V1MeetingsMeetingIdPutRequest(
                userid="tester1", instanceid=1, subject="周会（改期）"
            ),
        ),
        authenticator_options=auth(),
    )

    listed = client.meetings_api.v1_meetings_get(
        request=meetings_api.ApiV1MeetingsGetRequest(userid="tester1", instanceid="1"),
        authenticator_options=auth(),
    )
    assert [m.meeting_id for m in listed.data.meeting_info_list] == [meeting_id]
    assert listed.data.meeting_info_list[0].subject == "周会（改期）"

    client.meetings_api.v1_meetings_meeting_id_cancel_post(
        request=meetings_api.ApiV1MeetingsMeetingIdCancelPostRequest(
            meeting_id=meeting_id,
            body=meetings_model.V1MeetingsMeetingIdCancelPostRequest(
                userid="tester1", instanceid=1, reason_code=1
            ),
        ),
        authenticator_options=auth(),
    )

    # What the sandbox holds and saw, through its inspection API.
    base = sandbox.base_url
    (meeting,) = requests.get(f"{base}/_sandbox/meetings", timeout=5).json()
    assert meeting["meeting_id"] == meeting_id
    assert meeting["subject"] == "周会（改期）"
    assert (meeting["state"], meeting["updates"]) == ("MEETING_STATE_CANCELLED", 1)
    stats = requests.get(f"{base}/_sandbox/stats", timeout=5).json()
    assert stats["by_status"] == {"200": 5}
    assert {k: v["ok"] for k, v in stats["by_endpoint"].items()} == {
        "create": 1,
        "get": 1,
        "update": 1,
        "list": 1,
        "cancel": 1,
    }


def test_official_sdk_reads_a_series_and_cancels_it_whole(sandbox: SandboxServer) -> None:
    """A recurring meeting as the SDK's own models read it: its sub-meetings and current
    one from get, then a cancel with meeting_type 1 that takes the whole series."""
    client = sdk_client(sandbox)
    start = int(time.time()) // 60 * 60 + 86400
    created = client.meetings_api.v1_meetings_post(
        request=meetings_api.ApiV1MeetingsPostRequest(
            body=meetings_model.V1MeetingsPostRequest(
                userid="tester1",
                instanceid=1,
                subject="周会",
                type=0,
                start_time=str(start),
                end_time=str(start + 1800),
                meeting_type=1,
                recurring_rule=meetings_model.V1MeetingsPostRequestRecurringRule(
                    recurring_type=2, until_type=1, until_count=3
                ),
            )
        ),
        authenticator_options=auth(),
    )
    meeting_id = created.data.meeting_info_list[0].meeting_id

    got = client.meetings_api.v1_meetings_meeting_id_get(
        request=meetings_api.ApiV1MeetingsMeetingIdGetRequest(
            meeting_id=meeting_id, operator_id="tester1", operator_id_type="1", instanceid="1"
        ),
        authenticator_options=auth(),
    )
    info = got.data.meeting_info_list[0]
    assert (info.meeting_type, info.recurring_rule.recurring_type) == (1, 2)
    week = 7 * 86400
    assert [s.start_time for s in info.sub_meetings] == [str(start + n * week) for n in range(3)]
    assert info.current_sub_meeting_id == info.sub_meetings[0].sub_meeting_id
    assert info.remain_sub_meetings == 3

    client.meetings_api.v1_meetings_meeting_id_cancel_post(
        request=meetings_api.ApiV1MeetingsMeetingIdCancelPostRequest(
            meeting_id=meeting_id,
            body=meetings_model.V1MeetingsMeetingIdCancelPostRequest(
                userid="tester1", instanceid=1, reason_code=1, meeting_type=1
            ),
        ),
        authenticator_options=auth(),
    )
    (meeting,) = sandbox.meetings()
    assert meeting["state"] == "MEETING_STATE_CANCELLED"
    assert sandbox.requests_log()[-1]["sent"] == {"meeting_type": 1}


def test_official_sdk_sees_the_real_error_answers(sandbox: SandboxServer) -> None:
    client = sdk_client(sandbox)
    start = int(time.time()) + 86400
    with pytest.raises(ServiceException) as caught:
        client.meetings_api.v1_meetings_post(
            request=meetings_api.ApiV1MeetingsPostRequest(
                body=meetings_model.V1MeetingsPostRequest(
                    userid="tester1",
                    instanceid=1,
                    subject="周会",
                    type=0,
                    start_time=str(start),
                    end_time=str(start),  # ends as it starts
                )
            ),
            authenticator_options=auth(),
        )
    assert caught.value.api_resp.status_code == 400
    assert caught.value.error_info.error_code == 190004
    with pytest.raises(ServiceException) as caught:
        client.meetings_api.v1_meetings_meeting_id_get(
            request=meetings_api.ApiV1MeetingsMeetingIdGetRequest(
                meeting_id="1234567890123456789",
                operator_id="tester1",
                operator_id_type="1",
                instanceid="1",
            ),
            authenticator_options=auth(),
        )
    assert caught.value.api_resp.status_code == 500
    assert "9003" in str(caught.value)
    assert sandbox.meetings() == []


def test_official_sdk_with_an_assigned_sdk_id(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(sdk_id="18000123")
    client = sdk_client(server, sdk_id="18000123")
    listed = client.meetings_api.v1_meetings_get(
        request=meetings_api.ApiV1MeetingsGetRequest(userid="tester1", instanceid="1"),
        authenticator_options=auth(),
    )
    assert listed.data.remaining == 0
    with pytest.raises(ServiceException) as caught:
        sdk_client(server, sdk_id="18000999").meetings_api.v1_meetings_get(
            request=meetings_api.ApiV1MeetingsGetRequest(userid="tester1", instanceid="1"),
            authenticator_options=auth(),
        )
    assert "190303" in str(caught.value)


def test_official_sdk_reusing_an_authenticator_is_rejected_as_a_replay(
    sandbox: SandboxServer,
) -> None:
    """The SDK's known flaw (spec §5) shows up exactly as against the real service."""
    client = sdk_client(sandbox)
    shared = [JWTAuthenticator().options_build()]
    request = meetings_api.ApiV1MeetingsGetRequest(userid="tester1", instanceid="1")
    client.meetings_api.v1_meetings_get(request=request, authenticator_options=shared)
    with pytest.raises(Exception) as caught:
        client.meetings_api.v1_meetings_get(request=request, authenticator_options=shared)
    assert "190301" in str(caught.value) or "190301" in repr(getattr(caught.value, "__dict__", ""))
