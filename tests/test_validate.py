"""The validator: every rule of forms.md §4 fires on a realistic bad form and stays quiet on good ones.

Bad forms are built from ``fixtures/validate/good.json`` (a clean 怀来-style unit) by one edit each; the
expected location is derived from the edit (the row found by its labels), never copied from the output.
``seed_000.json`` and ``seed_004.json`` are the real forms of ../shared/seeds typed in with their mistakes.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from xlsgen import forms
from xlsgen.cli import main
from xlsgen.errors import Location, ReadError, in_file
from xlsgen.layout import a1, build
from xlsgen.model import Unit, load_unit, new_unit
from xlsgen.read import read_workbook
from xlsgen.render import workbook_bytes
from xlsgen.validate import (
    ERROR,
    OTHER_CODES,
    RULES,
    WARNING,
    Problem,
    check,
    check_file,
    code_table,
    codes_markdown,
    locate,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "validate"
DATA = Path(__file__).resolve().parent.parent / "data"
EXAMPLES = sorted(DATA.glob("*.json"))
GOOD: dict[str, Any] = json.loads((FIXTURES / "good.json").read_text(encoding="utf-8"))


def good() -> dict[str, Any]:
    return copy.deepcopy(GOOD)


def problems(data: dict[str, Any], **kw: Any) -> list[Problem]:
    return check(Unit.model_validate(data), **kw)


def found(ps: list[Problem]) -> set[tuple[str, str]]:
    return {(p.code, p.path) for p in ps}


def row(data: dict[str, Any], table: str, level3: str) -> int:
    """Index of the row of ``table`` (long_term / annual) whose 三级指标 is ``level3``."""
    rows = data[table]["indicators"]
    return next(i for i, r in enumerate(rows) if r["level3"] == level3)


def prow(data: dict[str, Any], p: int, level2: str) -> int:
    """Index of the first indicator of project ``p`` under 二级指标 ``level2``."""
    return next(i for i, r in enumerate(data["projects"][p]["indicators"]) if r["level2"] == level2)


# ---------------------------------------------------------------- the registry


def test_every_rule_of_forms_md_has_a_code_with_a_chinese_title() -> None:
    numbers = {r.number for r in RULES}
    assert numbers == set(range(1, 17))
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    for r in RULES:
        assert r.level == (ERROR if r.code.startswith("E-") else WARNING)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.title), r.code
    assert [c for c, _, _, _ in code_table()] == [r.code for r in sorted(RULES, key=lambda r: r.number)]
    assert not set(OTHER_CODES) & set(codes)


def test_readme_table_lists_every_code_once() -> None:
    table = codes_markdown()
    for code in [r.code for r in RULES] + list(OTHER_CODES):
        assert table.count(f"`{code}`") == 1


def test_load_errors_keep_their_location() -> None:
    exc = ReadError(
        [
            Problem(
                ERROR, "E-LOAD", "金额应为数字", Location("u.xlsx", "funding.income.fiscal", forms.DEPT_SHEET, "D9")
            ),
            Problem(ERROR, "E-LOAD", "工作簿已加密", Location("u.xlsx")),
            Problem(ERROR, "E-OUTPUT", "无法写入", Location("out/v.xlsx")),
        ]
    )
    got = [(p.code, p.where, p.path, p.message) for p in in_file(exc.problems, "in/u.xlsx")]
    assert got == [
        ("E-LOAD", f"in/u.xlsx!{forms.DEPT_SHEET}!D9", "funding.income.fiscal", "金额应为数字"),
        ("E-LOAD", "in/u.xlsx", "", "工作簿已加密"),
        ("E-OUTPUT", "out/v.xlsx", "", "无法写入"),  # another file keeps its own name
    ]


def test_levels_follow_forms_md() -> None:
    # forms.md §4 marks rules 3, 5, 14 and 16 as warnings, the others as errors (rule 8 mixes both).
    level = {r.code: r.level for r in RULES}
    assert level["W-INCOME-EXPENSE"] == level["W-TARGETED-SUM"] == level["W-LONG-ANNUAL"] == WARNING
    assert level["W-PROJECT-CODE"] == level["W-UNIT-CODE"] == WARNING
    for code in ("E-FUNDS-SUM", "E-FUNDS-SHARE", "E-PROJECT-BUDGET", "E-SPEND-PLAN", "E-COST", "E-VALUE-GRAMMAR"):
        assert level[code] == ERROR
    for code in ("E-ENUM", "E-SKELETON", "E-PLACEHOLDER", "E-COLUMN-SHIFT", "E-YEARS"):
        assert level[code] == ERROR


# ---------------------------------------------------------------- quiet on good forms


def test_good_fixture_is_quiet() -> None:
    assert problems(good(), source="good.json") == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_data_examples_have_no_errors(path: Path) -> None:
    errors = [str(p) for p in check_file(path) if p.level == ERROR]
    assert errors == []


def test_data_folder_is_not_empty() -> None:
    if not EXAMPLES:
        pytest.skip("data/ has no example unit yet (being written in parallel)")
    assert all(p.suffix == ".json" for p in EXAMPLES)


def test_blank_form_from_new_is_quiet() -> None:
    # A form handed out blank is not "filled": missing values and the blank date are not mistakes yet.
    assert check(new_unit("450001", "怀来县医疗保障局", 2025)) == []


# ---------------------------------------------------------------- one edit, one problem

Edit = Callable[[dict[str, Any]], str]  # mutates the unit data, returns the JSON path expected to be reported


def _neg_part(d: dict[str, Any]) -> str:
    d["funding"]["income"]["own"]["prev1"] = -5.0
    d["funding"]["income"]["fiscal"]["prev1"] += 5.0  # keep income = expense, so only the sign is wrong
    return "funding.income.own.prev1"


def _zero_expense(d: dict[str, Any]) -> str:
    for part in d["funding"]["expense"].values():
        part["current"] = 0.0
    return "funding.expense.total.current"


def _unbalanced(d: dict[str, Any]) -> str:
    d["funding"]["expense"]["operating"]["prev2"] += 10.0
    return "funding.expense.total.prev2"


def _fiscal_other(d: dict[str, Any]) -> str:
    d["projects"][2]["fiscal"] = 14.0  # 14 + 5 ≠ 20
    return "projects[2].budget"


def _no_split(d: dict[str, Any]) -> str:
    d["projects"][0]["fiscal"] = None
    return "projects[0].fiscal"


def _total_below(d: dict[str, Any]) -> str:
    d["projects"][2]["total_budget"] = 10.0
    return "projects[2].total_budget"


def _recategorised(d: dict[str, Any]) -> str:
    d["projects"][0]["category"] = "运转类项目支出"
    d["funding"]["expense"]["operating"]["current"] += 450.0
    d["funding"]["expense"]["targeted"]["current"] += 0.0  # the 特定目标类 amount was not updated
    d["funding"]["income"]["fiscal"]["current"] += 450.0
    return "funding.expense.targeted.current"


def _plan_down(d: dict[str, Any]) -> str:
    d["projects"][0]["plan"]["jun"] = 20.0  # below 3月底 25
    return "projects[0].plan.jun"


def _plan_short(d: dict[str, Any]) -> str:
    d["projects"][1]["plan"]["dec"] = 90.0
    return "projects[1].plan.dec"


def _cost_percent(d: dict[str, Any]) -> str:
    i = prow(d, 0, "成本指标")
    d["projects"][0]["indicators"][i]["value"] = "≤100%"  # 004 project 4
    return f"projects[0].indicators[{i}].value"


def _cost_over_budget_share(d: dict[str, Any]) -> str:
    i = prow(d, 0, "成本指标")
    d["projects"][0]["indicators"][i]["value"] = "≤120%"  # more than the whole budget
    return f"projects[0].indicators[{i}].value"


def _cost_in_words(d: dict[str, Any]) -> str:
    i = prow(d, 0, "成本指标")
    d["projects"][0]["indicators"][i]["value"] = "严格按预算执行"  # 002 writes a sentence there
    return f"projects[0].indicators[{i}].value"


def _rate_in_days(d: dict[str, Any]) -> str:
    i = prow(d, 0, "时效指标")
    d["projects"][0]["indicators"][i].update(level3="业务处理及时率", value="≤30天")  # 004 project 1
    return f"projects[0].indicators[{i}].value"


def _cost_over(d: dict[str, Any]) -> str:
    i = prow(d, 0, "成本指标")
    d["projects"][0]["indicators"][i]["value"] = "≤4600000元"  # 460 万元 > 450.00
    return f"projects[0].indicators[{i}].value"


def _grammar_comparator(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "预算执行率")
    d["long_term"]["indicators"][i]["value"] = "≥较高水平"
    return f"long_term.indicators[{i}].value"


def _grammar_thousands(d: dict[str, Any]) -> str:
    i = row(d, "annual", "城乡居民基本医保参保率")
    d["annual"]["indicators"][i]["prev1"] = "1,000人"
    return f"annual.indicators[{i}].prev1"


def _no_percent(d: dict[str, Any]) -> str:
    i = prow(d, 1, "服务对象满意度指标")
    d["projects"][1]["indicators"][i]["value"] = "≥80"  # 004 project 4
    return f"projects[1].indicators[{i}].value"


def _spaced(d: dict[str, Any]) -> str:
    i = row(d, "annual", "城乡居民基本医保参保率")
    d["annual"]["indicators"][i]["level3"] = "印制医保政策宣传折页数量"
    d["long_term"]["indicators"][row(d, "long_term", "城乡居民基本医保参保率")]["level3"] = "印制医保政策宣传折页数量"
    d["annual"]["indicators"][i]["prev2"] = "30 万份"  # 000
    return f"annual.indicators[{i}].prev2"


def _fullwidth(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "预算执行率")
    d["long_term"]["indicators"][i]["value"] = "＞＝95%"
    return f"long_term.indicators[{i}].value"


def _three_public_up(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "“三公经费”变动率")
    d["long_term"]["indicators"][i]["value"] = "＞0%"
    return f"long_term.indicators[{i}].value"


def _coverage_le(d: dict[str, Any]) -> str:
    i = row(d, "annual", "绩效评价覆盖率")
    d["annual"]["indicators"][i]["value"] = "≤100%"  # 000
    return f"annual.indicators[{i}].value"


def _control_ge(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "公用经费控制率")
    d["long_term"]["indicators"][i]["value"] = "≥100%"
    return f"long_term.indicators[{i}].value"


def _basis_free_dept(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "预算执行率")
    d["long_term"]["indicators"][i]["basis"] = "年初工作计划"
    return f"long_term.indicators[{i}].basis"


def _kind_empty(d: dict[str, Any]) -> str:
    i = row(d, "annual", "预算执行率")
    d["annual"]["indicators"][i]["kind"] = ""
    return f"annual.indicators[{i}].kind"


def _category_bad(d: dict[str, Any]) -> str:
    d["projects"][2]["category"] = "专项经费"
    return "projects[2].category"


def _kind_short(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "预算编制科学性")
    d["long_term"]["indicators"][i]["kind"] = "基本型"  # 000
    return f"long_term.indicators[{i}].kind"


def _category_short(d: dict[str, Any]) -> str:
    d["projects"][1]["category"] = "运转类"
    return "projects[1].category"


def _basis_free_project(d: dict[str, Any]) -> str:
    for r in d["projects"][0]["indicators"]:
        r["basis"] = "年初工作计划"  # 004
    return "projects[0].indicators[0].basis"


def _row_missing(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "结转结余率")
    del d["long_term"]["indicators"][i]
    return f"long_term.indicators[{i}].level3"  # the row that now stands where it was


def _label_typo(d: dict[str, Any]) -> str:
    i = row(d, "annual", "政府采购执行率")
    d["annual"]["indicators"][i]["level3"] = "政府采购预算执行率"
    return f"annual.indicators[{i}].level3"


def _rows_swapped(d: dict[str, Any]) -> str:
    rows = d["long_term"]["indicators"]
    i, j = row(d, "long_term", "资产管理制度健全性"), row(d, "long_term", "资产管理规范性")
    rows[i], rows[j] = rows[j], rows[i]
    return f"long_term.indicators[{i}].level3"


def _level2_unknown(d: dict[str, Any]) -> str:
    for r in d["annual"]["indicators"]:
        if r["level2"] == "核心业务产出 2":
            r["level2"] = "基金监管"
    return f"annual.indicators[{next(i for i, r in enumerate(d['annual']['indicators']) if r['level2'] == '基金监管')}].level2"


def _extra_row(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "非税收入预算完成率")
    extra = dict(d["long_term"]["indicators"][i], level3="资金到位率", value="=100%")
    d["long_term"]["indicators"].insert(i + 1, extra)
    return f"long_term.indicators[{i + 1}].level3"


def _variant(d: dict[str, Any]) -> str:
    i = row(d, "annual", "“三公经费”变动率")
    d["annual"]["indicators"][i]["level3"] = "“三公”经费变动率"
    return f"annual.indicators[{i}].level3"


def _core_nospace(d: dict[str, Any]) -> str:
    i = next(i for i, r in enumerate(d["long_term"]["indicators"]) if r["level2"] == "核心业务产出 1")
    for r in d["long_term"]["indicators"]:
        if r["level2"] == "核心业务产出 1":
            r["level2"] = "核心业务产出1"
    return f"long_term.indicators[{i}].level2"


def _tree_wrong_parent(d: dict[str, Any]) -> str:
    i = prow(d, 0, "成本指标")
    d["projects"][0]["indicators"][i]["level1"] = "效益指标"
    return f"projects[0].indicators[{i}].level2"


def _tree_order(d: dict[str, Any]) -> str:
    rows = d["projects"][1]["indicators"]
    i, j = prow(d, 1, "经济效益指标"), prow(d, 1, "社会效益指标")
    rows[i], rows[j] = rows[j], rows[i]  # 004 project 4 lists 社会效益 before 经济效益
    return f"projects[1].indicators[{j}].level2"


def _dots(d: dict[str, Any]) -> str:
    i = next(i for i, r in enumerate(d["annual"]["indicators"]) if r["level2"] == "生态效益")
    d["annual"]["indicators"][i].update(level3="……", value="", prev1="", prev2="", basis="", kind="")  # 000
    return f"annual.indicators[{i}].level3"


def _empty_item(d: dict[str, Any]) -> str:
    d["tasks"].append("4. ；")  # the blank template's numbered stub
    return f"tasks[{len(d['tasks']) - 1}]"


def _blank_deadline(d: dict[str, Any]) -> str:
    d["long_term"]["goal"] = "（截止 年）" + d["long_term"]["goal"]
    return "long_term.goal"


def _no_date(d: dict[str, Any]) -> str:
    d["filled_on"] = None
    return "filled_on"


def _self_numbered(d: dict[str, Any]) -> str:
    d["functions"] = [f"{n}.{text}" for n, text in enumerate(d["functions"], 1)]
    return "functions[1]"


def _no_goals(d: dict[str, Any]) -> str:
    d["overall_goals"] = {"long_term": [], "annual": []}
    return "sections.overall_goals"


def _value_is_name(d: dict[str, Any]) -> str:
    i = row(d, "annual", "预算执行率")
    d["annual"]["indicators"][i]["value"] = "预算执行率"
    return f"annual.indicators[{i}].value"


def _remark_in_basis_and_kind(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "事前绩效评估完成率")
    d["long_term"]["indicators"][i].update(value="无", basis="无 200 万元以上项目", kind="无 200 万元以上项目")  # 000
    return f"long_term.indicators[{i}].basis"


def _value_in_basis(d: dict[str, Any]) -> str:
    i = row(d, "annual", "预算执行率")
    r = d["annual"]["indicators"][i]
    r.update(prev2=r["prev1"], prev1=r["value"], value="", basis="≥95%")  # everything one column to the right
    return f"annual.indicators[{i}].basis"


def _annual_partial(d: dict[str, Any]) -> str:
    i = row(d, "annual", "结转结余率")
    d["annual"]["indicators"][i]["prev1"] = ""
    return f"annual.indicators[{i}].prev1"


def _named_empty(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "资产管理规范性")
    d["long_term"]["indicators"][i]["value"] = ""
    return f"long_term.indicators[{i}].value"


def _unnamed_values(d: dict[str, Any]) -> str:
    i = row(d, "long_term", "医保业务线上办理率")
    d["long_term"]["indicators"][i]["level3"] = ""
    d["annual"]["indicators"][row(d, "annual", "医保业务线上办理率")]["level3"] = ""
    return f"long_term.indicators[{i}].level3"


def _no_indicators(d: dict[str, Any]) -> str:
    d["projects"][2]["indicators"] = []
    return "projects[2].indicators"


def _annual_renamed(d: dict[str, Any]) -> str:
    i = row(d, "annual", "窗口服务满意度")
    d["annual"]["indicators"][i]["level3"] = "参保群众满意度"  # 000 renames between the two tables
    return f"annual.indicators[{i}].level3"


def _deadline_past(d: dict[str, Any]) -> str:
    d["long_term"]["deadline"] = d["year"] - 1
    return "long_term.deadline"


def _filled_after(d: dict[str, Any]) -> str:
    d["filled_on"] = f"{d['year'] + 1}-01-05"
    return "filled_on"


def _deadline_far(d: dict[str, Any]) -> str:
    d["long_term"]["deadline"] = d["year"] + 4
    return "long_term.deadline"


def _code_short(d: dict[str, Any]) -> str:
    d["projects"][1]["code"] = d["projects"][1]["code"][:-1]
    return "projects[1].code"


def _unit_code(d: dict[str, Any]) -> str:
    d["code"] = "450 001"
    return "code"


def _drafted(d: dict[str, Any]) -> str:
    d["draft"] = {"from_year": d["year"] - 1, "fill": [], "review": ["annual.indicators[0].value"]}
    return "annual.indicators[0].value"


CASES: list[tuple[str, Edit]] = [
    ("E-FUNDS-SUM", _neg_part),
    ("E-FUNDS-SHARE", _zero_expense),
    ("W-INCOME-EXPENSE", _unbalanced),
    ("E-PROJECT-BUDGET", _fiscal_other),
    ("E-PROJECT-BUDGET", _no_split),
    ("W-PROJECT-TOTAL", _total_below),
    ("W-TARGETED-SUM", _recategorised),
    ("E-SPEND-PLAN", _plan_down),
    ("E-SPEND-PLAN", _plan_short),
    ("W-COST-PERCENT", _cost_percent),
    ("E-COST", _cost_over_budget_share),
    ("E-COST", _cost_over),
    ("W-COST-MONEY", _cost_in_words),
    ("E-VALUE-GRAMMAR", _grammar_comparator),
    ("E-VALUE-GRAMMAR", _grammar_thousands),
    ("W-VALUE-PERCENT", _no_percent),
    ("W-RATE-UNIT", _rate_in_days),
    ("W-VALUE-FORMAT", _spaced),
    ("W-VALUE-FORMAT", _fullwidth),
    ("W-DIRECTION", _three_public_up),
    ("W-DIRECTION", _coverage_le),
    ("W-DIRECTION", _control_ge),
    ("E-ENUM", _basis_free_dept),
    ("E-ENUM", _kind_empty),
    ("E-ENUM", _category_bad),
    ("W-ENUM-SHORT", _kind_short),
    ("W-ENUM-SHORT", _category_short),
    ("W-BASIS-FREE", _basis_free_project),
    ("W-BASIS-NOTE", _remark_in_basis_and_kind),
    ("E-SKELETON", _row_missing),
    ("E-SKELETON", _label_typo),
    ("E-SKELETON", _rows_swapped),
    ("E-SKELETON", _level2_unknown),
    ("W-SKELETON-EXTRA", _extra_row),
    ("W-LABEL-VARIANT", _variant),
    ("W-LABEL-VARIANT", _core_nospace),
    ("E-PROJECT-TREE", _tree_wrong_parent),
    ("W-PROJECT-ORDER", _tree_order),
    ("E-PLACEHOLDER", _dots),
    ("E-PLACEHOLDER", _empty_item),
    ("E-PLACEHOLDER", _blank_deadline),
    ("E-PLACEHOLDER", _no_date),
    ("W-NUMBERING", _self_numbered),
    ("W-SECTION-EMPTY", _no_goals),
    ("E-COLUMN-SHIFT", _value_is_name),
    ("E-COLUMN-SHIFT", _value_in_basis),
    ("E-COLUMN-SHIFT", _annual_partial),
    ("E-ROW-INCOMPLETE", _named_empty),
    ("E-ROW-INCOMPLETE", _unnamed_values),
    ("E-ROW-INCOMPLETE", _no_indicators),
    ("W-LONG-ANNUAL", _annual_renamed),
    ("E-YEARS", _deadline_past),
    ("E-YEARS", _filled_after),
    ("W-YEARS", _deadline_far),
    ("W-PROJECT-CODE", _code_short),
    ("W-UNIT-CODE", _unit_code),
    ("W-DRAFT", _drafted),
]


def test_every_code_has_a_case() -> None:
    assert {code for code, _ in CASES} == {r.code for r in RULES}


@pytest.mark.parametrize(("code", "edit"), CASES, ids=[f"{c}:{e.__name__[1:]}" for c, e in CASES])
def test_rule_fires_at_the_edited_place(code: str, edit: Edit) -> None:
    data = good()
    path = edit(data)
    ps = problems(data, source="x.json")
    assert (code, path) in found(ps), "\n".join(map(str, ps))
    hit = next(p for p in ps if (p.code, p.path) == (code, path))
    assert hit.level == (ERROR if code.startswith("E-") else WARNING)
    assert hit.where == f"x.json: {path}"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in hit.message)


# ---------------------------------------------------------------- messages say what and how


def messages(data: dict[str, Any], code: str) -> list[str]:
    return [p.message for p in problems(data) if p.code == code]


def test_unbalanced_message_gives_both_totals_and_the_difference() -> None:
    data = good()
    _unbalanced(data)
    income = sum(Decimal(str(v["prev2"])) for v in data["funding"]["income"].values())
    expense = sum(Decimal(str(v["prev2"])) for v in data["funding"]["expense"].values())
    (text,) = messages(data, "W-INCOME-EXPENSE")
    assert f"{income:.2f}" in text and f"{expense:.2f}" in text and f"{abs(income - expense):.2f}" in text
    assert f"{data['year'] - 2}年" in text


def test_budget_message_gives_the_sum_it_expects() -> None:
    data = good()
    _fiscal_other(data)
    (text,) = messages(data, "E-PROJECT-BUDGET")
    assert "20.00" in text and "14.00" in text and "5.00" in text and "19.00" in text


def test_cost_message_names_the_budget() -> None:
    data = good()
    _cost_percent(data)
    (text,) = messages(data, "W-COST-PERCENT")
    assert "≤100%" in text and f"≤{Decimal(str(data['projects'][0]['budget'])):.2f}万元" in text
    data = good()
    _cost_over_budget_share(data)
    (text,) = messages(data, "E-COST")
    assert "≤120%" in text and f"{Decimal(str(data['projects'][0]['budget'])):.2f} 万元" in text


def test_message_quotes_what_the_unit_typed_not_the_normalised_text() -> None:
    data = good()
    i = row(data, "long_term", "“三公经费”变动率")
    data["long_term"]["indicators"][i]["value"] = "＝0%"  # 000: full-width and not ≤0%
    ps = [p for p in problems(data) if p.path == f"long_term.indicators[{i}].value"]
    assert {p.code for p in ps} == {"W-VALUE-FORMAT"}  # =0% is within 不增长: no W-DIRECTION
    assert all("＝0%" in p.message for p in ps)
    assert "「=0%」" in next(p.message for p in ps if p.code == "W-VALUE-FORMAT")


def test_a_value_in_the_basis_column_is_reported_once_as_a_shift() -> None:
    data = good()
    path = _value_in_basis(data)
    at_basis = [p.code for p in problems(data) if p.path == path]
    assert at_basis == ["E-COLUMN-SHIFT"]


def test_missing_row_names_the_row_before_it() -> None:
    data = good()
    _row_missing(data)
    (text,) = messages(data, "E-SKELETON")
    assert "管理效率／预算执行／结转结余率" in text and "预算执行率" in text


def test_errors_come_before_warnings() -> None:
    data = good()
    _kind_short(data)
    _fiscal_other(data)
    levels = [p.level for p in problems(data)]
    assert levels == sorted(levels, key=lambda level: level != ERROR) and levels[0] == ERROR


# ---------------------------------------------------------------- no false alarms on near misses


def test_cost_in_yuan_equal_to_budget_is_fine() -> None:
    data = good()
    i = prow(data, 0, "成本指标")
    data["projects"][0]["indicators"][i]["value"] = "≤4500000元"  # exactly 450.00 万元
    assert not [p for p in problems(data) if p.code == "E-COST"]


def test_cost_first_tree_social_cost_may_be_words() -> None:
    # 002 (曾都) writes 社会成本指标 as a phrase; only 经济成本指标 is money.
    data = good()
    data["project_tree"] = "cost_first"
    for p in data["projects"]:
        cost = next(r for r in p["indicators"] if r["level2"] == "成本指标")
        p["indicators"].remove(cost)
        p["indicators"][:0] = [
            dict(cost, level1="成本指标", level2="经济成本指标"),
            dict(cost, level1="成本指标", level2="社会成本指标", level3="优化业务经办流程", value="群众办事只跑一次"),
        ]
    assert problems(data) == []
    data["projects"][0]["indicators"][0]["value"] = "100%"  # 002: 是否按预算额度下达资金 100%, a share of the budget
    assert found(problems(data)) == {("W-COST-PERCENT", "projects[0].indicators[0].value")}
    data["projects"][0]["indicators"][0]["value"] = "及时下达"  # words where money is due: a hint, as 002 does
    assert found(problems(data)) == {("W-COST-MONEY", "projects[0].indicators[0].value")}


def test_phrases_and_per_mille_rates_are_fine() -> None:
    data = good()
    i = row(data, "long_term", "异地就医直接结算率")
    data["long_term"]["indicators"][i]["value"] = "≤5‰"
    j = prow(data, 0, "时效指标")
    data["projects"][0]["indicators"][j]["value"] = "3-5月、9-10月完成"
    data["long_term"]["goal"] = "截止年底实现全覆盖。" + data["long_term"]["goal"]
    codes = {p.code for p in problems(data)}
    assert not codes & {"W-VALUE-PERCENT", "E-VALUE-GRAMMAR", "E-PLACEHOLDER"}


def test_an_intentionally_empty_star_row_and_a_third_core_output_are_fine() -> None:
    data = good()
    for table in ("long_term", "annual"):
        rows = data[table]["indicators"]
        i = next(i for i, r in enumerate(rows) if r["level2"] == "生态效益")
        rows[i] = {k: (v if k in ("level1", "level2") else "") for k, v in rows[i].items()}
        j = max(i for i, r in enumerate(rows) if r["level2"] == "核心业务产出 2")
        rows.insert(j + 1, dict(rows[j], level2="核心业务产出 3", level3="各类业务培训"))
    codes = {p.code for p in problems(data)}
    assert not codes & {"E-SKELETON", "E-ROW-INCOMPLETE", "E-COLUMN-SHIFT", "W-LONG-ANNUAL"}, codes


# ---------------------------------------------------------------- the real seeds


def seed(name: str) -> tuple[dict[str, Any], list[Problem]]:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return data, check_file(FIXTURES / f"{name}.json")


# What the seeds' own forms do decides each rule's level. A real mistake (a placeholder left in) stays an
# error; what the official forms do as filed is at most a warning. Every expected problem below is derived
# from the fixture's own values (the rows found by their labels), never copied from the validator's output.


def at(data: dict[str, Any], table: str, level3: str, name: str) -> str:
    return f"{table}.indicators[{row(data, table, level3)}].{name}"


def test_seed_000_errors_are_only_the_placeholders_left_in() -> None:
    data, ps = seed("seed_000")
    expected = {
        ("E-PLACEHOLDER", f"{table}.indicators[{j}].{name}")
        for table in ("long_term", "annual")
        for j, r in enumerate(data[table]["indicators"])
        for name in ("level2", "level3")
        if r[name] == "……"  # the blank template's rows, left in the filed form
    }
    assert len(expected) == 6
    assert found([p for p in ps if p.level == ERROR]) == expected


def test_seed_000_placeholder_advice_when_followed_leaves_no_error() -> None:
    # 生态效益's only row is …… : the advice is to leave its 三级指标 empty (deleting it would drop a
    # printed group); the other …… rows are to be deleted. Doing just that leaves no error at all.
    data, ps = seed("seed_000")
    eco = next(i for i, r in enumerate(data["annual"]["indicators"]) if r["level2"] == "生态效益")
    (advice,) = [p.message for p in ps if p.path == f"annual.indicators[{eco}].level3"]
    assert "留空" in advice and "删除" not in advice
    for table in ("long_term", "annual"):
        rows = data[table]["indicators"]
        for j, r in enumerate(rows):
            if "……" in (r["level2"], r["level3"]) and j != eco:
                assert any(p.path.startswith(f"{table}.indicators[{j}].") and "删除这一行" in p.message for p in ps)
        data[table]["indicators"] = _filed_rows(rows)
    assert [str(p) for p in problems(data) if p.level == ERROR] == []


def test_seed_000_warnings_are_exactly_what_the_form_does() -> None:
    data, ps = seed("seed_000")
    expected: set[tuple[str, str]] = set()
    for table in ("long_term", "annual"):
        rows = data[table]["indicators"]
        for j, r in enumerate(rows):
            for name in ("prev2", "prev1", "value"):
                text = r.get(name, "")
                if "＝" in text or re.search(r"\d\s+\D", text):  # ＝0%, 90 万份
                    expected.add(("W-VALUE-FORMAT", f"{table}.indicators[{j}].{name}"))
        for level3 in ("绩效监控开展率", "绩效评价覆盖率", "评价结果应用率"):  # ≤100%: once per row
            first = "prev2" if table == "annual" else "value"
            assert rows[row(data, table, level3)][first] == "≤100%"
            expected.add(("W-DIRECTION", at(data, table, level3, first)))
        # 事前绩效评估完成率: 无, with one remark across 依据 and 分类
        assert rows[row(data, table, "事前绩效评估完成率")]["kind"] == "无 200 万元以上项目"
        expected.add(("W-BASIS-NOTE", at(data, table, "事前绩效评估完成率", "basis")))
        first_short = next(j for j, r in enumerate(rows) if r["kind"] == "基本型")
        expected.add(("W-ENUM-SHORT", f"{table}.indicators[{first_short}].kind"))  # once per table
    # the two tables name two ★ indicators differently
    for table, level3 in (
        ("long_term", "参加基本医疗保险人数"),
        ("annual", "参加基本医疗保险参保人数"),
        ("long_term", "上级部门对下属单位满意度"),
        ("annual", "联系部门对医保部门配合满意度"),
    ):
        expected.add(("W-LONG-ANNUAL", at(data, table, level3, "level3")))
    assert found([p for p in ps if p.level == WARNING]) == expected


def test_seed_000_three_public_at_zero_is_no_increase() -> None:
    # 000 writes “三公经费”变动率 ＝0% (long term) and ≤0% (annual): both keep the 不增长 rule.
    data, ps = seed("seed_000")
    for table in ("long_term", "annual"):
        path = at(data, table, "“三公经费”变动率", "value")
        assert "W-DIRECTION" not in {p.code for p in ps if p.path == path}
    typed = data["long_term"]["indicators"][row(data, "long_term", "“三公经费”变动率")]["value"]
    assert typed == "＝0%"
    assert {p.code for p in ps if p.path == at(data, "long_term", "“三公经费”变动率", "value")} == {"W-VALUE-FORMAT"}


def test_seed_000_short_kind_is_one_warning_per_table_with_its_count() -> None:
    data, ps = seed("seed_000")
    for table in ("long_term", "annual"):
        n = sum(r["kind"] == "基本型" for r in data[table]["indicators"])
        (p,) = [p for p in ps if p.code == "W-ENUM-SHORT" and p.path.startswith(table)]
        assert f"共 {n} 处" in p.message and "绩效基本型" in p.message


def test_seed_004_has_no_errors() -> None:
    _, ps = seed("seed_004")
    assert [str(p) for p in ps if p.level == ERROR] == []


def test_seed_004_warnings_are_exactly_what_the_form_does() -> None:
    data, ps = seed("seed_004")
    expected: set[tuple[str, str]] = set()
    for p_i, p in enumerate(data["projects"]):
        rows = p["indicators"]
        expected.add(("W-BASIS-FREE", f"projects[{p_i}].indicators[0].basis"))  # once per project
        for j, r in enumerate(rows):
            if r["level3"].endswith("率") and r["value"].endswith("天"):  # 及时率 ≤30天
                expected.add(("W-RATE-UNIT", f"projects[{p_i}].indicators[{j}].value"))
    four = data["projects"][3]["indicators"]
    cost, satisfaction = prow(data, 3, "成本指标"), prow(data, 3, "服务对象满意度指标")
    assert (four[cost]["value"], four[satisfaction]["value"]) == ("≤100%", "≥80")
    expected |= {
        ("W-COST-PERCENT", f"projects[3].indicators[{cost}].value"),
        ("W-VALUE-PERCENT", f"projects[3].indicators[{satisfaction}].value"),
        ("W-PROJECT-ORDER", f"projects[3].indicators[{prow(data, 3, '经济效益指标')}].level2"),  # 社会 before 经济
    }
    assert found([p for p in ps if p.level == WARNING]) == expected


def test_seed_004_a_rate_in_days_is_never_advised_to_become_a_percentage() -> None:
    _, ps = seed("seed_004")
    hits = [p for p in ps if p.code == "W-RATE-UNIT"]
    assert len(hits) == 2
    for p in hits:
        assert "≤30天" in p.message and "≤30%" not in p.message
    # the bare ≥80 of a 满意度 is the one case where adding % keeps the meaning
    (bare,) = [p for p in ps if p.code == "W-VALUE-PERCENT"]
    assert "≥80%" in bare.message


def test_seed_004_free_text_bases_name_every_text_of_the_project_once() -> None:
    data, ps = seed("seed_004")
    for p_i, p in enumerate(data["projects"]):
        texts = dict.fromkeys(r["basis"] for r in p["indicators"])
        (w,) = [w for w in ps if w.code == "W-BASIS-FREE" and w.path.startswith(f"projects[{p_i}].")]
        assert all(f"「{t}」" in w.message for t in texts), w.message
        assert f"有 {len(p['indicators'])} 行" in w.message
    assert len(dict.fromkeys(r["basis"] for r in data["projects"][1]["indicators"])) == 3


def test_seed_004_cost_percent_advice_is_the_budget_in_money() -> None:
    data, ps = seed("seed_004")
    (w,) = [p for p in ps if p.code == "W-COST-PERCENT"]
    assert f"≤{Decimal(str(data['projects'][3]['budget'])):.2f}万元" in w.message


def test_seed_002_project_has_no_errors_and_its_cost_share_is_a_warning() -> None:
    data, ps = seed("seed_002")
    assert data["project_tree"] == "cost_first"
    assert [str(p) for p in ps if p.level == ERROR] == []
    rows = data["projects"][0]["indicators"]
    expected = {
        ("W-COST-PERCENT", f"projects[0].indicators[{j}].value")
        for j, r in enumerate(rows)
        if r["level2"] == "经济成本指标" and r["value"].endswith("%")  # 是否按预算额度下达资金 100%
    }
    assert len(expected) == 2
    expected.add(("W-BASIS-FREE", "projects[0].indicators[0].basis"))  # 上年数据, once
    assert found([p for p in ps if p.level == WARNING]) == expected


def test_seed_002_long_term_table_has_no_errors_and_a_cost_in_words_is_a_warning() -> None:
    data, ps = seed("seed_002_long")
    assert [str(p) for p in ps if p.level == ERROR] == []
    rows = data["projects"][0]["indicators"]
    money = [j for j, r in enumerate(rows) if r["level2"] == "经济成本指标"]
    assert (len(money), rows[money[0]]["value"]) == (2, "100%")
    assert found(ps) == {
        ("W-COST-PERCENT", f"projects[0].indicators[{money[0]}].value"),  # 是否按预算额度下达资金 100%
        ("W-COST-MONEY", f"projects[0].indicators[{money[1]}].value"),  # 资金使用合规性: a sentence
    }


def _blank_template_002() -> Unit:
    """002's blank official 附件1, as printed: ``1. ；`` items, …… rows, （截止 年）, 填报日期： 年 月 日."""
    return load_unit(FIXTURES / "seed_002_blank.json")


