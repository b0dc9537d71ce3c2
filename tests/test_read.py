"""Reading edited workbooks (issue 4 §3) and workbooks xlsgen never wrote (§4).

Every edit is made with openpyxl the way a unit makes it in Excel (xlsx_edit), and every expected value
is written down from the edit itself, never taken from the reader's output.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from openpyxl.styles import Font

from xlsgen import forms
from xlsgen.anchors import parse_cn_date, split_numbered
from xlsgen.errors import ReadError
from xlsgen.grid import display, engines
from xlsgen.layout import build
from xlsgen.model import (
    AnnualIndicator,
    Expense,
    Funding,
    Income,
    LongIndicator,
    OverallGoals,
    ProjectIndicator,
    Unit,
    YearAmounts,
)
from xlsgen.read import MISSING, read_bytes, read_workbook

from .conftest import filled_unit
from .xlsx_edit import comparable, delete_rows, find, insert_rows, load, replace_part, said, save, workbook

DEPT = forms.DEPT_SHEET
PROJ = forms.PROJECT_SHEET


def base_unit() -> Unit:
    """filled_unit with every section filled: funding, overall goals, the 附件1 project columns."""
    unit = filled_unit()
    amounts = [YearAmounts(current=f"{100 + i}.25", prev2=f"{90 + i}.50", prev1=f"{95 + i}.00") for i in range(6)]
    unit.funding = Funding(
        income=Income(fiscal=amounts[0], special=amounts[1], own=amounts[2]),
        expense=Expense(personnel=amounts[3], operating=amounts[4], targeted=amounts[5]),
    )
    unit.filler, unit.phone = "王丽娜", "0313-6822157"
    unit.overall_goals = OverallGoals(long_term=["长期一", "长期二"], annual=["年度一"])
    for i, p in enumerate(unit.projects):
        p.total_budget, p.direction = Decimal("60.00") + i, f"支出方向{i}"
    return Unit.model_validate(unit.model_dump())


def at(unit: Unit, path: str, sheet: str | None = None) -> tuple[int, int]:
    """1-based (row, col) where the layout prints ``path`` (the layout is the oracle).

    A project's name and budget print on both sheets: ``sheet`` says which one is meant.
    """
    found = [
        (cell.row + 1, cell.col + 1)
        for s in build(unit)
        if sheet in (None, s.name)
        for cell in s.cells
        if cell.field == path
    ]
    assert len(found) == 1, (path, found)
    return found[0]


def read(data: bytes, engine: str = "auto", name: str = "u.xlsx"):
    return read_bytes(data, name, engine=engine)


@pytest.fixture(params=engines())
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def unit() -> Unit:
    return base_unit()


# ---------------------------------------------------------------- edits (issue 4 §3)


def test_unedited_workbook_reads_back(unit: Unit, engine: str) -> None:
    imported = read(workbook(unit), engine)
    assert comparable(imported.unit) == comparable(unit)
    assert said(imported) == []


def test_changed_values(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    dept, proj = wb[DEPT], wb[PROJ]
    dept.cell(*at(unit, "annual.indicators[3].value")).value = "≥99%"
    dept.cell(*at(unit, "filler")).value = "李四"
    dept.cell(*at(unit, "funding.expense.operating.prev1")).value = 12.5
    dept.cell(*at(unit, "tasks")).value = "1.参保扩面。\n2.新增的任务。"
    proj.cell(*at(unit, "projects[1].plan.jun")).value = 0.6
    proj.cell(*at(unit, "projects[0].indicators[2].value")).value = "≤25万元"
    got = read(save(wb), engine).unit
    assert got.annual.indicators[3].value == "≥99%"
    assert got.filler == "李四"
    assert got.funding.expense.operating.prev1 == Decimal("12.50")
    assert got.tasks == ["参保扩面。", "新增的任务。"]
    assert got.projects[1].plan.jun == Decimal("60.00")
    assert got.projects[0].indicators[2].value == "≤25万元"
    want = comparable(unit)
    want["annual"]["indicators"][3]["value"] = "≥99%"
    want["filler"] = "李四"
    want["funding"]["expense"]["operating"]["prev1"] = 12.5
    want["tasks"] = ["参保扩面。", "新增的任务。"]
    want["projects"][1]["plan"]["jun"] = 60.0
    want["projects"][0]["indicators"][2]["value"] = "≤25万元"
    assert comparable(got) == want  # and nothing else moved


def test_row_inserted_inside_a_merged_group_joins_it(unit: Unit, engine: str) -> None:
    # 项目支出成本控制 spans 会议费控制率 and “三公经费”变动率; a row inserted between them is inside both merges.
    i = next(n for n, r in enumerate(unit.annual.indicators) if r.level3 == "会议费控制率")
    row, _ = at(unit, f"annual.indicators[{i + 1}].level3")
    wb = load(workbook(unit))
    ws = wb[DEPT]
    insert_rows(ws, row)
    for col, text in zip(range(4, 10), ("差旅费控制率", "≤5%", "≤4%", "≤3%", "历史标准", "绩效基本型"), strict=True):
        ws.cell(row, col).value = text
    got = read(save(wb), engine).unit.annual.indicators
    assert len(got) == len(unit.annual.indicators) + 1
    assert got[i + 1] == AnnualIndicator(
        level1="运行成本", level2="项目支出成本控制", level3="差旅费控制率",
        prev2="≤5%", prev1="≤4%", value="≤3%", basis="历史标准", kind="绩效基本型",
    )  # fmt: skip
    assert got[: i + 1] == unit.annual.indicators[: i + 1]
    assert got[i + 2 :] == unit.annual.indicators[i + 1 :]


def test_row_inserted_below_a_single_row_group_takes_the_label_above(unit: Unit, engine: str) -> None:
    # 公用经费控制 is one unmerged row; the inserted row's 二级 cell is empty and unmerged: it continues the
    # group above, and its 一级 comes from the 运行成本 merge it was inserted into.
    i = next(n for n, r in enumerate(unit.long_term.indicators) if r.level2 == "公用经费控制")
    row, _ = at(unit, f"long_term.indicators[{i + 1}].level3")
    wb = load(workbook(unit))
    ws = wb[DEPT]
    insert_rows(ws, row)
    ws.cell(row, 4).value = "公用经费节约率"
    ws.cell(row, 5).value = "≥3%"
    got = read(save(wb), engine).unit.long_term.indicators
    assert got[i + 1] == LongIndicator(level1="运行成本", level2="公用经费控制", level3="公用经费节约率", value="≥3%")
    assert len(got) == len(unit.long_term.indicators) + 1


def test_rows_inserted_in_a_project_table(unit: Unit, engine: str) -> None:
    first, _ = at(unit, "projects[1].indicators[1].level3")  # inside the 产出指标 and 数量指标 merges
    second, _ = at(unit, "projects[1].indicators[2].level3")  # inside 产出指标 only: 成本指标 starts here
    wb = load(workbook(unit))
    ws = wb[PROJ]
    insert_rows(ws, second)
    insert_rows(ws, first)
    ws.cell(first, 3).value, ws.cell(first, 5).value, ws.cell(first, 7).value = "新增甲", "说明", "≥1次"
    ws.cell(second + 1, 2).value, ws.cell(second + 1, 3).value = "质量指标", "新增乙"  # its own 二级, typed
    got = read(save(wb), engine).unit
    old = unit.projects[1].indicators
    assert got.projects[1].indicators == [
        old[0],
        ProjectIndicator(level1="产出指标", level2="数量指标", level3="新增甲", description="说明", value="≥1次"),
        old[1],
        ProjectIndicator(level1="产出指标", level2="质量指标", level3="新增乙"),
        *old[2:],
    ]
    assert got.projects[0] == unit.projects[0]


def test_rows_deleted(unit: Unit, engine: str) -> None:
    rows = unit.annual.indicators
    gone = [next(n for n, r in enumerate(rows) if r.level3 == name) for name in ("结转结余率", "预算编制科学性")]
    wb = load(workbook(unit))
    ws = wb[DEPT]
    for i in sorted(gone, reverse=True):  # 预算编制科学性 is the first row of its merged 预算编制 group
        delete_rows(ws, at(unit, f"annual.indicators[{i}].level3")[0])
    proj = wb[PROJ]
    delete_rows(proj, at(unit, "projects[0].indicators[0].level3")[0])  # the row holding the 产出指标 label
    got = read(save(wb), engine).unit
    assert got.annual.indicators == [r for n, r in enumerate(rows) if n not in gone]
    assert got.projects[0].indicators == unit.projects[0].indicators[1:]
    assert got.long_term == unit.long_term


def test_merge_split_and_new_merge(unit: Unit, engine: str) -> None:
    rows = unit.long_term.indicators
    wb = load(workbook(unit))
    ws = wb[DEPT]
    first = next(n for n, r in enumerate(rows) if r.level1 == "管理效率")
    r0, c0 = at(unit, f"long_term.indicators[{first}].level1")
    ws.unmerge_cells(next(m.coord for m in ws.merged_cells.ranges if (m.min_row, m.min_col) == (r0, c0)))
    # A new merge over 公用经费控制 and 在职人员控制: Excel keeps the top-left text for both rows.
    a, b = (next(n for n, r in enumerate(rows) if r.level2 == name) for name in ("公用经费控制", "在职人员控制"))
    (ra, col), (rb, _) = at(unit, f"long_term.indicators[{a}].level2"), at(unit, f"long_term.indicators[{b}].level2")
    assert rb == ra + 1, "the two rows must print on one page (no repeated header between them)"
    ws.cell(rb, col).value = None
    ws.merge_cells(start_row=ra, start_column=col, end_row=rb, end_column=col)
    got = read(save(wb), engine).unit.long_term.indicators
    want = [r.model_copy() for r in rows]
    want[b] = want[b].model_copy(update={"level2": "公用经费控制"})
    assert got == want


def test_columns_widened_sheets_renamed_blank_rows_between_sections(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    dept, proj = wb[DEPT], wb[PROJ]
    for ws in (dept, proj):
        for letter in "ABCDEFGHI":
            ws.column_dimensions[letter].width = 30
    for label in ("年度目标：", "部门职能概述", "长期绩效指标", "项目支出情况"):
        insert_rows(dept, find(dept, label, col=1)[0], 2)
    insert_rows(proj, find(proj, "2.项目2绩效目标表")[0], 3)  # between the two project blocks
    dept.title, proj.title = "附件一（已改名）", "项目表"
    imported = read(save(wb), engine)
    assert comparable(imported.unit) == comparable(unit)
    assert said(imported) == []
    assert imported.cells["name"] == "附件一（已改名）!B4"
    assert imported.cells["projects[1].code"].startswith("项目表!")


def test_labels_typed_with_spaces_and_known_variants(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    ws = wb[DEPT]
    for old, new in (
        ("合计", "合  计"),
        ("部门职能概述", "部门职能\n概述"),
        ("填报人", "填 报 人"),
        ("年度目标：", "年度目标： "),
    ):
        for _ in range(2 if old == "合计" else 1):
            r, c = find(ws, old)
            ws.cell(r, c).value = new
    i = next(n for n, r in enumerate(unit.annual.indicators) if r.level2 == "核心业务产出 1")
    ws.cell(*at(unit, f"annual.indicators[{i}].level2")).value = "核心业务产出1"
    j = next(n for n, r in enumerate(unit.annual.indicators) if r.level3 == "“三公经费”变动率")
    ws.cell(*at(unit, f"annual.indicators[{j}].level3")).value = "“三公”经费变动率"
    proj = wb[PROJ]
    proj.cell(*find(proj, "项目编码")).value = "项目　编码"  # a full-width space
    imported = read(save(wb), engine)
    assert comparable(imported.unit) == comparable(unit)
    assert said(imported) == []


def test_numbers_typed_into_text_cells_read_as_excel_shows_them(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    ws = wb[DEPT]
    cell = ws.cell(*at(unit, "annual.indicators[0].prev2"))
    cell.value, cell.number_format = 0.98, "0%"  # Excel's 98% typed into a General cell
    ws.cell(*at(unit, "phone")).value = 13800001111
    cell = ws.cell(*at(unit, "annual.indicators[1].value"))
    cell.value, cell.number_format = 0.985, "0.0%"
    got = read(save(wb), engine).unit
    assert (got.annual.indicators[0].prev2, got.phone, got.annual.indicators[1].value) == (
        "98%",
        "13800001111",
        "98.5%",
    )


def test_plan_typed_as_plain_percent_numbers_and_budget_formula_without_value(unit: Unit, engine: str) -> None:
    # openpyxl saves formulas without their values (as any tool that does not calculate): 预算数 is then
    # read as 财政资金 + 其他资金, which is what the formula shows once Excel opens the file.
    wb = load(workbook(unit))
    ws = wb[PROJ]
    for key, typed in zip(("mar", "jun", "oct", "dec"), (10, 40, 80, 100), strict=True):
        cell = ws.cell(*at(unit, f"projects[0].plan.{key}"))
        cell.value, cell.number_format = typed, "General"
    ws.cell(*at(unit, "projects[1].fiscal")).value = 25
    imported = read(save(wb), engine)
    got = imported.unit
    assert [got.projects[0].plan.mar, got.projects[0].plan.dec] == [Decimal("10.00"), Decimal("100.00")]
    assert got.projects[1].budget == Decimal("35.00")
    assert got.projects[0].budget == Decimal("30.00")
    # 附件1 still shows the old 30.00 for 项目2: the difference is reported with both cells.
    row, col = at(unit, "projects[1].budget", PROJ)
    dept_row, dept_col = at(unit, "projects[1].budget", DEPT)
    assert said(imported) == [
        f"u.xlsx!{PROJ}!{'ABCDEFGHI'[col - 1]}{row}：与 {DEPT}!{'ABCDEFGHI'[dept_col - 1]}{dept_row} 的“30.00”不一致，按本表的“35.00”读取"
    ]


def test_content_outside_any_field_is_a_warning_naming_its_cell(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    ws = wb[DEPT]
    ws["K10"] = "备注：已核实"
    imported = read(save(wb), engine, name="怀来.xlsx")
    assert comparable(imported.unit) == comparable(unit)
    assert said(imported) == [
        "怀来.xlsx!部门整体绩效目标申报表!K10：“备注：已核实”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除"
    ]


def test_only_the_dept_sheet(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    del wb[PROJ]
    got = read(save(wb), engine).unit
    assert [(p.name, p.category, p.total_budget, p.budget, p.direction) for p in got.projects] == [
        ("项目1", "特定目标类项目支出", Decimal("60.00"), Decimal("30.00"), "支出方向0"),
        ("项目2", "特定目标类项目支出", Decimal("61.00"), Decimal("30.00"), "支出方向1"),
    ]
    assert got.projects[0].indicators == [] and got.projects[0].plan is None
    assert got.long_term == unit.long_term and got.funding == unit.funding


def test_only_the_project_sheet(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    del wb[DEPT]
    imported = read(save(wb), engine)
    got = imported.unit
    assert (got.code, got.name) == ("450099", "测试县测试局")  # from the projects' unit line
    for p, want in zip(got.projects, unit.projects, strict=True):
        assert p.model_dump(exclude={"category", "total_budget", "direction"}) == want.model_dump(
            exclude={"category", "total_budget", "direction"}
        )
    assert got.long_term.indicators == [] and got.funding is None
    assert any("预算年度" in w for w in said(imported))  # the project sheet prints no year: said so


def test_project_rows_and_blocks_paired_by_name_when_counts_differ(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    ws = wb[DEPT]
    delete_rows(ws, at(unit, "projects[0].name", DEPT)[0])  # 附件1 keeps only 项目2
    imported = read(save(wb), engine)
    got = imported.unit.projects
    assert [p.name for p in got] == ["项目2", "项目1"]
    assert got[0].direction == "支出方向1" and got[0].indicators == unit.projects[1].indicators
    assert got[1].direction == "" and got[1].indicators == unit.projects[0].indicators
    assert [w for w in said(imported) if "项目1" in w] == [
        f"u.xlsx!{PROJ}!A1：项目“项目1”在附件1“项目支出情况”中没有对应的项目"
    ]


def test_a_workbook_of_something_else_is_refused(engine: str) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "工资"])
    wb.active.append(["张三", 5000])
    with pytest.raises(ReadError, match=r"^工资表.xlsx：不是部门整体绩效目标申报表或项目绩效目标表"):
        read(save(wb), engine, name="工资表.xlsx")


# ---------------------------------------------------------------- a workbook typed by hand (issue 4 §4)

FONT = Font(name="微软雅黑", size=11)


def hand_typed(unit: Unit, *, blank_rows: bool = False) -> bytes:
    """The official layout typed by hand from forms.md, without xlsgen: other widths and font, 二级 typed on
    every row (no merges), headers unmerged, no document properties, no ``_lists`` sheet, numbers typed as
    Excel stores them (98% → 0.98 with a percent format, a phone number as a number)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for letter, width in zip("ABCDEFGHI", (14, 10, 18, 12, 11, 11, 12, 12, 10), strict=True):
        ws.column_dimensions[letter].width = width
    r = 0

    def line(*cells: Any, fmt: dict[int, str] | None = None) -> int:
        nonlocal r
        r += 1
        for c, v in enumerate(cells, 1):
            if v is not None and v != "":
                cell = ws.cell(r, c, v)
                cell.font = FONT
                if fmt and c in fmt:
                    cell.number_format = fmt[c]
        return r

    def gap() -> None:
        nonlocal r
        r += 1 if blank_rows else 0

    y = unit.year
    d = unit.filled_on
    line("附件1：")
    line("部门整体绩效目标申报表")
    line(f"填报日期：{d.year}年{d.month}月{d.day}日", None, None, None, None, None, "单位：万元")
    line("部门（单位）名称", unit.name)
    line("填报人", unit.filler, None, None, "联系电话", None, unit.phone)
    gap()
    f = unit.funding
    line("部门总体资金情况", "总体资金情况", None, "当年金额", "占比", "近两年收支金额")
    line(None, None, None, None, None, f"{y - 2}年", None, f"{y - 1}年")
    for side, label, parts in (("income", "收入构成", Income.PARTS), ("expense", "支出构成", Expense.PARTS)):
        block = getattr(f, side)
        for n, (key, part) in enumerate(parts):
            a = getattr(block, key)
            line(None, label if n == 0 else None, part, float(a.current), None, float(a.prev2), None, float(a.prev1))
        line(
            None, None, "合计", float(block.total.current), 1, float(block.total.prev2), None, float(block.total.prev1)
        )
    gap()
    line("部门职能概述", "\n".join(f"{i}.{t}" for i, t in enumerate(unit.functions, 1)))
    line("年度工作任务", "\n".join(f"{i}.{t}" for i, t in enumerate(unit.tasks, 1)))
    line("项目支出情况", "项目名称", None, "支出项目类别", "项目总预算", "项目本年度预算", "项目主要支出方向和用途")
    for p in unit.projects:
        line(None, p.name, None, p.category, float(p.total_budget), float(p.budget), p.direction)
    gap()
    line("整体绩效总目标", f"长期目标（截止{unit.long_term.deadline}年）", None, None, None, "年度目标")
    line(None, "\n".join(f"目标{i}：{t}" for i, t in enumerate(unit.overall_goals.long_term, 1)), None, None, None,
         "\n".join(f"目标{i}：{t}" for i, t in enumerate(unit.overall_goals.annual, 1)))  # fmt: skip
    line(f"长期目标：（截止{unit.long_term.deadline}年）", unit.long_term.goal)
    line("长期绩效指标", "一级指标", "二级指标", "三级指标", "指标值", None, None, "指标值确定依据", "指标分类")
    first = r + 1
    for x in unit.long_term.indicators:
        line(None, x.level1, x.level2, x.level3, x.value, None, None, x.basis, x.kind)
    # 一级 merged down its run (as the official form does), 二级 typed on every row.
    _merge_runs(ws, first, [x.level1 for x in unit.long_term.indicators], col=2)
    gap()
    line("年度目标：", unit.annual.goal)
    line("年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值", None, None, "指标值确定依据", "指标分类")
    line(None, None, None, None, "近两年指标值", None, "预期当年实现值")
    line(None, None, None, None, f"{y - 2}年", f"{y - 1}年")
    first = r + 1
    for x in unit.annual.indicators:
        value: Any = x.value
        if x.value.endswith("%") and x.value[:-1].isdigit():  # typed in Excel as a percentage
            value = int(x.value[:-1]) / 100
        line(None, x.level1, x.level2, x.level3, x.prev2, x.prev1, value, x.basis, x.kind, fmt={7: "0%"})
    _merge_runs(ws, first, [x.level1 for x in unit.annual.indicators], col=2)
    for note in forms.NOTES:
        line(note)

    ps = wb.create_sheet("项目")
    r = 0
    ws = ps
    for n, p in enumerate(unit.projects, 1):
        line(f"{n}.{p.name}绩效目标表")
        line(f"{unit.code}{unit.name}", None, None, None, None, None, "单位：万元")
        line("项目编码", p.code, None, "项目名称", p.name)
        line(
            "预算规模及资金用途",
            "预算数",
            float(p.budget),
            None,
            "其中：财政资金",
            None,
            float(p.fiscal),
            "其他资金",
            float(p.other),
        )
        line(None, p.use)
        line("资金支出计划（%）", "3月底", None, "6月底", None, "10月底", None, "12月底")
        plan = [float(getattr(p.plan, k)) / 100 for k in ("mar", "jun", "oct", "dec")]
        line(None, plan[0], None, plan[1], None, plan[2], None, plan[3], fmt={2: "0%", 4: "0%", 6: "0%", 8: "0%"})
        line("绩效目标", "\n".join(f"{i}.{t}" for i, t in enumerate(p.goals, 1)))
        line("一级指标", "二级指标", "三级指标", None, "绩效指标描述", None, "指标值", "指标值确定依据")
        for x in p.indicators:
            line(x.level1, x.level2, x.level3, None, x.description, None, x.value, x.basis)
        gap()
    return save(wb)


