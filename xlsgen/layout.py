"""Layout: Unit ─(Jinja template)→ HTML table markup ─(parse)→ Grid (a ``Sheet`` of ``Cell``).

A template renders one HTML ``<table>`` per sheet. The markup is the whole contract between a form's
shape and the code, so it is small:

``<table data-sheet data-template data-version data-repeat-rows>``
    sheet name, template name and version (stored in the workbook for the reader), and the rows
    (1-based, ``first:last``) printed again at the top of every page, if any.
``<col data-width>``
    column widths in Excel character units, one per column.
``<tr data-break data-keep data-section data-block data-table data-with-prev>``
    a page break before this row; keep this row and the next ``n - 1`` on one page; the anchor of a
    section; a row of a repeating block; the first of an indicator table's ``n`` header rows (the
    table runs to the row before the next ``data-section``/``data-table``/``data-break`` row, or the
    end), repeated at the top of a page the table continues on; never start a page at this row.
``<td rowspan colspan class data-field data-kind data-formula data-list data-list-style data-split data-room>``
    the merge, the style (``styles.STYLES``), the JSON path the cell shows
    (``annual.indicators[3].value``), what that field holds for the reader (``text`` when absent,
    ``money``, ``percent``, ``numbered``, ``date``, ``year``; a ``date`` or ``year`` inside a label's
    text, as in ``（截止2026年）``, is read out of the label; several cells may show one field), a
    formula whose ``{path}`` references are resolved to the cells showing those paths, the drop-down
    list (``basis``, ``kind``, ``category``) it takes, whether a page break may fall inside the merge
    (it is split there and its label printed again), and, for an input with no field, which kind of
    entry (``TYPICAL_ENTRY``) its row keeps room for.

Spans come from the data (``runs``); the parser places cells with the HTML table algorithm and checks
the result: no cell outside the declared columns, no overlapping merge, no row left with a hole.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import jinja2

from . import forms, styles
from .errors import LayoutError, Location
from .model import Expense, Income, SpendPlan, Unit

TEMPLATE_VERSION = "1"
_HERE = Path(__file__).resolve().parent
# An installed wheel carries the templates inside the package (pyproject maps templates/ there); a
# checkout or an editable install reads the top-level templates/ itself.
TEMPLATES_DIR = _HERE / "templates" if (_HERE / "templates").is_dir() else _HERE.parent / "templates"
TEMPLATES = ("dept_overall", "project")


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
    from xlsxwriter.utility import xl_rowcol_to_cell  # here: reading a workbook needs no writer

    return xl_rowcol_to_cell(row, col)


# ---------------------------------------------------------------- template helpers


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def share(amount: Decimal | None, total: Decimal | None) -> str:
    if amount is None or not total:
        return "0" if total is not None else ""
    return str(amount / total)


def numbered(items: list[str], pattern: str) -> str:
    return "\n".join(pattern.format(n=i, text=t) for i, t in enumerate(items, 1))


def cn_date(day: _dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年  月  日"


def runs(rows: list[Any], *keys: str) -> list[int]:
    """Rowspans of consecutive rows sharing ``keys``: the span at a run's first row, 0 elsewhere."""
    spans = [0] * len(rows)
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or any(getattr(rows[i], k) != getattr(rows[start], k) for k in keys):
            spans[start] = i - start
            start = i
    return spans


def ref(path: str) -> str:
    return "{" + path + "}"


def _fixed(indicator: Any) -> bool:
    return indicator.level3 in (forms.fixed_level3(indicator.level1, indicator.level2) or ())


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from .tplcache import bytecode_cache

    options: dict[str, Any] = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": False}
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), bytecode_cache=bytecode_cache(**options), **options
    )
    env.globals.update(
        money=money,
        share=share,
        numbered=numbered,
        cn_date=cn_date,
        runs=runs,
        ref=ref,
        fixed=_fixed,
        version=TEMPLATE_VERSION,
        DEPT_SHEET=forms.DEPT_SHEET,
        PROJECT_SHEET=forms.PROJECT_SHEET,
        NOTES=forms.NOTES,
        PARTS={"income": Income.PARTS, "expense": Expense.PARTS},
        CHECKPOINTS=SpendPlan.CHECKPOINTS,
    )
    return env