def test_seed_002_blank_template_is_quiet() -> None:
    # A blank form handed out is all placeholders, as it should be: nothing is wrong with it yet.
    unit = _blank_template_002()
    assert sum(r.level3 == "……" or r.level2 == "……" for r in unit.long_term.indicators) == 9
    assert unit.functions[0] == "；" and unit.long_term.deadline is None and unit.filled_on is None
    assert check(unit) == []


def test_seed_002_blank_template_comes_back_from_its_workbook_blank_and_quiet(tmp_path: Path) -> None:
    unit = _blank_template_002()
    xlsx = tmp_path / "空白表.xlsx"
    xlsx.write_bytes(workbook_bytes(unit))
    assert read_workbook(xlsx).unit == unit
    assert check_file(xlsx) == []


def test_seed_002_template_filled_in_part_reports_what_is_left_blank() -> None:
    # One value typed in makes it a filled form: the template's leftovers are now placeholders left in.
    unit = _blank_template_002()
    unit.long_term.indicators[0].value = "≤100%"
    ps = found(check(unit))
    dots = {
        f"{t}.indicators[{j}].{n}"
        for t, rows in (("long_term", unit.long_term.indicators), ("annual", unit.annual.indicators))
        for j, r in enumerate(rows)
        for n in ("level2", "level3")
        if getattr(r, n) == "……"
    }
    placeholders = {path for code, path in ps if code == "E-PLACEHOLDER"}
    assert dots <= placeholders
    assert {"long_term.deadline", "filled_on", "functions[0]", "tasks[3]", "overall_goals.annual[1]"} <= placeholders


