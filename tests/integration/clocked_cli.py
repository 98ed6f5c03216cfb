"""A test entry point: `meeting-sync` whose clock runs ahead of the host's by the seconds
written in a file, so that a test moves the workers' time along with a sandbox's advanced
clock without waiting.

    python -m tests.integration.clocked_cli OFFSET_FILE run

The time comes in through the CLI's explicit ``clock`` seam; the product reads no clock
hook from anywhere.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from worker.cli import main


def file_clock(path: Path) -> Callable[[], float]:
    def now() -> float:
        return time.time() + float(path.read_text() or 0)

    return now


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[2:], clock=file_clock(Path(sys.argv[1]))))
