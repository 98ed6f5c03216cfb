"""The Tencent Meeting REST client: typed calls, authenticated afresh every time.

A thin shell over ``requests``: bodies, URIs and signatures are built by pure modules, the
answer is translated into ``MeetingInfo`` or into the project's exceptions. No retries and
no database here; because every call takes a new nonce and timestamp, the retry policy can
simply call again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from types import TracebackType
from typing import Protocol, TypeVar

import requests

from worker.domain.calls import CallRecord
from worker.exceptions import ApiError, ConfigError, MalformedResponse
from worker.wemeet import checks
from worker.wemeet.auth import Auth, Outgoing
from worker.wemeet.meeting import (
    INSTANCE_ID,
    MeetingSpec,
    cancel_body,
    create_body,
    encode_body,
    update_body,
)
from worker.wemeet.meetings_read import (
    MeetingInfo,
    MeetingPage,
    parse_first_meeting,
    parse_page,
)
from worker.wemeet.responses import (
    ResponseMeta,
    decode_json,
    error_from_body,
    error_from_status,
    malformed,
    transport_error,
)
from worker.wemeet.uri import build_uri, parse_base_url, path_segment

logger = logging.getLogger(__name__)
T = TypeVar("T")


class PageRunner(Protocol):
    """Runs the fetch of one page of a listing and returns what it returned."""

    def __call__(self, fetch: Callable[[], T]) -> T: ...


DEFAULT_MAX_LIST_PAGES = 50  # 1,000 meetings: far beyond one user's upcoming calendar


class WemeetClient:
    """Typed Tencent Meeting calls. Raises ApiError, TransportError, InvalidMeeting."""

    def __init__(
        self,
        auth: Auth,
        base_url: str,
        *,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        on_call: Callable[[CallRecord], None] | None = None,
        max_list_pages: int = DEFAULT_MAX_LIST_PAGES,
    ) -> None:
        self.auth = auth
        self._base = parse_base_url(base_url)
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ConfigError("wemeet timeouts must be positive")
        self._owns_session = session is None
        self._session = session or requests.Session()
        if self._session.verify is False and self._base.origin.startswith("https:"):
            raise ConfigError("TLS certificate verification must stay on for the API")
        # A CA bundle path (e.g. a corporate proxy's) is honoured; verification never turns off.
        self._verify: bool | str = (
            self._session.verify if isinstance(self._session.verify, str) else True
        )
        # The environment's proxy settings (HTTPS_PROXY, NO_PROXY, ...), resolved once for
        # the one origin this client talks to. requests would otherwise scan the whole
        # environment again on every call; the process's environment does not change.
        self._proxies = requests.utils.resolve_proxies(
            requests.Request("GET", self._base.url("/")).prepare(),
            dict(self._session.proxies),
            self._session.trust_env,
        )
        self._timeout = (connect_timeout, read_timeout)
        self._clock, self._monotonic = clock, monotonic
        self._on_call = on_call
        if max_list_pages < 1:
            raise ConfigError("max_list_pages must be at least 1")
        self._max_list_pages = max_list_pages

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> WemeetClient:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the endpoints ------------------------------------------------------------------

    def create_meeting(self, spec: MeetingSpec) -> MeetingInfo:
        body = create_body(spec)
        info, _ = self._call(
            "create", "POST", "/v1/meetings", parse_first_meeting, body=body, user=spec.owner
        )
        return info

    def update_meeting(self, meeting_id: str, spec: MeetingSpec) -> MeetingInfo:
        path = f"/v1/meetings/{_meeting_segment(meeting_id)}"

        def parse(doc: object) -> MeetingInfo:
            if doc is None or doc == {}:  # nothing to tell beyond "done"
                return MeetingInfo(meeting_id=meeting_id)
            return parse_first_meeting(doc, meeting_id=meeting_id)

        info, _ = self._call("update", "PUT", path, parse, body=update_body(spec), user=spec.owner)
        return info

    def cancel_meeting(
        self, meeting_id: str, userid: str, reason_code: int = 1, *, recurring: bool = False
    ) -> None:
        """Cancel the meeting; ``recurring`` cancels the whole series."""
        path = f"/v1/meetings/{_meeting_segment(meeting_id)}/cancel"
        body = cancel_body(userid, reason_code, recurring=recurring)
        self._call("cancel", "POST", path, _ignore, body=body, user=userid)

    def get_meeting(self, meeting_id: str, userid: str) -> MeetingInfo:
        path = f"/v1/meetings/{_meeting_segment(meeting_id)}"
        info, _ = self._call(
            "get", "GET", path,
            lambda doc: parse_first_meeting(doc, meeting_id=meeting_id),
            query=_user_query(userid), user=userid,
        )  # fmt: skip
        return info

    def list_user_meetings(
        self,
        userid: str,
        *,
        pos: int | None = None,
        until: int | None = None,
        each_page: PageRunner | None = None,
    ) -> list[MeetingInfo]:
        """Every upcoming or running meeting of ``userid`` (from ``pos``, Unix seconds),
        paging until ``remaining`` is 0, each meeting once. Raises ApiError rather than
        returning a partial list, since a missing meeting could lead to a second create.

        With ``until`` (Unix seconds) it stops once the page cursor ``next_pos`` has moved
        past ``until``. The cursor is a start time, and a page asked for from ``pos`` holds
        only meetings starting at ``pos`` or later, so by the API's own contract no later
        page can hold a meeting starting from ``pos`` to ``until``. A user with hundreds of
        upcoming meetings then costs a page or two, not all of them.

        ``each_page`` runs the fetch of each page (one API call): the worker passes it
        through its quota gate and its retries, so a failed page is asked for again, not the
        whole list, and every page is counted against the quota."""
        run_page: PageRunner = each_page or _run

        def parse(doc: object) -> MeetingPage:
            return parse_page(doc, userid=userid)

        seen: dict[str, MeetingInfo] = {}
        cursor: tuple[int | None, int | None] = (pos, None)
        for _ in range(self._max_list_pages):
            query = _user_query(userid)
            if cursor[0] is not None:
                query.append(("pos", str(cursor[0])))
            if cursor[1] is not None:
                query.append(("cursory", str(cursor[1])))
            page, meta = run_page(
                partial(self._call, "list", "GET", "/v1/meetings", parse, query=query, user=userid)
            )
            for meeting in page.meetings:
                seen.setdefault(meeting.meeting_id, meeting)
            if page.remaining == 0 or _cursor_past(page.next_pos, until):
                return list(seen.values())
            following = (page.next_pos, page.next_cursory)
            if following == cursor or following == (None, None):
                raise malformed(meta, "remaining > 0 but the page cursor did not move")
            cursor = following
        raise malformed(meta, f"meeting list did not end within {self._max_list_pages} pages")

    # -- the exchange -------------------------------------------------------------------

    def _call(
        self,
        endpoint: str,
        method: str,
        path: str,
        parse: Callable[[object], T],
        *,
        query: Sequence[tuple[str, str]] = (),
        body: object = None,
        user: str | None = None,
    ) -> tuple[T, ResponseMeta]:
        """One signed exchange; ``parse`` turns the decoded 200 body (None when empty) into
        the result. Every outcome, including a malformed body, is recorded once."""
        payload = encode_body(body) if body is not None else b""
        uri = build_uri(self._base.prefix, path, query)
        outgoing = Outgoing(method, uri, payload, user)
        headers = self.auth.headers(outgoing)
        request = self._session.prepare_request(
            requests.Request(method, self._base.url(uri), headers=headers, data=payload or None)
        )
        # requests may normalise a URL while preparing it; the signature covers these bytes.
        request.url = self._base.url(uri)
        started = self._monotonic()
        status: int | None = None
        error_code: int | None = None
        trace_id: str | None = None
        try:
            try:
                response = self._session.send(
                    request,
                    timeout=self._timeout,
                    allow_redirects=False,
                    verify=self._verify,
                    proxies=self._proxies,
                )
            except requests.RequestException as exc:
                raise transport_error(exc, endpoint) from None
            status = response.status_code
            meta = ResponseMeta.from_headers(endpoint, status, response.headers, now=self._clock())
            trace_id = meta.trace_id
            try:
                return _parse(meta, _decode(meta, response.content), parse), meta
            except ApiError as exc:
                error_code = exc.error_code
                self.auth.learn(exc, outgoing)
                raise
        finally:
            self._record(endpoint, method, path, status, error_code, trace_id, started)

    def _record(
        self,
        endpoint: str,
        method: str,
        path: str,
        status: int | None,
        error_code: int | None,
        trace_id: str | None,
        started: float,
    ) -> None:
        duration = max(0.0, self._monotonic() - started)
        ok = status == 200 and error_code is None
        # The call's log line comes from the hook's owner, which knows the row it was for.
        if self._on_call is None:
            return
        record = CallRecord(endpoint, method, path, status, error_code, trace_id, duration, ok)
        try:
            self._on_call(record)
        except Exception:
            # The call's outcome matters more than its log line: a created meeting is kept.
            logger.exception("wemeet_on_call_failed endpoint=%s", endpoint)


def _meeting_segment(meeting_id: str) -> str:
    return path_segment(checks.meeting_id(meeting_id))


def _user_query(userid: str) -> list[tuple[str, str]]:
    userid = checks.text(userid, "userid", required="local.userid_missing")
    return [("userid", userid), ("instanceid", str(INSTANCE_ID))]


def _ignore(doc: object) -> None:
    """Cancel answers carry nothing to keep (an empty body or ``{}``)."""


def _decode(meta: ResponseMeta, content: bytes) -> object:
    """The JSON of a 200 body (None when empty); an error body behind a 200 still raises."""
    if meta.http_status != 200:
        raise error_from_status(meta, content)
    if not content.strip():
        return None
    try:
        doc = decode_json(content)
    except ValueError:
        raise malformed(meta, "the body is not UTF-8 JSON") from None
    error = error_from_body(meta, doc)
    if error is not None:
        raise error
    return doc


def _parse(meta: ResponseMeta, doc: object, parse: Callable[[object], T]) -> T:
    try:
        return parse(doc)
    except MalformedResponse as exc:
        raise malformed(meta, str(exc)) from None


def _run(fetch: Callable[[], T]) -> T:
    return fetch()


def _cursor_past(next_pos: int | None, until: int | None) -> bool:
    return until is not None and next_pos is not None and next_pos > until
