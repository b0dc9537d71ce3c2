"""The laid-out form: a ``Sheet`` of ``Cell``s, as ``layout`` makes it from a template and ``pages`` fits
and paginates it; the renderer writes it, the reader derives its anchors from it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import LayoutError, Location


@dataclass(slots=True)
class Cell:
    row: int
    col: int
    last_row: int
    last_col: int
    value: str
    style: str
    field: str | None = None
    formula: str | None = None
    list: str | None = None
    list_style: str = "stop"
    split: bool = False  # a page break may fall inside this merge: split there, the label printed again
    room: str | None = None  # an empty input without a field: the kind of entry to keep room for
    kind: str = "text"  # what the field holds, for the reader: text, money, percent, numbered, date, year

    @property
    def merged(self) -> bool:
        return self.last_row > self.row or self.last_col > self.col

    def again(self, row: int, last_row: int) -> Cell:
        """The cell printed again at rows row..last_row (a split label's lower part, a repeated header):
        no field and no formula, so that the reader and the formulas see only the original. Spelled out
        rather than ``dataclasses.replace``, which costs several times more per copy."""
        return Cell(
            row, self.col, last_row, self.last_col, self.value, self.style, None, None,
            self.list, self.list_style, self.split, self.room, self.kind,
        )  # fmt: skip


@dataclass
class Table:
    """An indicator table's rows (zero-based): ``head`` header rows from ``first``, its body to ``last``."""

    first: int
    head: int
    last: int


@dataclass
class Sheet:
    name: str
    template: str
    version: str
    widths: list[float]
    cells: list[Cell]
    n_rows: int
    breaks: list[int] = field(default_factory=list)
    keep: list[tuple[int, int]] = field(default_factory=list)
    sections: dict[str, int] = field(default_factory=dict)
    repeat_rows: tuple[int, int] | None = None  # zero-based, inclusive
    heights: list[float] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    with_prev: list[int] = field(default_factory=list)  # rows a page may not start at

    def by_field(self) -> dict[str, Cell]:
        return {c.field: c for c in self.cells if c.field}

    @property
    def origin(self) -> Location:
        """The template file, where a layout error is to be fixed."""
        return Location(f"{self.template}.html.j2")

    def formula_a1(self, cell: Cell, fields: dict[str, Cell] | None = None) -> str:
        """The cell's formula with every ``{path}`` replaced by the A1 address of the cell showing it."""
        fields = fields if fields is not None else self.by_field()

        def resolve(m: re.Match[str]) -> str:
            target = fields.get(m.group(1))
            if target is None:
                raise LayoutError(f"公式引用了表中没有的字段 {m.group(1)}", self.origin)
            return a1(target.row, target.col)

        assert cell.formula is not None
        return "=" + re.sub(r"\{([^{}]+)\}", resolve, cell.formula)


@lru_cache(maxsize=8192)
def a1(row: int, col: int) -> str:
    """Zero-based (row, col) → ``A1``."""
    return f"{col_name(col)}{row + 1}"


def col_name(col: int) -> str:
    """Zero-based column → ``A``…``XFD``, as xlsxwriter's xl_col_to_name (which would need xlsxwriter
    imported, a tenth of a one-unit process, where nothing else does)."""
    name = ""
    col += 1
    while col > 0:
        col, rest = divmod(col - 1, 26)
        name = chr(65 + rest) + name
    return name