def _merge_runs(ws: Any, first: int, labels: list[str], col: int) -> None:
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            if i - start > 1:
                ws.merge_cells(start_row=first + start, start_column=col, end_row=first + i - 1, end_column=col)
            start = i


def hand_unit() -> Unit:
    unit = base_unit()
    unit.annual.indicators[2].value = "98%"  # typed in Excel, stored as the number 0.98
    return Unit.model_validate(unit.model_dump())


@pytest.mark.parametrize("blank_rows", [False, True])
def test_hand_typed_workbook_every_value_in_its_field(engine: str, blank_rows: bool) -> None:
    unit = hand_unit()
    imported = read(hand_typed(unit, blank_rows=blank_rows), engine, name="手工录入.xlsx")
    # Nothing says what no cell prints: 主管部门 and 所属地区 stay empty; 单位编码 comes from a project's unit line.
    want = comparable(unit)
    want.update(parent="", region="")
    assert comparable(imported.unit) == want
    assert said(imported) == []
    ws = load(hand_typed(unit, blank_rows=blank_rows))["Sheet1"]
    row = [c.row for c in ws["D"] if c.value == unit.annual.indicators[2].level3][-1]  # the annual table is last
    assert imported.cells["annual.indicators[2].value"] == f"Sheet1!G{row}"