def test_blank_deadline_is_a_placeholder_on_a_filled_form_and_not_a_year_error() -> None:
    # A deadline left blank (（截止 年）, seed 003) is represented as None: rule 15 has no year to check,
    # rule 12 reports the blank.
    data = good()
    data["long_term"]["deadline"] = None
    ps = problems(data)
    assert found(ps) == {("E-PLACEHOLDER", "long_term.deadline")}
    blank = new_unit("450001", "怀来县医疗保障局", 2025)
    blank.long_term.deadline = None
    assert check(blank) == []


# ---------------------------------------------------------------- faithful example data
#
# data/ examples that say they are transcribed equal their seed's fixture value for value on the parts the
# seed holds; the fixture's texts are in the seed's text (copied to fixtures/validate/seeds/ so that a fresh
# clone has them). What an example adds (funding figures, 项目支出情况, a filler) is listed as illustrative
# in the README.

SEED_TEXTS = FIXTURES / "seeds"
FICTITIOUS_PEOPLE = {"张三", "李四", "王五", "赵六"}
FICTITIOUS_PHONE = "0000-0000000"
_FIXED_GROUPS = {(l1, l2) for l1, l2, l3s in forms.SKELETON if l3s}


def _filed_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The indicator rows without the blank template's …… rows (the one deviation the README names).

    A …… left under a pre-printed group is dropped; in a ★ group (000's 生态效益) it becomes the empty row
    xlsgen keeps for a group the unit leaves empty.
    """
    out = []
    for r in rows:
        if r["level2"] == "……" or (r["level3"] == "……" and (r["level1"], r["level2"]) in _FIXED_GROUPS):
            continue
        out.append(dict(r, level3="") if r["level3"] == "……" else r)
    return out


def _dept_part(d: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "year", "filled_on", "filler", "phone", "functions", "tasks")
    return {
        **{k: d[k] for k in keys},
        "long_term": {**d["long_term"], "indicators": _filed_rows(d["long_term"]["indicators"])},
        "annual": {**d["annual"], "indicators": _filed_rows(d["annual"]["indicators"])},
    }


_PROJECT_KEYS = ("code", "name", "unit_code", "unit_name", "budget", "fiscal", "other", "use", "goals", "indicators")


def _projects_004(d: dict[str, Any]) -> dict[str, Any]:
    return {"projects": [{k: p[k] for k in (*_PROJECT_KEYS, "plan")} for p in d["projects"]]}


def _projects_002(d: dict[str, Any]) -> dict[str, Any]:
    # 002's 项目申报表 has no 资金支出计划 and no 绩效指标描述; its 2025 and 2024 收支 are real.
    funding = {
        side: {part: {y: v[y] for y in ("current", "prev1")} for part, v in parts.items()}
        for side, parts in d["funding"].items()
    }
    return {"projects": [{k: p[k] for k in _PROJECT_KEYS} for p in d["projects"]], "funding": funding}


TRANSCRIBED = [  # (fixture, seed text, data example, the part of a unit the seed holds)
    ("seed_000", "000_86d330cb8db9b8e8.txt", "阳新县医疗保障服务中心", _dept_part),
    ("seed_004", "004_f91f16dfa84a17fe.txt", "怀来县医疗保障局", _projects_004),
    ("seed_002", "002_451c231ef299bff3.txt", "曾都区医疗保障信息中心", _projects_002),
]
SEED_ONLY = [  # transcriptions no example copies: 002's 长期绩效目标表 and its blank official 附件1
    ("seed_002_long", "002_451c231ef299bff3.txt", None, _projects_002),
    ("seed_002_blank", "002_451c231ef299bff3.txt", None, _dept_part),
]


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("fixture", "text", "example", "part"), TRANSCRIBED, ids=[t[0] for t in TRANSCRIBED])
def test_transcribed_example_equals_its_seed_value_for_value(
    fixture: str, text: str, example: str, part: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    got = part(json.loads((DATA / f"{example}.json").read_text(encoding="utf-8")))
    want = part(_fixture(fixture))
    assert got == want


def _texts(node: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(node, str):
        return [(path, node)] if node and node != "……" else []
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in _texts(v, f"{path}.{k}" if path else k)]
    if isinstance(node, list):
        return [t for i, v in enumerate(node) for t in _texts(v, f"{path}[{i}]")]
    return []


@pytest.mark.parametrize(
    ("fixture", "text", "example", "part"), TRANSCRIBED + SEED_ONLY, ids=[t[0] for t in TRANSCRIBED + SEED_ONLY]
)
def test_fixture_texts_are_in_the_seed(
    fixture: str, text: str, example: str | None, part: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # Text extraction breaks cells into lines and pages; compared without any whitespace, every text the
    # fixture says the seed holds is found in it, so nothing was "improved" on the way.
    seed_text = re.sub(r"\s+", "", (SEED_TEXTS / text).read_text(encoding="utf-8"))
    data = part(_fixture(fixture))
    missing = [(p, t) for p, t in _texts(data) if p != "filled_on" and re.sub(r"\s+", "", t) not in seed_text]
    if fixture == "seed_004":  # the filler is not in 004 (a project-only form): fictitious, as the README says
        missing = [(p, t) for p, t in missing if p not in ("filler", "phone")]
    assert missing == []
    for p in data.get("projects", []):  # amounts as the seed prints them
        assert f"{Decimal(str(p['budget'])):.2f}" in seed_text
    if data.get("filled_on"):
        day = dt.date.fromisoformat(data["filled_on"])
        assert f"{day.year}年{day.month}月{day.day}日" in seed_text


def test_seed_000_fixture_keeps_what_the_form_typed() -> None:
    # The values the first transcription "improved" are back as the form has them.
    data = _fixture("seed_000")
    assert data["long_term"]["indicators"][row(data, "long_term", "“三公经费”变动率")]["value"] == "＝0%"
    for table in ("long_term", "annual"):
        r = data[table]["indicators"][row(data, table, "事前绩效评估完成率")]
        assert (r["value"], r["basis"], r["kind"]) == ("无", "无 200 万元以上项目", "无 200 万元以上项目")
        assert {r["kind"] for r in _filed_rows(data[table]["indicators"]) if r["level3"]} == {
            "基本型",
            "无 200 万元以上项目",
        }


def test_example_people_are_from_their_seed_or_plainly_fictitious() -> None:
    seeds = "".join(re.sub(r"\s+", "", p.read_text(encoding="utf-8")) for p in SEED_TEXTS.glob("*.txt"))
    for path in EXAMPLES:
        d = json.loads(path.read_text(encoding="utf-8"))
        assert d["filler"] in FICTITIOUS_PEOPLE or d["filler"] in seeds, path.name
        assert d["phone"] == FICTITIOUS_PHONE or d["phone"] in seeds, path.name
        if d["filler"] in seeds:  # a real person keeps the phone the seed prints with the name
            assert d["phone"] in seeds


def test_readme_example_table_names_every_example_and_what_is_illustrative() -> None:
    readme = (DATA.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## 示例数据") :].split("\n## ", 1)[0]
    for path in EXAMPLES:
        assert f"`data/{path.name}`" in table or path.stem in table, path.name
    assert "示例" in table and "0000-0000000" in table


def test_the_readme_bulk_command_exits_zero_on_the_bundled_data(tmp_path: Path) -> None:
    # README: ``xlsgen bulk data/ -o output/`` — the faithful transcriptions must not be errors.
    result = CliRunner().invoke(main, ["bulk", str(DATA), "-o", str(tmp_path / "output"), "--silent"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "output").glob("*.xlsx"))) == len(EXAMPLES) + 1  # and the summary


# ---------------------------------------------------------------- workbook locations and shown totals


def layout_cells(unit: Unit) -> dict[str, str]:
    """JSON path → ``sheet!A1`` as the template places the fields (what the reader reports)."""
    cells: dict[str, str] = {}
    for sheet in build(unit):
        for c in sheet.cells:
            if c.field and c.field not in cells:
                cells[c.field] = f"{sheet.name}!{a1(c.row, c.col)}"
    return cells


def test_workbook_location_is_file_sheet_cell() -> None:
    data = good()
    path = _coverage_le(data)
    unit = Unit.model_validate(data)
    cells = layout_cells(unit)
    (p,) = [p for p in check(unit, "怀来.xlsx", cells) if p.path == path]
    assert p.where == f"怀来.xlsx!{cells[path]}"
    assert p.where.startswith(f"怀来.xlsx!{forms.DEPT_SHEET}!")


def test_location_falls_back_to_the_row_then_the_group_then_the_path() -> None:
    cells = {"annual.indicators[7].level3": "S!D40", "projects[0].plan.mar": "P!B9", "projects[0].plan.jun": "P!D9"}
    assert locate("annual.indicators[7].level2", "f.xlsx", cells) == Location(
        "f.xlsx", "annual.indicators[7].level2", "S", "D40"
    )
    assert str(locate("projects[0].plan", "f.xlsx", cells)) == "f.xlsx!P!B9"
    assert str(locate("sections.funding", "f.xlsx", cells)) == "f.xlsx: sections.funding"
    assert str(locate("code", "u.json")) == "u.json: code"


def test_shown_totals_that_do_not_add_up_are_errors_with_both_numbers() -> None:
    data = good()
    unit = Unit.model_validate(data)
    total = unit.funding.income.total.current  # type: ignore[union-attr]
    wrong = total - 10
    shown = {"funding.income.total.current": f"{wrong:.2f}", "funding.expense.total.prev1": "不详"}
    msgs = {p.path: p.message for p in check(unit, shown=shown) if p.code == "E-FUNDS-SUM"}
    assert f"应为各项之和 {total:.2f}，实际填写 {wrong:.2f}" in msgs["funding.income.total.current"]
    assert "不详" in msgs["funding.expense.total.prev1"]


def test_shown_shares_are_checked_to_a_hundredth_of_a_percent() -> None:
    unit = Unit.model_validate(good())
    f = unit.funding
    assert f is not None
    exact = {k: getattr(f.expense, k).current / f.expense.total.current for k, _ in f.expense.PARTS}
    shown: dict[str, Any] = {f"funding.expense.{k}.share": float(v) for k, v in exact.items()}
    shown["funding.expense.total.share"] = 1.0
    assert check(unit, shown=shown) == []
    shown["funding.expense.personnel.share"] = f"{exact['personnel'] * 100 + Decimal('0.5'):.2f}%"
    shown["funding.expense.total.share"] = "99%"
    got = found([p for p in check(unit, shown=shown) if p.code == "E-FUNDS-SHARE"])
    assert got == {
        ("E-FUNDS-SHARE", "funding.expense.personnel.share"),
        ("E-FUNDS-SHARE", "funding.expense.total.share"),
    }


def test_totals_read_from_a_saved_workbook(tmp_path: Path) -> None:
    unit = Unit.model_validate(good())
    cells = layout_cells(unit)
    path = tmp_path / "u.xlsx"
    path.write_bytes(workbook_bytes(unit))
    imported = read_workbook(path)
    assert "funding.income.total.current" in imported.shown  # xlsxwriter stores the value with the formula
    assert check_file(path) == []

    # A unit types a number over the 合计 formula; the other formulas lose their cached values on save.
    sheet, ref = cells["funding.income.total.current"].rsplit("!", 1)
    wb = openpyxl.load_workbook(path)
    wb[sheet][ref] = 100.0
    wb.save(path)
    assert read_workbook(path).shown == {"funding.income.total.current": 100.0}
    (p,) = check_file(path)
    assert (p.code, p.where) == ("E-FUNDS-SUM", f"{path}!{cells['funding.income.total.current']}")


def test_totals_typed_by_hand_are_checked_at_their_cells(tmp_path: Path) -> None:
    unit = Unit.model_validate(good())
    layout = layout_cells(unit)
    path = tmp_path / "typed.xlsx"
    path.write_bytes(workbook_bytes(unit))
    wb = openpyxl.load_workbook(path, data_only=True)  # as if typed by hand: numbers, no formulas
    sheet, ref = layout["funding.expense.total.prev1"].rsplit("!", 1)
    wb[sheet][ref] = 1.0
    wb.save(path)
    assert [(p.code, p.where) for p in check_file(path)] == [
        ("E-FUNDS-SUM", f"{path}!{layout['funding.expense.total.prev1']}")
    ]


def test_check_file_reads_a_workbook_through_the_reader(tmp_path: Path) -> None:
    data = good()
    path = _cost_over_budget_share(data)
    unit = Unit.model_validate(data)
    xlsx = tmp_path / "怀来.xlsx"
    xlsx.write_bytes(workbook_bytes(unit))
    ps = check_file(xlsx)
    hit = next(p for p in ps if p.code == "E-COST")
    assert hit.path == path
    assert hit.where == f"{xlsx}!{layout_cells(unit)[path]}"


def test_check_file_reports_the_readers_warnings_at_their_cells(tmp_path: Path) -> None:
    data = good()
    path = _cost_over(data)
    unit = Unit.model_validate(data)
    xlsx = tmp_path / "in" / "怀来.xlsx"
    xlsx.parent.mkdir()
    xlsx.write_bytes(workbook_bytes(unit))
    cells = layout_cells(unit)
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[forms.DEPT_SHEET]
    (date_cell,) = [c for row in ws.iter_rows() for c in row if str(c.value or "").startswith("填报日期")]
    date_cell.value = "填报日期：去年腊月"
    wb.save(xlsx)
    ps = check_file(xlsx)
    date_at = f"{xlsx}!{forms.DEPT_SHEET}!{date_cell.coordinate}"
    assert [(p.code, p.where) for p in ps] == [
        ("E-COST", f"{xlsx}!{cells[path]}"),
        ("E-PLACEHOLDER", date_at),  # the date left blank is itself a problem, at the same cell
        ("E-READ", date_at),  # a date that is no date is not placed: an error at its cell
    ]
    assert "去年腊月" in ps[2].message and "未读取" in ps[2].message


# ---------------------------------------------------------------- the CLI


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def write(tmp: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def test_validate_good_file_exit_0(tmp_path: Path) -> None:
    src = write(tmp_path, "good.json", good())
    result = run("validate", str(src))
    assert result.exit_code == 0, result.output
    assert "错误 0 个，警告 0 个" in result.output


def test_validate_error_line_format_and_exit_1(tmp_path: Path) -> None:
    data = good()
    path = _fiscal_other(data)
    src = write(tmp_path, "bad.json", data)
    result = run("validate", str(src))
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if "E-PROJECT-BUDGET" in x)
    assert line.startswith(f"错误 E-PROJECT-BUDGET {src}: {path}：")


def test_validate_warnings_pass_unless_strict(tmp_path: Path) -> None:
    data = good()
    path = _kind_short(data)
    src = write(tmp_path, "warn.json", data)
    result = run("validate", str(src))
    assert result.exit_code == 0
    assert f"警告 W-ENUM-SHORT {src}: {path}：" in result.stdout
    assert run("validate", "--strict", str(src)).exit_code == 1


def test_validate_json_output_is_the_same_list(tmp_path: Path) -> None:
    data = good()
    _kind_short(data)
    _fiscal_other(data)
    src = write(tmp_path, "x.json", data)
    result = run("validate", "--format", "json", str(src))
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    expected = check_file(src)
    assert [(r["level"], r["code"], r["path"], r["where"], r["message"]) for r in rows] == [
        (p.level, p.code, p.path, p.where, p.message) for p in expected
    ]
    assert {r["file"] for r in rows} == {str(src)}


def test_validate_unloadable_file_is_reported_and_others_still_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"code": "1",', encoding="utf-8")
    typo = good()
    typo["annual"]["indicators"][0]["vaule"] = "≥1"
    typo_src = write(tmp_path, "typo.json", typo)
    warn = good()
    warn_path = _kind_short(warn)
    warn_src = write(tmp_path, "warn.json", warn)
    result = run("validate", str(broken), str(typo_src), str(warn_src))
    assert result.exit_code == 1
    out = result.stdout
    assert f"错误 E-LOAD {broken}：" in out and "不是合法的 JSON" in out
    assert f"错误 E-LOAD {typo_src}: annual.indicators[0].vaule：" in out
    assert f"警告 W-ENUM-SHORT {warn_src}: {warn_path}" in out


def test_generate_refuses_an_invalid_unit_and_writes_nothing(tmp_path: Path) -> None:
    data = good()
    path = _cost_over_budget_share(data)
    src = write(tmp_path, "bad.json", data)
    out = tmp_path / "out"
    result = run("generate", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert f"错误 E-COST {src}: {path}：" in result.stderr
    assert "未生成" in result.stderr and "--force" in result.stderr
    assert not out.exists() or not list(out.iterdir())


def test_generate_force_writes_despite_errors(tmp_path: Path) -> None:
    data = good()
    _cost_over_budget_share(data)
    src = write(tmp_path, "bad.json", data)
    out = tmp_path / "out"
    result = run("generate", "--force", str(src), "-o", str(out))
    assert result.exit_code == 0
    assert "E-COST" in result.stderr
    assert [p.suffix for p in out.iterdir()] == [".xlsx"]


def test_generate_prints_warnings_writes_and_does_not_normalise(tmp_path: Path) -> None:
    data = good()
    path = _fullwidth(data)
    src = write(tmp_path, "warn.json", data)
    out = tmp_path / "out"
    result = run("generate", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"警告 W-VALUE-FORMAT {src}: {path}：" in result.stderr
    (xlsx,) = out.iterdir()
    ref = layout_cells(Unit.model_validate(data))[path]
    sheet, cell = ref.rsplit("!", 1)
    assert openpyxl.load_workbook(xlsx)[sheet][cell].value == "＞＝95%"


def test_generate_checks_the_form_as_printed_this_run(tmp_path: Path) -> None:
    data = good()
    data["funding"] = None  # nothing to print in 部门总体资金情况 ...
    src = write(tmp_path, "nofunding.json", data)
    assert "W-SECTION-EMPTY" in run("generate", str(src), "-o", str(tmp_path / "a")).stderr
    # ... unless this run leaves the section out
    assert "W-SECTION-EMPTY" not in run("generate", str(src), "-o", str(tmp_path / "b"), "--without", "funding").stderr


def test_filled_on_in_the_future_of_the_budget_year_is_named_with_the_year() -> None:
    data = good()
    data["filled_on"] = dt.date(data["year"] + 1, 3, 1).isoformat()
    (text,) = messages(data, "E-YEARS")
    assert f"{data['year'] + 1}年3月1日" in text and str(data["year"]) in text


def test_validate_a_workbook_from_the_command_line(tmp_path: Path) -> None:
    data = good()
    path = _plan_down(data)
    unit = Unit.model_validate(data)
    xlsx = tmp_path / "怀来.xlsx"
    xlsx.write_bytes(workbook_bytes(unit))
    result = run("validate", str(xlsx))
    assert result.exit_code == 1
    ref = layout_cells(unit)[path]
    assert any(line.startswith(f"错误 E-SPEND-PLAN {xlsx}!{ref}：") for line in result.stdout.splitlines()), (
        result.stdout
    )


@pytest.mark.parametrize("name", ["seed_000.json", "seed_002.json", "seed_002_long.json", "seed_004.json"])
def test_a_real_form_gives_the_same_problems_from_its_workbook_at_its_cells(tmp_path: Path, name: str) -> None:
    # The real forms typed in with their mistakes: reading them back from a workbook must find every one
    # of them again, each at the cell that prints the field.
    unit = load_unit(FIXTURES / name)
    from_json = {(p.code, p.path) for p in check(unit, name)}
    xlsx = tmp_path / "form.xlsx"
    xlsx.write_bytes(workbook_bytes(unit))
    from_xlsx = check_file(xlsx)
    assert len(from_json) >= 2
    assert {(p.code, p.path) for p in from_xlsx} == from_json
    cells = layout_cells(unit)
    for p in from_xlsx:
        if p.path in cells:
            assert p.where == f"{xlsx}!{cells[p.path]}", p
