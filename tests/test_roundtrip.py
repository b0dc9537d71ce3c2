"""The exact round trip (issue 4 §2): import(generate(u)) == u, and regenerating gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from xlsgen import forms
from xlsgen.grid import engines
from xlsgen.layout import a1, build
from xlsgen.model import ProjectIndicator, Unit, load_unit
from xlsgen.read import read_bytes
from xlsgen.render import workbook_bytes

from .conftest import EXAMPLES, filled_unit
from .strategies import units
from .xlsx_edit import comparable, said, workbook

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def _assert_same(unit, imported) -> None:
    want, got = comparable(unit), comparable(imported.unit)
    # Field by field first, so a failure names the part that differs rather than dumping two units.
    for name in want:
        assert got[name] == want[name], name
    assert got == want


@SETTINGS
@given(units())
def test_import_of_generate_is_identity(unit) -> None:
    imported = read_bytes(workbook(unit), "u.xlsx")
    _assert_same(unit, imported)
    assert said(imported) == [] or all("上级指标为空" in w for w in said(imported))


@settings(SETTINGS, max_examples=12)
@given(units(max_projects=3))
def test_openpyxl_engine_reads_the_same(unit) -> None:
    # The reference library must agree with the fast one on whatever the units hold.
    data = workbook(unit)
    via_openpyxl = read_bytes(data, "u.xlsx", engine="openpyxl")
    _assert_same(unit, via_openpyxl)
    if "calamine" in engines():
        assert read_bytes(data, "u.xlsx", engine="calamine").cells == via_openpyxl.cells


@settings(SETTINGS, max_examples=25)
@given(units(max_projects=4))
def test_regenerating_the_import_gives_the_same_bytes(unit) -> None:
    first = workbook_bytes(unit)
    again = workbook_bytes(read_bytes(workbook(unit), "u.xlsx").unit)
    assert again == first


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("engine", engines())
def test_examples_round_trip(path: Path, engine: str) -> None:
    unit = load_unit(path)
    imported = read_bytes(workbook(unit), path.stem + ".xlsx", engine=engine)
    _assert_same(unit, imported)
    assert said(imported) == []
    assert workbook_bytes(imported.unit) == workbook_bytes(unit)


def test_cells_name_where_the_layout_printed_each_field() -> None:
    """Every field cell of the layout is reported at its own address (the oracle is the layout, not the reader)."""
    unit = filled_unit()
    imported = read_bytes(workbook(unit), "u.xlsx")
    expected = {}
    for sheet in build(unit):
        for cell in sheet.cells:
            if cell.field is None or cell.field.endswith(".heading"):
                continue
            paths = [cell.field]
            if cell.field.endswith(".unit_line"):
                base = cell.field.removesuffix(".unit_line")
                paths = [f"{base}.unit_code", f"{base}.unit_name"]
            for path in paths:
                # 附件1 and the project sheet both print a project's name and budget: the project sheet's
                # cell is reported. A field printed twice on one sheet (the budget year in four headers,
                # the deadline in two) is reported where it is printed first.
                if (
                    sheet.name == forms.DEPT_SHEET
                    and path.startswith("projects[")
                    and path.endswith((".name", ".budget"))
                ):
                    continue
                expected.setdefault(path, f"{sheet.name}!{a1(cell.row, cell.col)}")
    for path, where in expected.items():
        assert imported.cells.get(path) == where, path
    assert len(expected) > 400  # the oracle did cover the whole unit


def test_empty_rows_ending_the_last_table_of_the_sheet() -> None:
    # Found by hand: rows printing nothing but the merge they sit in, at the very end of the project sheet,
    # lie below the last cell holding a value; the sheet still reaches down to them through the merge.
    unit = filled_unit()
    unit.projects[1].indicators += [
        ProjectIndicator(level1="满意度指标", level2="服务对象满意度指标"),
        ProjectIndicator(level1="满意度指标", level2="服务对象满意度指标"),
    ]
    unit = Unit.model_validate(unit.model_dump())
    for engine in engines():
        _assert_same(unit, read_bytes(workbook(unit), "u.xlsx", engine=engine))


def test_render_writes_identity_properties() -> None:
    # Without them a unit's 单位编码 (when no project prints it), 主管部门, 所属地区 and project tree
    # cannot come back from the workbook.
    unit = filled_unit().model_copy(update={"parent": "某主管部门", "region": "某县", "project_tree": "cost_first"})
    unit.projects = []
    imported = read_bytes(workbook_bytes(unit), "u.xlsx")
    assert (imported.unit.code, imported.unit.parent, imported.unit.region, imported.unit.project_tree) == (
        "450099",
        "某主管部门",
        "某县",
        "cost_first",
    )


def test_a_label_of_only_a_full_width_space_is_a_value() -> None:
    # Found by Hypothesis: the only text of a project's one indicator row was "\u3000"; as a label key it
    # is empty, which once made the row look like part of the header.
    unit = filled_unit()
    unit.projects[1].indicators = [ProjectIndicator(level1="\u3000", level2="")]
    unit = Unit.model_validate(unit.model_dump())
    for engine in engines():
        _assert_same(unit, read_bytes(workbook(unit), "u.xlsx", engine=engine))
