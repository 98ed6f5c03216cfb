"""Changes "from the app" (POST /_sandbox/app/meetings/ID): as the service would make them,
visible to the API's get and list, with the list's modification cursor moved on."""

from __future__ import annotations

from typing import Any

import requests

from sandbox.server import SandboxServer
from tests.fixtures.sandbox import SignedSender, error_of


def app_change(sandbox: SandboxServer, meeting_id: str, **change: Any) -> requests.Response:
    return requests.post(
        f"{sandbox.base_url}/_sandbox/app/meetings/{meeting_id}", json=change, timeout=10
    )


def created(signed: SignedSender, **fields: Any) -> dict[str, Any]:
    response = signed.create(**fields)
    assert response.status_code == 200
    info: dict[str, Any] = response.json()["meeting_info_list"][0]
    return info


def listed(signed: SignedSender) -> dict[str, Any]:
    doc: dict[str, Any] = signed.send("GET", "/v1/meetings?userid=alice&instanceid=1").json()
    return doc


def get(signed: SignedSender, meeting_id: str) -> requests.Response:
    return signed.send("GET", f"/v1/meetings/{meeting_id}?userid=alice&instanceid=1")


def test_a_move_and_a_rename_in_the_app_show_in_get_and_list_with_a_later_cursor(
    sandbox: SandboxServer, signed: SignedSender
) -> None:
    meeting = created(signed)
    cursor_before = listed(signed)["next_cursory"]
    start = int(meeting["start_time"]) + 1800
    sandbox.advance_clock(2)

    answer = app_change(
        sandbox, meeting["meeting_id"], subject="Moved", start_time=start, end_time=start + 600
    )

    assert answer.status_code == 200
    shown = get(signed, meeting["meeting_id"]).json()["meeting_info_list"][0]
    assert (shown["subject"], shown["start_time"]) == ("Moved", str(start))
    page = listed(signed)
    assert [m["subject"] for m in page["meeting_info_list"]] == ["Moved"]
    assert page["next_cursory"] > cursor_before


def test_a_cancel_in_the_app_leaves_the_list_and_get_says_cancelled(
    sandbox: SandboxServer, signed: SignedSender
) -> None:
    meeting = created(signed)

    assert app_change(sandbox, meeting["meeting_id"], cancel=True).status_code == 200

    assert listed(signed)["meeting_info_list"] == []
    shown = get(signed, meeting["meeting_id"]).json()["meeting_info_list"][0]
    assert shown["status"] == "MEETING_STATE_CANCELLED"
    # Cancelling it again is refused as the service refuses it.
    again = app_change(sandbox, meeting["meeting_id"], cancel=True)
    assert again.status_code == 400 and "9003" in again.json()["error"]


def test_a_meeting_deleted_in_the_console_is_unknown_to_the_api(
    sandbox: SandboxServer, signed: SignedSender
) -> None:
    meeting = created(signed)

    assert app_change(sandbox, meeting["meeting_id"], delete=True).status_code == 200

    assert error_of(get(signed, meeting["meeting_id"]))[1] == 9003
    assert listed(signed)["meeting_info_list"] == []
    view = {m["meeting_id"]: m for m in sandbox.meetings()}
    assert view[meeting["meeting_id"]]["removed"] is True


def test_a_change_the_service_would_refuse_is_refused_and_changes_nothing(
    sandbox: SandboxServer, signed: SignedSender
) -> None:
    meeting = created(signed)
    start = int(meeting["start_time"])

    refused = app_change(sandbox, meeting["meeting_id"], end_time=start - 60)
    unknown = app_change(sandbox, meeting["meeting_id"], hosts=["bob"])

    assert refused.status_code == 400 and "190004" in refused.json()["error"]
    assert unknown.status_code == 400
    shown = get(signed, meeting["meeting_id"]).json()["meeting_info_list"][0]
    assert shown["end_time"] == meeting["end_time"]
    assert app_change(sandbox, "424242", cancel=True).status_code == 400
