"""A test entry point: `meeting-sync` that ends its process, as kill -9 would, right after
the provider has answered one kind of call and before anything is written back.

    python -m tests.integration.crashing_cli OPERATION once

The fault comes in through the CLI's explicit ``after_call`` seam; the product itself reads
no fault hook from anywhere.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from worker.cli import main
from worker.domain.rows import MeetingRow

CRASH_EXIT_CODE = 86


def crash_after(operation: str) -> Callable[[MeetingRow, str], None]:
    def crash(row: MeetingRow, done: str) -> None:
        if done == operation:
            os._exit(CRASH_EXIT_CODE)

    return crash


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[2:], after_call=crash_after(sys.argv[1])))
