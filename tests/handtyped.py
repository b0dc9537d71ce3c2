"""Forms typed by hand in the official layout (forms.md), written with openpyxl only, never with xlsgen.

``typed(unit, style)`` types a unit the way clerks fill the blank template in Excel or WPS, with the
liberties of ``Style`` (each drawn at random by ``styles(seed)``): group labels merged, typed on every
row or typed once; amounts as numbers or as text (``47,586.57``, ``　850.8``, full-width digits); shares
and plan percentages as numbers or text; a blank margin column; blank rows between sections; the sheet
named ``Sheet1``; 前年/上年 instead of the years; the header printed again inside a table (a page
break), with the group cut there and its label typed again; no 附件1 line, no 填报说明.

The expected unit is the one typed: every value a cell holds must come back, as often as it appears.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

import openpyxl

from xlsgen import forms
from xlsgen.model import Expense, Income, Unit

FULL = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass(frozen=True)
class Style:
    levels: str = "merged"  # merged · every_row · once: how 一级/二级 are typed down their group
    amounts: str = "number"  # number · commas · fullwidth · spaced
    shares: str = "number"  # number (0.0179, percent format) · text ("1.79%")
    plan: str = "fraction"  # fraction (0.25, percent format) · text ("25%") · plain (25)
    margin: bool = False  # a blank column A
    blank_rows: bool = False
    sheet1: bool = True  # the sheet keeps Excel's default name
    year_words: bool = False  # 前年 / 上年 in the headers
    page_break: bool = False  # the header typed again in the middle of each table, the group cut there
    attach_line: bool = True  # 附件1：
    notes: bool = True  # 填报说明
    merge_value: bool = True  # 指标值 of the 长期 table merged E:G


def styles(seed: int) -> Style:
    rng = random.Random(seed)
    choice = {
        "levels": ["merged", "every_row", "once"],
        "amounts": ["number", "commas", "fullwidth", "spaced"],
        "shares": ["number", "text"],
        "plan": ["fraction", "text", "plain"],
    }
    kw: dict[str, Any] = {}
    for f in fields(Style):
        kw[f.name] = rng.choice(choice[f.name]) if f.name in choice else rng.random() < 0.5
    return Style(**kw)


def amount(value: Decimal, style: Style) -> Any:
    if style.amounts == "number":
        return float(value)
    if style.amounts == "commas":
        return f"{value:,.2f}"
    text = f"{value.normalize():f}"
    if style.amounts == "fullwidth":
        return text.translate(FULL)
    return "\u3000" + text  # a full-width space before it, trailing zeros dropped (850.8)


class _Sheet:
    def __init__(self, ws: Any, style: Style) -> None:
        self.ws, self.style, self.r = ws, style, 0
        self.dc = 1 if style.margin else 0

    def line(self, *cells: Any, fmt: dict[int, str] | None = None) -> int:
        self.r += 1
        for c, v in enumerate(cells, 1):
            if v is not None and v != "":
                cell = self.ws.cell(self.r, c + self.dc, v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # typed as text (a leading ' in Excel): openpyxl would make it a formula
                if fmt and c in fmt:
                    cell.number_format = fmt[c]
        return self.r

    def gap(self) -> None:
        if self.style.blank_rows:
            self.r += 1

    def merge(self, r0: int, c0: int, r1: int, c1: int) -> None:
        if (r1, c1) != (r0, c0):
            self.ws.merge_cells(start_row=r0, start_column=c0 + self.dc, end_row=r1, end_column=c1 + self.dc)


def _levels(sheet: _Sheet, first: int, rows: list[tuple[str, str]], cuts: set[int], c1: int, header: int) -> None:
    """一级/二级 (from 1-based column ``c1``) down a table typed from row ``first``: merged, on every row, or
    once per group; at a row in ``cuts`` the header (``header`` rows) was typed again and the group cut."""
    style = sheet.style
    for depth, col in ((1, c1), (2, c1 + 1)):
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i][:depth] != rows[start][:depth] or i in cuts:
                label = rows[start][depth - 1]
                for k in range(start, i):
                    row = first + k + sum(1 for x in cuts if x <= k) * header
                    if style.levels == "every_row" or k == start:
                        sheet.ws.cell(row, col + sheet.dc, label or None)
                if style.levels == "merged" and i - start > 1:
                    top = first + start + sum(1 for x in cuts if x <= start) * header
                    sheet.merge(top, col, top + i - start - 1, col)
                start = i


def typed(unit: Unit, style: Style) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1" if style.sheet1 else forms.DEPT_SHEET
    s = _Sheet(ws, style)
    y, d = unit.year, unit.filled_on
    prev2, prev1 = ("前年", "上年") if style.year_words else (f"{y - 2}年", f"{y - 1}年")
    deadline = unit.long_term.deadline if unit.long_term.deadline is not None else " "
    if style.attach_line:
        s.line("附件1：")
    s.line("部门整体绩效目标申报表")
    date = f"{d.year}年{d.month}月{d.day}日" if d else "    年  月  日"
    s.line(f"填报日期：{date}", None, None, None, None, None, "单位：万元")
    s.line("部门（单位）名称", unit.name)
    s.line("填报人", unit.filler, None, None, "联系电话", None, unit.phone)
    s.gap()
    f = unit.funding
    if unit.sections.funding and f is not None:
        s.line("部门总体资金情况", "总体资金情况", None, "当年金额", "占比", "近两年收支金额")
        s.line(None, None, None, None, None, prev2, None, prev1)
        for side, label, parts in (("income", "收入构成", Income.PARTS), ("expense", "支出构成", Expense.PARTS)):
            block = getattr(f, side)
            total = block.total
            for n, (key, part) in enumerate(parts):
                a = getattr(block, key)
                ratio = a.current / total.current if total.current else Decimal(0)
                share: Any = float(ratio) if style.shares == "number" else f"{ratio * 100:.2f}%"
                s.line(None, label if n == 0 else None, part, amount(a.current, style), share,
                       amount(a.prev2, style), None, amount(a.prev1, style), fmt={5: "0.00%"})  # fmt: skip
            s.line(None, None, "合计", amount(total.current, style), 1 if style.shares == "number" else "100%",
                   amount(total.prev2, style), None, amount(total.prev1, style), fmt={5: "0%"})  # fmt: skip
        s.gap()
    s.line("部门职能概述", "\n".join(f"{i}.{t}" for i, t in enumerate(unit.functions, 1)))
    s.line("年度工作任务", "\n".join(f"{i}.{t}" for i, t in enumerate(unit.tasks, 1)))
    if unit.sections.projects:
        s.line(
            "项目支出情况", "项目名称", None, "支出项目类别", "项目总预算", "项目本年度预算", "项目主要支出方向和用途"
        )
        for p in unit.projects:
            total_budget = amount(p.total_budget, style) if p.total_budget is not None else None
            s.line(None, p.name, None, p.category, total_budget, amount(p.budget, style), p.direction)
        s.gap()
    if unit.sections.overall_goals:
        g = unit.overall_goals
        s.line("整体绩效总目标", f"长期目标（截止{deadline}年）", None, None, None, "年度目标")
        s.line(None, "\n".join(f"目标{i}：{t}" for i, t in enumerate(g.long_term, 1)), None, None, None,
               "\n".join(f"目标{i}：{t}" for i, t in enumerate(g.annual, 1)))  # fmt: skip
    s.line(f"长期目标：（截止{deadline}年）", unit.long_term.goal)
    _table(s, "long", unit.long_term.indicators, prev2, prev1)
    s.gap()
    s.line("年度目标：", unit.annual.goal)
    _table(s, "annual", unit.annual.indicators, prev2, prev1)
    if style.notes and unit.sections.notes:
        for note in forms.NOTES:
            s.line(note)
    if unit.projects:
        _projects(wb.create_sheet("项目"), unit, style)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _table(s: _Sheet, which: str, rows: list[Any], prev2: str, prev1: str) -> None:
    def header() -> None:
        if which == "long":
            s.line(
                "长期绩效指标", "一级指标", "二级指标", "三级指标", "指标值", None, None, "指标值确定依据", "指标分类"
            )
        else:
            s.line(
                "年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", None, None, "指标值确定依据", "指标分类"
            )
            s.line(None, None, None, None, "近两年指标值", None, "预期当年实现值")
            s.line(None, None, None, None, prev2, prev1)

    header()
    first = s.r + 1
    cut = len(rows) // 2 if s.style.page_break and len(rows) > 3 else None
    for i, x in enumerate(rows):
        if i == cut:
            header()
        if which == "long":
            s.line(None, None, None, x.level3, x.value, None, None, x.basis, x.kind)
            if s.style.merge_value:
                s.merge(s.r, 5, s.r, 7)
        else:
            s.line(None, None, None, x.level3, x.prev2, x.prev1, x.value, x.basis, x.kind)
    _levels(s, first, [(x.level1, x.level2) for x in rows], {cut} if cut else set(), 2, 1 if which == "long" else 3)


def _projects(ws: Any, unit: Unit, style: Style) -> None:
    s = _Sheet(ws, style)
    for n, p in enumerate(unit.projects, 1):
        s.line(f"{n}.{p.name}绩效目标表")
        code = p.unit_code or unit.code
        s.line(f"{code}{p.unit_name or unit.name}", None, None, None, None, None, "单位：万元")
        s.line("项目编码", p.code, None, "项目名称", p.name)
        s.line("预算规模及资金用途", "预算数", amount(p.budget, style), None, "其中：财政资金", None,
               amount(p.fiscal, style) if p.fiscal is not None else None, "其他资金",
               amount(p.other, style) if p.other is not None else None)  # fmt: skip
        s.line(None, p.use)
        s.line("资金支出计划（%）", "3月底", None, "6月底", None, "10月底", None, "12月底")
        if p.plan is not None:
            values = [getattr(p.plan, k) for k in ("mar", "jun", "oct", "dec")]
            cells: list[Any] = {
                "fraction": [float(v) / 100 for v in values],
                "text": [f"{v.normalize():f}%" for v in values],
                "plain": [float(v) for v in values],
            }[style.plan]
            s.line(None, cells[0], None, cells[1], None, cells[2], None, cells[3],
                   fmt={2: "0%", 4: "0%", 6: "0%", 8: "0%"} if style.plan == "fraction" else None)  # fmt: skip
        else:
            s.line()
        s.line("绩效目标", "\n".join(f"{i}.{t}" for i, t in enumerate(p.goals, 1)))
        s.line("一级指标", "二级指标", "三级指标", None, "绩效指标描述", None, "指标值", "指标值确定依据")
        first = s.r + 1
        for x in p.indicators:
            s.line(None, None, x.level3, None, x.description, None, x.value, x.basis)
        _levels(s, first, [(x.level1, x.level2) for x in p.indicators], set(), 1, 1)
        s.gap()
