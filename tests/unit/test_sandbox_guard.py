"""The /_sandbox/ control API refuses what any web page could make a browser send it: a
"simple" cross-origin POST (text/plain, a form) and any request from another origin.
Clients that send no Origin (requests, curl, the suite) work as before."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from sandbox.app import SandboxApp
from sandbox.config import SandboxConfig

NOW = 1_790_000_000.0
# werkzeug's test client addresses the app as http://localhost/.
OWN_ORIGIN = "http://localhost"


def started() -> tuple[SandboxApp, Client]:
    """A sandbox with a fault setting that a reset or a reconfiguration would change."""
    app = SandboxApp(SandboxConfig(), clock=lambda: NOW)
    app.faults.update({"fail_rate": 0.5})
    return app, Client(app)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",  # what fetch(..., {mode: "no-cors", body: "{}"}) sends
        "application/x-www-form-urlencoded",  # an HTML form
        "multipart/form-data; boundary=x",
        None,
    ],
)
@pytest.mark.parametrize("name", ["reset", "faults", "clock"])
def test_a_post_without_the_json_content_type_is_refused_and_changes_nothing(
    content_type: str | None, name: str
) -> None:
    app, http = started()
    headers = {} if content_type is None else {"Content-Type": content_type}
    answer = http.post(f"/_sandbox/{name}", data=b'{"fail_rate": 0}', headers=headers)
    assert answer.status_code == 415
    assert answer.content_type == "application/json"
    assert "application/json" in answer.get_json()["error"]
    assert (app.faults.fail_rate, app.advanced) == (0.5, 0.0)


def test_a_bodyless_reset_needs_the_json_content_type_too() -> None:
    app, http = started()
    assert http.post("/_sandbox/reset").status_code == 415
    assert app.faults.fail_rate == 0.5
    answer = http.post("/_sandbox/reset", content_type="application/json")
    assert answer.status_code == 200 and answer.get_json() == {"reset": True}
    assert app.faults.fail_rate == 0.0


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:3000"])
def test_another_origin_is_refused_even_with_json(origin: str) -> None:
    app, http = started()
    headers = {"Origin": origin}
    answer = http.post("/_sandbox/reset", json={}, headers=headers)
    assert answer.status_code == 403
    assert answer.content_type == "application/json"
    assert "origin" in answer.get_json()["error"]
    assert http.post("/_sandbox/faults", json={"fail_rate": 0}, headers=headers).status_code == 403
    assert http.get("/_sandbox/meetings", headers=headers).status_code == 403
    assert app.faults.fail_rate == 0.5


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_browser_request_from_another_site_is_refused_without_an_origin(site: str) -> None:
    app, http = started()
    headers = {"Sec-Fetch-Site": site}
    assert http.post("/_sandbox/reset", json={}, headers=headers).status_code == 403
    assert http.get("/_sandbox/faults", headers=headers).status_code == 403
    assert app.faults.fail_rate == 0.5


def test_the_sandboxs_own_origin_and_clients_without_one_are_served() -> None:
    app, http = started()
    own = {"Origin": OWN_ORIGIN, "Sec-Fetch-Site": "same-origin"}
    assert http.post("/_sandbox/faults", json={"fail_rate": 0.25}, headers=own).status_code == 200
    assert app.faults.fail_rate == 0.25
    typed = {"Sec-Fetch-Site": "none"}  # the user typed the address
    assert http.get("/_sandbox/stats", headers=typed).status_code == 200
    charset = "application/json; charset=utf-8"
    answer = http.post("/_sandbox/clock", data=b'{"advance_seconds": 60}', content_type=charset)
    assert answer.status_code == 200 and answer.get_json()["now"] == NOW + 60
    assert http.post("/_sandbox/reset", json={}).status_code == 200
    assert app.faults.fail_rate == 0.0


def test_the_signed_api_is_not_affected() -> None:
    # Its requests are signed and carry X-TC-* headers, which no page can send cross-origin
    # without a preflight the sandbox never grants; the guard is for /_sandbox/ only.
    _, http = started()
    answer = http.get("/v1/meetings", headers={"Origin": "http://evil.example"})
    assert answer.status_code == 400
    assert answer.get_json()["error_info"]["error_code"] == 200001
