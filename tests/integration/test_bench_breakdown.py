"""The breakdown benchmark times the pass's own parts by reaching into the object graph: it
must keep up with that graph, or its figures silently stop being measured."""

from __future__ import annotations

import pytest

from bench.breakdown import main


def test_the_breakdown_runs_on_the_current_object_graph(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--rows", "3", "--db", "sqlite"])
    out = capsys.readouterr().out
    assert "HTTP call (sign, send, parse)" in out
    assert "total per meeting" in out
