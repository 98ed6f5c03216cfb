"""Who may use the /_sandbox/ control API: scripts and tests, not the web pages a user visits.

The control API has no authentication, so a page on any site could otherwise reset or
reconfigure a sandbox on the user's machine: browsers send a cross-origin POST whose type is
text/plain or a form without asking first (a CORS "simple request"). Two checks close that:

- a request that a browser marks as coming from elsewhere (an ``Origin`` other than the
  sandbox's own, or ``Sec-Fetch-Site`` of another site) is refused with 403;
- every POST must say ``Content-Type: application/json``: a page can send that type to
  another origin only after a CORS preflight, which the sandbox never grants.

Clients outside a browser send no Origin and keep working. Pure: a function of the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.wrappers import Request

JSON_TYPE = "application/json"
# Sec-Fetch-Site values that say the request came from this origin or from the user (an
# address typed or bookmarked); "same-site" is another origin too (another port, say).
OWN_FETCH_SITES = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class Refusal:
    http_status: int
    message: str


def refusal(request: Request) -> Refusal | None:
    """Why this /_sandbox/ request is refused, or None when it may go on."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != own_origin(request):
        return Refusal(
            403,
            f"cross-origin request refused: origin {origin!r} is not the sandbox's own; "
            "the control API is for scripts on this machine, not for web pages",
        )
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in OWN_FETCH_SITES:
        return Refusal(
            403,
            f"cross-origin request refused: Sec-Fetch-Site is {site!r}; the control API is "
            "for scripts on this machine, not for web pages",
        )
    if request.method == "POST" and request.mimetype != JSON_TYPE:
        sent = request.content_type or "none"
        return Refusal(
            415,
            f"a POST to /_sandbox/ needs Content-Type: {JSON_TYPE} (got {sent}), "
            "even with an empty body",
        )
    return None


def own_origin(request: Request) -> str:
    """The origin the request was addressed to, as a browser would write it."""
    return f"{request.scheme}://{request.host}".lower()
