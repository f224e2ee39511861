"""One line of progress on a terminal, for long work: what each activity is doing, how far.

Job shells and adapters say what they are doing (`stage`, `advance`, `done`); the pure core
never does. Nothing is drawn unless the command turned it on (`shown_on`), which the CLI does
only when stderr is a terminal and neither --json, -q nor JSON logs were asked for: a
scheduler's logs never carry it. The line is redrawn in place at most ten times a second,
cleared before a log record prints (logs.configure's handler) and when the command ends.

Activities run at once (the folders job makes Drive changes in the background while the
progress tabs are written), so the line shows each activity under way, side by side. It is
module state, not a context variable: background threads report to the same line.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

REDRAW_SECONDS = 0.1
WIDTH = 100  # characters drawn at most: a narrow terminal wraps nothing more than this


@dataclass
class _Activity:
    text: str
    total: int | None
    done: int = 0

    def render(self) -> str:
        if self.total is None:
            return self.text
        return f"{self.text} {self.done:,}/{self.total:,}"


class _Line:
    def __init__(self, stream: TextIO, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._clock = clock
        self._activities: dict[str, _Activity] = {}
        self._drawn = 0  # characters on the line now
        self._last = -REDRAW_SECONDS
        self._lock = threading.Lock()

    def stage(self, activity: str, text: str, total: int | None) -> None:
        with self._lock:
            self._activities[activity] = _Activity(text, total)
            self._draw(force=True)

    def advance(self, activity: str, n: int) -> None:
        with self._lock:
            if activity in self._activities:
                self._activities[activity].done += n
                self._draw(force=False)

    def done(self, activity: str) -> None:
        with self._lock:
            if self._activities.pop(activity, None) is not None:
                self._draw(force=True)

    def clear(self) -> None:
        with self._lock:
            self._erase()

    def _draw(self, *, force: bool) -> None:
        now = self._clock()
        if not force and now - self._last < REDRAW_SECONDS:
            return
        self._last = now
        text = " · ".join(a.render() for a in self._activities.values())[:WIDTH]
        self._erase()
        if text:
            self._stream.write(text)
            self._stream.flush()
            self._drawn = len(text)

    def _erase(self) -> None:
        if self._drawn:
            self._stream.write("\r" + " " * self._drawn + "\r")
            self._stream.flush()
            self._drawn = 0


_line: _Line | None = None


@contextmanager
def shown_on(stream: TextIO, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Draw progress on `stream` while the block runs; the line is gone at its end."""
    global _line
    _line = _Line(stream, clock)
    try:
        yield
    finally:
        line = _line
        _line = None
        line.clear()


def stage(activity: str, text: str, total: int | None = None) -> None:
    """`activity` (e.g. "folders") is now doing `text`, of `total` steps if known."""
    if _line is not None:
        _line.stage(activity, text, total)


def advance(activity: str, n: int = 1) -> None:
    if _line is not None:
        _line.advance(activity, n)


def done(activity: str) -> None:
    if _line is not None:
        _line.done(activity)


@contextmanager
def activity(name: str, text: str) -> Iterator[None]:
    """`name` is doing `text` while the block runs."""
    stage(name, text)
    try:
        yield
    finally:
        done(name)


def clear() -> None:
    """Erase the line (before something else is written to the same stream)."""
    if _line is not None:
        _line.clear()
