"""Printed pages read like the official form (issue 12 §3), checked on the planned layout.

Each page holding indicator rows starts with its table's column headers and shows the 一级/二级 label of
every row on it; no page holds a table's first or last row alone, nor 填报说明 alone; the round trip
stays exact and the formulas still point at their cells. ``test_office.py`` checks that LibreOffice
prints exactly these pages.
"""

from __future__ import annotations

import io
import itertools
import re
from pathlib import Path

import openpyxl
import pytest

from xlsgen.layout import Sheet, build, column_px, fit_heights, needed_height
from xlsgen.model import Unit, load_unit, new_unit
from xlsgen.read import read_bytes
from xlsgen.render import workbook_bytes

from .conftest import EXAMPLES, filled_unit
from .xlsx_edit import comparable

# The column headers of each indicator table, typed from forms.md §1 and §2.
LONG_HEAD = {"一级指标", "二级指标", "三级指标", "指标值", "指标值确定依据", "指标分类"}
PROJECT_HEAD = {"一级指标", "二级指标", "三级指标", "绩效指标描述", "指标值", "指标值确定依据"}
SIDE = {"long_term": "长期绩效指标", "annual": "年度绩效指标"}
ROW = re.compile(r"^(long_term|annual|projects\[\d+\])\.indicators\[(\d+)\]\.level3$")


def annual_head(year: int) -> set[str]:
    return LONG_HEAD | {"近两年指标值", "预期当年实现值", f"{year - 2}年", f"{year - 1}年"}


def pages(sheet: Sheet) -> list[range]:
    edges = [0, *sheet.breaks, sheet.n_rows]
    return [range(a, b) for a, b in itertools.pairwise(edges)]


def cover(sheet: Sheet) -> dict[tuple[int, int], object]:
    return {
        (r, c): cell
        for cell in sheet.cells
        for r in range(cell.row, cell.last_row + 1)
        for c in range(cell.col, cell.last_col + 1)
    }


def indicator_rows(sheet: Sheet) -> dict[str, list[tuple[int, int]]]:
    """table → [(printed row, indicator index)] in print order."""
    out: dict[str, list[tuple[int, int]]] = {}
    for cell in sheet.cells:
        if cell.field and (m := ROW.match(cell.field)):
            out.setdefault(m.group(1), []).append((cell.row, int(m.group(2))))
    return {k: sorted(v) for k, v in out.items()}


def indicators(unit: Unit, table: str) -> list:
    if table in SIDE:
        return getattr(unit, table).indicators
    return unit.projects[int(table[9:-1])].indicators


def check_pages(unit: Unit, sheet: Sheet) -> int:
    """Assert the page properties of one laid-out sheet; returns how many pages continue a table."""
    at = cover(sheet)
    fields = sheet.by_field()
    continued = 0
    for table, rows in indicator_rows(sheet).items():
        head = PROJECT_HEAD if table not in SIDE else annual_head(unit.year) if table == "annual" else LONG_HEAD
        level1_col = fields[f"{table}.indicators[0].level1"].col
        level2_col = fields[f"{table}.indicators[0].level2"].col
        items = indicators(unit, table)
        for n, page in enumerate(pages(sheet), 1):
            mine = [(r, i) for r, i in rows if r in page]
            if not mine:
                continue
            where = f"{sheet.name} page {n} ({table})"
            above = {at[(r, c)].value for r in range(page.start, mine[0][0]) for c in range(len(sheet.widths))}
            assert head <= above, f"{where}: no column headers above its first row, missing {head - above}"
            if table in SIDE:
                side = at[(mine[0][0], 0)]
                assert side.value == SIDE[table] and side.row in page, f"{where}: side label not on the page"
            for r, i in mine:
                for col, name in ((level1_col, "level1"), (level2_col, "level2")):
                    label = at[(r, col)]
                    assert label.row in page, f"{where}: row {r + 1}'s {name} label is printed on another page"
                    assert label.value == getattr(items[i], name), f"{where}: row {r + 1} shows {label.value!r}"
            if len(rows) >= 2:
                assert len(mine) >= 2, f"{where}: a page holds one row of the table alone"
            continued += rows[0][0] not in page
    notes = sheet.sections.get("notes")
    if notes is not None:
        page = next(p for p in pages(sheet) if notes in p)
        assert page.start < notes, f"{sheet.name}: 填报说明 starts a page, away from the rows it explains"
    return continued


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_page_of_the_examples_reads_like_the_official_form(path: Path) -> None:
    unit = load_unit(path)
    continued = sum(check_pages(unit, sheet) for sheet in build(unit))
    assert continued >= 1  # every example has a table crossing a page: the checks above did bite


