"""The progress of `once` on a backlog: a bar on a terminal (rich), plain lines every
``every`` seconds otherwise (cron mail, journald). Rows done, rate and time left; the clock
is injected, and the figures are a pure function of it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import IO, Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

PLAIN_EVERY_SECONDS = 10.0


class RowProgress(Protocol):
    def __call__(self, outcome: str) -> None: ...

    def close(self) -> None: ...


def figures(done: int, total: int, elapsed: float) -> tuple[float | None, float | None]:
    """(rows a second, seconds left) so far; None where nothing can be said yet."""
    if done <= 0 or elapsed <= 0:
        return None, None
    rate = done / elapsed
    return rate, max(0, total - done) / rate


def describe(done: int, total: int, elapsed: float) -> str:
    rate, left = figures(done, total, elapsed)
    shown_rate = "-" if rate is None else f"{rate:.1f}/s"
    shown_left = "-" if left is None else f"{left:.0f}s"
    return f"done={done}/{total} rate={shown_rate} eta={shown_left}"


class PlainProgress:
    def __init__(
        self,
        total: int,
        out: IO[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        every: float = PLAIN_EVERY_SECONDS,
    ) -> None:
        self.total, self.out, self.clock, self.every = total, out, clock, every
        self.done = 0
        self.started = self.last = clock()
        self._line("progress_started")

    def __call__(self, outcome: str) -> None:
        self.done += 1
        if self.clock() - self.last >= self.every:
            self.last = self.clock()
            self._line("progress")

    def close(self) -> None:
        self._line("progress_done")

    def _line(self, event: str) -> None:
        elapsed = self.clock() - self.started
        self.out.write(f"{event} {describe(self.done, self.total, elapsed)}\n")
        self.out.flush()


class BarProgress:
    def __init__(
        self, total: int, out: IO[str], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.total, self.clock = total, clock
        self.started = clock()
        self.done = 0
        self._bar = Progress(
            TextColumn("syncing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[figures]}"),
            console=Console(file=out),
            get_time=clock,
            transient=False,
        )
        self._task = self._bar.add_task("rows", total=total, figures="")
        self._bar.start()

    def __call__(self, outcome: str) -> None:
        self.done += 1
        rate, left = figures(self.done, self.total, self.clock() - self.started)
        text = "" if rate is None or left is None else f"{rate:.1f} rows/s, {left:.0f}s left"
        self._bar.update(self._task, advance=1, figures=text)

    def close(self) -> None:
        self._bar.stop()


def progress_for(
    total: int,
    out: IO[str],
    *,
    threshold: int,
    clock: Callable[[], float] = time.monotonic,
) -> RowProgress | None:
    """A bar or plain lines for a backlog of more than ``threshold`` rows; None for less."""
    if total <= threshold:
        return None
    if out.isatty():
        return BarProgress(total, out, clock=clock)
    return PlainProgress(total, out, clock=clock)