def markup(template: str, unit: Unit, sections: dict[str, bool] | None = None) -> str:
    """The HTML a template renders for a unit (open it in a browser for a quick preview)."""
    shown = unit.sections.model_dump()
    shown.update(sections or {})
    return environment().get_template(f"{template}.html.j2").render(unit=unit, sections=shown)


def build(unit: Unit, sections: dict[str, bool] | None = None) -> list[Sheet]:
    """Every sheet of a unit's workbook, laid out and fitted; a unit with no projects has one sheet."""
    sheets = [parse(markup("dept_overall", unit, sections))]
    if unit.projects:
        sheets.append(parse(markup("project", unit, sections)))
    for sheet in sheets:
        fit_heights(sheet)
        plan_pages(sheet)
    return sheets


# ---------------------------------------------------------------- markup → Sheet


# A cell whole (its text never holds "<": the templates autoescape it), or any other opening tag. An
# attribute's quoted value may hold ">" (a formula's IF({a}>0,…)). The tokenizer that minds quotes
# (_QUOTED) costs almost twice the plain one (_TOKEN), so the plain one reads the markup and a tag it
# cut inside a quoted value shows as an odd number of quotes (a value's own quotes are escaped):
# then the markup is read again with _QUOTED.
_TOKEN = re.compile(r"<td([^>]*)>([^<]*)</td>|<([a-z]+)([^>]*)>")
_ATTRS = r'([^>"]*(?:"[^"]*"[^>"]*)*)'
_QUOTED = re.compile(rf"<td{_ATTRS}>([^<]*)</td>|<([a-z]+){_ATTRS}>")


class _Cut(Exception):
    """The plain tokenizer cut a tag inside a quoted value."""


_ATTR = re.compile(r'([a-z][a-z0-9-]*)(?:="([^"]*)")?')


def _attrs(text: str) -> dict[str, str]:
    if "&" in text:
        return {k: html.unescape(v) for k, v in _ATTR.findall(text)}
    return dict(_ATTR.findall(text))


@lru_cache(maxsize=16384)  # a county repeats the same cell attributes (paths, styles) unit after unit
def _td(text: str) -> tuple[Any, ...]:
    """A ``td``'s rowspan, colspan and Cell's fields from ``style`` on, as its attributes give them."""
    if text.count('"') & 1:
        raise _Cut
    a = _attrs(text)
    return (
        int(a.get("rowspan") or 1),
        int(a.get("colspan") or 1),
        (
            a.get("class", "label"),
            a.get("data-field") or None,
            a.get("data-formula") or None,
            a.get("data-list") or None,
            a.get("data-list-style", "stop"),
            "data-split" in a,
            a.get("data-room"),
            a.get("data-kind", "text"),
        ),
    )