def test_hand_typed_workbook_reports_what_it_cannot_place(engine: str) -> None:
    unit = hand_unit()
    wb = load(hand_typed(unit))
    ws = wb["Sheet1"]
    r, _ = find(ws, "填报人")
    ws.cell(r, 3).value = "（签字）"  # typed next to the filler's name, in no field's cell
    ws.cell(ws.max_row + 2, 1).value = "单位负责人：张三"
    imported = read(save(wb), engine, name="手工.xlsx")
    assert imported.unit.filler == unit.filler
    assert sorted(said(imported)) == sorted(
        [
            f"手工.xlsx!Sheet1!C{r}：“（签字）”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除",
            f"手工.xlsx!Sheet1!A{ws.max_row}：“单位负责人：张三”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除",
        ]
    )


def test_hand_typed_workbook_one_column_to_the_right(engine: str) -> None:
    # Column A left blank as a margin: every label sits in B. Cells are still named as the sheet shows them.
    unit = hand_unit()
    wb = load(hand_typed(unit))
    for ws in wb.worksheets:
        merges = [m.bounds for m in ws.merged_cells.ranges]
        for m in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(m))
        ws.move_range(ws.dimensions, cols=1)
        for c0, r0, c1, r1 in merges:
            ws.merge_cells(start_row=r0, start_column=c0 + 1, end_row=r1, end_column=c1 + 1)
    ws = wb["Sheet1"]
    r, _ = find(ws, "填报人")
    ws.cell(r, 4).value = "（签字）"
    imported = read(save(wb), engine, name="右移.xlsx")
    want = comparable(unit)
    want.update(parent="", region="")
    assert comparable(imported.unit) == want
    assert said(imported) == [
        f"右移.xlsx!Sheet1!D{r}：“（签字）”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除"
    ]
    row = [c.row for c in ws["E"] if c.value == unit.annual.indicators[2].level3][-1]
    assert imported.cells["annual.indicators[2].value"] == f"Sheet1!H{row}"


