"""The 附件1 and 项目绩效目标表 layouts: labels verbatim, spans from the data, years, sections, blocks."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xlsgen import forms
from xlsgen.layout import _unescape, build, parse, runs
from xlsgen.model import LongIndicator, ProjectIndicator, Unit

from .conftest import EXAMPLES, example, filled_unit, open_workbook


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def texts(ws) -> list[str]:
    return [squash(str(c.value)) for row in ws.iter_rows() for c in row if c.value is not None]


# Every label of forms.md §1, typed from the spec (years for budget year 2025, deadline 2027).
DEPT_LABELS = """附件1： 部门整体绩效目标申报表 单位：万元 部门（单位）名称 填报人 联系电话 部门总体资金情况 总体资金情况
当年金额 占比 近两年收支金额 2023年 2024年 收入构成 财政拨款 财政专户管理资金 单位资金 合计 支出构成 人员类项目支出
运转类项目支出 特定目标类项目支出 部门职能概述 年度工作任务 项目支出情况 项目名称 支出项目类别 项目总预算 项目本年度预算
项目主要支出方向和用途 整体绩效总目标 长期目标（截止2027年） 年度目标 长期目标：（截止2027年） 长期绩效指标 一级指标 二级指标
三级指标 指标值 指标值确定依据 指标分类 年度目标： 年度绩效指标 近两年指标值 预期当年实现值 填报说明：""".split()

PROJECT_LABELS = """项目编码 项目名称 预算规模及资金用途 预算数 其中：财政资金 其他资金 资金支出计划（%） 3月底 6月底 10月底 12月底
绩效目标 一级指标 二级指标 三级指标 绩效指标描述 指标值 指标值确定依据 单位：万元""".split()


def test_every_dept_label_is_printed_verbatim() -> None:
    ws = open_workbook(filled_unit(2025))[forms.DEPT_SHEET]
    found = set(texts(ws))
    missing = [label for label in DEPT_LABELS if label not in found]
    assert not missing


def test_notes_are_verbatim_under_the_table() -> None:
    ws = open_workbook(filled_unit())[forms.DEPT_SHEET]
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    start = column_a.index("填报说明：")
    assert column_a[start : start + 10] == list(forms.NOTES)
    assert column_a[start + 1] == "1.部门（单位）名称：填写部门（单位）全称。"
    assert ws.cell(start + 1, 1).border.left.style is None  # below the table, no border


def test_years_follow_the_budget_year() -> None:
    unit = filled_unit(2024)
    unit.long_term.deadline = 2026
    found = texts(open_workbook(unit)[forms.DEPT_SHEET])
    # The funding block and the annual table's header, printed again on each page the table continues on.
    assert found.count("2022年") == found.count("2023年") >= 2
    assert "长期目标：（截止2026年）" in found and "长期目标（截止2026年）" in found
    assert "2024年" not in found


def test_filled_on_prints_without_zero_padding() -> None:
    unit = filled_unit()
    unit.filled_on = __import__("datetime").date(2024, 1, 5)
    ws = open_workbook(unit)[forms.DEPT_SHEET]
    assert ws["A3"].value == "填报日期：2024年1月5日"


def test_runs() -> None:
    rows = [LongIndicator(level1=a, level2=b) for a, b in ["AX", "AX", "AY", "BZ", "CZ", "CZ"]]
    assert runs(rows, "level1") == [3, 0, 0, 1, 2, 0]
    assert runs(rows, "level1", "level2") == [2, 0, 1, 1, 2, 0]
    assert runs([], "level1") == []


def merges(ws) -> dict[str, str]:
    """Top-left value → merged range, for ranges whose top-left holds text."""
    return {str(ws.cell(m.min_row, m.min_col).value): str(m) for m in ws.merged_cells.ranges}


def indicator_rows(ws, header: str) -> int:
    """1-based row of the first indicator after the header row whose B cell is ``header``'s 一级指标."""
    for r in range(1, ws.max_row + 1):
        if squash(ws.cell(r, 1).value) == header:
            return r
    raise AssertionError(header)


