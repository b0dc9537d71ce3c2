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
    entry (``pages.TYPICAL_ENTRY``) its row keeps room for. Row heights and page breaks: ``pages``.

Spans come from the data (``runs``); the parser places cells with the HTML table algorithm and checks
the result: no cell outside the declared columns, no overlapping merge, no row left with a hole.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from . import forms, styles
from .errors import LayoutError, Location
from .model import Expense, Income, SpendPlan, Unit
from .pages import CELL_PADDING_PX as CELL_PADDING_PX
from .pages import MARGINS_IN as MARGINS_IN
from .pages import column_px as column_px
from .pages import fit_heights, plan_pages
from .pages import needed_height as needed_height
from .pages import page_count as page_count
from .sheet import Cell, Sheet, Table, a1

TEMPLATE_VERSION = "1"
_HERE = Path(__file__).resolve().parent
# An installed wheel carries the templates inside the package (pyproject maps templates/ there); a
# checkout or an editable install reads the top-level templates/ itself.
TEMPLATES_DIR = _HERE / "templates" if (_HERE / "templates").is_dir() else _HERE.parent / "templates"
TEMPLATES = ("dept_overall", "project")


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
    if not rows:
        return spans
    key = attrgetter(*keys)
    start, first = 0, key(rows[0])
    for i in range(1, len(rows)):
        if (k := key(rows[i])) != first:
            spans[start] = i - start
            start, first = i, k
    spans[start] = len(rows) - start
    return spans


def ref(path: str) -> str:
    return "{" + path + "}"


def _fixed(indicator: Any) -> bool:
    return indicator.level3 in (forms.fixed_level3(indicator.level1, indicator.level2) or ())


def escape(value: Any) -> str:
    """What a template prints for ``{{ value }}``: markupsafe's escaping, character for character, as a
    plain str. The environment escapes through ``finalize`` instead of autoescaping, which wraps every
    printed value in a ``Markup`` object; that cost more than a third of rendering a form."""
    if type(value) is str:
        text = value
    elif hasattr(value, "__html__"):  # already markup (``|safe``): printed as it is, as autoescape does
        return str(value.__html__())
    else:
        text = str(value)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return (
            text.replace("&", "&amp;")
            .replace(">", "&gt;")
            .replace("<", "&lt;")
            .replace("'", "&#39;")
            .replace('"', "&#34;")
        )
    return text


