"""Test helpers: edit workbooks the way Excel would, and craft small workbooks and files by hand.

openpyxl's ``insert_rows``/``delete_rows`` move cells but leave merged ranges where they were; Excel
extends a merge a row is inserted into and shrinks one a row is deleted from. ``insert_rows`` and
``delete_rows`` below do what Excel does, so an edit made here looks like one a unit made in Excel.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from xlsgen.model import Unit
from xlsgen.render import workbook_bytes


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def save(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bounds(ws: Worksheet) -> list[tuple[int, int, int, int]]:
    bounds = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(m.coord)
    return bounds


def _merge(ws: Worksheet, r0: int, c0: int, r1: int, c1: int) -> None:
    if (r1, c1) != (r0, c0):
        ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def insert_rows(ws: Worksheet, idx: int, amount: int = 1) -> None:
    """Insert ``amount`` rows before row ``idx`` (1-based), as Excel does: merges crossing it grow."""
    bounds = _bounds(ws)
    ws.insert_rows(idx, amount)
    for r0, c0, r1, c1 in bounds:
        if r0 >= idx:
            r0, r1 = r0 + amount, r1 + amount
        elif r1 >= idx:
            r1 += amount
        _merge(ws, r0, c0, r1, c1)


def delete_rows(ws: Worksheet, idx: int, amount: int = 1) -> None:
    """Delete rows ``idx``… (1-based), as Excel does: merges shrink and keep their text."""
    bounds = _bounds(ws)
    last = idx + amount - 1
    texts = {(r0, c0): ws.cell(r0, c0).value for r0, c0, _, _ in bounds}
    ws.delete_rows(idx, amount)
    for r0, c0, r1, c1 in bounds:
        value = texts[(r0, c0)]
        if idx <= r0 and r1 <= last:
            continue  # the whole merge was deleted
        new_r0 = r0 if r0 < idx else (idx if r0 <= last else r0 - amount)
        new_r1 = r1 if r1 < idx else (idx - 1 if r1 <= last else r1 - amount)
        if idx <= r0 <= last:
            ws.cell(new_r0, c0).value = value  # the top row went: the text moves to the new top row
        _merge(ws, new_r0, c0, new_r1, c1)


def find(ws: Worksheet, text: str, col: int | None = None) -> tuple[int, int]:
    """(row, col), 1-based, of the first cell whose value equals ``text``."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text and (col is None or cell.column == col):
                return cell.row, cell.column
    raise LookupError(text)


def workbook(unit: Unit, **kw: Any) -> bytes:
    """What ``xlsgen generate`` writes for ``unit``."""
    return workbook_bytes(unit, **kw)


def replace_part(data: bytes, name: str, body: bytes | None) -> bytes:
    """The zip with one part replaced (or removed when ``body`` is None)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == name:
                if body is not None:
                    zout.writestr(info, body)
            else:
                zout.writestr(info, zin.read(info))
    return buf.getvalue()


def comparable(unit: Unit) -> dict[str, Any]:
    """A unit as compared in the round trip: everything but the optional ``$schema`` reference."""
    return unit.model_dump(mode="json", exclude={"schema_"})


def said(imported: Any) -> list[str]:
    """What the reader reported, each as ``where：message`` (the way the CLI prints it, without the level)."""
    return [p.located for p in imported.problems]