def test_level1_and_level2_merged_over_exactly_their_rows() -> None:
    unit = example("阳新县医疗保障服务中心")
    ws = open_workbook(unit)[forms.DEPT_SHEET]
    fields = build(unit)[0].by_field()
    merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    for table in ("long_term", "annual"):
        rows = getattr(unit, table).indicators
        at = [fields[f"{table}.indicators[{i}].level3"].row + 1 for i in range(len(rows))]
        for col, keys in ((2, ("level1",)), (3, ("level1", "level2"))):
            for i, row in enumerate(at):
                r0, r1 = next(((a, b) for a, c0, b, _ in merges if a <= row <= b and c0 == col), (row, row))
                inside = [j for j, r in enumerate(at) if r0 <= r <= r1]
                # The merge holds this row's label and covers exactly rows of its group (on one page: a
                # group a page break cuts is two merges, each with the label).
                assert ws.cell(r0, col).value == getattr(rows[i], keys[-1]), (table, i, col)
                assert [at[j] for j in inside] == list(range(r0, r1 + 1)), (table, i, col)
                assert {tuple(getattr(rows[j], k) for k in keys) for j in inside} == {
                    tuple(getattr(rows[i], k) for k in keys)
                }
    first = indicator_rows(ws, "长期绩效指标") + 1
    # 运行成本 has 4 rows (公用经费控制 1, 在职人员控制 1, 项目支出成本控制 2), typed from forms.md §1
    assert ws.cell(first, 2).value == "运行成本"
    assert [r.level1 for r in unit.long_term.indicators[:5]] == ["运行成本"] * 4 + ["管理效率"]
    # one-row 二级 groups are single cells, not merges
    assert not any(m.min_row == first and m.min_col == 3 for m in ws.merged_cells.ranges)


def test_empty_group_renders_one_row() -> None:
    unit = filled_unit()
    rows = unit.long_term.indicators
    i = next(i for i, r in enumerate(rows) if r.level2 == "生态效益")
    rows[i].level3, rows[i].value = "", ""
    sheet = build(unit)[0]
    by_field = sheet.by_field()
    cell = by_field[f"long_term.indicators[{i}].level2"]
    assert cell.value == "生态效益" and cell.row == cell.last_row
    assert by_field[f"long_term.indicators[{i}].level3"].value == ""


def test_added_rows_of_a_group_extend_its_merge() -> None:
    unit = filled_unit()
    rows = unit.annual.indicators
    i = next(i for i, r in enumerate(rows) if r.level2 == "核心业务产出 1")
    extra = rows[i].model_copy(update={"level3": "新增指标"})
    rows.insert(i + 1, extra)
    sheet = build(unit)[0]
    level2 = sheet.by_field()[f"annual.indicators[{i}].level2"]
    assert level2.last_row - level2.row == 1
    first = next(j for j, r in enumerate(rows) if r.level1 == "履职效能")
    level1 = sheet.by_field()[f"annual.indicators[{first}].level1"]
    assert level1.value == "履职效能" and level1.last_row - level1.row == 2  # 核心业务产出 1 ×2, 核心业务产出 2


def cell_borders(data: bytes) -> dict[str, dict[str, bool]]:
    """Sheet name → {A1: fully bordered?} read from the file's XML (openpyxl rebuilds merged borders)."""
    import xml.etree.ElementTree as ET
    import zipfile

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    z = zipfile.ZipFile(__import__("io").BytesIO(data))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    boxed = [
        all(
            b.find(f"m:{side}", ns) is not None and b.find(f"m:{side}", ns).get("style")
            for side in ("left", "right", "top", "bottom")
        )
        for b in styles.find("m:borders", ns)
    ]
    xf_boxed = [boxed[int(xf.get("borderId", 0))] for xf in styles.find("m:cellXfs", ns)]
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for i, sheet in enumerate(book.find("m:sheets", ns), 1):
        root = ET.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
        out[sheet.get("name")] = {c.get("r"): xf_boxed[int(c.get("s", 0))] for c in root.iter(f"{{{ns['m']}}}c")}
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_no_overlap_no_single_cell_merge_every_merge_bordered(path) -> None:
    from openpyxl.utils import get_column_letter

    from xlsgen.model import load_unit
    from xlsgen.render import workbook_bytes

    data = workbook_bytes(load_unit(path))
    borders = cell_borders(data)
    wb = __import__("openpyxl").load_workbook(__import__("io").BytesIO(data))
    for ws in wb.worksheets:
        seen: set[tuple[int, int]] = set()
        for m in ws.merged_cells.ranges:
            assert m.size["rows"] * m.size["columns"] > 1, f"{ws.title} single-cell merge {m}"
            cells = {(r, c) for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
            assert not cells & seen, f"{ws.title} {m} overlaps"
            seen |= cells
            if borders[ws.title].get(f"{get_column_letter(m.min_col)}{m.min_row}"):
                for r, c in cells:
                    ref = f"{get_column_letter(c)}{r}"
                    assert borders[ws.title].get(ref), f"{ws.title}!{ref} inside bordered {m} has no border"


def test_border_check_catches_an_unbordered_cell() -> None:
    """The XML border check above can fail: a merge written with a bordered top-left only."""
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf)
    ws = wb.add_worksheet("s")
    ws.write("A1", "x", wb.add_format({"border": 1}))
    ws.write_blank("B1", None, wb.add_format({"bold": True}))
    wb.close()
    assert cell_borders(buf.getvalue())["s"] == {"A1": True, "B1": False}


