"""Real-client checks (issue 5): LibreOffice prints, recalculates and follows an edit.

CI installs LibreOffice; without it these tests are skipped locally with the reason, never in CI.
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
from .office import convert, needs_soffice, pdf_pages, pdf_text, profile

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
