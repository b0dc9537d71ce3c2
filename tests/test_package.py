"""The package writer (xlsgen/package.py) against xlsxwriter's public API: byte for byte."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings

from tests.conftest import filled_unit
from xlsgen import package, render
from xlsgen.demo import county_units
from xlsgen.errors import DataError
from xlsgen.model import Unit, load_unit
from xlsgen.sheet import Cell, Sheet

from .strategies import units

ROOT = Path(__file__).resolve().parent.parent
on_tested_versions = pytest.mark.skipif(
    not package.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version"
)


def public(unit: Unit, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> bytes:
    monkeypatch.setattr(render, "FAST", False)
    try:
        return render.workbook_bytes(unit, **kw)
    finally:
        monkeypatch.setattr(render, "FAST", True)


def packaged(unit: Unit, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[bytes, bool]:
    """The workbook through package.py, and whether package wrote it (or declined it)."""
    wrote: list[bool] = []
    real = package.form_workbook

    def spy(book: package.Book) -> bytes | None:
        data = real(book)
        wrote.append(data is not None)
        return data

    monkeypatch.setattr(package, "form_workbook", spy)
    try:
        return render.workbook_bytes(unit, **kw), wrote == [True]
    finally:
        monkeypatch.setattr(package, "form_workbook", real)


def examples() -> list[tuple[str, Unit]]:
    found = [(p.stem, load_unit(p)) for p in sorted((ROOT / "data").glob("*.json"))]
    return found + [(rel, unit) for rel, unit in county_units(16, seed=7)]


@on_tested_versions
@pytest.mark.parametrize(("name", "unit"), examples(), ids=lambda v: v if isinstance(v, str) else "")
def test_package_writes_the_public_paths_bytes(name: str, unit: Unit, monkeypatch: pytest.MonkeyPatch) -> None:
    for kw in ({}, {"lock": True}):
        data, wrote = packaged(unit, monkeypatch, **kw)
        assert wrote, "package declined an ordinary unit"
        assert data == public(unit, monkeypatch, **kw), kw


@on_tested_versions
@pytest.mark.parametrize(
    "sections",
    [
        {"funding": False},
        {"projects": False},
        {"overall_goals": False, "notes": False},
        {"funding": False, "projects": False, "overall_goals": False, "notes": False},
    ],
)
def test_without_sections(sections: dict[str, bool], monkeypatch: pytest.MonkeyPatch) -> None:
    unit = load_unit(ROOT / "data" / "阳新县卫生健康局.json")
    for lock in (False, True):
        data, wrote = packaged(unit, monkeypatch, sections=sections, lock=lock)
        assert wrote
        assert data == public(unit, monkeypatch, sections=sections, lock=lock)


AWKWARD = [
    "=1+1",  # text that looks like a formula stays text
    "=SUM(A1:A3)",
    'a < b & c > "d"',
    "制表符\t与控制符\x01\x1f",
    "_x0041_ 已转义的样子",
    "  前后空格  ",
    "\u3000全角空格开头",
    "结尾换行\n",
    "<r>像富文本</r>",
    "\ufffe\uffff",
    "𠀀𠮷😀",
    "\ue000私用区",
]


@on_tested_versions
def test_awkward_text(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = filled_unit()
    unit.functions = AWKWARD
    unit.tasks = list(reversed(AWKWARD))
    unit.filler = '=HYPERLINK("x")'
    unit.projects[0].name = "&<项目>\x02"
    for kw in ({}, {"lock": True}):
        data, wrote = packaged(unit, monkeypatch, **kw)
        assert wrote
        assert data == public(unit, monkeypatch, **kw)


@on_tested_versions
def test_awkward_properties(monkeypatch: pytest.MonkeyPatch) -> None:
    # The title, subject and custom properties come from the unit: escapes there too.
    unit = filled_unit()
    unit.name = "测试&<局>\x03_x0041_"
    unit.parent = '主管"部门"\n'
    unit.region = "\ue001"
    data, wrote = packaged(unit, monkeypatch)
    assert wrote
    assert data == public(unit, monkeypatch)


@on_tested_versions
def test_long_text_goes_through_xlsxwriter(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = filled_unit()
    unit.functions = ["长" * 20000]  # beyond half of Excel's limit: xlsxwriter's own handling
    data, wrote = packaged(unit, monkeypatch)
    assert not wrote
    assert data == public(unit, monkeypatch)


@on_tested_versions
def test_too_long_text_is_refused_in_the_same_words(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = filled_unit()
    unit.functions = ["长" * 40000]
    with pytest.raises(DataError) as fast:
        render.workbook_bytes(unit)
    monkeypatch.setattr(render, "FAST", False)
    with pytest.raises(DataError) as slow:
        render.workbook_bytes(unit)
    assert str(fast.value) == str(slow.value)
    assert "32767" in str(fast.value)


def test_untested_xlsxwriter_takes_the_xlsxwriter_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxwriter, "__version__", "0.0.1")
    assert not package.enabled()
    data, wrote = packaged(filled_unit(), monkeypatch)
    assert wrote is False
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_container_is_checked_against_zipfile(monkeypatch: pytest.MonkeyPatch) -> None:
    assert package._container_matches_zipfile()
    # A zipfile that writes differently (another Python) turns the writer off.
    monkeypatch.setattr(package, "_container_ok", None)
    monkeypatch.setattr(package, "_RW", 0o644 << 16)
    assert not package._container_matches_zipfile()
    assert not package.enabled()


@on_tested_versions
def test_container_reads_back(monkeypatch: pytest.MonkeyPatch) -> None:
    data, _ = packaged(filled_unit(), monkeypatch)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[0] == "[Content_Types].xml" and "xl/worksheets/sheet1.xml" in names
    assert all(
        i.date_time == (1980, 1, 1, 0, 0, 0) and i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist()
    )


@on_tested_versions
def test_same_unit_same_bytes_whatever_came_before(monkeypatch: pytest.MonkeyPatch) -> None:
    # Caches (skeletons, blank runs, property templates) carry nothing from one unit to the next.
    unit = filled_unit()
    first, _ = packaged(unit, monkeypatch)
    for _, other in county_units(3, seed=11):
        render.workbook_bytes(other, sections={"funding": False}, lock=True)
    again, _ = packaged(unit, monkeypatch)
    assert again == first == public(unit, monkeypatch)


@on_tested_versions
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(unit=units(max_projects=6))
def test_fuzzed_units(unit: Unit, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        expected = public(unit, monkeypatch)
    except DataError:
        return  # refused (text over Excel's limit): test_too_long_text_is_refused_in_the_same_words
    data, _ = packaged(unit, monkeypatch)
    assert data == expected


def _sheet(name: str) -> Sheet:
    """A sheet no template makes: odd widths and heights, cells past the heights, every value type."""
    cells = [
        Cell(0, 0, 0, 3, "标题", "title"),
        Cell(1, 0, 2, 0, "跨两行", "label"),
        Cell(1, 1, 1, 1, "12.5", "money", field="f.a"),
        Cell(1, 2, 1, 2, "0.25", "ratio", field="f.b"),
        Cell(1, 3, 1, 3, "87.5", "pct"),
        Cell(2, 1, 2, 1, "", "money_total", formula="SUM({f.a},{f.b})"),
        Cell(2, 2, 2, 3, "", "input", list="basis", list_style="warning"),
        Cell(3, 1, 3, 1, "", "input", list="kind"),
        Cell(3, 2, 3, 2, "其他", "input_c", list="kind"),
        Cell(4, 0, 4, 0, "  前后空格 ", "notes"),
        Cell(7, 0, 8, 5, "超出行高与列宽", "notes"),  # beyond the heights and widths below
        Cell(20, 1, 20, 1, "-3.5", "money_in"),
    ]
    return Sheet(
        name=name,
        template="dept_overall",
        version="1",
        widths=[12.0, 0.5, 0.0, 8.43],
        cells=cells,
        n_rows=6,
        breaks=[0, 4, 4, 2],
        repeat_rows=(1, 2),
        heights=[20.25, 0.0, 15.0, 30.75, 99.75, 0.1],
    )


@on_tested_versions
def test_sheets_no_template_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "build", lambda unit, sections=None: [_sheet("甲表"), _sheet("乙 表")])
    unit = filled_unit()
    for lock in (False, True):
        data, wrote = packaged(unit, monkeypatch, lock=lock)
        assert wrote
        assert data == public(unit, monkeypatch, lock=lock)


@on_tested_versions
def test_overlapping_cells_go_through_xlsxwriter(monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = _sheet("甲表")
    sheet.cells.append(Cell(4, 0, 4, 1, "盖住一格", "notes"))  # over the cell at (4, 0)
    monkeypatch.setattr(render, "build", lambda unit, sections=None: [sheet])
    data, wrote = packaged(filled_unit(), monkeypatch)
    assert not wrote
    monkeypatch.setattr(render, "PACKAGE", False)
    assert data == render.workbook_bytes(filled_unit())  # what fastsheet writes for it
