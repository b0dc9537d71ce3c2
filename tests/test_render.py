"""The renderer: determinism, text as text, formulas with cached values, lists, protection, files."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from xlsgen import forms
from xlsgen.errors import OutputError
from xlsgen.files import write_atomic
from xlsgen.layout import build
from xlsgen.model import Funding, Unit
from xlsgen.render import file_name, generate, workbook_bytes

from .conftest import EXAMPLES, example, filled_unit, open_workbook


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_same_unit_same_bytes(path: Path) -> None:
    from xlsgen.model import load_unit

    assert workbook_bytes(load_unit(path)) == workbook_bytes(load_unit(path))


def test_document_date_is_fixed() -> None:
    wb = open_workbook(filled_unit())
    assert wb.properties.created.year == 2000


def test_text_that_looks_like_a_formula_or_number_stays_text() -> None:
    unit = filled_unit()
    unit.functions = ["=1+1"]
    unit.filler = '=HYPERLINK("http://x","y")'
    unit.phone = "0012"
    unit.annual.indicators[0].value = "=0%"
    unit.annual.indicators[1].value = "1e5"
    unit.projects[0].use = "http://example.com"
    wb = open_workbook(unit)
    ws = wb[forms.DEPT_SHEET]
    values = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value is not None}
    assert values["1.=1+1"] == "s"
    assert values['=HYPERLINK("http://x","y")'] == "s"
    assert values["0012"] == "s" and values["=0%"] == "s" and values["1e5"] == "s"
    assert not wb[forms.PROJECT_SHEET]._hyperlinks


def funding_unit() -> Unit:
    unit = filled_unit()
    unit.funding = Funding.model_validate(
        {
            "income": {
                "fiscal": {"current": "300.00", "prev2": "250.50", "prev1": "280.00"},
                "special": {"current": "50.00", "prev2": "0", "prev1": "10.00"},
                "own": {"current": "0", "prev2": "0", "prev1": "0"},
            },
            "expense": {
                "personnel": {"current": "200.00", "prev2": "150.00", "prev1": "170.00"},
                "operating": {"current": "90.00", "prev2": "100.50", "prev1": "60.00"},
                "targeted": {"current": "60.00", "prev2": "0", "prev1": "60.00"},
            },
        }
    )
    return unit


def find(ws, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for c in row:
            if c.value == text:
                return c.row, c.column
    raise AssertionError(text)


def test_totals_and_shares_are_formulas_with_cached_values() -> None:
    data = workbook_bytes(funding_unit())
    ws = openpyxl.load_workbook(io.BytesIO(data))[forms.DEPT_SHEET]
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[forms.DEPT_SHEET]
    r, _ = find(ws, "财政拨款")  # C column label; D amount, E share, F:G prev2, H:I prev1
    total_row = r + 3
    assert ws.cell(total_row, 3).value == "合计"
    assert ws.cell(total_row, 4).value == f"=SUM(D{r},D{r + 1},D{r + 2})"
    assert ws.cell(total_row, 6).value == f"=SUM(F{r},F{r + 1},F{r + 2})"
    assert ws.cell(r, 5).value == f"=IF(D{total_row}=0,0,D{r}/D{total_row})"
    # cached values computed by hand from the amounts above
    assert cached.cell(total_row, 4).value == 350.0
    assert cached.cell(total_row, 6).value == 250.5
    assert cached.cell(total_row, 8).value == 290.0
    assert cached.cell(r, 5).value == pytest.approx(300 / 350)
    assert cached.cell(total_row, 5).value == 1
    assert ws.cell(r, 5).number_format == "0.00%" and ws.cell(r, 4).number_format == "0.00"
    e = find(ws, "人员类项目支出")[0]
    assert cached.cell(e + 3, 4).value == 350.0 and cached.cell(e + 1, 6).value == 100.5


def test_share_is_zero_when_total_is_zero() -> None:
    unit = funding_unit()
    for part in ("fiscal", "special", "own"):
        getattr(unit.funding.income, part).current = Decimal("0.00")
    cached = openpyxl.load_workbook(io.BytesIO(workbook_bytes(unit)), data_only=True)[forms.DEPT_SHEET]
    r, _ = find(cached, "财政拨款")
    assert cached.cell(r, 5).value == 0 and cached.cell(r + 3, 5).value == 0


def test_project_budget_is_fiscal_plus_other() -> None:
    unit = filled_unit()
    data = workbook_bytes(unit)
    ws = openpyxl.load_workbook(io.BytesIO(data))[forms.PROJECT_SHEET]
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[forms.PROJECT_SHEET]
    r, c = find(ws, "预算数")
    assert ws.cell(r, c + 1).value == f"=G{r}+I{r}"
    assert cached.cell(r, c + 1).value == 30.0 and cached.cell(r, 7).value == 20.0 and cached.cell(r, 9).value == 10.0


def test_plan_percentages_are_numbers() -> None:
    ws = open_workbook(filled_unit())[forms.PROJECT_SHEET]
    r, _ = find(ws, "3月底")
    assert [ws.cell(r + 1, c).value for c in (2, 4, 6, 8)] == [0.25, 0.5, 0.75, 1]
    assert ws.cell(r + 1, 2).number_format == "0%"


def test_drop_downs_come_from_named_ranges_on_a_hidden_protected_sheet() -> None:
    wb = open_workbook(filled_unit())
    lists = wb["_lists"]
    assert lists.sheet_state == "hidden" and lists.protection.sheet
    names = {name: wb.defined_names[name].attr_text for name in ("指标值确定依据", "指标分类", "支出项目类别")}
    assert names["指标分类"] == "_lists!$B$2:$B$3"
    assert [lists.cell(r, 2).value for r in (2, 3)] == ["绩效基本型", "绩效创新型"]
    dept = wb[forms.DEPT_SHEET].data_validations.dataValidation
    sources = {dv.formula1 for dv in dept}
    assert sources == {"指标值确定依据", "指标分类", "支出项目类别"}
    assert all(dv.errorStyle in (None, "stop") and dv.prompt for dv in dept)  # None: the default, stop
    project = wb[forms.PROJECT_SHEET].data_validations.dataValidation
    assert {dv.errorStyle for dv in project} == {"warning"}


def test_unprotected_by_default_so_rows_can_be_added_and_removed() -> None:
    ws = open_workbook(filled_unit())[forms.DEPT_SHEET]
    assert not ws.protection.sheet  # Excel refuses to delete a row holding a locked cell of a protected sheet
    # The cells still say what they are, so --lock protects exactly the labels.
    r, c = find(ws, "填报人")
    assert ws.cell(r, c).protection.locked
    assert not ws.cell(r, c + 1).protection.locked
    r, c = find(ws, "公用经费控制率")
    assert ws.cell(r, c).protection.locked and not ws.cell(r, c + 1).protection.locked
    assert not ws["A3"].protection.locked  # 填报日期 is the unit's to fill
    assert ws["G3"].protection.locked  # 单位：万元
    r, c = find(ws, "合计")
    assert ws.cell(r, c + 1).protection.locked  # a formula


def test_lock_protects_labels_and_fixes_the_rows() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(filled_unit(), lock=True)))
    for name in (forms.DEPT_SHEET, forms.PROJECT_SHEET):
        p = wb[name].protection
        assert p.sheet and not p.password
        # openpyxl: True means "prohibited"; rows can be resized but not inserted or deleted.
        assert p.insertRows is not False and p.deleteRows is not False
        assert p.formatRows is False


def test_print_setup() -> None:
    ws = open_workbook(filled_unit())[forms.DEPT_SHEET]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, written as absent
    assert ws.print_options.horizontalCentered
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert ws.print_title_rows == "$2:$4"


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("450001", "怀来县医疗保障局", "450001-怀来县医疗保障局.xlsx"),
        ("../..", "x", "_..-x.xlsx"),
        ("1", 'a/b\\c:d*e?f"g<h>i|j', "1-a_b_c_d_e_f_g_h_i_j.xlsx"),
        ("NUL.1", "x", "_NUL.1-x.xlsx"),
        ("1", "名称. ", "1-名称.xlsx"),
    ],
)
def test_file_names_are_safe(code: str, name: str, expected: str) -> None:
    unit = filled_unit().model_copy(update={"code": code, "name": name})
    assert file_name(unit) == expected


def test_file_name_never_escapes_the_output_dir(tmp_path: Path) -> None:
    unit = filled_unit().model_copy(update={"code": "..", "name": "/../../etc/passwd"})
    target = generate(unit, tmp_path / "out")
    assert target.parent == tmp_path / "out"


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "a.xlsx"
    target.write_bytes(b"old")

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OutputError, match="无法写入"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_templates_version_recorded() -> None:
    wb = open_workbook(example("阳新县医疗保障服务中心"))
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["xlsgen_templates"] == "dept_overall"
    assert props["xlsgen_template_version"] == "1"


def test_build_is_pure() -> None:
    unit = filled_unit()
    before = unit.model_dump()
    build(unit)
    assert unit.model_dump() == before
