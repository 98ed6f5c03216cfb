"""Logging set-up: one line per event, ``event key=value …`` or one JSON object, secrets
masked.

Code never logs a secret on purpose; the redacting filter is a second line of defence for
text that comes from elsewhere (an exception of a library, a URL).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

from pythonjsonlogger.json import JsonFormatter

MASK = "***"
# What every LogRecord has; anything else on a record came as ``extra``.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}
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
        # A JSON line also writes the fields passed as ``extra``: they get the same care.
        for key, value in record.__dict__.items():
            if key not in _RECORD_FIELDS and isinstance(value, str):
                for secret in self._secrets:
                    value = value.replace(secret, MASK)
                record.__dict__[key] = value
        return True


class EventJsonFormatter(JsonFormatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``event`` (the message's
    first word, the stable event name), ``message`` and the fields a line passes as
    ``extra`` (every `api_call` line: external_id, provider, endpoint, code, ...)."""

    def add_fields(
        self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record["event"] = record.getMessage().split(" ", 1)[0]


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return EventJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        )
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def configure(
    level: str, secrets: Iterable[str] = (), stream: object = None, log_format: str = "text"
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(formatter(log_format))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Library chatter at DEBUG would echo request headers of third-party code paths.
    for noisy in ("urllib3", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    # One line per scrape of /metrics would drown the worker's own lines.
    logging.getLogger("werkzeug").setLevel(max(logging.WARNING, root.level))
