"""汇总表.xlsx: the bureau's checklist of a bulk run (issue 7 §3).

One row per unit sorted by code (totals, project count, status, error and warning counts, the first
error, a link to the workbook) with a totals row, frozen header and filters; a second sheet lists every
problem of every unit at its location. Long texts wrap and their rows are made tall enough to show them.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import FileCreateError

from . import fastsheet
from .errors import ERROR
from .files import write_atomic
from .layout import CELL_PADDING_PX, a1, column_px, needed_height
from .outcomes import FAILED, OK, SKIPPED, Outcome
from .styles import BODY_FONT
from .xlsx import new_workbook, print_setup

SUMMARY_NAME = "汇总表.xlsx"

SUMMARY_COLUMNS = (
    # header, kind, minimum width
    ("单位编码", "text", 10),
    ("单位名称", "text", 16),
    ("预算年度", "int", 0),
    ("收入合计", "money", 12),
    ("支出合计", "money", 12),
    ("项目数", "int", 0),
    ("项目预算合计", "money", 12),
    ("状态", "text", 0),
    ("错误数", "int", 0),
    ("警告数", "int", 0),
    ("第一个错误", "text", 20),
    ("工作簿", "link", 16),
    ("数据文件", "text", 16),
)
PROBLEM_COLUMNS = (
    ("单位编码", "text", 10),
    ("单位名称", "text", 16),
    ("数据文件", "text", 16),
    ("级别", "text", 0),
    ("问题代码", "text", 0),
    ("问题说明", "text", 30),
    ("位置", "text", 16),
)
MAX_WIDTH = 60


def _display_width(text: str) -> float:
    """Column width (in Excel's digit widths) the text needs; a CJK character at 11 pt is about 2.1 digits."""
    import unicodedata

    return sum(2.2 if unicodedata.east_asian_width(ch) in "WFA" else 1.1 for ch in text)


def _sort_key(o: Outcome) -> tuple[bool, str, str]:
    return (not o.code, o.code, o.source)  # units without a readable code go last


def summary_bytes(outcomes: Iterable[Outcome]) -> bytes:
    """The checklist workbook: one row per unit sorted by code, a totals row, and every problem.

    A county's 指标明细 is tens of megabytes of sheet XML, which xlsxwriter would hold three times
    over in memory while zipping it: its parts go through a private temporary folder instead, and
    only if that fails (no temporary folder, a full disk) is the workbook made again in memory."""
    rows = sorted(outcomes, key=_sort_key)
    try:
        folder = tempfile.mkdtemp(prefix="xlsgen-")
    except OSError:
        return _summary_bytes(rows, None)
    try:
        return _summary_bytes(rows, folder)
    except (OSError, FileCreateError):  # xlsxwriter words an OSError of its own files so
        return _summary_bytes(rows, None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _summary_bytes(rows: list[Outcome], parts_dir: str | None) -> bytes:
    buf = io.BytesIO()
    wb = new_workbook(buf, "xlsgen 批量生成汇总表", parts_dir=parts_dir)
    wb.set_custom_property("xlsgen_kind", "汇总表")  # a checklist, not a form: `xlsgen pdf` leaves it out
    base = {"font_name": BODY_FONT, "font_size": 10, "valign": "vcenter"}
    fmt = {
        "head": wb.add_format(
            {**base, "bold": True, "align": "center", "border": 1, "bg_color": "#D9E1F2", "text_wrap": True}
        ),
        "text": wb.add_format({**base, "border": 1}),
        "wrap": wb.add_format({**base, "border": 1, "text_wrap": True}),
        "list": wb.add_format({**base, "text_wrap": True, "bottom": 4, "bottom_color": "#BFBFBF"}),
        "int": wb.add_format({**base, "border": 1, "num_format": "0"}),
        "money": wb.add_format({**base, "border": 1, "num_format": "0.00"}),
        "link": wb.add_format({**base, "border": 1, "font_color": "blue", "underline": 1}),
        "failed": wb.add_format({**base, "border": 1, "font_color": "#C00000", "bold": True}),
        "total_text": wb.add_format({**base, "border": 1, "bold": True, "top": 2}),
        "total_int": wb.add_format({**base, "border": 1, "bold": True, "top": 2, "num_format": "0"}),
        "total_money": wb.add_format({**base, "border": 1, "bold": True, "top": 2, "num_format": "0.00"}),
    }

    ws = wb.add_worksheet("汇总表", worksheet_class=fastsheet.worksheet_class())
    widths = [max(_display_width(h) + 2, w) for h, _, w in SUMMARY_COLUMNS]
    for col, (header, _, _) in enumerate(SUMMARY_COLUMNS):
        ws.write_string(0, col, header, fmt["head"])
    totals: dict[int, Decimal | int] = {}
    for r, o in enumerate(rows, 1):
        values: list[Any] = [
            o.code,
            o.name or "",
            o.year,
            o.income,
            o.expense,
            o.projects,
            o.project_total,
            o.status,
            o.errors,
            o.warnings,
            o.first_error,
            o.output if o.status != FAILED else "",
            o.source,
        ]
        for col, ((_, kind, _), value) in enumerate(zip(SUMMARY_COLUMNS, values, strict=True)):
            if value is None or value == "":
                ws.write_blank(r, col, None, fmt["text"])
                continue
            if kind == "money":
                ws.write_number(r, col, float(value), fmt["money"])
                totals[col] = totals.get(col, Decimal("0.00")) + value
            elif kind == "int":
                ws.write_number(r, col, value, fmt["int"])
                if col != 2:  # a sum of budget years means nothing
                    totals[col] = totals.get(col, 0) + value
            elif kind == "link" and "#" not in value:  # '#' would start an anchor inside the link
                ws.write_url(r, col, f"external:{value}", fmt["link"], string=value, tip=f"打开 {value}")
            else:
                style = "failed" if col == 7 and value == FAILED else "wrap" if col == 10 else "text"
                ws.write_string(r, col, str(value), fmt[style])
            widths[col] = max(widths[col], min(_display_width(str(value)) + 2, MAX_WIDTH))
    _fit_rows(ws, widths, [(r, {10: o.first_error}) for r, o in enumerate(rows, 1)])
    if rows:
        t = len(rows) + 1
        ws.write_string(t, 0, "合计", fmt["total_text"])
        ws.write_string(t, 1, f"{len(rows)} 个单位", fmt["total_text"])
        counts = {s: sum(1 for o in rows if o.status == s) for s in (OK, SKIPPED, FAILED)}
        status = "，".join(f"{s} {n}" for s, n in counts.items())
        for col, (_, kind, _) in enumerate(SUMMARY_COLUMNS):
            if col in (0, 1):
                continue
            if col in (3, 4, 5, 6, 8, 9):
                cached = totals.get(col, 0)
                rng = f"{a1(1, col)}:{a1(t - 1, col)}"
                style = "total_money" if kind == "money" else "total_int"
                ws.write_formula(t, col, f"=SUM({rng})", fmt[style], float(cached) if kind == "money" else cached)
            elif col == 7:
                ws.write_string(t, col, status, fmt["total_text"])
                widths[col] = max(widths[col], _display_width(status) + 2)
            else:
                ws.write_blank(t, col, None, fmt["total_text"])
        ws.autofilter(0, 0, len(rows), len(SUMMARY_COLUMNS) - 1)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_row(0, 24)
    ws.freeze_panes(1, 2)
    _print_setup(ws)

    ps = wb.add_worksheet("问题清单", worksheet_class=fastsheet.worksheet_class())
    pwidths = [max(_display_width(h) + 2, w) for h, _, w in PROBLEM_COLUMNS]
    for col, (header, _, _) in enumerate(PROBLEM_COLUMNS):
        ps.write_string(0, col, header, fmt["head"])
    r = 0
    long_texts: list[tuple[int, dict[int, str]]] = []
    for o in rows:
        for issue in o.issues:
            r += 1
            for col, value in enumerate(
                (o.code, o.name, o.source, issue.level, issue.code, issue.message, issue.where)
            ):
                style = "failed" if col == 3 and value == ERROR else "wrap" if col >= 5 else "text"
                ps.write_string(r, col, value, fmt[style]) if value else ps.write_blank(r, col, None, fmt["text"])
                pwidths[col] = max(pwidths[col], min(_display_width(value) + 2, MAX_WIDTH))
            long_texts.append((r, {5: issue.message, 6: issue.where}))
    _fit_rows(ps, pwidths, long_texts)
    if r:
        ps.autofilter(0, 0, r, len(PROBLEM_COLUMNS) - 1)
    else:
        ps.write_string(1, 0, "没有发现问题", fmt["text"])
    for col, width in enumerate(pwidths):
        ps.set_column(col, col, width)
    ps.set_row(0, 24)
    ps.freeze_panes(1, 0)
    _print_setup(ps)
    _indicator_sheet(wb, fmt, rows)

    ws.activate()
    wb.close()
    return buf.getvalue()


INDICATOR_SHEET = "指标明细"
# (least, most) width of each column; longer texts wrap and their rows grow.
INDICATOR_WIDTHS = {"单位编码": (10, 12), "单位名称": (16, 24), "表": (14, 14), "项目": (8, 24), "一级": (10, 14),
                    "二级": (12, 18), "三级": (16, 26), "依据": (12, 14), "分类": (10, 12)}  # fmt: skip
VALUE_WIDTH = (8, 14)


def _indicator_sheet(wb: Any, fmt: dict[str, Any], rows: list[Outcome]) -> None:
    """Every indicator of every unit, one row each, filterable: one 三级指标 compared across the county.

    A county has tens of thousands of these rows: empty cells are not written (the sheet is a list to
    filter, not a form), and the width of each distinct text is measured once.
    """
    from .indicators import COLUMNS, rows_from_json, shared

    texts: dict[str, str] = {}
    for o in rows:
        if not o.indicators and o.status == SKIPPED:  # answered from the manifest: the unit was not loaded
            o.indicators = shared(rows_from_json(o.path), texts)
    ws = wb.add_worksheet(INDICATOR_SHEET, worksheet_class=fastsheet.worksheet_class())
    bounds = [INDICATOR_WIDTHS.get(h, VALUE_WIDTH) for h in COLUMNS]
    widths = [float(max(_display_width(h) + 2, lo)) for h, (lo, _) in zip(COLUMNS, bounds, strict=True)]
    measured: dict[str, float] = {}
    for o in rows:
        for values in o.indicators:
            for col, value in enumerate(values):
                if value:
                    w = measured.get(value)
                    if w is None:
                        w = measured[value] = _display_width(value) + 2
                    if w > widths[col]:
                        widths[col] = min(w, bounds[col][1])
    for col, header in enumerate(COLUMNS):
        ws.write_string(0, col, header, fmt["head"])
    lines = [values for o in rows for values in o.indicators]
    if isinstance(ws, fastsheet.FastWorksheet):
        fastsheet.place_rows(ws, 1, lines, fmt["list"])
    else:
        write, plain = ws.write_string, fmt["list"]
        for r, values in enumerate(lines, 1):
            for col, value in enumerate(values):
                if value:
                    write(r, col, value, plain)
    long_texts: list[tuple[int, dict[int, str]]] = []
    for r, values in enumerate(lines, 1):
        wide = {col: value for col, value in enumerate(values) if value and measured[value] > widths[col]}
        if wide:
            long_texts.append((r, wide))
    r = len(lines)
    _fit_rows(ws, widths, long_texts)
    if r:
        ws.autofilter(0, 0, r, len(COLUMNS) - 1)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_row(0, 24)
    ws.freeze_panes(1, 0)
    _print_setup(ws)


def _fit_rows(ws: Any, widths: list[float], texts: list[tuple[int, dict[int, str]]]) -> None:
    """Rows tall enough for their wrapped long texts (messages are capped at MAX_WIDTH, not cut)."""
    room = [column_px(w) - CELL_PADDING_PX for w in widths]
    heights: dict[tuple[str, int], float] = {}  # a county repeats its indicator texts in every unit
    for row, by_col in texts:
        height = 0.0
        for c, t in by_col.items():
            if t:
                h = heights.get((t, c))
                if h is None:
                    h = heights[(t, c)] = needed_height(t, room[c], 10)
                height = max(height, h)
        if height > 20:
            ws.set_row(row, height)


def _print_setup(ws: Any) -> None:
    # The checklist is printed and ticked off by hand: landscape A4, one page wide, header on every page.
    print_setup(ws, landscape=True, repeat_rows=(0,))


def write_summary(out_dir: Path, outcomes: Iterable[Outcome]) -> Path:
    path = Path(out_dir) / SUMMARY_NAME
    write_atomic(path, summary_bytes(outcomes))
    return path