def test_a_blank_form_and_one_without_notes_keep_the_page_rules() -> None:
    blank = new_unit("450001", "测试县测试局", 2025)
    assert sum(check_pages(blank, sheet) for sheet in build(blank)) >= 1
    unit = filled_unit()
    dept = build(unit, {"notes": False})[0]
    assert "notes" not in dept.sections
    assert not any(c.value.startswith("填报说明") for c in dept.cells)
    check_pages(unit, dept)


def test_a_group_cut_by_a_page_break_is_printed_again_and_read_back_as_one() -> None:
    unit = load_unit(next(p for p in EXAMPLES if p.stem == "阳新县医疗保障局"))
    dept = build(unit)[0]
    split = [c for c in dept.cells if c.value and c.field is None and c.split]
    assert split, "the example no longer has a group cut by a page break"
    assert any(c.value == "年度绩效指标" for c in split)  # the side label is printed again too
    imported = read_bytes(workbook_bytes(unit), "u.xlsx")
    assert comparable(imported.unit) == comparable(unit)
    assert imported.warnings == []


def test_formulas_point_at_their_cells_after_the_inserted_header_rows() -> None:
    unit = filled_unit()
    first = unit.projects[0]
    # A first project whose indicator table crosses a page: header rows are inserted above the next one.
    first.indicators = [r.model_copy(update={"level3": f"{r.level3}{n}"}) for n in range(6) for r in first.indicators]
    sheet = build(unit)[1]
    copies = [c.row for c in sheet.cells if c.value == "绩效指标描述"]
    assert len(copies) > len(unit.projects), "no header rows were inserted"
    data = workbook_bytes(unit)
    cells = read_bytes(data, "u.xlsx").cells  # found by the printed labels, not by the layout
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet.name]
    for i in range(len(unit.projects)):
        budget = cells[f"projects[{i}].budget"].split("!")[1]
        parts = [cells[f"projects[{i}].{n}"].split("!")[1] for n in ("fiscal", "other")]
        assert ws[budget].value == f"={parts[0]}+{parts[1]}", i
    assert ws[cells["projects[1].budget"].split("!")[1]].row > copies[1] + 1  # below an inserted header


def test_a_blank_form_leaves_room_for_a_typical_entry() -> None:
    # Entries a unit types into a blank form, written like those of the example units.
    typed = {
        "level3": "参保人员住院费用报销率",
        "value": "≥100%",
        "prev2": "≥95%",
        "basis": "预算支出标准",
        "kind": "绩效创新型",
        "description": "年度内完成县级配套资金拨付",
    }
    blank = new_unit("450001", "测试县测试局", 2025)
    checked = 0
    for sheet in build(blank):
        px = [column_px(w) for w in sheet.widths]
        for cell in sheet.cells:
            leaf = (cell.field or "").rsplit(".", 1)[-1]
            if cell.value or leaf not in typed:
                continue
            need = needed_height(typed[leaf], sum(px[cell.col : cell.last_col + 1]), 10)
            room = sum(sheet.heights[cell.row : cell.last_row + 1])
            assert need <= room, f"{sheet.name} {cell.field}: {need:.1f}pt needed, {room:.1f}pt given"
            checked += 1
    assert checked > 100
    # And the room is kept for the blank rows only: the same row filled in is fitted to its own text.
    filled = build(filled_unit())[0]
    before = list(filled.heights)
    fit_heights(filled)
    assert filled.heights == before


@pytest.mark.parametrize("where", ["projects", "annual", "long_term"])
def test_a_row_taller_than_a_page_still_paginates_and_reads_back(where: str) -> None:
    unit = filled_unit()
    rows = unit.projects[0].indicators if where == "projects" else getattr(unit, where).indicators
    rows[0].value = "很长的指标值" * 900  # first row of its table: no page holds it with the header
    sheets = build(unit)
    assert all(len(set(s.breaks)) == len(s.breaks) == len(pages(s)) - 1 for s in sheets)
    imported = read_bytes(workbook_bytes(unit), "u.xlsx")
    assert comparable(imported.unit) == comparable(unit)


def test_planning_pages_without_the_fit_measures_the_cells_as_fit_heights_does() -> None:
    from xlsgen import demo
    from xlsgen.layout import TEMPLATES, markup, parse
    from xlsgen.pages import plan_pages

    units = [load_unit(p) for p in EXAMPLES] + [u for _, u in demo.county_units(6, 3, 2025, 12)]
    grown = 0
    for unit in [*units, new_unit("450001", "测试县测试局", 2025)]:
        for name in TEMPLATES[: 1 + bool(unit.projects)]:
            given, measured = parse(markup(name, unit)), parse(markup(name, unit))
            rows = given.n_rows
            plan_pages(given, fit_heights(given))
            fit_heights(measured)
            plan_pages(measured)
            assert given == measured
            grown += given.n_rows > rows
    assert grown >= 3  # headers were repeated: rows were refitted after a break
