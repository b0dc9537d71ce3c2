"""收集台账.xlsx: the checklist ``xlsgen collect`` writes (issue 14 §2).

收集台账   every issued unit, sorted by code: status, return file (a relative link), how it was matched,
           changed fields, error and warning counts, its first problems with their cells, 备注
问题清单   every problem of every return (and of unreadable files), at its cell
改动明细   every changed field, issued → returned, with the cell it was read from
待确认的交回 returns not filed under a unit: unreadable, unmatched, or one of several different returns
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from .collect import HAS_ERRORS, LEDGER_SHEET, NOT_RETURNED, PASSED, SEVERAL, WARNINGS_ONLY, Entry, Ledger
from .errors import ERROR, Problem
from .files import write_atomic
from .styles import BODY_FONT
from .summary import MAX_WIDTH, _display_width, _fit_rows, _print_setup
from .xlsx import new_workbook

SHOWN_PROBLEMS = 5  # problems spelled out in a unit's row; the rest are on 问题清单
STATUS_COLOURS = {
    PASSED: "#E2EFDA",
    WARNINGS_ONLY: "#FFF2CC",
    HAS_ERRORS: "#F8CBAD",
    SEVERAL: "#F8CBAD",
    NOT_RETURNED: "#EDEDED",
}
LEDGER_COLUMNS = (
    # header, minimum width, wraps
    ("单位编码", 10, False),
    ("单位名称", 16, False),
    ("主管部门", 12, False),
    ("状态", 14, False),
    ("交回文件", 16, False),
    ("对应方式", 10, False),
    ("改动字段数", 0, False),
    ("错误数", 0, False),
    ("警告数", 0, False),
    ("错误与警告（单元格）", 40, True),
    ("回读 JSON", 16, False),
    ("数据文件", 16, False),
    ("备注", 20, True),
)


def _link(target: Path, base: Path) -> str:
    """``target`` relative to the checklist's folder, so the links survive moving the whole season folder."""
    try:
        return os.path.relpath(target.resolve(), base.resolve()).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        return str(target.resolve())


def _here(problem: Problem, source: str) -> str:
    """The problem's place inside the workbook (``sheet!F47``) when it has one, for a row that names the file."""
    loc = problem.location
    if loc.file and loc.file != source:
        return str(loc)
    if loc.sheet or loc.cell:
        return "!".join(part for part in (loc.sheet, loc.cell) if part)
    return loc.path


def _problems_text(entry: Entry) -> str:
    if entry.status == SEVERAL:
        return entry.note
    ret = entry.accepted
    if ret is None:
        return ""
    lines = []
    for p in ret.problems[:SHOWN_PROBLEMS]:
        here = _here(p, str(ret.path))
        lines.append(f"{p.level} {here}：{p.message}" if here else f"{p.level}：{p.message}")
    more = len(ret.problems) - SHOWN_PROBLEMS
    if more > 0:
        lines.append(f"另有 {more} 个，见“问题清单”")
    if entry.note:
        lines.append(entry.note)
    return "\n".join(lines)


class _Sheet:
    """One sheet of plain rows with a header, fitted widths, wrapped long texts and a filter."""

    def __init__(self, wb: Any, fmt: dict[str, Any], name: str, columns: tuple[tuple[str, int, bool], ...]) -> None:
        self.ws, self.fmt, self.columns = wb.add_worksheet(name), fmt, columns
        self.widths = [max(_display_width(h) + 2, w) for h, w, _ in columns]
        self.row = 0
        self.long: list[tuple[int, dict[int, str]]] = []
        for col, (header, _, _) in enumerate(columns):
            self.ws.write_string(0, col, header, fmt["head"])

    def add(self, values: list[Any], links: dict[int, str] | None = None, styles: dict[int, str] | None = None) -> None:
        self.row += 1
        r = self.row
        for col, value in enumerate(values):
            style = (styles or {}).get(col) or ("wrap" if self.columns[col][2] else "text")
            if isinstance(value, int) and not isinstance(value, bool):
                self.ws.write_number(r, col, value, self.fmt["int"])
                continue
            text = str(value or "")
            link = (links or {}).get(col)
            if link and "#" not in link:  # '#' would start an anchor inside the link
                self.ws.write_url(r, col, f"external:{link}", self.fmt["link"], string=text, tip=f"打开 {link}")
            elif text:
                self.ws.write_string(r, col, text, self.fmt[style])
            else:
                self.ws.write_blank(r, col, None, self.fmt[style])
            longest = max((_display_width(line) for line in text.splitlines()), default=0)
            self.widths[col] = max(self.widths[col], min(longest + 2, MAX_WIDTH))
        wrapped = {c: str(v) for c, v in enumerate(values) if self.columns[c][2] and v}
        if wrapped:
            self.long.append((r, wrapped))

    def close(self, empty: str = "") -> None:
        if self.row:
            self.ws.autofilter(0, 0, self.row, len(self.columns) - 1)
        elif empty:
            self.ws.write_string(1, 0, empty, self.fmt["text"])
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
        _fit_rows(self.ws, self.widths, self.long)
        self.ws.set_row(0, 24)
        self.ws.freeze_panes(1, 2 if self.columns[1][0] == "单位名称" else 0)
        _print_setup(self.ws)