def test_sections_switch_off() -> None:
    unit = filled_unit()
    unit.sections.funding = False
    unit.sections.overall_goals = False
    found = texts(open_workbook(unit)[forms.DEPT_SHEET])
    assert "部门总体资金情况" not in found and "整体绩效总目标" not in found
    assert "项目支出情况" in found
    sheet = build(filled_unit(), {"projects": False})[0]
    assert "projects" not in sheet.sections


def test_every_value_of_the_json_is_in_the_sheet() -> None:
    unit = example("阳新县医疗保障服务中心")
    found = "\n".join(str(c.value) for ws in open_workbook(unit).worksheets for row in ws.iter_rows() for c in row)
    for table in (unit.long_term.indicators, unit.annual.indicators):
        for r in table:
            for v in r.model_dump().values():
                assert v in found, v
    for item in unit.functions + unit.tasks:
        assert item in found
    assert unit.filler in found and unit.phone in found


def test_text_cells_wrap_and_use_a_song_font() -> None:
    ws = open_workbook(filled_unit())[forms.DEPT_SHEET]
    assert ws["A2"].font.b and ws["A2"].font.sz > ws["A4"].font.sz
    assert ws["A4"].font.name == "宋体" and ws["B4"].alignment.wrap_text


# ---------------------------------------------------------------- 项目绩效目标表


def project_sheet(unit: Unit):
    return open_workbook(unit)[forms.PROJECT_SHEET]


def test_unit_without_projects_has_no_project_sheet() -> None:
    unit = filled_unit()
    unit.projects = []
    assert forms.PROJECT_SHEET not in open_workbook(unit).sheetnames


def test_project_blocks_labels_headings_and_breaks() -> None:
    unit = filled_unit()
    ws = project_sheet(unit)
    found = set(texts(ws))
    assert [label for label in PROJECT_LABELS if label not in found] == []
    headings = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).endswith("绩效目标表")]
    assert [ws.cell(r, 1).value for r in headings] == ["1.项目1绩效目标表", "2.项目2绩效目标表"]
    assert ws.cell(headings[0] + 1, 1).value == "450099测试县测试局"
    breaks = [b.id for b in ws.row_breaks.brk]
    assert headings[1] - 1 in breaks  # a break above the second block's heading


def test_project_level1_merged_over_its_group_and_level2_runs() -> None:
    ws = project_sheet(filled_unit())
    rng = {str(m) for m in ws.merged_cells.ranges}
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "一级指标")
    assert f"A{header + 1}:A{header + 3}" in rng  # 产出指标 ×3
    assert f"B{header + 1}:B{header + 2}" in rng  # 数量指标 ×2
    assert ws.cell(header + 4, 1).value == "满意度指标"


def test_cost_first_tree_renders_the_same_way() -> None:
    unit = filled_unit()
    unit.project_tree = "cost_first"
    unit.projects[0].indicators = [
        ProjectIndicator(level1="成本指标", level2="经济成本指标", level3="甲", value="≤30万元"),
        ProjectIndicator(level1="成本指标", level2="社会成本指标", level3="乙", value="无"),
        ProjectIndicator(level1="产出指标", level2="数量指标", level3="丙", value="1次"),
    ]
    ws = project_sheet(unit)
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "一级指标")
    assert ws.cell(header + 1, 1).value == "成本指标"
    assert f"A{header + 1}:A{header + 2}" in {str(m) for m in ws.merged_cells.ranges}


def test_empty_use_still_renders_its_row() -> None:
    unit = filled_unit()
    unit.projects[0].use = ""
    sheet = build(unit)[1]
    cell = sheet.by_field()["projects[0].use"]
    assert cell.value == "" and (cell.col, cell.last_col) == (1, 8)
    assert sheet.by_field()["projects[0].budget"].row + 1 == cell.row