class _TableParser:
    """Places the cells of our markup with the HTML table algorithm.

    The markup is a small fixed dialect (quoted attributes, no comments, text only inside ``td``), so a
    regular-expression tokenizer reads it several times faster than ``html.parser``, which matters when
    a county's 300 units are laid out in one run. Which cells of a row are taken is kept as one bit
    per column (``taken[row]``), so placing a cell costs a few integer operations.
    """

    def __init__(self) -> None:
        self.meta: dict[str, str] = {}
        self.widths: list[float] = []
        self.cells: list[Cell] = []
        self.breaks: list[int] = []
        self.keep: list[tuple[int, int]] = []
        self.sections: dict[str, int] = {}
        self.tables: list[Table] = []
        self.with_prev: list[int] = []
        self.row = -1
        self.bottom = -1  # the last row any cell reaches
        self.taken: list[int] = []  # per row, bit c set: column c is taken

    def feed(self, markup_: str, tokens: re.Pattern[str] = _TOKEN) -> None:
        cells, taken, widths, known = self.cells, self.taken, self.widths, styles.STYLES
        row, col, bottom = self.row, 0, self.bottom  # col: where the next cell of the row may start
        for td_attrs, text, tag, attrs in tokens.findall(markup_):
            if tag:
                if attrs.count('"') & 1:
                    raise _Cut
                if tag == "tr":
                    row += 1
                    col = 0
                    if len(taken) == row:
                        taken.append(0)
                    if attrs:
                        self.row = row
                        self.start_row(_attrs(attrs))
                else:
                    self.start(tag, _attrs(attrs))
                continue
            rows, cols, details = _td(td_attrs)
            occupied = taken[row]
            while occupied >> col & 1:  # skip the cells that rowspans from the rows above cover
                col += 1
            if "&" in text:
                text = html.unescape(text)
            if details[0] not in known:
                raise LayoutError(f"{a1(row, col)} 使用了未定义的样式 {details[0]}", self.origin)
            if rows == cols == 1 and col < len(widths):  # the common case: one plain cell
                cells.append(Cell(row, col, row, col, text, *details))
                taken[row] = occupied | 1 << col
                if row > bottom:
                    bottom = row
                col += 1
                continue
            cell = Cell(row, col, row + rows - 1, col + cols - 1, text, *details)
            self.take(cell)
            cells.append(cell)
            bottom = max(bottom, cell.last_row)
            col = cell.last_col + 1
        self.row, self.bottom = row, bottom

    def take(self, cell: Cell) -> None:
        """Mark a merge's cells taken, refusing one outside the columns or over a taken cell."""
        if cell.last_col >= len(self.widths):
            raise LayoutError(f"{a1(cell.row, cell.col)} 处的单元格超出了 {len(self.widths)} 列", self.origin)
        taken = self.taken
        while len(taken) <= cell.last_row:
            taken.append(0)
        bits = ((1 << (cell.last_col - cell.col + 1)) - 1) << cell.col
        for r in range(cell.row, cell.last_row + 1):
            if overlap := taken[r] & bits:
                c = (overlap & -overlap).bit_length() - 1  # the first taken column, as a row is read
                raise LayoutError(
                    f"合并区域 {a1(cell.row, cell.col)}:{a1(cell.last_row, cell.last_col)} 与已有单元格 {a1(r, c)} 重叠",
                    self.origin,
                )
            taken[r] |= bits

    def start(self, tag: str, a: dict[str, str]) -> None:
        if tag == "table":
            self.meta = a
        elif tag == "col":
            self.widths.append(float(a["data-width"]))

    def start_row(self, a: dict[str, str]) -> None:
        """A ``tr`` with attributes, at ``self.row``."""
        row = self.row
        if "data-break" in a:
            self.breaks.append(row)
        if "data-keep" in a:
            self.keep.append((row, row + int(a["data-keep"]) - 1))
        if "data-section" in a:
            self.sections[a["data-section"]] = row
        if ("data-section" in a or "data-table" in a or "data-break" in a) and self.tables:
            self.close_table(row - 1)
        if "data-table" in a:
            self.tables.append(Table(row, int(a["data-table"]), -1))
        if "data-with-prev" in a:
            self.with_prev.append(row)

    def close_table(self, last: int) -> None:
        if self.tables[-1].last < 0:
            self.tables[-1].last = last

    def holes(self, n_rows: int) -> list[tuple[int, int]]:
        """The grid's cells no cell covers, in reading order."""
        full = (1 << len(self.widths)) - 1
        found = []
        for r in range(n_rows):
            free = ~(self.taken[r] if r < len(self.taken) else 0) & full
            while free:
                low = free & -free
                found.append((r, low.bit_length() - 1))
                free ^= low
        return found

    @property
    def template(self) -> str | None:
        return self.meta.get("data-template")

    @property
    def origin(self) -> Location:
        return Location(f"{self.template}.html.j2")


def parse(markup_: str) -> Sheet:
    """Lay out a template's markup as a checked ``Sheet``."""
    p = _TableParser()
    try:
        p.feed(markup_)
    except _Cut:
        p = _TableParser()
        p.feed(markup_, _QUOTED)
    n_rows = p.bottom + 1 if p.cells else max(c.last_row for c in p.cells) + 1  # none: max() refuses
    if p.tables:
        p.close_table(n_rows - 1)
    holes = p.holes(n_rows)
    if holes:
        raise LayoutError(f"第 {holes[0][0] + 1} 行缺少单元格 {a1(*holes[0])}", p.origin)
    repeat = p.meta.get("data-repeat-rows")
    return Sheet(
        name=p.meta["data-sheet"],
        template=p.meta["data-template"],
        version=p.meta["data-version"],
        widths=p.widths,
        cells=p.cells,
        n_rows=n_rows,
        breaks=p.breaks,
        keep=p.keep,
        sections=p.sections,
        repeat_rows=(int(repeat.split(":")[0]) - 1, int(repeat.split(":")[1]) - 1) if repeat else None,
        tables=p.tables,
        with_prev=p.with_prev,
    )


