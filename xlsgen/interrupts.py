"""Ctrl-C and ``kill`` during a long run (issue 13 §4): the first asks it to stop, the second to stop now.

A ``KeyboardInterrupt`` raised wherever the main thread happens to be (inside concurrent.futures'
bookkeeping, halfway through saving the manifest) is what made a run hang in multiprocessing's exit
handler or print ``OSError: handle is closed``. So while a run is in progress SIGINT and SIGTERM only
count: the run looks at the count between units, stops starting new ones after the first signal and
lets the running ones finish (their workbooks complete), and after the second ends its worker
processes at once. Only when units run in this very process does the second signal raise
``KeyboardInterrupt`` (the unit in progress is abandoned; its temporary file is removed). A third
signal, should stopping itself ever stall, ends the process outright.

Outside the main thread (xlsgen used as a library from a thread) signal handlers cannot be installed,
and the run keeps Python's default behaviour.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)
GIVE_UP = "\n已强行中止（第三次中断）。输出目录中可能留有 .~*.tmp 临时文件，下次运行会自动清除。\n"


class Interrupts:
    """Counts SIGINT/SIGTERM while active (a context manager); ``announce`` reports new ones."""

    def __init__(self, in_process: bool, on_signal: Callable[[int], None] | None = None) -> None:
        self.in_process = in_process
        self.on_signal = on_signal
        self.count = 0
        self._announced = 0
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.count:
            # A stop was asked for, so the process is on its way out: a late second Ctrl-C must not
            # raise KeyboardInterrupt while it reports and exits (Python then dies by SIGINT, exit -2).
            # The handler stays, counting; the third signal still ends the process outright.
            self.in_process = False
            return
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.count += 1
        if self.count >= 3:
            os.write(2, GIVE_UP.encode("utf-8"))
            os._exit(1)
        if self.count >= 2 and self.in_process:
            raise KeyboardInterrupt

    @property
    def stopping(self) -> bool:
        """No new unit may start."""
        return self.count >= 1

    @property
    def now(self) -> bool:
        """Running units are abandoned."""
        return self.count >= 2

    def announce(self) -> None:
        """Tell ``on_signal`` about signals received since the last call (from the run's own loop)."""
        while self._announced < min(self.count, 2):
            self._announced += 1
            if self.on_signal is not None:
                self.on_signal(self._announced)


def ignore_in_worker() -> None:
    """A worker process lets the main process decide: Ctrl-C (sent to the whole process group) is
    ignored, and SIGTERM, which the pool uses to end a worker, is not the CLI's handler but the default
    one, so the worker really ends."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
