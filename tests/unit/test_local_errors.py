"""Every local error code the worker can write to a row is documented, and none is dead."""

from __future__ import annotations

import re
from pathlib import Path

import worker
from worker.trtc.local_errors import EVERY_LOCAL_ERROR as ROOM_ERRORS
from worker.wemeet.local_errors import EVERY_LOCAL_ERROR as MEETING_ERRORS

# Every provider's codes and the core's (each provider's table includes the core's).
LOCAL_ERRORS = {**MEETING_ERRORS, **ROOM_ERRORS}

CODE = re.compile(r"""["'](local\.[a-z0-9_]+)["']""")


def _codes_in_source() -> set[str]:
    root = Path(worker.__file__).parent
    found: set[str] = set()
    for path in root.rglob("*.py"):
        if path.name == "local_errors.py":
            continue
        found.update(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_local_code_the_worker_emits_is_documented() -> None:
    emitted = _codes_in_source()
    assert emitted, "the scan found no codes: the pattern no longer matches the source"
    assert emitted - set(LOCAL_ERRORS) == set()


def test_every_documented_code_is_still_emitted_somewhere() -> None:
    assert set(LOCAL_ERRORS) - _codes_in_source() == set()


def test_every_explanation_says_what_to_do() -> None:
    for code, advice in LOCAL_ERRORS.items():
        assert advice.endswith("."), code
        assert len(advice) >= 20, code
