"""Real-client checks (issues 5 and 12): LibreOffice prints, recalculates, follows an edit, and a unit
adds and removes indicator rows in it (driven through UNO) without breaking the form or the import.

CI installs LibreOffice and python3-uno; without them these tests are skipped locally with the reason,
never in CI.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlsgen import forms
from xlsgen.layout import build, page_count
from xlsgen.model import load_unit
from xlsgen.render import generate

from .conftest import EXAMPLES
from .office import convert, needs_soffice, needs_uno, pdf_pages, pdf_text, profile

pytestmark = needs_soffice
A4 = (595.3, 841.9)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Every example unit as workbook and LibreOffice PDF, converted once for the module."""
    root = tmp_path_factory.mktemp("print")
    prof = profile(root / "profile")
    out = {}
    for path in EXAMPLES:
        xlsx = generate(load_unit(path), root / "xlsx")
        out[path.stem] = (xlsx, convert(xlsx, "pdf", root / "pdf", prof))
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_prints_on_a4_portrait_with_the_planned_pages(printed, path: Path) -> None:
    _, pdf = printed[path.stem]
    sizes = pdf_pages(pdf)
    planned = sum(page_count(s) for s in build(load_unit(path)))
    # One page wide: a table wider than the paper would add pages beside the planned ones.
    assert len(sizes) == planned, f"LibreOffice printed {len(sizes)} pages, the plan says {planned}"
    assert all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_page_has_footer_and_repeated_header(printed, path: Path) -> None:
    _, pdf = printed[path.stem]
    pages = pdf_text(pdf).split("\f")[:-1]
    unit = load_unit(path)
    for n, page in enumerate(pages, 1):
        assert re.search(rf"第\s*{n}\s*页\s*共\s*{len(pages)}\s*页", page), f"page {n} has no footer"
    dept_pages = page_count(build(unit)[0])
    for n, page in enumerate(pages[:dept_pages], 1):
        assert "部门整体绩效目标申报表" in page.replace(" ", ""), f"page {n} lost the repeated title"


def test_project_blocks_start_on_new_pages(printed) -> None:
    unit = load_unit(next(p for p in EXAMPLES if p.stem == "怀来县医疗保障局"))
    _, pdf = printed["怀来县医疗保障局"]
    pages = [p.replace(" ", "") for p in pdf_text(pdf).split("\f")[:-1]]
    first = page_count(build(unit)[0])
    starts = [i for i, p in enumerate(pages[first:]) if re.search(r"^\s*\d+\.", p)]
    assert len(starts) >= 1
    for i, project in enumerate(unit.projects, 1):
        heading = f"{i}.{project.name}"[:12].replace(" ", "")
        owner = [n for n, page in enumerate(pages[first:]) if heading in page]
        assert owner, f"heading of project {i} not printed"
        top = pages[first + owner[0]].lstrip().splitlines()[0]
        assert top.startswith(f"{i}."), f"project {i} does not start its page: {top[:30]}"


def formula_values(data: bytes) -> dict[tuple[str, str], float]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    out[(ws.title, c.coordinate)] = cached[ws.title][c.coordinate].value
    return out


