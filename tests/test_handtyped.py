"""Hand-typed official-layout forms (issue 11 §3): every value typed comes back, as often as it appears.

The workbooks are typed with openpyxl by tests/handtyped.py, in the ways clerks type the blank template;
the expected unit is the unit typed, never the reader's output.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from xlsgen.grid import engines
from xlsgen.model import LongIndicator, Unit
from xlsgen.read import read_bytes
from xlsgen.render import workbook_bytes

from .handtyped import Style, styles, typed
from .test_read import base_unit
from .xlsx_edit import comparable, said


def real_unit(deadline: bool = True) -> Unit:
    """base_unit with what real forms hold: 无, free-text bases, ＝0%, a …… placeholder row, a blank deadline."""
    unit = base_unit()
    lt = unit.long_term.indicators
    lt[3].value = "＝0%"  # “三公经费”变动率, as 000 阳新 types it
    lt[0].value, lt[0].basis = "≤100%", "预算支出标准"
    lt[1].value = "无"
    lt[2].basis = "年初工作计划"  # free text, as project forms write it
    at = next(i for i, x in enumerate(lt) if x.level2 == "核心业务产出 2")
    lt.insert(at + 1, LongIndicator(level1="履职效能", level2="核心业务产出 2", level3="……", value="……"))
    unit.annual.indicators[5].value = "无"
    unit.annual.indicators[6].prev2 = "2023年度完成"  # a value that holds a year is a value
    if not deadline:
        unit.long_term.deadline = None
    return Unit.model_validate(unit.model_dump())


def expected(unit: Unit, style: Style | None = None) -> dict[str, Any]:
    want = comparable(unit)
    want.update(parent="", region="")  # no cell prints them
    want["sections"]["notes"] = style is None or style.notes  # a form without 填报说明 says so
    return want


def leaves(data: Any) -> Counter[str]:
    """Every non-empty value of a unit's JSON, as text, with how often it occurs."""
    out: Counter[str] = Counter()
    if isinstance(data, dict):
        for v in data.values():
            out += leaves(v)
    elif isinstance(data, list):
        for v in data:
            out += leaves(v)
    elif data not in (None, "", False, True):
        out[str(data)] += 1
    return out


@pytest.fixture(params=engines())
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.mark.parametrize("seed", range(16))
def test_hand_typed_variants_read_back_every_value(seed: int, engine: str) -> None:
    style = styles(seed)
    unit = real_unit(deadline=seed % 3 != 0)
    imported = read_bytes(typed(unit, style), "手填.xlsx", engine=engine)
    assert [p.located for p in imported.errors] == [], style
    got, want = comparable(imported.unit), expected(unit, style)
    for name in want:
        assert got[name] == want[name], (name, style)
    assert leaves(got) == leaves(want)


@pytest.mark.parametrize(
    "style",
    [
        Style(levels="every_row"),
        Style(levels="once", merge_value=False),
        Style(amounts="commas", shares="text"),
        Style(amounts="fullwidth", plan="text"),
        Style(amounts="spaced", plan="plain"),
        Style(margin=True, blank_rows=True),
        Style(year_words=True),
        Style(page_break=True, levels="merged"),
        Style(page_break=True, levels="every_row"),
        Style(attach_line=False, notes=False, sheet1=False),
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in vars(s).items() if v != getattr(Style(), k)),
)
def test_each_liberty_alone(style: Style) -> None:
    unit = real_unit()
    imported = read_bytes(typed(unit, style), "手填.xlsx")
    # Not even a warning, but that the budget year is taken from the deadline when no header prints it.
    year_note = f"手填.xlsx：表头中没有近两年的年份，预算年度按长期目标截止年度 − 2（{unit.year}）读取"
    assert said(imported) == ([year_note] if style.year_words else [])
    assert comparable(imported.unit) == expected(unit, style)


def test_a_blank_deadline_keeps_the_long_term_table() -> None:
    # issue 11: 长期目标：（截止 年） used to lose the goal and all 长期绩效指标 rows, with exit 0.
    unit = real_unit(deadline=False)
    imported = read_bytes(typed(unit, Style()), "截止空白.xlsx")
    assert imported.unit.long_term.deadline is None
    assert len(imported.unit.long_term.indicators) == len(unit.long_term.indicators) > 30
    assert imported.unit.long_term.goal == unit.long_term.goal
    assert imported.errors == []


def test_a_blank_deadline_prints_blank_in_both_places_and_reads_back_as_none() -> None:
    unit = real_unit(deadline=False)
    data = workbook_bytes(unit)
    import openpyxl

    ws = openpyxl.load_workbook(__import__("io").BytesIO(data))["部门整体绩效目标申报表"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "截止" in c.value]
    assert texts == ["长期目标（截止 年）", "长期目标：\n（截止 年）"]
    imported = read_bytes(data, "u.xlsx")
    assert comparable(imported.unit) == comparable(unit)
    assert workbook_bytes(imported.unit) == data  # import → generate is exact