# ---------------------------------------------------------------- text metrics and row heights

# Characters that may not begin a line (Chinese line-breaking rule); the renderer pushes the
# character before them down with them, so a line can only get shorter.
NO_LINE_START = set("，。；：、）》”！？％,.;:!?)]}’")
# Line pitch / font size: LibreOffice spaces Noto CJK at about 1.37, Excel spaces 宋体 at about 1.35; the rest is margin.
LINE_FACTOR = 1.45
CELL_PADDING_PT = 4.0
CELL_PADDING_PX = 4  # text area lost to the cell's left and right insets
MIN_ROW_PT = 20.0


def column_px(width: float) -> int:
    """Excel's pixel width of a column of ``width`` characters (default font, 7 px digits)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


@lru_cache(maxsize=4096)
def _em(ch: str) -> float:
    # Half-width: 宋体 draws 0.5 em, but LibreOffice's Latin fallback (DejaVu) draws digits at 0.64 em.
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.64


def char_px(ch: str, size_pt: float) -> float:
    return _em(ch) * size_pt * 96 / 72


_TOKENS = re.compile(r"[A-Za-z0-9.%+\-]+|.", re.DOTALL)


def count_lines(text: str, width_px: float, size_pt: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width_px`` wide (full-width CJK, line-start rule)."""
    em_px = size_pt * 96 / 72
    limit = max(width_px - CELL_PADDING_PX, 1) / em_px  # in ems from here on
    total = 0
    for para in text.split("\n"):
        if sum(map(_em, para)) <= limit:  # the common case: a short label or value
            total += 1
            continue
        lines, line = 1, 0.0
        widths_in_line: list[float] = []
        for token in _TOKENS.findall(para):
            w = sum(map(_em, token))
            pieces = [token] if w <= limit or len(token) == 1 else list(token)  # an overlong word breaks anywhere
            for piece in pieces:
                w = w if len(pieces) == 1 else _em(piece)
                if line + w > limit and widths_in_line:
                    lines += 1
                    if piece[0] in NO_LINE_START and len(widths_in_line) > 1:
                        carried = widths_in_line[-1]
                        widths_in_line, line = [carried], carried
                    else:
                        widths_in_line, line = [], 0.0
                widths_in_line.append(w)
                line += w
        total += lines
    return total


@lru_cache(maxsize=8192)  # bounded: a county of any size keeps the workers' memory flat
def needed_height(text: str, width_px: float, size_pt: float) -> float:
    """Points a cell of this text needs at this width and font size."""
    return count_lines(text, width_px, size_pt) * size_pt * LINE_FACTOR + CELL_PADDING_PT


def display_text(cell: Cell) -> str:
    """The text a cell shows: numbers as their format prints them, not as their stored digits."""
    return _shown(cell.style, cell.value)


def _shown(style: str, value: str) -> str:
    kind = styles.VALUE_TYPES.get(style, "text")
    if kind == "text" or not value:
        return value
    number = Decimal(value)
    return {"money": f"{number:.2f}", "ratio": f"{number * 100:.2f}%", "percent": f"{number:.0f}%"}[kind]


# Room an empty input keeps for what a unit typically writes there (a blank form from `xlsgen new`, or a
# row left to fill): the median length of the field in the example units of data/ (full-width
# characters), or, for short values and drop-downs, a typical or the longest value. Keyed by the
# field's last name (``annual.indicators[3].level3`` → ``level3``).
_TYPICAL_CHARS = {
    "level3": 11, "description": 12, "name": 14, "direction": 24, "use": 44, "goals": 33,
    "functions": 270, "tasks": 270, "goal": 180, "long_term": 160, "annual": 200,
}  # fmt: skip
TYPICAL_ENTRY = {key: "字" * n for key, n in _TYPICAL_CHARS.items()} | {
    "value": "≥100%",
    "prev1": "≥100%",
    "prev2": "≥100%",
    "basis": max(forms.BASIS, key=len),
    "kind": max(forms.KIND, key=len),
    "category": max(forms.CATEGORY, key=len),
    "code": "0" * 21,
}


