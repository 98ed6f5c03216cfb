"""The sandbox judges the protocol on its own: it runs with none of the worker's code loaded
(lint-imports checks the source; this checks what an import actually pulls in)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import sys
import sandbox.app, sandbox.cli, sandbox.server  # everything `python -m sandbox` needs
loaded = sorted(m for m in sys.modules if m == "worker" or m.startswith("worker."))
print(" ".join(loaded))
"""


def test_importing_the_sandbox_loads_nothing_of_the_worker() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
