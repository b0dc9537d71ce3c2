"""What the CLI says on stderr: an error line (:func:`fail`), and the bulk run's progress, click's
progress bar on a terminal and plain lines elsewhere.

On a stream that is not a terminal (a log file, CI) click's bar would print nothing but its label, so a
plain line is printed every 10 % instead of redrawing, and logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import IO

import click


def fail(message: str) -> None:
    """One error line on stderr: ``错误：<message>``."""
    click.echo(f"错误：{message}", err=True)


def clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Units done / total, failures so far, elapsed time and what remains, as one line."""

    def __init__(self, total: int, stream: IO[str] | None = None, enabled: bool = True, width: int = 24) -> None:
        self.total, self.enabled = total, enabled and total > 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.start = time.monotonic()
        self.done = self.failed = 0
        self._shown = False
        self._step = -1
        self._bar = click.progressbar(
            length=max(total, 1),
            file=self.stream,  # type: ignore[arg-type]
            width=width,
            fill_char="#",
            empty_char="-",
            bar_template="[%(bar)s] %(info)s",
            show_pos=True,
            show_percent=False,
            show_eta=False,  # our own 剩余, in the words of the rest of the line
            item_show_func=self._info,
        )

    def _info(self, _item: object = None) -> str:
        elapsed = time.monotonic() - self.start
        eta = clock(elapsed / self.done * (self.total - self.done)) if self.done else "--:--"
        return f"失败 {self.failed}  已用 {clock(elapsed)}  剩余 {eta}"

    def render(self) -> str:
        return self._bar.format_progress_line()

    def update(self, done: int, failed: int) -> None:
        self.done, self.failed = done, failed
        if not self.enabled:
            return
        if self.tty:
            self._bar.update(done - self._bar.pos)
            self._bar.render_progress()  # click redraws at most once per step; the count must show now
            self._shown = True
        else:
            step = done * 10 // self.total
            if step != self._step:
                self._step = step
                self._bar.pos = done
                self.stream.write(self.render() + "\n")
                self.stream.flush()

    def message(self, line: str) -> None:
        """Print a line (a failed unit) without tearing the bar."""
        redraw = self.enabled and self.tty and self._shown
        if redraw:
            self.stream.write("\r\x1b[K")
        self.stream.write(line + "\n")
        if redraw:  # the bar was wiped: draw it again below the line, even if unchanged
            self.stream.write(self.render() + "\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.tty and self._shown:
            self._bar.render_finish()  # the cursor click hid while drawing comes back, on a new line
            self.stream.flush()
