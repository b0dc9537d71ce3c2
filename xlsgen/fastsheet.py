"""A faster xlsxwriter worksheet: the same bytes as the public API, with far fewer Python calls.

Most of a form's writing time is xlsxwriter's per-cell work: ``merge_range`` checks and pads every
merge cell by cell through the public write path, and the ``<sheetData>`` writer builds every ``<c>``
element from attribute lists. A form has ~1300 cells, half of them merge padding, so:

* ``place_cells`` puts a laid-out sheet's cells straight into the worksheet's cell table, as the
  public calls would (same cell records, same shared-string order, same dimensions, same merge list);
* ``FastWorksheet`` writes ``<sheetData>`` and ``<mergeCells>`` by joining strings; any cell it does
  not know (rich strings, booleans, array formulas, cells without a format) goes through xlsxwriter's
  own writer, so it is a drop-in worksheet class for any sheet.

Both lean on xlsxwriter's internals, so they are used only with the versions they were checked on
(``TESTED_VERSIONS``; elsewhere ``worksheet_class()`` is None and render.py takes the public path), and
tests/test_fastsheet.py compares the two paths byte for byte.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import CellBlankTuple, CellFormulaTuple, CellNumberTuple, CellStringTuple, Worksheet

TESTED_VERSIONS = ("3.3.1",)

# Formulas whose functions xlsxwriter's _prepare_formula leaves alone (no _xlfn. prefix, no dynamic
# array): for them the stored formula is the text without its "="; anything else takes the public call.
_SAFE_FUNCTIONS = frozenset({"SUM", "IF", "ROUND", "ABS", "MIN", "MAX"})
_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
_PLAIN_FORMULA = re.compile(r"=[A-Z0-9(),=+\-*/:$.<> ]*")
_XML_SPECIAL = re.compile('["&<>\n]')


def enabled() -> bool:
    return xlsxwriter.__version__ in TESTED_VERSIONS


def worksheet_class() -> type[Worksheet] | None:
    """The class to pass to ``add_worksheet(worksheet_class=…)``; None on an untested xlsxwriter."""
    return FastWorksheet if enabled() else None


def _plain_formula(formula: str) -> bool:
    return bool(_PLAIN_FORMULA.fullmatch(formula)) and all(f in _SAFE_FUNCTIONS for f in _FUNCTION.findall(formula))


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
    table, sst = ws.table, ws.str_table
    rows: list[int] = [] if ws.dim_rowmin is None else [ws.dim_rowmin, ws.dim_rowmax]
    cols: list[int] = [] if ws.dim_colmin is None else [ws.dim_colmin, ws.dim_colmax]
    half_max = ws.xls_strmax // 2
    for cell in cells:
        fmt = formats[cell.style]
        kind = value_types.get(cell.style, "text")
        row, col = cell.row, cell.col
        if cell.last_row >= ws.xls_rowmax or cell.last_col >= ws.xls_colmax:
            raise ValueError(f"cell {row},{col} outside the worksheet")
        rows.append(row)
        cols.append(col)
        if cell.last_row > row or cell.last_col > col:
            ws.merge.append([row, col, cell.last_row, cell.last_col])
            blank = CellBlankTuple(fmt)
            for r in range(row, cell.last_row + 1):
                line = table[r]
                for c in range(col, cell.last_col + 1):
                    line[c] = blank
            rows.append(cell.last_row)
            cols.append(cell.last_col)
        value = cell.value
        if cell.formula:
            formula = formula_of(cell)
            cached = value_of(value, kind) if value else 0
            if _plain_formula(formula) and type(cached) in (int, float):
                table[row][col] = CellFormulaTuple(formula[1:], fmt, cached)
            else:
                ws.write_formula(row, col, formula, fmt, cached)
        elif value == "":
            table[row][col] = CellBlankTuple(fmt)
        elif kind == "text":
            if len(value) > half_max:  # may need truncating to Excel's limit: the public call does it
                ws.write_string(row, col, value, fmt)
            else:
                table[row][col] = CellStringTuple(sst._get_shared_string_index(value), fmt)
        else:
            number = value_of(value, kind)
            if type(number) is float and math.isfinite(number):
                table[row][col] = CellNumberTuple(number, fmt)
            else:
                ws.write_number(row, col, number, fmt)
    if rows:
        ws.dim_rowmin, ws.dim_rowmax = min(rows), max(rows)
        ws.dim_colmin, ws.dim_colmax = min(cols), max(cols)


class FastWorksheet(Worksheet):
    """xlsxwriter's Worksheet with string-joining writers for ``<sheetData>`` and ``<mergeCells>``."""

    def _write_rows(self) -> None:  # the same elements as Worksheet._write_rows, in the same order
        self._calculate_spans()
        fh, table, row_info, comments = self.fh, self.table, self.row_info, self.comments
        colmin, colmax = self.dim_colmin, self.dim_colmax
        letters = {c: xl_col_to_name(c) for c in range(colmin, colmax + 1)}
        xf: dict[int, int] = {}
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
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
                name = cell.__class__.__name__
                if not fmt or name not in ("String", "Blank", "Number", "Datetime", "Formula"):
                    fh.write("".join(parts))
                    parts.clear()
                    self._write_cell(row_num, col_num, cell)
                    continue
                index = xf.get(id(fmt))
                if index is None:
                    index = xf[id(fmt)] = fmt._get_xf_index()
                attrs = f'<c r="{letters[col_num]}{number}" s="{index}"'
                if name == "String":
                    parts.append(f'{attrs} t="s"><v>{cell.string}</v></c>')
                elif name == "Blank":
                    parts.append(f"{attrs}/>")
                elif name == "Formula":
                    value = cell.value
                    if type(value) not in (int, float):  # booleans, strings, errors: xlsxwriter's own
                        fh.write("".join(parts))
                        parts.clear()
                        self._write_cell(row_num, col_num, cell)
                        continue
                    formula = cell.formula
                    if _XML_SPECIAL.search(formula):
                        formula = self._escape_data(formula)
                    parts.append(f"{attrs}><f>{formula}</f><v>{value}</v></c>")
                else:
                    parts.append(f"{attrs}><v>{cell.number:.16G}</v></c>")
            parts.append("</row>")
            fh.write("".join(parts))

    def _write_merge_cells(self) -> None:
        if not self.merge:
            return
        refs = "".join(
            f'<mergeCell ref="{xl_rowcol_to_cell(r1, c1)}:{xl_rowcol_to_cell(r2, c2)}"/>'
            for r1, c1, r2, c2 in self.merge
        )
        self.fh.write(f'<mergeCells count="{len(self.merge)}">{refs}</mergeCells>')