def _entry(cell: Cell) -> str:
    """The kind of entry an empty cell keeps room for (a ``TYPICAL_ENTRY`` key, or "")."""
    return cell.room or (cell.field.rsplit(".", 1)[-1] if cell.field else "")


def room_text(cell: Cell) -> str:
    """The text a cell must have room for: its own, or for an empty input the typical entry."""
    return _room_text(cell.style, cell.value, "" if cell.value else _entry(cell))


def _room_text(style: str, value: str, entry: str) -> str:
    if value:
        return _shown(style, value)
    return TYPICAL_ENTRY.get(entry, "") if styles.is_input(style) else ""


# Bounded like needed_height. Keyed by all a cell's need depends on: labels, the empty inputs' room and
# common values (≥95%, a basis) repeat in every unit, so most cells are measured once per process.
@lru_cache(maxsize=16384)
def _need(style: str, value: str, entry: str, width_px: int) -> float:
    text = _room_text(style, value, entry)
    return needed_height(text, width_px, styles.font_size(style)) if text else 0.0


@lru_cache(maxsize=64)
def _span_px(widths: tuple[float, ...]) -> list[list[int]]:
    """span[first][last]: the pixel width of columns first..last (0 where last < first)."""
    px = [column_px(w) for w in widths]
    return [[sum(px[first : last + 1]) for last in range(len(px))] for first in range(len(px))]


def fit_heights(sheet: Sheet, needs: dict[int, float] | None = None, rows: tuple[int, int] | None = None) -> None:
    """Set every row's height so that no wrapped text is clipped, merged cells included; an empty
    input gets room for a typical entry (``TYPICAL_ENTRY``), so a unit filling a blank form by hand
    does not end up with clipped text.

    Single-row cells set their row first; a merged cell's shortfall is then spread evenly over the
    rows it spans, so a tall label never makes one row of its group tower over the others.

    ``needs`` (by ``id(cell)``) keeps each cell's measured height while ``plan_pages`` refits the same
    cells after every break. ``rows`` (first, last): fit only those rows again, the others keeping their
    heights; the caller guarantees that no cell lies partly inside them, so nothing else depends on them.
    """
    lo, hi = rows if rows is not None else (0, sheet.n_rows - 1)
    heights = [MIN_ROW_PT] * (hi - lo + 1)
    cells = sheet.cells
    if rows is not None:  # plan_pages keeps the cells sorted by row: only the window's are looked at
        by_row = attrgetter("row")
        cells = cells[bisect_left(cells, lo, key=by_row) : bisect_right(cells, hi, key=by_row)]
    n_cols = len(sheet.widths)
    span = _span_px(tuple(sheet.widths))
    tall: list[tuple[int, Cell, float]] = []
    get = needs.get if needs is not None else None
    for cell in cells:
        need = get(id(cell)) if get is not None else None
        if need is None:
            value, col, last = cell.value, cell.col, cell.last_col
            if last < n_cols:
                width = span[col][last]
            else:  # a cell outside the columns (a hand-made sheet) is measured on the columns it has
                width = span[col][n_cols - 1] if col < n_cols else 0
            need = _need(cell.style, value, "" if value else _entry(cell), width)
            if needs is not None:
                needs[id(cell)] = need
        if not need:
            continue
        row = cell.row - lo
        if cell.last_row == cell.row:
            if need > heights[row]:
                heights[row] = need
        else:
            tall.append((cell.last_row - cell.row, cell, need))
    tall.sort(key=itemgetter(0))  # stable: merges of equal span keep their order
    for _, cell, need in tall:
        span_rows = range(cell.row - lo, cell.last_row - lo + 1)
        short = need - sum(heights[r] for r in span_rows)
        if short > 0:
            for r in span_rows:
                heights[r] += short / len(span_rows)
    # Row heights are stored in whole pixels (0.75 pt); round up so rounding can never clip.
    sheet.heights[lo : hi + 1] = [math.ceil(h / 0.75 - 1e-9) * 0.75 for h in heights]


# ---------------------------------------------------------------- pagination

A4_PT = (595.28, 841.89)
MARGINS_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}
# Room kept free on every page, so that a spreadsheet program measuring rows a little taller than
# we do still breaks where we asked and never a row earlier.
PAGE_SLACK_PT = 24.0