def test_libreoffice_recalculation_equals_cached_values(tmp_path: Path) -> None:
    path = next(p for p in EXAMPLES if p.stem == "怀来县医疗保障局")
    xlsx = generate(load_unit(path), tmp_path / "in")
    ours = formula_values(xlsx.read_bytes())
    assert len(ours) > 20
    again = convert(xlsx, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out", profile(tmp_path / "p", recalc=True))
    theirs = formula_values(again.read_bytes())
    for key, value in ours.items():
        assert theirs[key] == pytest.approx(value, abs=1e-9), key


def test_totals_follow_an_edit_after_recalculation(tmp_path: Path) -> None:
    path = next(p for p in EXAMPLES if p.stem == "怀来县医疗保障局")
    unit = load_unit(path)
    xlsx = generate(unit, tmp_path / "in")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb[forms.DEPT_SHEET]
    row = next(c.row for c in ws["C"] if c.value == "财政拨款")
    ws.cell(row, 4).value = 1000.0  # 财政拨款 当年金额
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    again = convert(edited, "xlsx:Calc MS Excel 2007 XML", tmp_path / "out", profile(tmp_path / "p", recalc=True))
    ws2 = openpyxl.load_workbook(again, data_only=True)[forms.DEPT_SHEET]
    inc = unit.funding.income
    total = Decimal("1000") + inc.special.current + inc.own.current
    assert ws2.cell(row + 3, 4).value == pytest.approx(float(total))
    assert ws2.cell(row, 5).value == pytest.approx(float(Decimal("1000") / total))
    assert ws2.cell(row + 1, 5).value == pytest.approx(float(inc.special.current / total))
    assert ws2.cell(row + 3, 5).value == pytest.approx(1.0)


# ---------------------------------------------------------------- editing in LibreOffice (issue 12 §1–2)


def _inner(rows: list) -> list[int]:
    """Indices whose row shares 一级/二级 with the row above: rows inside a merged group."""
    return [
        i for i in range(1, len(rows)) if (rows[i].level1, rows[i].level2) == (rows[i - 1].level1, rows[i - 1].level2)
    ]


@needs_uno
def test_libreoffice_adds_and_removes_indicator_rows_and_import_reads_the_edited_unit(tmp_path: Path) -> None:
    from xlsgen.read import read_workbook

    from .office import uno_edit
    from .xlsx_edit import comparable

    unit = load_unit(next(p for p in EXAMPLES if p.stem == "阳新县医疗保障局"))
    xlsx = generate(unit, tmp_path / "in")
    dept, project = build(unit)
    at = {
        **{k: (dept.name, c) for k, c in dept.by_field().items()},
        **{k: (project.name, c) for k, c in project.by_field().items()},
    }
    expected = unit.model_copy(deep=True)
    sets: list[list] = []  # typed into existing cells: original coordinates, so done first
    rows: list[tuple[str, int, str, list[list]]] = []  # (sheet, original row, insert/delete, cells to type)

    def typed(path: str, text: str) -> None:
        sheet, cell = at[path]
        sets.append(["text", sheet, cell.row, cell.col, text])

    def insert(table: str, rows_: list, i: int, new, fields: tuple[str, ...]) -> None:
        """A row inserted above indicator i (inside its group), filled like its neighbour's fields."""
        sheet, anchor = at[f"{table}[{i}].level3"]
        cells = [["text", sheet, anchor.row, at[f"{table}[{i}].{f}"][1].col, getattr(new, f)] for f in fields]
        rows.append((sheet, anchor.row, "insert", cells))
        rows_.insert(i, new)

    def delete(table: str, rows_: list, i: int) -> None:
        sheet, anchor = at[f"{table}[{i}].level3"]
        rows.append((sheet, anchor.row, "delete", []))
        del rows_[i]

    # Values typed over the generated ones.
    typed("annual.indicators[0].value", "≤99%")
    expected.annual.indicators[0].value = "≤99%"
    typed("projects[0].indicators[0].value", "≥12 人次")
    expected.projects[0].indicators[0].value = "≥12 人次"
    sheet, cell = at["funding.income.fiscal.current"]
    sets.append(["number", sheet, cell.row, cell.col, 1234.5])
    expected.funding.income.fiscal.current = Decimal("1234.50")

    # Rows added and removed, bottom-up in each list so that the indices below stay the list's own.
    lt, an = expected.long_term.indicators, expected.annual.indicators
    p0, pl = expected.projects[0].indicators, expected.projects[-1].indicators
    delete(f"projects[{len(expected.projects) - 1}].indicators", pl, len(pl) - 1)  # a table's last row
    i = _inner(p0)[0]
    new_p = p0[i].model_copy(update={"level3": "新增项目指标", "description": "新增项目指标说明", "value": "≥3 次"})
    insert("projects[0].indicators", p0, i, new_p, ("level3", "description", "value", "basis"))
    inner = _inner(an)
    first, middle, last = inner[0], inner[len(inner) // 2], inner[-1]  # last: the table's last group's end
    assert first < middle < last
    new_last = an[last].model_copy(
        update={"level3": "新增年度指标乙", "prev2": "≥90%", "prev1": "≥91%", "value": "≥92%", "basis": forms.BASIS[0]}
    )
    insert("annual.indicators", an, last, new_last, ("level3", "prev2", "prev1", "value", "basis", "kind"))
    delete("annual.indicators", an, middle)
    new_a = an[first].model_copy(update={"level3": "新增年度指标甲", "prev2": "80%", "prev1": "85%", "value": "≥90%"})
    insert("annual.indicators", an, first, new_a, ("level3", "prev2", "prev1", "value", "basis", "kind"))
    delete("long_term.indicators", lt, len(lt) - 1)  # the table's last row
    i = _inner(lt)[0]
    new_l = lt[i].model_copy(update={"level3": "新增长期指标", "value": "≥95%"})
    insert("long_term.indicators", lt, i, new_l, ("level3", "value", "basis", "kind"))

    ops = list(sets)
    for sheet, row, kind, cells in sorted(rows, key=lambda x: (x[0], -x[1])):  # bottom-up per sheet
        ops.append([kind, sheet, row])
        ops.extend(cells)
    saved = uno_edit(xlsx, tmp_path / "edited.xlsx", ops, tmp_path / "lo")

    imported = read_workbook(saved)
    want, got = comparable(expected), comparable(imported.unit)
    for name in want:
        assert got[name] == want[name], name

    # The saved file's merges: every indicator row's 一级/二级 cell is its group's merge (or its own
    # labelled cell), so the printed groups stay whole, and the inserted rows are bordered like the rest.
    book = openpyxl.load_workbook(saved)
    for sheet_name, tables in ((dept.name, ("long_term", "annual")), (project.name, ("projects",))):
        ws = book[sheet_name]
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        paths = [p for p in imported.cells if p.endswith(".level3") and p.split(".")[0].split("[")[0] in tables]
        assert paths
        for path in paths:
            row = ws[imported.cells[path].split("!")[1]].row
            level = path.rsplit(".", 1)[0]
            for name in ("level1", "level2"):
                col = ws[imported.cells[f"{level}.{name}"].split("!")[1]].column
                box = next(((r0, r1) for r0, c0, r1, c1 in merges if r0 <= row <= r1 and c0 <= col <= c1), (row, row))
                assert ws.cell(box[0], col).value, f"{sheet_name} row {row}: {name} is not covered by its group"
        for new in ("新增长期指标", "新增年度指标甲", "新增年度指标乙", "新增项目指标"):
            hit = [c for r in ws.iter_rows() for c in r if c.value == new]
            if sheet_name == (project.name if new == "新增项目指标" else dept.name):
                assert len(hit) == 1, new
                r = hit[0].row
                for c in range(1, 10):
                    box = next(((c0, c1) for r0, c0, r1, c1 in merges if r0 <= r <= r1 and c0 <= c <= c1), None)
                    b = ws.cell(r, c).border
                    if box is None:  # a cell of its own: boxed on every side
                        sides = (b.left.style, b.right.style, b.top.style, b.bottom.style)
                    else:  # inside a merge the box is drawn on the merge's outer edges
                        sides = (ws.cell(r, box[0]).border.left.style, ws.cell(r, box[1]).border.right.style)
                    assert all(sides), f"{new}: {ws.cell(r, c).coordinate} lost its border"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_printed_pages_show_their_tables_headers_and_group_labels(printed, path: Path) -> None:
    """Read from the PDF LibreOffice prints: each page that prints indicator rows prints the table's
    column headers and the 一级 label of every row on it; no page is only 填报说明 or one lone row."""
    from .test_pages import LONG_HEAD, PROJECT_HEAD, ROW, annual_head, indicators, pages

    unit = load_unit(path)
    _, pdf = printed[path.stem]
    texts = [re.sub(r"\s+", "", p) for p in pdf_text(pdf, raw=True).split("\f")[:-1]]
    n = 0
    for sheet in build(unit):
        rows: dict[int, list[tuple[str, int]]] = {}
        for cell in sheet.cells:
            if cell.field and (m := ROW.match(cell.field)):
                rows.setdefault(cell.row, []).append((m.group(1), int(m.group(2))))
        for page in pages(sheet):
            text = texts[n]
            n += 1
            here = [t for r in page for t in rows.get(r, [])]
            for table in {t for t, _ in here}:
                head = (
                    annual_head(unit.year) if table == "annual" else LONG_HEAD if table == "long_term" else PROJECT_HEAD
                )
                assert all(h in text for h in head), f"page {n}: the {table} headers are not printed"
                for level1 in {indicators(unit, table)[i].level1 for t, i in here if t == table}:
                    assert level1 in text, f"page {n}: 一级 label {level1} not printed beside its rows"
            if "填报说明" in text:
                assert here, f"page {n} holds only 填报说明"
            for table in {t for t, _ in here}:
                assert sum(t == table for t, _ in here) >= 2 or len(indicators(unit, table)) < 2, (
                    f"page {n}: a lone row"
                )
    assert n == len(texts)