def test_hand_typed_workbook_without_any_code_says_so(engine: str) -> None:
    unit = hand_unit()
    unit.projects = []
    imported = read(hand_typed(unit), engine, name="无编码.xlsx")
    assert imported.unit.code == MISSING
    assert said(imported) == [f"无编码.xlsx：工作簿中没有单位编码，已填为“{MISSING}”，请在 JSON 中改正"]
    # xlsgen names its files <单位编码>-<单位名称>.xlsx: such a name gives the code back.
    assert read(hand_typed(unit), engine, name="450099-测试县测试局.xlsx").unit.code == "450099"


# ---------------------------------------------------------------- small parts


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("", []),
        ("1.甲", ["甲"]),
        ("1.甲\n2.乙", ["甲", "乙"]),
        ("1.甲\n3.不是下一条\n2.乙", ["甲\n3.不是下一条", "乙"]),
        ("目标1：甲\n目标2：乙", ["甲", "乙"]),
        ("1、甲\n2、乙", ["甲", "乙"]),
        ("没有编号的一段话\n第二行", ["没有编号的一段话\n第二行"]),
        ("1.", [""]),
        ("1.\n2.", ["", ""]),
    ],
)
def test_split_numbered(text: str, items: list[str]) -> None:
    assert split_numbered(text) == items


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024年1月15日", dt.date(2024, 1, 15)),
        ("    年  月  日", None),
        (" 2024 年 11 月 20 日", dt.date(2024, 11, 20)),
        ("2024-3-5", dt.date(2024, 3, 5)),
    ],
)
def test_parse_cn_date(text: str, day: dt.date | None) -> None:
    assert parse_cn_date(text) == day