def print_scale(sheet: Sheet) -> float:
    """The fit-to-one-page-wide scale a spreadsheet program applies (1.0 when the table fits)."""
    width_pt = sum(column_px(w) for w in sheet.widths) * 0.75
    room = A4_PT[0] - (MARGINS_IN["left"] + MARGINS_IN["right"]) * 72
    return min(1.0, room / width_pt)


def plan_pages(sheet: Sheet) -> None:
    """Break the sheet into A4 pages that read like the official form.

    A4 portrait at the fit-to-width scale; pages after the first lose the print-title rows. Template
    breaks (``data-break``) are kept. A break never cuts a ``data-keep`` run or a merge that fits on a
    page, except a merge marked ``data-split`` (一级 labels, a table's side label), which is split at
    the break and printed again on the new page. A break inside an indicator table (``data-table``)
    inserts a copy of the table's column headers at the top of the new page. A page never starts with
    a table's second or last row or with a ``data-with-prev`` row (填报说明), so none of them is left
    alone: a table starts with two rows under its header and ends with two.
    The sheet is edited in place: rows inserted, merges split, heights refitted; formulas follow, as
    they are resolved from fields. The cells come in (row, col) order, as ``parse`` lays them out.
    """
    scale = print_scale(sheet)
    room = (A4_PT[1] - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72 - PAGE_SLACK_PT) / scale
    first, last = sheet.repeat_rows or (0, -1)
    titles = sum(sheet.heights[first : last + 1])
    forced = set(sheet.breaks)
    breaks: list[int] = []
    start = 0
    pager = _Pager(sheet)
    floor = 0  # the next break comes after the header rows just repeated, so every page makes progress
    while (b := pager.next_break(start, floor, room, titles, forced)) is not None:
        added = pager.break_at(b)
        forced = {f + added if f > b else f for f in forced}
        breaks.append(b)
        start, floor = b, b + added
    sheet.breaks = breaks


_ROW = attrgetter("row")
_ROW_COL = attrgetter("row", "col")


