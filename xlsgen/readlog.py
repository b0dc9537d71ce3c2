"""The reader's log: which cells were used, where each JSON path was read, and what went wrong.

Every part of the reader writes here and nothing else is shared between them. At the end every
non-empty cell of a form sheet is either used (read into a field, a label of the form, a computed cell)
or reported as an error at its cell: nothing a unit typed is dropped silently.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ERROR, WARNING, Location, Problem
from .grid import Grid

READ_WARNING = "W-READ"
READ_ERROR = "E-READ"
LISTED = 50  # unplaced cells listed one by one; a sheet full of other content gets one line more
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # XML 1.0 cannot carry these


class ReadLog:
    def __init__(self, source: str) -> None:
        self.source = source
        self.used: set[tuple[str, int, int]] = set()
        self.cells: dict[str, tuple[Grid, int, int]] = {}  # JSON path → where it was read
        self.problems: list[Problem] = []
        self.shown: dict[str, Any] = {}  # computed cells: JSON path → what the cell shows

    # ---------------------------------------------------------------- problems

    def at(self, g: Grid, r: int, c: int) -> Location:
        return Location(self.source, sheet=g.name, cell=g.a1(r, c))

    def warn(self, g: Grid, r: int, c: int, message: str) -> None:
        self.problems.append(Problem(WARNING, READ_WARNING, message, self.at(g, r, c)))

    def error(self, g: Grid, r: int, c: int, message: str) -> None:
        self.problems.append(Problem(ERROR, READ_ERROR, message, self.at(g, r, c)))

    def note(self, message: str) -> None:
        self.problems.append(Problem(WARNING, READ_WARNING, message, Location(self.source)))

    # ---------------------------------------------------------------- cells

    def mark(self, g: Grid, r: int, c: int) -> None:
        self.used.add((g.name, r, c))

    def place(self, path: str, g: Grid, r: int, c: int) -> None:
        self.cells[path] = (g, r, c)

    def take(self, g: Grid, r: int, c: int) -> str:
        """Mark a cell as read and return its text (control characters, which XML cannot hold, removed)."""
        self.used.add((g.name, r, c))
        row = g.rows.get(r)
        v = row.get(c) if row else None
        text = "" if v is None else v if v.__class__ is str else g.text(r, c)  # g.text, inline for text
        if text and _CONTROL.search(text):
            self.warn(g, r, c, "含有不可见的控制字符，已删除")
            text = _CONTROL.sub("", text)
        return text

    def show(self, path: str, g: Grid, r: int, c: int) -> None:
        """A computed cell: not data, but where it is and what it shows go to the validator."""
        self.used.add((g.name, r, c))
        self.place(path, g, r, c)
        if g.value(r, c) is not None:
            self.shown[path] = g.value(r, c)

    def unplaced(self, g: Grid, known: Any) -> None:
        """An error for every non-empty cell neither used nor ``known(text)`` (a label of the form)."""
        name, used, rows = g.name, self.used, g.rows
        left = [
            (r, c)
            for r in sorted(rows)
            for c in sorted(rows[r])
            if (name, r, c) not in used and not known(g.text(r, c))
        ]  # g.cells(), inline
        for r, c in left[:LISTED]:
            text = g.text(r, c).replace("\n", " ")
            self.error(
                g, r, c,
                f"“{text[:30]}{'…' if len(text) > 30 else ''}”不在表格的任何栏目中，未读取："
                "请把它移到对应的栏目里，或删除",
            )  # fmt: skip
        if len(left) > LISTED:
            self.problems.append(
                Problem(
                    ERROR,
                    READ_ERROR,
                    f"另有 {len(left) - LISTED} 个单元格的内容不在表格的任何栏目中，未读取：请把它们移到对应的栏目里，或删除",
                    Location(self.source, sheet=g.name),
                )
            )

    def cell_of(self, path: str) -> tuple[Grid, int, int] | None:
        """The cell a JSON path was read from, or the nearest enclosing field's cell."""
        while path not in self.cells:
            shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", path)
            if shorter == path:
                return None
            path = shorter
        return self.cells[path]