def test_impossible_date_is_an_error_at_its_cell(unit: Unit, engine: str) -> None:
    wb = load(workbook(unit))
    wb[DEPT]["A3"] = "填报日期：2024年2月30日"
    imported = read(save(wb), engine)
    assert imported.unit.filled_on is None
    assert said(imported) == [
        "u.xlsx!部门整体绩效目标申报表!A3：“2024年2月30日”不是有效日期（应写成 2024年1月15日），未读取：请改正后重新导入"
    ]


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (0.98, "0%", "98%"),
        (0.1 + 0.2, "General", "0.3"),
        (13800001111, "General", "13800001111"),
        (3.1, "0.00", "3.10"),
        (True, "General", "TRUE"),
        (dt.datetime(2024, 6, 1), 'yyyy"年"m"月"', "2024年6月"),
    ],
)
def test_display(value: Any, fmt: str, text: str) -> None:
    assert display(value, fmt) == text


def test_read_workbook_names_the_missing_file(tmp_path: Any) -> None:
    with pytest.raises(ReadError, match=r"没有\.xlsx：无法读取文件"):
        read_workbook(tmp_path / "没有.xlsx")


def test_reading_keeps_no_state_between_workbooks(unit: Unit) -> None:
    # The learnt layout is cached; what one workbook said must not leak into the next one read.
    edited = load(workbook(unit))
    edited[DEPT]["K10"] = "多余"
    first = read(save(edited))
    clean = read(workbook(unit))
    assert said(first) and said(clean) == []
    assert comparable(clean.unit) == comparable(unit)