class _Pager:
    """plan_pages' work on one sheet. Its cells stay sorted by (row, col) and no merge spans more than
    ``span`` rows below its first, so each break looks only at the cells near it (bisected by row)
    instead of at every cell of the sheet, which made planning cost rows × breaks."""

    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.needs: dict[int, float] = {}  # the cells live as long as this call: their ids stay theirs
        self.span = max((c.last_row - c.row for c in sheet.cells), default=0)
        self.px = [column_px(w) for w in sheet.widths]

    def starting(self, first: int, last: int) -> list[Cell]:
        """The cells whose first row is in first..last, in order."""
        cells = self.sheet.cells
        return cells[bisect_left(cells, first, key=_ROW) : bisect_right(cells, last, key=_ROW)]

    def next_break(self, start: int, floor: int, room: float, titles: float, forced: set[int]) -> int | None:
        """Where the page starting at row ``start`` ends (the next page's first row, after ``floor``),
        or None at the end."""
        sheet = self.sheet
        heights = sheet.heights
        used = titles if start else 0.0
        for r in range(start, sheet.n_rows):
            if r in forced and r > start:
                return r
            if used + heights[r] > room and r > floor:
                glued = self.glued(floor + 1, r, room - titles)
                b = next((c for c in range(r, floor, -1) if c not in glued and self.splits_fit(c)), r)
                # A first row too tall to share a page with its header (no keep fits): the header goes with it.
                return next((t.first for t in sheet.tables if b == t.first + t.head and t.first > floor), b)
            used += heights[r]
        return None

    def glued(self, lo: int, hi: int, room: float) -> set[int]:
        """The rows among lo..hi a page may not start at (and maybe some others)."""
        sheet = self.sheet
        heights = sheet.heights
        merges = [
            (c.row, c.last_row) for c in self.starting(lo - self.span, hi - 1) if c.last_row > c.row and not c.split
        ]
        glued: set[int] = set()
        for first, last in merges + sheet.keep:
            # A group taller than a page has to break somewhere.
            if last >= lo and first < hi and sum(heights[first : last + 1]) <= room:
                glued.update(range(first + 1, last + 1))
        for t in sheet.tables:
            body = t.first + t.head
            if t.last > body:  # two body rows or more: neither the first nor the last prints alone
                glued.add(body + 1)
                glued.add(t.last)
        glued.update(sheet.with_prev)
        return glued

    def crossing(self, b: int) -> list[Cell]:
        """The merges a break before row b cuts, in order."""
        return [c for c in self.starting(b - self.span, b - 1) if c.last_row >= b]

    def splits_fit(self, b: int) -> bool:
        """Whether every label split by a break before row b still fits in the rows left above it.

        An empty label is split only into merges of two rows or more: a single empty cell reads as a row
        typed into the group above, which is how the reader takes a row a unit inserted by hand.
        """
        px, heights = self.px, self.sheet.heights
        for c in self.crossing(b):
            if not c.value:
                if b - c.row < 2 or c.last_row - b < 1:
                    return False
                continue
            need = needed_height(display_text(c), sum(px[c.col : c.last_col + 1]), styles.font_size(c.style))
            if need > sum(heights[c.row : b]) + 1e-6:
                return False
        return True

    def break_at(self, b: int) -> int:
        """Start a page at row b: split the merges crossing it (the label printed again below) and,
        inside an indicator table, insert a copy of its header rows. Returns how many rows were inserted."""
        sheet = self.sheet
        table = next((t for t in sheet.tables if t.first + t.head < b <= t.last), None)
        k = table.head if table else 0
        head = (
            [c for c in self.starting(table.first, table.first + k - 1) if c.last_row < table.first + k]
            if table
            else []
        )
        under_head = {col for c in head for col in range(c.col, c.last_col + 1)}
        # The rows whose heights can change: the merges split here and the inserted headers (below, with
        # any cell overlapping them); every other row keeps its height, moved down with its cells.
        crossing = self.crossing(b)
        lo = min([b] + [c.row for c in crossing])
        hi = max([b + k - 1] + [c.last_row + k for c in crossing])
        cells = sheet.cells
        below = bisect_left(cells, b, key=_ROW)  # cells[below:] start at row b or lower down
        added: list[Cell] = []
        for c in crossing:
            # The part below the break: below the repeated headers, or (a side label beside them) beside them.
            top = b + k if under_head & set(range(c.col, c.last_col + 1)) else b
            added.append(replace(c, row=top, last_row=c.last_row + k, field=None, formula=None))
            c.last_row = b - 1
        if table:
            for i in range(below, len(cells)):
                c = cells[i]
                c.row += k
                c.last_row += k
            shift = b - table.first
            added += [
                replace(c, row=c.row + shift, last_row=c.last_row + shift, field=None, formula=None) for c in head
            ]
            sheet.heights[b:b] = sheet.heights[table.first : table.first + k]
            sheet.n_rows += k
            sheet.keep = [(f + k, e + k) if f >= b else (f, e + k if e >= b else e) for f, e in sheet.keep]
            sheet.sections = {n: r + k if r >= b else r for n, r in sheet.sections.items()}
            sheet.with_prev = [r + k if r >= b else r for r in sheet.with_prev]
            for t in sheet.tables:
                if t.first >= b:
                    t.first += k
                if t.last >= b:
                    t.last += k
            sheet.keep.append((b, b + k))  # the repeated headers and the row they head
        if added:
            # The new cells start at rows b..b + k: merged in among the cells starting there, the rest
            # of the list stays in order (the same order as sorting it whole).
            upto = bisect_right(cells, b + k, lo=below, key=_ROW)
            sheet.cells = [*cells[:below], *sorted(cells[below:upto] + added, key=_ROW_COL), *cells[upto:]]
            self.span = max([self.span] + [c.last_row - c.row for c in added])
        if hi < lo:
            return k  # nothing split, nothing inserted: every height stands
        while True:
            outside = [
                c for c in self.starting(lo - self.span, hi) if c.last_row >= lo and (c.row < lo or c.last_row > hi)
            ]
            if not outside:
                break
            lo, hi = min([lo] + [c.row for c in outside]), max([hi] + [c.last_row for c in outside])
        fit_heights(sheet, self.needs, (lo, hi))  # a cell's need is its text's at its width: a split keeps it
        return k


def page_count(sheet: Sheet) -> int:
    """Pages the sheet prints on, as planned by ``plan_pages``."""
    return len(sheet.breaks) + 1
