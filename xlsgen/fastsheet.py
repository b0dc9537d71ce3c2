"""A faster xlsxwriter worksheet: the same bytes as the public API, with far fewer Python calls.

Most of a form's writing time is xlsxwriter's per-cell work: ``merge_range`` checks and pads every
merge cell by cell through the public write path, and the ``<sheetData>`` writer builds every ``<c>``
element from attribute lists. A form has ~1300 cells, half of them merge padding, so:

* ``place_cells`` puts a laid-out sheet's cells straight into the worksheet's cell table, as the
  public calls would (same cell records, same shared-string order, same dimensions, same merge list);
* ``FastWorksheet`` writes ``<sheetData>`` and ``<mergeCells>`` by joining strings; any cell it does
  not know (rich strings, booleans, array formulas, cells without a format) goes through xlsxwriter's
  own writer, so it is a drop-in worksheet class for any sheet;
* ``place_rows`` keeps a long list of text rows (汇总表's 指标明细: a county has a million such cells)
  as each row's (column, shared string) pairs instead of a cell record per cell, which took 300
  bytes and 4 µs a cell; the row's ``<c>`` elements are made as the sheet is written.

Both lean on xlsxwriter's internals, so they are used only with the versions they were checked on
(``TESTED_VERSIONS``; elsewhere ``worksheet_class()`` is None and render.py takes the public path), and
tests/test_fastsheet.py compares the two paths byte for byte.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellDatetimeTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
    _utf16_len,
    _utf16_truncate,
)

from .package import FUNCTION as _FUNCTION
from .package import SAFE_FUNCTIONS as _SAFE_FUNCTIONS
from .package import plain_formula as _plain_formula

TESTED_VERSIONS = ("3.3.1",)
_XML_SPECIAL = re.compile('["&<>\n]')


def enabled() -> bool:
    return xlsxwriter.__version__ in TESTED_VERSIONS


def worksheet_class() -> type[Worksheet] | None:
    """The class to pass to ``add_worksheet(worksheet_class=…)``; None on an untested xlsxwriter."""
    return FastWorksheet if enabled() else None


def place_cells(
    ws: Worksheet,
    cells: list[Any],
    formats: dict[str, Any],
    value_types: dict[str, str],
    formula_of: Callable[[Any], str],
    value_of: Callable[[str, str], Any],
) -> None:
    """Store a sheet's cells as render.write_sheet's public calls would: for each cell in order, its
    merge (padded with formatted blanks), then its formula, blank, string or number."""
    if not cells:
        return
    table, shared, merges = ws.table, ws.str_table._get_shared_string_index, ws.merge
    rmin = cmin = 1 << 30
    rmax = cmax = -1
    half_max = ws.xls_strmax // 2
    new = tuple.__new__  # what the records' namedtuple __new__ does, without its Python frame
    styles: dict[str, tuple[Any, str, Any]] = {}  # style → (format, value type, its blank cell record)
    for cell in cells:
        style = cell.style
        got = styles.get(style)
        if got is None:
            fmt = formats[style]
            got = styles[style] = (fmt, value_types.get(style, "text"), CellBlankTuple(fmt))
        fmt, kind, blank = got
        row, col, last_row, last_col = cell.row, cell.col, cell.last_row, cell.last_col
        if row < rmin:
            rmin = row
        if col < cmin:
            cmin = col
        if last_row > rmax:
            rmax = last_row
        if last_col > cmax:
            cmax = last_col
        if last_row > row or last_col > col:
            merges.append([row, col, last_row, last_col])
            for r in range(row, last_row + 1):
                line = table[r]
                for c in range(col, last_col + 1):
                    line[c] = blank
        value = cell.value
        if cell.formula:
            formula = formula_of(cell)
            cached = value_of(value, kind) if value else 0
            if _plain_formula(formula) and type(cached) in (int, float):
                table[row][col] = CellFormulaTuple(formula[1:], fmt, cached)
            else:
                ws.write_formula(row, col, formula, fmt, cached)
        elif value == "":
            table[row][col] = blank
        elif kind == "text":
            if len(value) > half_max:  # may need truncating to Excel's limit: the public call does it
                ws.write_string(row, col, value, fmt)
            else:
                table[row][col] = new(CellStringTuple, (shared(value), fmt))
        else:
            number = value_of(value, kind)
            if type(number) is float and math.isfinite(number):
                table[row][col] = new(CellNumberTuple, (number, fmt))
            else:
                ws.write_number(row, col, number, fmt)
    if rmin < 0 or cmin < 0 or rmax >= ws.xls_rowmax or cmax >= ws.xls_colmax:
        raise ValueError("a cell lies outside the worksheet")
    ws.dim_rowmin = rmin if ws.dim_rowmin is None else min(ws.dim_rowmin, rmin)
    ws.dim_rowmax = rmax if ws.dim_rowmax is None else max(ws.dim_rowmax, rmax)
    ws.dim_colmin = cmin if ws.dim_colmin is None else min(ws.dim_colmin, cmin)
    ws.dim_colmax = cmax if ws.dim_colmax is None else max(ws.dim_colmax, cmax)


def place_rows(ws: FastWorksheet, first_row: int, rows: Iterable[Sequence[str]], fmt: Any) -> None:
    """Store text rows from ``first_row`` on as ``write_string`` of every non-empty value in row order
    would (the same shared strings, counts and dimensions), all in format ``fmt``. Nothing else may
    write to those rows afterwards; a row's height may still be set."""
    sst = ws.str_table
    strings, add, strmax = sst.string_table, sst._get_shared_string_index, ws.xls_strmax
    placed = ws.placed_rows
    rmin = cmin = 1 << 30
    rmax = cmax = -1
    repeated = 0  # strings already in the table: _get_shared_string_index would only count them
    r = first_row - 1
    for r, values in enumerate(rows, first_row):
        found: list[int] = []
        for c, value in enumerate(values):
            if value:
                if len(value) > strmax // 2 and _utf16_len(value) > strmax:
                    value = _utf16_truncate(value, strmax)
                index = strings.get(value)
                if index is None:
                    index = add(value)
                else:
                    repeated += 1
                found += (c, index)
        if found:
            placed[r] = (tuple(found), fmt)
            rmin, rmax = min(rmin, r), r
            cmin, cmax = min(cmin, found[0]), max(cmax, found[-2])
    sst.count += repeated
    if r >= ws.xls_rowmax or cmax >= ws.xls_colmax:
        raise ValueError("a cell lies outside the worksheet")
    if rmax >= 0:
        ws.dim_rowmin = rmin if ws.dim_rowmin is None else min(ws.dim_rowmin, rmin)
        ws.dim_rowmax = rmax if ws.dim_rowmax is None else max(ws.dim_rowmax, rmax)
        ws.dim_colmin = cmin if ws.dim_colmin is None else min(ws.dim_colmin, cmin)
        ws.dim_colmax = cmax if ws.dim_colmax is None else max(ws.dim_colmax, cmax)


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with string-joining writers for ``<sheetData>`` and ``<mergeCells>``."""

    def __init__(self) -> None:
        super().__init__()
        # Rows stored by place_rows: row → ((col, shared string index, col, index, …), format); their
        # <c> elements are made as the sheet is written, one row at a time, since a county's 指标明细
        # holds a million of them.
        self.placed_rows: dict[int, tuple[tuple[int, ...], Any]] = {}

    def _calculate_spans(self) -> None:  # Worksheet._calculate_spans, by the rows' keys
        spans: dict[int, str] = {}
        lo: int | None = None
        hi = 0
        colmin, colmax = self.dim_colmin, self.dim_colmax
        table, comments, placed = self.table, self.comments, self.placed_rows
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            for source in (table, comments):
                if row_num in source:
                    cols = [c for c in source[row_num] if colmin <= c <= colmax]
                    if cols:
                        a, b = min(cols), max(cols)
                        lo, hi = (a, b) if lo is None else (min(lo, a), max(hi, b))
            if row_num in placed:
                found = placed[row_num][0]
                a, b = found[0], found[-2]
                lo, hi = (a, b) if lo is None else (min(lo, a), max(hi, b))
            if (row_num + 1) % 16 == 0 or row_num == self.dim_rowmax:
                if lo is not None:
                    spans[int(row_num / 16)] = f"{lo + 1}:{hi + 1}"
                    lo = None
        self.row_spans = spans

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        # The original runs some thirty substitutions that can only change a formula calling one of the
        # functions they name; a formula calling none of them is returned as its first steps leave it.
        if self.use_future_functions or expand_future_functions:
            return super()._prepare_formula(formula, expand_future_functions)
        text = formula[1:] if formula.startswith("{") else formula
        text = text[1:] if text.startswith("=") else text
        text = text[:-1] if text.endswith("}") else text
        if "_xlfn." in text or "(" not in text or all(f in _SAFE_FUNCTIONS for f in _FUNCTION.findall(text)):
            return text
        return super()._prepare_formula(formula, expand_future_functions)

    def _write_rows(self) -> None:  # the same elements as Worksheet._write_rows, in the same order
        self._calculate_spans()
        fh, table, row_info, comments = self.fh, self.table, self.row_info, self.comments
        colmin, colmax = self.dim_colmin, self.dim_colmax
        letters = {c: xl_col_to_name(c) for c in range(colmin, colmax + 1)}
        xf: dict[int, int] = {}
        placed = self.placed_rows
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            if row_num in placed:
                found, fmt = placed[row_num]
                index = xf.get(id(fmt))
                if index is None:  # looked up when its first cell is written, as _write_cell does
                    index = xf[id(fmt)] = fmt._get_xf_index()
                self._write_row(row_num, self.row_spans.get(int(row_num / 16)), row_info.get(row_num))
                tail = f'{row_num + 1}" s="{index}" t="s"><v>'
                cells = [f'<c r="{letters[c]}{tail}{i}</v></c>' for c, i in zip(found[::2], found[1::2], strict=True)]
                fh.write("".join(cells) + "</row>")
                continue
            if not (row_num in row_info or row_num in comments or table[row_num]):
                continue
            span = self.row_spans.get(int(row_num / 16))
            line = table[row_num]
            if not line:  # a row with only a height, or with comments: xlsxwriter's own element
                self._write_empty_row(row_num, span, row_info.get(row_num))
                continue
            self._write_row(row_num, span, row_info.get(row_num))
            parts: list[str] = []
            number = str(row_num + 1)
            for col_num in range(colmin, colmax + 1):
                cell = line.get(col_num)
                if cell is None:
                    continue
                fmt = cell.format
                kind = type(cell)
                if fmt:
                    index = xf.get(id(fmt))
                    if index is None:
                        index = xf[id(fmt)] = fmt._get_xf_index()
                    if kind is CellBlankTuple:
                        parts.append(f'<c r="{letters[col_num]}{number}" s="{index}"/>')
                        continue
                    if kind is CellStringTuple:
                        parts.append(f'<c r="{letters[col_num]}{number}" s="{index}" t="s"><v>{cell.string}</v></c>')
                        continue
                    if kind is CellNumberTuple or kind is CellDatetimeTuple:
                        parts.append(f'<c r="{letters[col_num]}{number}" s="{index}"><v>{cell.number:.16G}</v></c>')
                        continue
                    if kind is CellFormulaTuple and type(cell.value) in (int, float):
                        formula = cell.formula
                        if _XML_SPECIAL.search(formula):
                            formula = self._escape_data(formula)
                        parts.append(
                            f'<c r="{letters[col_num]}{number}" s="{index}"><f>{formula}</f><v>{cell.value}</v></c>'
                        )
                        continue
                # Anything else (no format, rich text, booleans, array formulas, text results): the original.
                fh.write("".join(parts))
                parts.clear()
                self._write_cell(row_num, col_num, cell)
            parts.append("</row>")
            fh.write("".join(parts))

    def _write_merge_cells(self) -> None:
        if not self.merge:
            return
        letters: dict[int, str] = {}
        refs = []
        for r1, c1, r2, c2 in self.merge:
            a = letters.get(c1) or letters.setdefault(c1, xl_col_to_name(c1))
            b = letters.get(c2) or letters.setdefault(c2, xl_col_to_name(c2))
            refs.append(f'<mergeCell ref="{a}{r1 + 1}:{b}{r2 + 1}"/>')
        self.fh.write(f'<mergeCells count="{len(self.merge)}">{"".join(refs)}</mergeCells>')