def test_one_indicator_block() -> None:
    unit = filled_unit()
    unit.projects[1].indicators = unit.projects[1].indicators[:1]
    sheet = build(unit)[1]
    cell = sheet.by_field()["projects[1].indicators[0].level1"]
    assert cell.row == cell.last_row


def test_layout_errors_name_the_problem() -> None:
    from xlsgen.errors import LayoutError

    head = '<table data-sheet="s" data-template="t" data-version="1"><col data-width="5"><col data-width="5">'
    with pytest.raises(LayoutError, match="合并区域 A2:B2 与已有单元格 B2 重叠"):
        parse(head + '<tr><td></td><td rowspan="2"></td></tr><tr><td colspan="2"></td></tr></table>')
    with pytest.raises(LayoutError, match="超出了 2 列"):
        parse(head + "<tr><td></td><td></td><td></td></tr></table>")
    with pytest.raises(LayoutError, match="缺少单元格 B1"):
        parse(head + "<tr><td></td></tr></table>")


def test_unknown_style_is_a_layout_error() -> None:
    from xlsgen.errors import LayoutError

    head = '<table data-sheet="s" data-template="t" data-version="1"><col data-width="5">'
    with pytest.raises(LayoutError, match="A1 使用了未定义的样式 fancy"):
        parse(head + '<tr><td class="fancy">x</td></tr></table>')


def test_markup_entities_and_newlines_survive_parsing() -> None:
    head = '<table data-sheet="s" data-template="t" data-version="1"><col data-width="5">'
    sheet = parse(head + '<tr><td data-field="a&amp;b">1 &lt; 2 &amp;&#10;三\n四 </td></tr></table>')
    assert sheet.cells[0].value == "1 < 2 &\n三\n四 " and sheet.cells[0].field == "a&b"


def test_a_quoted_attribute_may_hold_a_greater_than_sign() -> None:
    # The old tokenizer ended the tag at the ">" inside the formula: the formula was lost and the cell
    # read 0,1,0)">0.
    head = '<table data-sheet="s" data-template="t" data-version="1"><col data-width="5"><col data-width="5">'
    sheet = parse(
        head + '<tr><td data-field="a">3</td><td class="label" data-formula="IF({a}>0,1,0)">1</td></tr></table>'
    )
    cell = sheet.cells[1]
    assert (cell.formula, cell.value, cell.style) == ("IF({a}>0,1,0)", "1", "label")
    assert sheet.formula_a1(cell) == "=IF(A1>0,1,0)"


def test_a_greater_than_sign_in_a_row_or_cell_attribute_is_read_whole() -> None:
    # The quick tokenizer stops a tag at any ">": a row's attribute, a cell's, and the cells after
    # them must come out as the quote-minding tokenizer reads them.
    head = '<table data-sheet="s" data-template="t" data-version="1"><col data-width="5"><col data-width="5">'
    row = parse(head + '<tr data-section="a>b"><td>3</td><td class="input">x &gt; y</td></tr></table>')
    assert row.sections == {"a>b": 0}
    assert [(c.col, c.value, c.style) for c in row.cells] == [(0, "3", "label"), (1, "x > y", "input")]
    cell = parse(head + '<tr><td data-formula="IF({a}>0,1,0)">1</td><td class="input">2</td></tr></table>')
    assert [(c.col, c.value, c.formula, c.style) for c in cell.cells] == [
        (0, "1", "IF({a}>0,1,0)", "label"),
        (1, "2", None, "input"),
    ]


def test_a_cell_printed_again_keeps_everything_but_its_field_and_formula() -> None:
    import dataclasses

    from xlsgen.layout import Cell

    # Every field set to something other than its default, so that a field again() forgets shows.
    values = {"row": 1, "col": 2, "last_row": 3, "last_col": 4, "value": "v", "style": "input", "field": "f",
              "formula": "{f}", "list": "basis", "list_style": "warning", "split": True, "room": "name",
              "kind": "money"}  # fmt: skip
    assert {f.name for f in dataclasses.fields(Cell)} == set(values)
    cell = Cell(**values)
    assert cell.again(7, 9) == dataclasses.replace(cell, row=7, last_row=9, field=None, formula=None)


# Pieces of character references, the ones escape() writes and others, that join into any sequence.
_REFERENCE_PIECES = "& amp; lt; gt; quot; #39; #34; #x27; nbsp; #20; #x4e00; ; a 表".split()


@given(st.lists(st.sampled_from(_REFERENCE_PIECES), max_size=10).map("".join))
def test_markup_text_is_unescaped_as_html_unescape_does(text: str) -> None:
    assert _unescape(text) == html.unescape(text)