def ledger_bytes(ledger: Ledger, checklist: Path) -> bytes:
    """The checklist workbook; links are relative to ``checklist``'s folder."""
    base = Path(checklist).parent
    buf = io.BytesIO()
    wb = new_workbook(buf, "xlsgen 收集台账")
    wb.set_custom_property("xlsgen_kind", "收集台账")  # a checklist, not a form: `xlsgen pdf` leaves it out
    cell = {"font_name": BODY_FONT, "font_size": 10, "valign": "vcenter", "border": 1}
    fmt = {
        "head": wb.add_format({**cell, "bold": True, "align": "center", "bg_color": "#D9E1F2", "text_wrap": True}),
        "text": wb.add_format(cell),
        "wrap": wb.add_format({**cell, "text_wrap": True}),
        "int": wb.add_format({**cell, "num_format": "0"}),
        "link": wb.add_format({**cell, "font_color": "blue", "underline": 1}),
        "bold": wb.add_format({**cell, "bold": True, "top": 2}),
        **{s: wb.add_format({**cell, "bg_color": colour, "bold": s != PASSED}) for s, colour in STATUS_COLOURS.items()},
    }

    main = _Sheet(wb, fmt, LEDGER_SHEET, LEDGER_COLUMNS)
    for e in ledger.entries:
        u, ret = e.issued, e.accepted
        files = "、".join(r.path.name for r in e.returns)
        links = {4: _link(ret.path, base)} if ret is not None else {}
        if e.written:
            links[10] = _link(e.written[0], base)
        main.add(
            [
                u.code, u.name, u.parent, e.status, files, ret.matched_by if ret else "",
                len(e.changes) if ret else "", ret.errors if ret else "", ret.warnings if ret else "",
                _problems_text(e), e.written[0].name if e.written else "", str(e.issued.path), e.remark,
            ],
            links,
            {3: e.status},
        )  # fmt: skip
    main.row += 1
    main.ws.write_string(main.row, 0, "合计", fmt["bold"])
    main.ws.write_string(main.row, 1, f"{len(ledger.entries)} 个单位", fmt["bold"])
    main.ws.merge_range(main.row, 3, main.row, 9, ledger.line().split("：", 1)[1], fmt["bold"])
    main.row -= 1  # the totals row stays out of the filter
    main.close()
    main.ws.activate()

    issues = _Sheet(
        wb, fmt, "问题清单",
        (("单位编码", 10, False), ("单位名称", 16, False), ("交回文件", 16, False), ("级别", 0, False),
         ("问题代码", 0, False), ("问题说明", 40, True), ("位置（工作表!单元格）", 20, True)),
    )  # fmt: skip
    for e in ledger.entries:
        if e.accepted is not None:
            for p in e.accepted.problems:
                here = _here(p, str(e.accepted.path)) or "（整个文件）"
                issues.add([e.issued.code, e.issued.name, e.accepted.path.name, p.level, p.code, p.message, here],
                           styles={3: HAS_ERRORS if p.level == ERROR else ""})  # fmt: skip
    for r in ledger.loose:
        for p in r.problems if not r.read else []:
            issues.add(["", "", r.path.name, p.level, p.code, p.message, p.where], styles={3: HAS_ERRORS})
    for p in ledger.problems:
        issues.add(["", "", "", p.level, p.code, p.message, p.where], styles={3: HAS_ERRORS})
    issues.close("没有发现问题")

    changes = _Sheet(
        wb, fmt, "改动明细",
        (("单位编码", 10, False), ("单位名称", 16, False), ("改动", 30, True), ("单元格", 16, False)),
    )  # fmt: skip
    for e in ledger.entries:
        for c in e.changes:
            text = str(c)
            if c.cell and text.endswith(f"（{c.cell}）"):
                text = text[: -len(c.cell) - 2]
            changes.add([e.issued.code, e.issued.name, text, c.cell or ""])
    changes.close("交回的工作簿与下发的数据没有差异")

    loose = _Sheet(
        wb, fmt, "待确认的交回",
        (("交回文件", 20, False), ("表中单位编码", 12, False), ("表中单位名称", 16, False), ("原因", 40, True)),
    )  # fmt: skip
    for r in ledger.loose:
        loose.add(
            [str(r.path), r.code, r.name, r.reason],
            {0: _link(r.path, base)},
        )
    loose.close("每个交回文件都已对应到一个单位")

    wb.close()
    return buf.getvalue()


def write_ledger(ledger: Ledger, checklist: Path) -> Path:
    write_atomic(Path(checklist), ledger_bytes(ledger, checklist))
    return Path(checklist)
