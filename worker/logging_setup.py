"""Logging set-up: one line per event, ``event key=value …``, secrets masked.

Code never logs a secret on purpose; the redacting filter is a second line of defence for
text that comes from elsewhere (an exception of a library, a URL).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable

MASK = "***"
# TRTC carries the administrator's UserSig in the query string: a URL a library logs must
# not show it.
_USERSIG = re.compile(r"(usersig=)[^&\s\"']+", re.IGNORECASE)


class RedactingFilter(logging.Filter):
    """Replaces every configured secret in a record's final message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Short strings would mask ordinary words; real secrets are long.
        self._secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _USERSIG.sub(rf"\1{MASK}", message)
        for secret in self._secrets:
            redacted = redacted.replace(secret, MASK)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def configure(level: str, secrets: Iterable[str] = (), stream: object = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at DEBUG would echo request headers of third-party code paths.
    for noisy in ("urllib3", "apscheduler.executors", "werkzeug"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
