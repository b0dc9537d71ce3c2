"""The fast writer (xlsgen/fastsheet.py) against xlsxwriter's public API: byte for byte."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.conftest import filled_unit
from xlsgen import fastsheet, render
from xlsgen.demo import county_units
from xlsgen.model import Unit, load_unit
from xlsgen.xlsx import FIXED_DATE, new_workbook

ROOT = Path(__file__).resolve().parent.parent


def both(unit: Unit, monkeypatch: pytest.MonkeyPatch, **kw) -> tuple[bytes, bytes]:
    monkeypatch.setattr(render, "PACKAGE", False)  # fastsheet's path, not package.py's (tests/test_package.py)
    monkeypatch.setattr(render, "FAST", True)
    fast = render.workbook_bytes(unit, **kw)
    monkeypatch.setattr(render, "FAST", False)
    public = render.workbook_bytes(unit, **kw)
    return fast, public


def examples() -> list[tuple[str, Unit]]:
    units = [(p.stem, load_unit(p)) for p in sorted((ROOT / "data").glob("*.json"))]
    units += [(rel, unit) for rel, unit in county_units(12, seed=5)]
    return units


@pytest.mark.skipif(not fastsheet.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version")
@pytest.mark.parametrize(("name", "unit"), examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_fast_path_writes_the_public_paths_bytes(name: str, unit: Unit, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, public = both(unit, monkeypatch)
    assert fast == public


@pytest.mark.skipif(not fastsheet.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version")
def test_awkward_text_locked_and_without_sections(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = filled_unit()
    awkward = [
        "=1+1",  # text that looks like a formula stays text
        'a < b & c > "d"',
        "制表符\t与控制符\x01\x1f",
        "_x0041_ 已转义的样子",
        "  前后空格  ",
        "长" * 20000,  # beyond half of Excel's limit: the public call handles it
        "\ufffe",
    ]
    unit.functions = awkward
    unit.tasks = list(reversed(awkward))
    for kw in ({}, {"lock": True}, {"sections": {"funding": False, "projects": False}}):
        fast, public = both(unit, monkeypatch, **kw)
        assert fast == public, kw


def test_untested_xlsxwriter_takes_the_public_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxwriter, "__version__", "0.0.1")
    assert fastsheet.worksheet_class() is None
    monkeypatch.setattr(render, "PACKAGE", False)
    used = []
    real = xlsxwriter.worksheet.Worksheet.merge_range

    def spy(self, *a, **kw):
        used.append(a)
        return real(self, *a, **kw)

    monkeypatch.setattr(xlsxwriter.worksheet.Worksheet, "merge_range", spy)
    render.workbook_bytes(filled_unit())
    assert used, "the public API was not used"


@pytest.mark.skipif(not fastsheet.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version")
def test_fast_worksheet_falls_back_for_cells_it_does_not_know() -> None:
    def book(cls: type | None) -> bytes:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        wb.set_properties({"created": FIXED_DATE})  # not "now": the two books may straddle a second
        bold = wb.add_format({"bold": True})
        ws = wb.add_worksheet("x", worksheet_class=cls)
        ws.write_rich_string(0, 0, "a", bold, "b", "c")
        ws.write_boolean(0, 1, True, bold)
        ws.write_formula(0, 2, '="a"&"b"', bold, "ab")
        ws.write_formula(0, 3, "=1=1", None, True)
        ws.write_array_formula(1, 0, 1, 0, "{=SUM(A1:B1*2)}", bold, 2)
        ws.write_number(1, 1, 1.5)  # no format
        ws.write_string(1, 2, "x", bold)
        ws.set_row(4, 30)  # a row with a height only
        ws.write_comment(6, 0, "注")
        ws.merge_range(8, 0, 9, 3, "合并", bold)
        ws.write_url(10, 0, "https://example.com", bold)
        ws.write_formula(2, 0, "=XLOOKUP(1,A1:A3,B1:B3)", bold, 0)  # _xlfn. prefixes
        ws.write_formula(2, 1, "=STDEV.S(A1:A3)+SUM(B1:B3)", bold, 0)
        ws.write_formula(2, 2, "=IF(A1<2,ROUND(A2,1),0)", bold, 1.5)
        ws.write_dynamic_array_formula(3, 0, 3, 0, "=FILTER(A1:A3,A1:A3>0)", bold, 0)
        ws.data_validation(5, 0, 5, 1, {"validate": "list", "source": "=$A$1:$A$3"})
        ws.data_validation(5, 2, 5, 2, {"validate": "custom", "value": "=AND(ISNUMBER(C6),C6>0)"})
        ws.write_datetime(11, 0, __import__("datetime").datetime(2024, 1, 2), wb.add_format({"num_format": "yyyy"}))
        wb.close()
        return buf.getvalue()

    assert book(fastsheet.FastWorksheet) == book(None)


@pytest.mark.skipif(not fastsheet.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version")
def test_summary_workbook_is_the_same_through_the_fast_worksheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsgen import bulk, summary
    from xlsgen.demo import write_county

    data = tmp_path / "data"
    write_county(4, data, seed=2, max_projects=3)
    (data / "坏.json").write_text("{", "utf-8")  # a failed unit: its problem rows too
    report = bulk.run(data, tmp_path / "out", jobs=1, summary=False)
    fast = summary.summary_bytes(report.outcomes)
    monkeypatch.setattr(xlsxwriter, "__version__", "0.0.1")
    assert fastsheet.worksheet_class() is None
    assert summary.summary_bytes(report.outcomes) == fast


@pytest.mark.skipif(not fastsheet.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version")
def test_placed_rows_are_the_bytes_of_writing_each_string() -> None:
    """place_rows against write_string cell by cell: shared strings shared with another sheet, blanks,
    an empty row, a text past Excel's limit (cut as write_string cuts it), heights, far columns."""
    long = "指" * 20_000 + "😀" * 7_000  # 34000 UTF-16 units: cut to 32767
    rows = [
        ("A", "", "共用"),
        ("", "", ""),
        ("", "B", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "远"),
        (long, "A", "=1+1"),
        ("<&>\"'", "_x000D_", "A"),
    ]

    def book(placed: bool) -> bytes:
        buf = io.BytesIO()
        wb = new_workbook(buf, "t")
        fmt, head = wb.add_format({"text_wrap": True}), wb.add_format({"bold": True})
        first = wb.add_worksheet("一", worksheet_class=fastsheet.FastWorksheet)
        first.write_string(0, 0, "共用", head)
        ws = wb.add_worksheet("二", worksheet_class=fastsheet.FastWorksheet)
        ws.write_string(0, 0, "表头", head)
        if placed:
            fastsheet.place_rows(ws, 3, rows, fmt)
        else:
            for r, values in enumerate(rows, 3):
                for c, value in enumerate(values):
                    if value:
                        ws.write_string(r, c, value, fmt)
        ws.set_row(6, 40)
        ws.set_row(4, 30)  # the empty row: a height alone
        ws.autofilter(0, 0, 7, 26)
        wb.close()
        return buf.getvalue()

    placed = book(True)
    assert placed == book(False)
    sheet = openpyxl.load_workbook(io.BytesIO(placed))["二"]
    assert sheet["A4"].value == "A" and sheet["AA6"].value == "远" and sheet["C7"].value == "=1+1"
    units = len(sheet["A7"].value.encode("utf-16-le")) // 2
    assert 32760 < units <= 32767  # cut at Excel's limit, never inside an emoji's surrogate pair