def environment_options() -> dict[str, Any]:
    """What the template environment is built with (the compiled-template cache is keyed by it)."""
    return {"autoescape": False, "finalize": escape, "undefined": jinja2.StrictUndefined, "trim_blocks": False}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    from .tplcache import bytecode_cache

    options = environment_options()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR), bytecode_cache=bytecode_cache(**options), **options
    )
    # Helpers as filters and tests, which a compiled template calls directly; a global function is
    # called through the context's dispatch, at several times the cost, once per cell.
    env.filters.update(money=money, share=share, numbered=numbered, cn_date=cn_date, runs=runs, ref=ref)
    env.tests.update(fixed=_fixed)
    env.globals.update(
        enumerate=enumerate,
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
        plan_pages(sheet, fit_heights(sheet))
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
        return {k: _unescape(v) for k, v in _ATTR.findall(text)}
    return dict(_ATTR.findall(text))


# What ``escape`` writes (and the XML entities): read back here. Any other reference goes to
# html.unescape, imported only then (its table of 2000 entities costs a one-unit process 2 ms).
_OWN_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#34;": '"', "&#x27;": "'"}
_OWN_ENTITY = re.compile("|".join(_OWN_ENTITIES))
_OTHER_REFERENCE = re.compile(f"&(?!(?:{'|'.join(e[1:] for e in _OWN_ENTITIES)}))")


def _unescape(text: str) -> str:
    """html.unescape(text)."""
    if _OTHER_REFERENCE.search(text):
        import html

        return html.unescape(text)
    return _OWN_ENTITY.sub(lambda m: _OWN_ENTITIES[m.group()], text)


class _Row(NamedTuple):
    """What a ``tr``'s attributes say (see the module's docstring)."""

    page_break: bool
    keep: int | None
    section: str | None
    table: int | None
    with_prev: bool


@lru_cache(maxsize=4096)  # rows' attributes repeat too (sections, blocks, tables)
def _tr(text: str) -> _Row:
    if text.count('"') & 1:
        raise _Cut
    a = _attrs(text)
    keep, table = a.get("data-keep"), a.get("data-table")
    return _Row(
        "data-break" in a,
        None if keep is None else int(keep),
        a.get("data-section"),
        None if table is None else int(table),
        "data-with-prev" in a,
    )


@lru_cache(maxsize=16384)  # a county repeats the same cell attributes (paths, styles) unit after unit
def _td(text: str) -> tuple[Any, ...]:
    """A ``td``'s rowspan, colspan and Cell's fields from ``style`` on, as its attributes give them
    (flat, so that the parser unpacks them into a plain call: a ``*`` call costs more)."""
    if text.count('"') & 1:
        raise _Cut
    a = _attrs(text)
    return (
        int(a.get("rowspan") or 1),
        int(a.get("colspan") or 1),
        a.get("class", "label"),
        a.get("data-field") or None,
        a.get("data-formula") or None,
        a.get("data-list") or None,
        a.get("data-list-style", "stop"),
        "data-split" in a,
        a.get("data-room"),
        a.get("data-kind", "text"),
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
        cells, taken, known = self.cells, self.taken, styles.STYLES
        row, col, n_cols = self.row, 0, len(self.widths)  # col: where the next cell of the row may start
        for td_attrs, text, tag, attrs in tokens.findall(markup_):
            if tag:
                if tag == "tr":
                    row += 1
                    col = 0
                    if len(taken) == row:
                        taken.append(0)
                    if attrs:
                        self.row = row
                        self.start_row(_tr(attrs))
                else:
                    self.start(tag, attrs)
                    n_cols = len(self.widths)
                continue
            rows, cols, style, field, formula, list_, list_style, split, room, kind = _td(td_attrs)
            occupied = taken[row]
            while occupied >> col & 1:  # skip the cells that rowspans from the rows above cover
                col += 1
            if "&" in text:
                text = _unescape(text)
            if style not in known:
                raise LayoutError(f"{a1(row, col)} 使用了未定义的样式 {style}", self.origin)
            last = col + cols - 1
            if last >= n_cols:
                raise LayoutError(f"{a1(row, col)} 处的单元格超出了 {n_cols} 列", self.origin)
            cell = Cell(
                row, col, row + rows - 1, last, text, style, field, formula, list_, list_style, split, room, kind
            )
            if rows == 1:  # the common case: the cell takes columns of this row only
                bits = ((1 << cols) - 1) << col
                if occupied & bits:
                    self.take(cell)  # says where it overlaps
                taken[row] = occupied | bits
            else:
                self.take(cell)
                if cell.last_row > self.bottom:
                    self.bottom = cell.last_row
            cells.append(cell)
            col = last + 1
        self.row = row
        if cells and cells[-1].row > self.bottom:  # cells come row by row: the last one is on the last row
            self.bottom = cells[-1].row

    def take(self, cell: Cell) -> None:
        """Mark a merge's cells taken, refusing one over a taken cell."""
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

    def start(self, tag: str, attrs: str) -> None:
        if attrs.count('"') & 1:
            raise _Cut
        if tag == "table":
            self.meta = _attrs(attrs)
        elif tag == "col":
            self.widths.append(float(_attrs(attrs)["data-width"]))

    def start_row(self, a: _Row) -> None:
        """A ``tr`` with attributes, at ``self.row``."""
        row = self.row
        if a.page_break:
            self.breaks.append(row)
        if a.keep is not None:
            self.keep.append((row, row + a.keep - 1))
        if a.section is not None:
            self.sections[a.section] = row
        if (a.section is not None or a.table is not None or a.page_break) and self.tables:
            self.close_table(row - 1)
        if a.table is not None:
            self.tables.append(Table(row, a.table, -1))
        if a.with_prev:
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
