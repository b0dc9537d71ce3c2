"""The bulk summary's county-wide indicator sheet and its links to each workbook (issue 14 §4)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from xlsgen import bulk
from xlsgen.model import load_unit
from xlsgen.summary import SUMMARY_NAME

from .conftest import DATA, EXAMPLES


def test_one_row_per_indicator_of_every_unit(tmp_path: Path) -> None:
    report = bulk.run(DATA, tmp_path, jobs=1)
    assert report.ok
    wb = openpyxl.load_workbook(report.summary)
    ws = wb["指标明细"]
    header = [c.value for c in ws[1]]
    assert header == [
        "单位编码",
        "单位名称",
        "表",
        "项目",
        "一级",
        "二级",
        "三级",
        "前年",
        "上年",
        "当年",
        "依据",
        "分类",
    ]
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert ws.auto_filter.ref == f"A1:L{len(rows) + 1}"
    units = [load_unit(p) for p in EXAMPLES]
    expected = sum(
        len(u.long_term.indicators) + len(u.annual.indicators) + sum(len(p.indicators) for p in u.projects)
        for u in units
    )
    assert len(rows) == expected
    # An annual row carries its three values in their columns; a project row names its project.
    u = next(u for u in units if u.name == "阳新县医疗保障局")
    a = u.annual.indicators[0]
    assert (u.code, u.name, "年度绩效指标", None, a.level1, a.level2, a.level3, a.prev2, a.prev1, a.value) == rows[
        [r[0] for r in rows].index(u.code) + len(u.long_term.indicators)
    ][:10]
    project_rows = [r for r in rows if r[2] == "项目绩效指标" and r[0] == u.code]
    assert [r[3] for r in project_rows] == [p.name for p in u.projects for _ in p.indicators]
    assert [r[9] for r in project_rows] == [i.value for p in u.projects for i in p.indicators]
    # Sorted as the checklist is: by unit code.
    codes = [r[0] for r in rows]
    assert codes == sorted(codes)


def test_checklist_rows_link_to_each_workbook_relatively(tmp_path: Path) -> None:
    report = bulk.run(DATA, tmp_path, jobs=1)
    ws = openpyxl.load_workbook(report.summary)["汇总表"]
    col = [c.value for c in ws[1]].index("工作簿")
    links = [row[col].hyperlink for row in ws.iter_rows(min_row=2, max_row=len(EXAMPLES) + 1)]
    assert all(link is not None for link in links)
    targets = sorted(link.target for link in links)
    assert targets == sorted(p.name for p in tmp_path.glob("*.xlsx") if p.name != SUMMARY_NAME)
    assert all((tmp_path / t).is_file() for t in targets)  # relative to the summary's folder


def test_a_rerun_answered_from_the_manifest_lists_the_same_indicators(tmp_path: Path) -> None:
    first = bulk.run(DATA, tmp_path, jobs=1)
    sheet = [list(r) for r in openpyxl.load_workbook(first.summary)["指标明细"].iter_rows(values_only=True)]
    again = bulk.run(DATA, tmp_path, jobs=1)
    assert {o.status for o in again.outcomes} == {bulk.SKIPPED}
    assert [list(r) for r in openpyxl.load_workbook(again.summary)["指标明细"].iter_rows(values_only=True)] == sheet


def test_rows_read_from_the_file_equal_the_rows_of_the_loaded_unit() -> None:
    from xlsgen.indicators import indicator_rows, rows_from_json

    for path in EXAMPLES:
        assert rows_from_json(path) == indicator_rows(load_unit(path))