def test_year_words_without_any_year_take_the_year_from_the_filing_date() -> None:
    unit = real_unit(deadline=False)
    imported = read_bytes(typed(unit, Style(year_words=True)), "无年份.xlsx")
    assert imported.unit.year == unit.year  # filled in the year before the budget year
    assert [p.message for p in imported.problems] == [f"表头中没有年份，预算年度按填报日期的次年（{unit.year}）读取"]


def test_a_unit_code_missing_everywhere_is_said_once() -> None:
    unit = real_unit()
    for p in unit.projects:
        p.unit_code, p.unit_name = "", ""
    data = typed(unit.model_copy(update={"code": ""}), Style())
    imported = read_bytes(data, "无编码.xlsx")
    assert imported.unit.code == "待填写"
    assert [p.unit_code for p in imported.unit.projects] == ["", ""]
    assert [p.unit_name for p in imported.unit.projects] == ["", ""]
    assert [p.code for p in imported.problems] == ["W-READ"]


def test_optional_sections_left_out_are_read_as_left_out() -> None:
    # 000 阳新 files no 部门总体资金情况; other fills drop 项目支出情况 and 整体绩效总目标 too.
    unit = real_unit()
    unit.sections.funding = unit.sections.projects = unit.sections.overall_goals = False
    unit.funding = None
    unit.overall_goals.long_term, unit.overall_goals.annual = [], []
    for p in unit.projects:
        p.category, p.total_budget, p.direction = "", None, ""  # printed only in 项目支出情况
    imported = read_bytes(typed(unit, Style()), "阳新式.xlsx")
    assert imported.errors == []
    assert comparable(imported.unit) == expected(unit)


def test_the_blank_official_template_typed_by_hand_reads_back_as_blank() -> None:
    # 002 曾都 publishes the blank 附件1: skeleton labels, ……  rows, 1. ； items, （截止 年）, 年 月 日.
    from xlsgen.model import new_unit

    unit = new_unit("450001", "测试县测试局", 2025)
    unit.filled_on, unit.long_term.deadline = None, None
    unit.functions = unit.tasks = [" ；", " ；", " ；\n……"]
    at = next(i for i, x in enumerate(unit.long_term.indicators) if x.level2 == "核心业务产出 1")
    unit.long_term.indicators[at].level3 = "……"
    unit.long_term.indicators.insert(at + 2, LongIndicator(level1="履职效能", level2="……", level3="……"))
    unit.sections.funding = unit.sections.projects = unit.sections.overall_goals = False
    unit = Unit.model_validate(unit.model_dump())
    imported = read_bytes(typed(unit, Style(levels="merged")), "450001-测试县测试局.xlsx")
    assert imported.errors == []
    got = comparable(imported.unit)
    assert got["long_term"] == comparable(unit)["long_term"]
    assert got["functions"] == got["tasks"] == [" ；", " ；", " ；\n……"]
    assert got["filled_on"] is None and got["long_term"]["deadline"] is None


def test_tables_whose_labels_are_typed_otherwise_are_found_by_their_headers() -> None:
    # Reading a table must not hang on one label printed exactly: here both block labels and the
    # 长期目标 anchor are typed in other words; the header rows still say which table is which.
    import openpyxl

    unit = real_unit()
    wb = openpyxl.load_workbook(__import__("io").BytesIO(typed(unit, Style(levels="every_row"))))
    ws = wb.active
    renamed = {
        "长期绩效指标": "长期指标",
        "年度绩效指标": "本年度指标",
        f"长期目标：（截止{unit.long_term.deadline}年）": "长期目标",
    }
    cells = [c for row in ws.iter_rows() for c in row if c.value in renamed]
    assert len(cells) == 3
    for c in cells:
        c.value = renamed[c.value]
    out = __import__("io").BytesIO()
    wb.save(out)
    imported = read_bytes(out.getvalue(), "改名.xlsx")
    assert imported.errors == []
    got = comparable(imported.unit)
    assert got["long_term"]["indicators"] == comparable(unit)["long_term"]["indicators"]
    assert got["annual"]["indicators"] == comparable(unit)["annual"]["indicators"]
    assert got["long_term"]["goal"] == unit.long_term.goal
    assert sorted(p.message for p in imported.problems) == [
        "“本年度指标”按表头读作“年度绩效指标”",
        "“长期指标”按表头读作“长期绩效指标”",
    ]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("path", sorted((__import__("pathlib").Path(__file__).parent.parent / "data").glob("*.json")),
                         ids=lambda p: p.stem)  # fmt: skip
def test_the_example_units_typed_by_hand_read_back(path: Any, seed: int) -> None:
    from xlsgen.model import load_unit
    from xlsgen.read import MISSING

    unit = load_unit(path)
    style = styles(100 + seed)
    imported = read_bytes(typed(unit, style), "手填.xlsx")
    assert imported.errors == []
    want = expected(unit, style)
    if not unit.projects:
        want["code"] = MISSING  # no cell of a unit without projects prints its code: said, and stood in
    assert comparable(imported.unit) == want
