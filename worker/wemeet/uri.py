"""The request target: base URL checks and the percent-encoded URI that is signed. Pure.

The URI is built (and percent-encoded) here, once; the client sends exactly this string and
signs exactly this string, so no library gets a chance to re-encode it differently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from worker.exceptions import ConfigError

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class BaseUrl:
    """``origin`` is scheme://host[:port]; ``prefix`` the path before ``/v1`` ('' usually)."""

    origin: str
    prefix: str

    def url(self, uri: str) -> str:
        return self.origin + uri


def parse_base_url(base_url: str, name: str = "wemeet.base_url") -> BaseUrl:
    """Check the API's base URL (the setting ``name``). Plain http is refused except for
    this machine (the sandbox): the real API carries credentials and must be reached over
    verified TLS."""
    try:
        parts = urlsplit(base_url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        raise ConfigError(f"{name} is not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{name} must start with https:// and name a host")
    if parts.username is not None or parts.password is not None:
        # Never echo the URL here: it holds credentials.
        raise ConfigError(f"{name} must not contain a user name or password")
    if parts.query or parts.fragment:
        raise ConfigError(f"{name} must not have a query or fragment")
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        raise ConfigError(
            f"{name} uses plain http for {host}; the API must be reached over "
            "https (http is allowed only for localhost, 127.0.0.1 and ::1)"
        )
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return BaseUrl(origin=f"{parts.scheme}://{netloc}", prefix=parts.path.rstrip("/"))


def path_segment(value: str) -> str:
    """One path segment (a meeting id), percent-encoded so it cannot add a segment."""
    return quote(value, safe="")


def build_uri(prefix: str, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
    """``prefix + path [+ ?query]`` exactly as sent: the query in the given order, every
    reserved character percent-encoded (``@`` → ``%40``, space → ``%20``, UTF-8 for CJK)."""
    uri = prefix + quote(path, safe="/%")
    if query:
        uri += "?" + urlencode(list(query), quote_via=quote, safe="")
    return uri
