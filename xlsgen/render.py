"""Renderer: Grid (``layout.Sheet``) → workbook, written atomically.

package.py builds the whole ``.xlsx`` where it models everything in it (an ordinary form always);
otherwise xlsxwriter writes it, through fastsheet where the xlsxwriter version is a tested one. Both
give the same bytes (tests/test_package.py, tests/test_fastsheet.py). On the xlsxwriter path formats
are created once per workbook from ``styles.STYLES``. Text is always written as text:
``strings_to_formulas``/``strings_to_urls``/``strings_to_numbers`` are off, so ``=1+1`` typed by a unit
stays ``=1+1``. The document date is fixed, so the same unit gives byte-identical files.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import forms, package, styles
from .errors import DataError, Location, OutputError
from .files import workbook_name, write_atomic
from .forms import IDENTITY_PROPERTIES
from .layout import MARGINS_IN, TEMPLATE_VERSION, Cell, Sheet, a1, build
from .model import CELL_LIMIT, Unit, cell_length
from .xlsx import new_workbook, print_setup

if TYPE_CHECKING:  # the writer is imported only where a workbook goes through it (package.py is the rule)
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

LISTS_SHEET = "_lists"
LISTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    # name → (defined name, values, input message)
    "basis": ("指标值确定依据", forms.BASIS, "请从下拉列表选择指标值确定依据"),
    "kind": ("指标分类", forms.KIND, "请选择 绩效基本型 或 绩效创新型"),
    "category": ("支出项目类别", forms.CATEGORY, "请选择支出项目类别"),
}


def file_name(unit: Unit) -> str:
    """``<单位编码>-<单位名称>.xlsx`` (files.workbook_name)."""
    return workbook_name(unit.code, unit.name)


def _value(text: str, kind: str) -> Any:
    if kind == "money":
        return float(Decimal(text))
    if kind == "ratio":
        return float(Decimal(text))
    if kind == "percent":
        return float(Decimal(text) / 100)
    return text


# Write through fastsheet (the same bytes, several times faster) where the xlsxwriter version is one it
# was checked on; tests set this False to compare with the public-API path below.
FAST = True


def write_sheet(wb: xlsxwriter.Workbook, sheet: Sheet, formats: dict[str, Any], lock: bool = False) -> Worksheet:
    from . import fastsheet

    fast = fastsheet.worksheet_class() if FAST else None
    ws = wb.add_worksheet(sheet.name, worksheet_class=fast)
    for col, width in enumerate(sheet.widths):
        ws.set_column(col, col, width)
    for row, height in enumerate(sheet.heights):
        ws.set_row(row, height)
    fields = sheet.by_field()
    if fast is not None:
        _refuse_too_long(sheet)  # the public path's refusal (below), before anything is placed
        fastsheet.place_cells(
            ws, sheet.cells, formats, styles.VALUE_TYPES, lambda c: sheet.formula_a1(c, fields), _value
        )
    else:
        _write_cells(ws, sheet, formats, fields)
    for validation in list_validations(sheet):
        ws.data_validation(*validation)
    _print_setup(ws, sheet)
    if lock:
        # Rows stay fixed under protection: Excel refuses to delete a row holding a locked label, and
        # LibreOffice dissolves every merge an inserted row crosses. So a locked form is fill-in only.
        ws.protect("", {"format_rows": True, "format_columns": True})
    return ws


def _write_cells(ws: Worksheet, sheet: Sheet, formats: dict[str, Any], fields: dict[str, Cell]) -> None:
    """The cells through xlsxwriter's public API: the reference fastsheet.place_cells must equal."""
    for cell in sheet.cells:
        fmt = formats[cell.style]
        kind = styles.VALUE_TYPES.get(cell.style, "text")
        if cell.merged:
            ws.merge_range(cell.row, cell.col, cell.last_row, cell.last_col, "", fmt)
        if cell.formula:
            cached = _value(cell.value, kind) if cell.value else 0
            ws.write_formula(cell.row, cell.col, sheet.formula_a1(cell, fields), fmt, cached)
        elif cell.value == "":
            ws.write_blank(cell.row, cell.col, None, fmt)
        elif kind == "text":
            if len(cell.value) > CELL_LIMIT // 2 and cell_length(cell.value) > CELL_LIMIT:
                raise _too_long(cell, sheet)
            ws.write_string(cell.row, cell.col, cell.value, fmt)
        else:
            ws.write_number(cell.row, cell.col, _value(cell.value, kind), fmt)


def _refuse_too_long(sheet: Sheet) -> None:
    for cell in sheet.cells:
        if len(cell.value) > CELL_LIMIT // 2 and styles.VALUE_TYPES.get(cell.style, "text") == "text":
            if cell_length(cell.value) > CELL_LIMIT:
                raise _too_long(cell, sheet)


def _too_long(cell: Cell, sheet: Sheet) -> DataError:
    # xlsxwriter would cut the text at 32767 characters without a word: refuse instead (issue 13 §3).
    where = Location(path=cell.field) if cell.field else Location(sheet=sheet.name, cell=a1(cell.row, cell.col))
    return DataError(
        f"要打印在一个单元格中的内容有 {cell_length(cell.value)} 个字符（分条内容合在同一格），"
        f"超过 Excel 单元格的上限 {CELL_LIMIT} 个字符，请缩短",
        where,
    )


_letters: list[str] = []


def _column_letters(last: int) -> list[str]:
    """A, B, … up to column ``last`` at least (as layout.a1 names them), kept between calls."""
    while len(_letters) <= last:
        _letters.append(a1(0, len(_letters))[:-1])
    return _letters


