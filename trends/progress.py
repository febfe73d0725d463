"""How far a long run has got, shown on a terminal only.

Jobs say how far they are (`start` a task with its total, `advance` it) whoever listens, the
way they would log: sources fetched, items extracted, clients scored, digests sent. The CLI
listens with `on_terminal()`, which draws progress bars (rich) on stderr when it is a terminal
and nothing at all when it is piped or redirected (cron, `| tee`, CI). The bars are transient:
once the run is done they give way to its summary lines. Outside `reporting` the calls do
nothing, so the flows and the tests pay nothing for them.

The listener is a context variable, not a parameter threaded through every job: a run's jobs
call into each other several layers deep, and only the entry point knows whether anyone is
watching. Calls from other threads than the run's are not shown (contextvars do not follow
into a thread pool): jobs report from the thread that started the run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TextIO

__all__ = ["Reporter", "advance", "on_terminal", "reporting", "start"]


class Reporter(Protocol):
    """Whatever shows progress: a terminal's bars, a test's list."""

    def start(self, task: str, total: int | None) -> None: ...
    def advance(self, task: str, n: int) -> None: ...


_LISTENER: ContextVar[Reporter | None] = ContextVar("trends_progress", default=None)


def start(task: str, total: int | None = None) -> None:
    """A task of `total` steps begins (`total` adds up when the same task starts again, as
    extraction does batch after batch); None when the total is not known."""
    listener = _LISTENER.get()
    if listener is not None:
        listener.start(task, total)


def advance(task: str, n: int = 1) -> None:
    """`n` more steps of `task` are done."""
    listener = _LISTENER.get()
    if listener is not None:
        listener.advance(task, n)


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send the progress of what runs in this block to `reporter`."""
    token = _LISTENER.set(reporter)
    try:
        yield
    finally:
        _LISTENER.reset(token)


@contextmanager
def on_terminal(stream: TextIO | None = None) -> Iterator[None]:
    """Progress bars on `stream` (default stderr) while the block runs, if it is a terminal;
    otherwise nothing, and rich is not even imported."""
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, stderr=stream is sys.stderr)
    if console.is_dumb_terminal or not console.is_terminal:
        yield
        return
    bars = Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)
    with bars, reporting(_Bars(bars)):
        yield


class _Bars:
    """A Reporter over rich's Progress: one bar per task."""

    def __init__(self, bars: Any) -> None:
        self.bars = bars
        self.tasks: dict[str, Any] = {}
        self.totals: dict[str, int | None] = {}

    def start(self, task: str, total: int | None) -> None:
        if task in self.tasks:
            if total is not None:
                self.totals[task] = (self.totals[task] or 0) + total
                self.bars.update(self.tasks[task], total=self.totals[task])
            return
        self.totals[task] = total
        self.tasks[task] = self.bars.add_task(task, total=total)

    def advance(self, task: str, n: int) -> None:
        if task not in self.tasks:
            self.start(task, None)
        self.bars.advance(self.tasks[task], n)
