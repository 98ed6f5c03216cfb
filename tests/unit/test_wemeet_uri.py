from __future__ import annotations

import pytest

from worker.exceptions import ConfigError
from worker.wemeet.uri import BaseUrl, build_uri, parse_base_url, path_segment


def test_query_values_are_percent_encoded_in_the_given_order() -> None:
    uri = build_uri("", "/v1/meetings", [("userid", "li.lei@example.com"), ("instanceid", "1")])
    assert uri == "/v1/meetings?userid=li.lei%40example.com&instanceid=1"


def test_chinese_and_spaces_are_utf8_percent_encoded() -> None:
    uri = build_uri("", "/v1/meetings", [("userid", "张 三+1")])
    assert uri == "/v1/meetings?userid=%E5%BC%A0%20%E4%B8%89%2B1"


def test_no_query_means_no_question_mark() -> None:
    assert build_uri("", "/v1/meetings") == "/v1/meetings"


def test_the_documented_uri_example_is_reproduced() -> None:
    # Seed 001: the URI of a get is everything after the host and port.
    uri = build_uri(
        "",
        f"/v1/meetings/{path_segment('7567173273889276131')}",
        [("userid", "tester1"), ("instanceid", "1")],
    )
    assert uri == "/v1/meetings/7567173273889276131?userid=tester1&instanceid=1"


def test_a_meeting_id_cannot_add_path_segments() -> None:
    assert path_segment("../users") == "..%2Fusers"
    assert build_uri("", f"/v1/meetings/{path_segment('a/b?c')}") == "/v1/meetings/a%2Fb%3Fc"


def test_a_base_path_prefix_is_part_of_the_signed_uri() -> None:
    base = parse_base_url("https://gateway.example.com/meeting/")
    assert base == BaseUrl("https://gateway.example.com", "/meeting")
    assert build_uri(base.prefix, "/v1/meetings") == "/meeting/v1/meetings"
    assert base.url("/meeting/v1/meetings") == "https://gateway.example.com/meeting/v1/meetings"


@pytest.mark.parametrize(
    "url,origin",
    [
        ("https://api.meeting.qq.com", "https://api.meeting.qq.com"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:1/", "http://localhost:1"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_accepted_base_urls(url: str, origin: str) -> None:
    assert parse_base_url(url).origin == origin


@pytest.mark.parametrize(
    "url,complaint",
    [
        ("http://api.meeting.qq.com", "plain http"),
        ("http://10.0.0.5:8765", "plain http"),
        ("ftp://api.meeting.qq.com", "https://"),
        ("api.meeting.qq.com", "https://"),
        ("https://api.meeting.qq.com/?x=1", "query"),
        ("https://user:pw@api.meeting.qq.com", "user name or password"),
        ("https://api.meeting.qq.com:99999", "not a URL"),
    ],
)
def test_refused_base_urls(url: str, complaint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_base_url(url)
    assert complaint in str(caught.value)
    assert "pw" not in str(caught.value)
