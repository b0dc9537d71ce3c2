"""Nothing is clipped: every wrapped cell's text fits the rows it spans, read from the real file.

The check reads what the workbook holds (column widths, row heights, fonts, number formats), not the
Grid, so a renderer that drops a height, a width or a font size is caught as well as a bad metric.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from xlsgen.layout import column_px, needed_height
from xlsgen.model import load_unit
from xlsgen.render import workbook_bytes

from .conftest import EXAMPLES


def shown(value, number_format: str) -> str:
    if isinstance(value, str):
        return value
    if number_format.endswith("%"):
        places = number_format.count("0") - 1
        return f"{value * 100:.{places}f}%"
    if number_format == "0.00":
        return f"{value:.2f}"
    return str(value)


def clipped(wb: openpyxl.Workbook, cached: openpyxl.Workbook) -> list[str]:
    """Cells whose text needs more height than their rows give, as ``sheet!A1 need > have``."""
    problems = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or type(cell).__name__ == "MergedCell" or not cell.alignment.wrap_text:
                    continue
                m = spans.get((cell.row, cell.column))
                last_row, last_col = (m.max_row, m.max_col) if m else (cell.row, cell.column)
                width = sum(
                    column_px(ws.column_dimensions[get_column_letter(c)].width)
                    for c in range(cell.column, last_col + 1)
                )
                have = sum(ws.row_dimensions[r].height or 15 for r in range(cell.row, last_row + 1))
                value = cached[ws.title][cell.coordinate].value if str(cell.value).startswith("=") else cell.value
                need = needed_height(shown(value, cell.number_format), width, cell.font.sz)
                if need > have + 0.01:
                    problems.append(f"{ws.title}!{cell.coordinate} {need:.1f} > {have:.1f}")
    return problems


def load(data: bytes) -> tuple[openpyxl.Workbook, openpyxl.Workbook]:
    return openpyxl.load_workbook(io.BytesIO(data)), openpyxl.load_workbook(io.BytesIO(data), data_only=True)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_wrapped_text_is_clipped(path: Path) -> None:
    wb, cached = load(workbook_bytes(load_unit(path)))
    assert clipped(wb, cached) == []


def test_the_check_fails_on_a_deliberately_short_row() -> None:
    path = next(p for p in EXAMPLES if p.stem == "阳新县医疗保障服务中心")
    wb, cached = load(workbook_bytes(load_unit(path)))
    ws = wb.worksheets[0]
    row = next(c.row for c in ws["A"] if c.value == "部门职能概述")  # six numbered paragraphs
    ws.row_dimensions[row].height = 20
    assert clipped(wb, cached) == [f"{ws.title}!B{row} {_need(ws, row):.1f} > 20.0"]


def test_the_check_sees_a_merged_cell_across_its_rows() -> None:
    path = next(p for p in EXAMPLES if p.stem == "阳新县医疗保障服务中心")
    wb, cached = load(workbook_bytes(load_unit(path)))
    ws = wb.worksheets[0]
    ws.column_dimensions["A"].width = 2  # 部门总体资金情况 now needs one line per character
    found = clipped(wb, cached)
    assert any(p.startswith(f"{ws.title}!A") for p in found)


def _need(ws, row: int) -> float:
    width = sum(column_px(ws.column_dimensions[get_column_letter(c)].width) for c in range(2, 10))
    return needed_height(ws.cell(row, 2).value, width, 10)
