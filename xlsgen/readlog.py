"""The reader's log: which cells were used, where each JSON path was read, and what went wrong.

Every part of the reader writes here and nothing else is shared between them. At the end every
non-empty cell of a form sheet is either used (read into a field, a label of the form, a computed cell)
or reported as an error at its cell: nothing a unit typed is dropped silently.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from .errors import ERROR, WARNING, Location, Problem
from .grid import Grid
from .safety import col_letters

READ_WARNING = "W-READ"
READ_ERROR = "E-READ"
LISTED = 50  # unplaced cells listed one by one; a sheet full of other content gets one line more
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # XML 1.0 cannot carry these
Cell = tuple[int, int]


class TableCells:
    """Where a table's rows were read: per row, its row and the cells its 一级/二级 (``names[:2]``) came
    from (a merged group's first cell, or one above); the other fields (``names[2:]``) sit on the row
    itself, in ``cols``. The paths ``<prefix>[i].<name>`` are made only if someone asks where a path
    was read (most imports never do)."""

    __slots__ = ("cols", "names", "prefix", "rows")

    def __init__(self, prefix: str, names: tuple[str, ...], cols: tuple[int, ...]) -> None:
        self.prefix = prefix
        self.names = names
        self.cols = cols
        self.rows: list[tuple[int, Cell, Cell]] = []

    def items(self) -> list[tuple[str, Cell]]:
        (n1, n2), others = self.names[:2], list(zip(self.names[2:], self.cols, strict=True))
        out: list[tuple[str, Cell]] = []
        for i, (r, at1, at2) in enumerate(self.rows):
            at = f"{self.prefix}[{i}]."
            out += [(at + n1, at1), (at + n2, at2)]
            out += [(at + n, (r, c)) for n, c in others]
        return out


# Placed cells in the order they were placed: single paths (values: grid, row, col), or a block of one
# grid under a prefix (its fields, then its table).
_Chunk = tuple[str, Grid | None, dict[str, Any], TableCells | None]


Used = defaultdict[int, set[int]]  # the columns used, by row


class ReadLog:
    def __init__(self, source: str) -> None:
        self.source = source
        # The cells used, by sheet name, as columns by row: unplaced then compares a row's cells with
        # its used columns at once, and a table marks a row's cells in one go.
        self._used: dict[str, Used] = {}
        self.problems: list[Problem] = []
        self.shown: dict[str, Any] = {}  # computed cells: JSON path → what the cell shows
        self._placed: list[_Chunk] = []  # where each JSON path was read, see where()

    def block(self) -> ReadLog:
        """A log of its own for the paths placed and the computed cells shown, sharing the cells used and
        the problems with this one: a project block's paths are placed once its project's index is known."""
        sub = ReadLog(self.source)
        sub._used, sub.problems = self._used, self.problems
        return sub

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

    def marks(self, g: Grid) -> Used:
        """The grid's used cells, for a loop that marks many (``marks(g)[r].add(c)`` is ``mark(g, r, c)``)."""
        used = self._used.get(g.name)
        if used is None:
            used = self._used[g.name] = defaultdict(set)
        return used

    def mark(self, g: Grid, r: int, c: int) -> None:
        self.marks(g)[r].add(c)

    def place(self, path: str, g: Grid, r: int, c: int) -> None:
        """JSON path ``path`` was read from (r, c)."""
        self.single()[path] = (g, r, c)

    def single(self) -> dict[str, tuple[Grid, int, int]]:
        """Where single paths go now (``single()[path] = (g, r, c)`` is ``place``): valid until the next
        ``place_block``."""
        placed = self._placed
        if not placed or placed[-1][1] is not None:
            placed.append(("", None, {}, None))
        return placed[-1][2]

    def place_first(self, path: str, g: Grid, r: int, c: int) -> None:
        """``place``, unless the path was placed already."""
        if path not in self.where():  # only for a cell that could not be read: rare
            self.place(path, g, r, c)

    def place_block(self, prefix: str, g: Grid, cells: dict[str, Cell], table: TableCells | None = None) -> None:
        """Many paths of one grid at once, each prefixed with ``prefix``: ``cells`` (path → (row, col)),
        then ``table``'s (the dicts are kept, not copied: they must not change afterwards)."""
        self._placed.append((prefix, g, cells, table))

    def placed(self) -> dict[str, tuple[Grid, int, int]]:
        """The single paths placed so far (a log of one block: see read.read_project)."""
        return {path: at for chunk in self._placed if chunk[1] is None for path, at in chunk[2].items()}

    def where(self) -> dict[str, tuple[Grid, int, int]]:
        """JSON path → the cell it was read from, in the order placed; a path placed again keeps its
        first position and takes its last cell, as in a dict updated in that order."""
        out: dict[str, tuple[Grid, int, int]] = {}
        for prefix, g, cells, table in self._placed:
            if g is None:
                out.update(cells)
                continue
            out.update({prefix + path: (g, r, c) for path, (r, c) in cells.items()})
            if table is not None:
                out.update({prefix + path: (g, r, c) for path, (r, c) in table.items()})
        return out

    def cell_names(self) -> dict[str, str]:
        """JSON path → ``sheet!A1``, as ``where`` orders them: ``sheet!A`` made once per column."""
        heads: dict[tuple[int, int], str] = {}
        out: dict[str, str] = {}

        def name(g: Grid, r: int, c: int) -> str:
            head = heads.get((id(g), c))
            if head is None:
                head = heads[(id(g), c)] = f"{g.name}!{col_letters(c + g.col0)}"
            return head + str(r + 1)

        for prefix, g, cells, table in self._placed:
            if g is None:
                for path, (g2, r, c) in cells.items():
                    out[path] = name(g2, r, c)
                continue
            for path, (r, c) in cells.items():
                out[prefix + path] = name(g, r, c)
            if table is not None:
                for path, (r, c) in table.items():
                    out[prefix + path] = name(g, r, c)
        return out

    def take(self, g: Grid, r: int, c: int) -> str:
        """Mark a cell as read and return its text (control characters, which XML cannot hold, removed)."""
        self.marks(g)[r].add(c)
        row = g.rows.get(r)
        v = row.get(c) if row else None
        text = "" if v is None else v if v.__class__ is str else g.text(r, c)  # g.text, inline for text
        if text and not text.isprintable() and _CONTROL.search(text):  # control characters are unprintable
            self.warn(g, r, c, "含有不可见的控制字符，已删除")
            text = _CONTROL.sub("", text)
        return text

    def show(self, path: str, g: Grid, r: int, c: int) -> None:
        """A computed cell: not data, but where it is and what it shows go to the validator."""
        self.marks(g)[r].add(c)
        self.place(path, g, r, c)
        if g.value(r, c) is not None:
            self.shown[path] = g.value(r, c)

    def unplaced(self, g: Grid, known: Any) -> None:
        """An error for every non-empty cell neither used nor ``known(text)`` (a label of the form)."""
        used, rows = self._used.get(g.name, {}), g.rows
        left = []
        for r in sorted(rows):  # g.cells(), a row at a time
            line, done = rows[r], used.get(r)
            if done is None or not done.issuperset(line):
                left += [(r, c) for c in sorted(line) if (done is None or c not in done) and not known(g.text(r, c))]
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

    def cell_of(self, path: str, where: dict[str, tuple[Grid, int, int]] | None = None) -> tuple[Grid, int, int] | None:
        """The cell a JSON path was read from, or the nearest enclosing field's cell (``where``: the
        log's ``where()``, made once for many paths)."""
        cells = self.where() if where is None else where
        while path not in cells:
            shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", path)
            if shorter == path:
                return None
            path = shorter
        return cells[path]
