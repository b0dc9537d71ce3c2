"""xlsgen units: unit files from the county's list (issue 14 §1)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlsgen import forms
from xlsgen.cli import main
from xlsgen.model import load_unit
from xlsgen.units import EXAMPLE_ROWS, apply_list, list_bytes, read_list

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_LIST = ROOT / "examples" / "单位清单.xlsx"


def _list(path: Path, rows: list[list[object]], title: str | None = None, sheet: str = "Sheet1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def run(*args: str):
    return CliRunner().invoke(main, ["units", *args])


def test_headers_by_name_any_order_variants_and_extra_columns(tmp_path: Path) -> None:
    lst = _list(
        tmp_path / "清单.xlsx",
        [
            ["备注", "部门名称", "联系电话", "单位代码", "主管单位", "年度", "联系人", "所在地区"],
            ["x", "甲县某局", 13000000000, 4501, "甲县政府", "2025年", "张三", "甲县"],
            ["y", "甲县某中心", "0000-0000000", "004502", "甲县某局", 2025, "", ""],
        ],
        title="甲县 2025 年预算单位清单",
    )
    result = run(str(lst), "-o", str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    first = load_unit(tmp_path / "data" / "4501-甲县某局.json")
    assert (first.code, first.name, first.parent, first.region, first.year, first.filler, first.phone) == (
        "4501", "甲县某局", "甲县政府", "甲县", 2025, "张三", "13000000000",
    )  # fmt: skip
    second = load_unit(tmp_path / "data" / "004502-甲县某中心.json")
    assert second.code == "004502" and second.phone == "0000-0000000" and second.filler == ""
    # The pre-printed skeleton, as `xlsgen new` writes it.
    assert [(r.level1, r.level2, r.level3) for r in second.annual.indicators] == forms.skeleton_rows()
    assert second.long_term.deadline == 2027
    assert "新建" in result.output and "新建 2" in result.output


def test_missing_and_duplicate_codes_are_located_other_rows_go_through(tmp_path: Path) -> None:
    lst = _list(
        tmp_path / "单位清单.xlsx",
        [
            ["单位编码", "单位名称", "预算年度"],
            ["1001", "甲局", 2025],
            ["1002", "乙局", 2025],
            ["", "丙局", 2025],
            ["1002", "丁局", 2025],
            ["1005", "戊局", 2025],
            ["1006", "", 2025],
        ],
    )
    result = run(str(lst), "-o", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert "单位清单.xlsx!A4" in result.output  # the row without a code
    assert "单位清单.xlsx!A3" in result.output and "单位清单.xlsx!A5" in result.output  # both duplicates
    assert "单位清单.xlsx!B7" in result.output  # no name
    made = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert made == ["1001-甲局.json", "1005-戊局.json"]


def test_a_property_longer_than_excel_allows_is_located_in_the_list(tmp_path: Path) -> None:
    lst = _list(
        tmp_path / "单位清单.xlsx",
        [
            ["单位编码", "单位名称", "主管部门", "所属地区", "预算年度"],
            ["1001", "甲局", "部" * 256, "甲县", 2025],
            ["1002", "乙局", "乙县政府", "😀" * 128, 2025],
            ["1003", "丙局", "部" * 255, "😀" * 127 + "县", 2025],  # 255 each: at the limit, taken
        ],
    )
    result = run(str(lst), "-o", str(tmp_path / "data"))
    assert result.exit_code == 1
    assert "单位清单.xlsx!C2：主管部门的文本有 256 个字符，超过 Excel 文档属性的上限 255 个字符" in result.output
    assert "单位清单.xlsx!D3：所属地区的文本有 256 个字符" in result.output
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["1003-丙局.json"]
    assert load_unit(tmp_path / "data" / "1003-丙局.json").parent == "部" * 255  # and valid for generate


def test_existing_files_keep_their_content_identity_updated(tmp_path: Path) -> None:
    data = tmp_path / "data" / "sub"
    data.mkdir(parents=True)
    lst = _list(
        tmp_path / "l.xlsx", [["单位编码", "单位名称", "预算年度", "联系电话"], ["7001", "旧名称局", 2025, "1"]]
    )
    assert run(str(lst), "-o", str(tmp_path / "data")).exit_code == 0
    made = tmp_path / "data" / "7001-旧名称局.json"
    moved = data / "mine.json"  # the bureau renamed and moved it: found by its code
    made.rename(moved)
    unit = load_unit(moved)
    unit.annual.indicators[0].value = "≤100%"
    unit.functions = ["负责某项工作。"]
    moved.write_text(unit.to_json(), "utf-8")

    lst = _list(tmp_path / "l.xlsx", [["单位名称", "单位编码", "预算年度", "联系电话"], ["新名称局", "7001", 2025, ""]])
    result = run(str(lst), "-o", str(tmp_path / "data"))
    assert result.exit_code == 0, result.output
    after = load_unit(moved)
    assert after.name == "新名称局" and after.phone == "1"  # blank cell keeps the file's value
    assert after.annual.indicators[0].value == "≤100%" and after.functions == ["负责某项工作。"]
    assert "更新" in result.output and "单位名称" in result.output
    assert sorted(p.name for p in (tmp_path / "data").rglob("*.json")) == ["mine.json"]

    again = run(str(lst), "-o", str(tmp_path / "data"))
    assert "未变化" in again.output and again.exit_code == 0


def test_a_file_of_another_year_is_left_alone(tmp_path: Path) -> None:
    lst = _list(tmp_path / "l.xlsx", [["单位编码", "单位名称", "预算年度"], ["7001", "某局", 2025]])
    run(str(lst), "-o", str(tmp_path / "data"))
    before = (tmp_path / "data" / "7001-某局.json").read_bytes()
    lst = _list(tmp_path / "l.xlsx", [["单位编码", "单位名称", "预算年度"], ["7001", "某局改名", 2026]])
    result = run(str(lst), "-o", str(tmp_path / "data"))
    assert result.exit_code == 1 and "rollover" in result.output and "l.xlsx!A2" in result.output
    assert (tmp_path / "data" / "7001-某局.json").read_bytes() == before


def test_year_from_option_and_bad_year_located(tmp_path: Path) -> None:
    lst = _list(tmp_path / "l.xlsx", [["单位编码", "单位名称", "预算年度"], ["1", "甲", None], ["2", "乙", "明年"]])
    result = run(str(lst), "-o", str(tmp_path / "d"), "--year", "2026")
    assert load_unit(tmp_path / "d" / "1-甲.json").year == 2026
    assert result.exit_code == 1 and "l.xlsx!C3" in result.output
    no_year = run(str(lst), "-o", str(tmp_path / "e"))
    assert "l.xlsx!C2" in no_year.output and "--year" in no_year.output


def test_not_a_list_and_hostile_files(tmp_path: Path) -> None:
    lst = _list(tmp_path / "l.xlsx", [["甲", "乙"], ["1", "2"]])
    result = run(str(lst), "-o", str(tmp_path / "d"))
    assert result.exit_code == 1 and "找不到单位清单的表头" in result.output and "Traceback" not in result.output
    # A workbook declaring a DTD (an XML bomb needs one) is refused before openpyxl parses it.
    good = io.BytesIO(list_bytes(EXAMPLE_ROWS))
    bomb = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bomb, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/workbook.xml":
                body = body.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)
            dst.writestr(info, body)
    (tmp_path / "bomb.xlsx").write_bytes(bomb.getvalue())
    result = run(str(tmp_path / "bomb.xlsx"), "-o", str(tmp_path / "d"))
    assert result.exit_code == 1 and "DTD" in result.output
    assert not (tmp_path / "d").exists()


def test_template_and_example_list(tmp_path: Path) -> None:
    result = run("--template", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 0, result.output
    sheet = read_list(tmp_path / "t.xlsx")
    assert sheet.rows == [] and sheet.sheet == "单位清单"
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [c.value for c in ws[1]] == [
        "单位编码",
        "单位名称",
        "主管部门",
        "所属地区",
        "预算年度",
        "填报人",
        "联系电话",
    ]
    assert ws.freeze_panes == "A2"
    assert run("--template", str(tmp_path / "t.xlsx")).exit_code == 1  # never overwritten
    # The shipped example list holds the demo county's units (and is what list_bytes writes).
    example = read_list(EXAMPLE_LIST)
    got = [
        tuple(r.values[f] for f in ("code", "name", "parent", "region", "year", "filler", "phone"))
        for r in example.rows
    ]
    assert got == [tuple(r) for r in EXAMPLE_ROWS]
    assert EXAMPLE_LIST.read_bytes() == list_bytes(EXAMPLE_ROWS), "regenerate examples/单位清单.xlsx"


def test_apply_list_api_reports_each_outcome(tmp_path: Path) -> None:
    sheet = read_list(EXAMPLE_LIST)
    first = apply_list(sheet, tmp_path)
    assert len(first.created) == len(EXAMPLE_ROWS) and not first.problems
    second = apply_list(sheet, tmp_path)
    assert len(second.unchanged) == len(EXAMPLE_ROWS) and not second.created and not second.updated
    for path, code, _ in first.created:
        assert json.loads(path.read_text("utf-8"))["code"] == code


@pytest.mark.parametrize("header", ["单位编号", "单位 编码", "单位编码*", "单位编码："])
def test_header_spellings(tmp_path: Path, header: str) -> None:
    lst = _list(tmp_path / "l.xlsx", [["部门（单位）名称", header, "预算年度"], ["某局", "88", 2025]])
    assert [r.values["code"] for r in read_list(lst).rows] == ["88"]
