"""xlsgen diff (issue 4 §5): field-by-field Chinese list of changes, with the cell where a side is a workbook."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from xlsgen.cli import main
from xlsgen.diff import Change, diff_units, report
from xlsgen.model import AnnualIndicator, Unit

from .conftest import filled_unit
from .test_read import DEPT, at, base_unit
from .xlsx_edit import insert_rows, load, save, workbook


def edited(unit: Unit) -> Unit:
    return Unit.model_validate(unit.model_dump())


def test_no_difference() -> None:
    unit = filled_unit()
    assert diff_units(unit, edited(unit)) == []
    assert report([]) == "无差异\n"


def test_changed_value_names_path_values_and_cell() -> None:
    old = filled_unit()
    new = edited(old)
    new.annual.indicators[3].value = "≥99%"
    row, col = at(new, "annual.indicators[3].value")
    cells = {"annual.indicators[3].value": f"{DEPT}!{'ABCDEFGHI'[col - 1]}{row}"}
    changes = diff_units(old, new, new_cells=cells)
    assert [str(c) for c in changes] == [
        f"annual.indicators[3].value：“{old.annual.indicators[3].value}” → “≥99%”（{DEPT}!G{row}）"
    ]


def test_inserted_row_is_one_addition_not_a_cascade_of_changes() -> None:
    old = filled_unit()
    new = edited(old)
    added = AnnualIndicator(level1="运行成本", level2="项目支出成本控制", level3="差旅费控制率", value="≤3%")
    new.annual.indicators.insert(3, added)
    changes = diff_units(old, new)
    assert [(c.kind, c.path) for c in changes] == [("added", "annual.indicators[3]")]
    assert str(changes[0]) == "新增 annual.indicators[3]：“运行成本/项目支出成本控制/差旅费控制率”，指标值 “≤3%”"


def test_removed_project_amounts_and_lists() -> None:
    old = filled_unit()
    new = edited(old)
    del new.projects[1]
    new.projects[0].fiscal = Decimal("25.00")
    new.functions.append("负责药品价格管理。")
    new.filled_on = None
    lines = [str(c) for c in diff_units(old, new)]
    assert lines == [
        "filled_on：“2024-11-20” → （空）",
        "新增 functions[2]：“负责药品价格管理。”",
        "projects[0].fiscal：“20.00” → “25.00”",
        "删除 projects[1]：项目 “项目2”，预算数 “30.00”",
    ]


def test_removed_rows_name_the_old_side_cell() -> None:
    old = filled_unit()
    new = edited(old)
    del new.long_term.indicators[0]
    changes = diff_units(old, new, old_cells={"long_term.indicators[0].level3": "附件!D24"}, new_cells={})
    assert changes == [
        Change("removed", "long_term.indicators[0]", old.long_term.indicators[0].model_dump(), None, "附件!D24")
    ]


def test_cli_diff_json_against_edited_workbook(tmp_path: Path) -> None:
    unit = base_unit()
    src = tmp_path / "unit.json"
    src.write_text(unit.to_json(), encoding="utf-8")
    wb = load(workbook(unit))
    ws = wb[DEPT]
    row, col = at(unit, "filler")
    ws.cell(row, col).value = "李四"
    value_row, _ = at(unit, "annual.indicators[0].value")
    insert_rows(ws, value_row + 1)
    ws.cell(value_row + 1, 4).value = "新增指标"
    book = tmp_path / "收回.xlsx"
    book.write_bytes(save(wb))
    result = CliRunner().invoke(main, ["diff", str(src), str(book)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"filler：“王丽娜” → “李四”（{DEPT}!B{row}）",
        f"新增 annual.indicators[1]：“运行成本/公用经费控制/新增指标”（{DEPT}!D{value_row + 1}）",
        "共 2 处差异",
    ]


def test_cli_diff_identical_exits_zero_and_says_so(tmp_path: Path) -> None:
    unit = base_unit()
    a, b = tmp_path / "a.json", tmp_path / "b.xlsx"
    a.write_text(unit.to_json(), encoding="utf-8")
    b.write_bytes(workbook(unit))
    result = CliRunner().invoke(main, ["diff", str(a), str(b)])
    assert (result.exit_code, result.stdout) == (0, "无差异\n")


def test_cli_diff_unreadable_side_exits_one(tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    a.write_text(base_unit().to_json(), encoding="utf-8")
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, ["diff", str(a), str(bad)])
    assert result.exit_code == 1
    assert result.stderr.startswith("错误：坏.xlsx：不是 xlsx 文件")
    assert result.stdout == ""
