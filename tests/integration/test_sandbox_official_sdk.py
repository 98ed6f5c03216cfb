"""The proof that the sandbox speaks the real protocol: Tencent's own Python SDK works
against it unmodified — create (Chinese subject), get, update, list and cancel."""

from __future__ import annotations

import time
from typing import Any

import pytest
import wemeet_openapi
from wemeet_openapi.core import constants, xhttp
from wemeet_openapi.core.authenticator import JWTAuthenticator
from wemeet_openapi.service.meetings import api as meetings_api
from wemeet_openapi.service.meetings import model as meetings_model

from sandbox.server import SandboxServer


def sdk_client(sandbox: SandboxServer) -> Any:
    creds = sandbox.credentials
    host = sandbox.base_url.removeprefix("http://")
    return wemeet_openapi.Client(
        app_id=creds.app_id,
        sdk_id="",  # the SDK always sends SdkId; empty means the app has none
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

    (meeting,) = sandbox.meetings()
    assert meeting["meeting_id"] == meeting_id
    assert meeting["subject"] == "周会（改期）"
    assert meeting["state"] == "MEETING_STATE_CANCELLED"
    assert sandbox.stats()["by_status"] == {"200": 5}


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