def list_validations(sheet: Sheet) -> list[tuple[int, int, int, int, dict[str, Any]]]:
    """One data validation per list and style, covering all its cells (one per cell is slow to write):
    (first row, first col, last row, last col, xlsxwriter options) of each."""
    groups: dict[tuple[str, str], list[Cell]] = {}
    for cell in sheet.cells:
        if cell.list:
            groups.setdefault((cell.list, cell.list_style), []).append(cell)
    out = []
    for (key, style), cells in groups.items():
        name, _, message = LISTS[key]
        letters = _column_letters(max(c.last_col for c in cells))
        refs = [
            f"{letters[c.col]}{c.row + 1}:{letters[c.last_col]}{c.last_row + 1}"
            if c.last_row > c.row or c.last_col > c.col
            else f"{letters[c.col]}{c.row + 1}"
            for c in cells
        ]
        first = cells[0]
        options = {
            "validate": "list",
            "source": f"={name}",
            "input_title": name,
            "input_message": message,
            "error_type": style,
            "error_title": name,
            "error_message": f"请从列表中选择{name}",
            "multi_range": " ".join(refs),
        }
        out.append((first.row, first.col, first.last_row, first.last_col, options))
    return out


def _print_setup(ws: Worksheet, sheet: Sheet) -> None:
    print_setup(
        ws, margins=MARGINS_IN, center=True, repeat_rows=sheet.repeat_rows, breaks=sheet.breaks, footer={"margin": 0.3}
    )


def list_names() -> list[tuple[str, tuple[str, ...], str]]:
    """(defined name, values, the formula naming its column of the lists sheet) of each list."""
    out = []
    for col, (name, values, _) in enumerate(LISTS.values()):
        letter = a1(1, col)[:-1]
        out.append((name, values, f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"))
    return out


def _write_lists(wb: xlsxwriter.Workbook) -> None:
    from . import fastsheet

    ws = wb.add_worksheet(LISTS_SHEET, worksheet_class=fastsheet.worksheet_class() if FAST else None)
    for col, (name, values, ref) in enumerate(list_names()):
        ws.write_string(0, col, name)
        for row, value in enumerate(values, 1):
            ws.write_string(row, col, value)
        wb.define_name(name, ref)
    ws.hide()
    ws.protect()


# Write the whole package by string building (package.py, the same bytes again several times faster)
# where it models everything in the workbook; tests set this False to compare with the paths above.
PACKAGE = True


def _form_sheet(sheet: Sheet) -> package.FormSheet:
    fields: dict[str, Cell] = {}

    def formula_of(cell: Cell) -> str:
        if not fields:
            fields.update(sheet.by_field())
        return sheet.formula_a1(cell, fields)

    return package.FormSheet(
        name=sheet.name,
        widths=sheet.widths,
        heights=sheet.heights,
        cells=sheet.cells,
        formula_of=formula_of,
        validations=list_validations(sheet),
        repeat_rows=sheet.repeat_rows,
        breaks=sheet.breaks,
    )


def workbook_bytes(unit: Unit, sections: dict[str, bool] | None = None, lock: bool = False) -> bytes:
    """The finished ``.xlsx`` of a unit, in memory.

    Unprotected unless ``lock``: a unit adds and removes its own indicator rows, which no spreadsheet
    program allows (or does cleanly) on a protected sheet; the label cells stay locked-styled, so
    ``lock`` protects them without changing anything else.
    """
    sheets = build(unit, sections)
    title, subject = f"{unit.name} {forms.DEPT_SHEET}", f"{unit.year}年度绩效目标"
    custom = [
        ("xlsgen_templates", ",".join(s.template for s in sheets)),
        ("xlsgen_template_version", TEMPLATE_VERSION),
        # Fields no form prints (单位编码 when no project shows it, 主管部门, 所属地区, the project tree)
        # travel here so that `xlsgen import` gives back the same JSON.
        *((prop, str(getattr(unit, name))) for name, prop in IDENTITY_PROPERTIES.items()),
    ]
    if FAST and PACKAGE and package.enabled():
        # No refusal of over-long text here: package writes no text longer than half of Excel's
        # limit, so such a workbook takes the path below, which refuses it in the same words.
        book = package.Book(
            title=title,
            subject=subject,
            custom=custom,
            sheets=[_form_sheet(s) for s in sheets],
            lists_sheet=LISTS_SHEET,
            lists=list_names(),
            styles=styles.STYLES,
            value_types=styles.VALUE_TYPES,
            value_of=_value,
            margins=MARGINS_IN,
            lock=lock,
        )
        data = package.form_workbook(book)
        if data is not None:
            return data
    buf = io.BytesIO()
    wb = new_workbook(buf, title, subject=subject)
    for name, value in custom:
        wb.set_custom_property(name, value)
    formats = {name: wb.add_format(props) for name, props in styles.STYLES.items()}
    for sheet in sheets:
        write_sheet(wb, sheet, formats, lock)
    _write_lists(wb)
    wb.worksheets()[0].activate()
    wb.close()
    return buf.getvalue()


def generate(unit: Unit, out_dir: Path, sections: dict[str, bool] | None = None, lock: bool = False) -> Path:
    """Render a unit's workbook into ``out_dir``; returns the file written."""
    out_dir = Path(out_dir)
    target = out_dir / file_name(unit)
    if target.resolve().parent != out_dir.resolve():
        raise OutputError(f"单位 {unit.code} 的文件名不安全：{target.name}")
    write_atomic(target, workbook_bytes(unit, sections, lock))
    return target