# ---------------------------------------------------------------- xlsgen import


def run(*args: str) -> Any:
    from click.testing import CliRunner

    from xlsgen.cli import main

    return CliRunner().invoke(main, list(args))


def test_cli_import_single_workbook_to_stdout(tmp_path: Any) -> None:
    unit = filled_unit()  # no errors (its warnings of the rules go to stderr)
    book = tmp_path / "u.xlsx"
    book.write_bytes(workbook(unit))
    for extra in ([], ["-o", "-"]):
        result = run("import", str(book), *extra)
        assert result.exit_code == 0, result.stderr
        assert result.stdout == unit.to_json()
        assert all(line.startswith("警告 W-") for line in result.stderr.splitlines())
        assert "W-READ" not in result.stderr


def test_cli_import_to_directory_writes_json_that_regenerates_the_workbook(tmp_path: Any, unit: Unit) -> None:
    from xlsgen.model import load_unit
    from xlsgen.render import workbook_bytes

    other = unit.model_copy(update={"name": "另一个单位"})
    (tmp_path / "甲.xlsx").write_bytes(workbook(unit))
    (tmp_path / "乙.xlsx").write_bytes(workbook(other))
    out = tmp_path / "json"
    result = run("import", str(tmp_path / "甲.xlsx"), str(tmp_path / "乙.xlsx"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["乙.json", "甲.json"]
    assert workbook_bytes(load_unit(out / "甲.json")) == workbook_bytes(unit)
    assert load_unit(out / "乙.json").name == "另一个单位"


def test_cli_import_of_a_cell_it_cannot_place_is_an_error_and_exit_1(tmp_path: Any) -> None:
    unit = filled_unit()
    wb = load(workbook(unit))
    wb[DEPT]["K10"] = "备注"
    book = tmp_path / "备注.xlsx"
    book.write_bytes(save(wb))
    result = run("import", str(book))
    assert result.exit_code == 1
    reads = [line for line in result.stderr.splitlines() if "-READ" in line]
    assert reads == [
        f"错误 E-READ {book}!{DEPT}!K10：“备注”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除"
    ]
    assert result.stdout == ""  # a JSON without the cell would lose it: nothing is written
    assert "未导入" in result.stderr


def test_cli_import_warnings_go_to_stderr_and_exit_0(tmp_path: Any) -> None:
    unit = filled_unit()
    wb = load(workbook(unit))
    r, c = at(unit, "projects[0].fiscal", PROJ)
    wb[PROJ].cell(r, c).value = 20.004  # more decimals than a cent: rounded, with a warning
    book = tmp_path / "小数.xlsx"
    book.write_bytes(save(wb))
    result = run("import", str(book))
    assert result.exit_code == 0, result.stderr
    reads = [line for line in result.stderr.splitlines() if "-READ" in line]
    assert reads == [
        f"警告 W-READ {book}!{PROJ}!{openpyxl.utils.get_column_letter(c)}{r}：20.004 已按两位小数取为 20.00"
    ]
    assert result.stdout == unit.to_json()


def test_cli_import_reports_rule_problems_at_their_cells_and_still_imports(tmp_path: Any, unit: Unit) -> None:
    (sheet,) = [s for s in build(unit) if s.name == DEPT]
    (total,) = [c for c in sheet.cells if c.field == "funding.income.total.current"]
    wb = load(workbook(unit))
    wb[DEPT].cell(total.row + 1, total.col + 1).value = 1.0  # a number typed over the 合计 formula
    book = tmp_path / "改合计.xlsx"
    book.write_bytes(save(wb))
    result = run("import", str(book))
    assert result.exit_code == 0, result.stderr
    cell = wb[DEPT].cell(total.row + 1, total.col + 1).coordinate
    assert f"错误 E-FUNDS-SUM {book}!{DEPT}!{cell}：" in result.stderr
    assert result.stdout == unit.to_json()


def test_cli_import_several_workbooks_need_an_output_directory(tmp_path: Any, unit: Unit) -> None:
    for name in ("a.xlsx", "b.xlsx"):
        (tmp_path / name).write_bytes(workbook(unit))
    result = run("import", str(tmp_path / "a.xlsx"), str(tmp_path / "b.xlsx"))
    assert result.exit_code == 2
    assert "导入多个工作簿时请用 -o 指定输出目录" in result.stderr
    assert result.stdout == ""


def test_cli_import_same_stem_twice_is_refused_not_overwritten(tmp_path: Any, unit: Unit) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "u.xlsx").write_bytes(workbook(unit))
    (tmp_path / "b" / "u.xlsx").write_bytes(workbook(unit.model_copy(update={"name": "乙"})))
    out = tmp_path / "json"
    result = run("import", str(tmp_path / "a" / "u.xlsx"), str(tmp_path / "b" / "u.xlsx"), "-o", str(out))
    assert result.exit_code == 1
    assert "会写入同一个文件" in result.stderr
    assert '"name": "测试县测试局"' in (out / "u.json").read_text(encoding="utf-8")


def test_hand_typed_workbook_with_the_usual_liberties(engine: str) -> None:
    """Half-width brackets, 2023年度 headers, un-numbered headings, a sheet title, 1、 numbering, a 合计
    row under the projects, the date in a cell of its own: still every value in its field."""
    unit = hand_unit()
    wb = load(hand_typed(unit))
    ws, ps = wb["Sheet1"], wb["项目"]
    ws.cell(*find(ws, "部门（单位）名称")).value = "部门(单位)名称"
    ws.cell(*find(ws, "填报日期：2024年11月20日")).value = "填报日期："
    ws["B3"] = dt.datetime(2024, 11, 20)
    for cell in [c for row in ws.iter_rows() for c in row if c.value in ("2023年", "2024年")]:
        cell.value = f"{cell.value}度"
    r, c = find(ws, "部门职能概述")
    ws.cell(r, c + 1).value = "\n".join(f"{i}、{t}" for i, t in enumerate(unit.functions, 1))
    last = find(ws, unit.projects[-1].name, col=2)[0]
    insert_rows(ws, last + 1)
    ws.cell(last + 1, 2).value, ws.cell(last + 1, 6).value = "合计", float(sum(p.budget for p in unit.projects))
    for n, p in enumerate(unit.projects, 1):
        ps.cell(*find(ps, f"{n}.{p.name}绩效目标表")).value = f"{p.name}绩效目标表"
    ps.cell(*find(ps, "资金支出计划（%）")).value = "资金支出计划(%)"
    insert_rows(ps, 1)
    ps["A1"] = "项目绩效目标表"
    imported = read(save(wb), engine, name="手工.xlsx")
    want = comparable(unit)
    want.update(parent="", region="")
    assert comparable(imported.unit) == want
    assert said(imported) == []


def test_workbook_of_another_template_version_is_read_with_a_note(unit: Unit) -> None:
    data = workbook(unit)
    custom = zipfile.ZipFile(io.BytesIO(data)).read("docProps/custom.xml")
    old = custom.replace(
        b'name="xlsgen_template_version"><vt:lpwstr>1<', b'name="xlsgen_template_version"><vt:lpwstr>0<'
    )
    assert old != custom
    imported = read(replace_part(data, "docProps/custom.xml", old))
    assert comparable(imported.unit) == comparable(unit)
    assert said(imported) == ["u.xlsx：由另一版本的 xlsgen 生成（模板版本 0，当前为 1），按表中的栏目名读取"]


def test_a_sheet_full_of_other_content_gives_a_bounded_list_of_warnings(unit: Unit) -> None:
    wb = load(workbook(unit))
    ws = wb[DEPT]
    for r in range(1, 81):
        ws.cell(r, 11).value = f"杂项{r}"
    imported = read(save(wb))
    assert comparable(imported.unit) == comparable(unit)
    assert len(said(imported)) == 51
    assert said(imported)[0] == f"u.xlsx!{DEPT}!K1：“杂项1”不在表格的任何栏目中，未读取：请把它移到对应的栏目里，或删除"
    assert (
        said(imported)[-1]
        == f"u.xlsx!{DEPT}：另有 30 个单元格的内容不在表格的任何栏目中，未读取：请把它们移到对应的栏目里，或删除"
    )
    assert {p.code for p in imported.problems} == {"E-READ"}
