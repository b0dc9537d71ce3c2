"""A demo county goes round the season's loop (issue 14, "How it will be checked").

list → units → bulk → some workbooks filled and returned, some not, one returned twice (two different
versions), one unknown → collect gives each unit its status → rollover drafts whose annual 前年/上年
are the old 上年/当年 → the summary's indicator sheet has a row per indicator → PDFs of every page.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlsgen import collect as collect_mod
from xlsgen.cli import main
from xlsgen.demo import county_units
from xlsgen.model import load_unit, unit_from_json
from xlsgen.render import workbook_bytes
from xlsgen.units import EXAMPLE_ROWS
from xlsgen.validate import ERROR, check

from .conftest import filled_unit
from .office import needs_soffice, pdf_pages

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_LIST = ROOT / "examples" / "单位清单.xlsx"


def cli(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def _filled_as(code: str, issued_dir: Path):
    """The unit issued as ``code``, filled in completely and cleanly (what a diligent unit sends back)."""
    issued = load_unit(next(p for p in issued_dir.glob(f"{code}-*.json")))
    index = [r[0] for r in EXAMPLE_ROWS].index(code)
    full = list(county_units(index + 1, seed=3, max_projects=3))[index][1]
    assert check(full) == []
    return full.model_copy(
        update={k: getattr(issued, k) for k in ("code", "name", "parent", "region", "year", "filler", "phone")}
    )


def _returns(county: Path) -> dict[str, Path]:
    """900101 filled (passes), 900201 filled with a slip (errors), 900202 filled with a warning,
    900301 returned twice differently, 900302 the blank form back; an unknown unit's workbook too."""
    data, ret = county / "data", county / "交回"
    ret.mkdir()
    ok = _filled_as("900101", data)
    (ret / "财政局-终稿.xlsx").write_bytes(workbook_bytes(ok))
    bad = _filled_as("900201", data)
    bad.projects[0].fiscal = bad.projects[0].budget + 1  # 预算数 ≠ 财政资金 + 其他资金
    (ret / "教育局.xlsx").write_bytes(workbook_bytes(bad))
    warn = _filled_as("900202", data)
    warn.annual.indicators[0].value = "≥100%"  # a control rate with ≥: W-DIRECTION
    (ret / "一中.xlsx").write_bytes(workbook_bytes(warn))
    twice = _filled_as("900301", data)
    (ret / "卫健局-1.xlsx").write_bytes(workbook_bytes(twice))
    twice.tasks = ["改过的任务。"]
    (sub := ret / "邮件附件").mkdir()
    (sub / "卫健局-2.xlsx").write_bytes(workbook_bytes(twice))
    shutil.copy(next((county / "output").glob("900302-*.xlsx")), ret / "医院.xlsx")
    stranger = filled_unit().model_copy(update={"code": "999999", "name": "外县某局"})
    (ret / "外县.xlsx").write_bytes(workbook_bytes(stranger))
    (ret / "~$教育局.xlsx").write_bytes(b"lock file of an open workbook")
    return {"ok": ok, "bad": bad, "warn": warn}  # type: ignore[return-value]


def _ledger(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path)["收集台账"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    return {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] and r[0] != "合计"}


def test_collect_gives_each_unit_its_status(county: Path) -> None:
    units = _returns(county)
    result = cli("collect", county / "交回", "--issued", county / "data", "-o", county / "收集台账.xlsx")
    assert result.exit_code == 1, result.output  # the unknown return and the two different ones wait for the clerk
    rows = _ledger(county / "收集台账.xlsx")
    assert set(rows) == {r[0] for r in EXAMPLE_ROWS}
    status = {code: row["状态"] for code, row in rows.items()}
    assert status == {
        "900101": "已交回·通过",
        "900201": "已交回·有错误",
        "900202": "已交回·仅警告",
        "900301": "已交回·多份待确认",
        "900302": "已交回·有错误",  # the blank form sent back
        "900401": "未交回",
        "900501": "未交回",
        "900601": "未交回",
    }
    assert rows["900101"]["交回文件"] == "财政局-终稿.xlsx"
    assert "卫健局-1.xlsx" in rows["900301"]["交回文件"] and "卫健局-2.xlsx" in rows["900301"]["交回文件"]
    # Changed fields against what was issued: computed here from the two units, not read from the ledger.
    issued = load_unit(next((county / "data").glob("900101-*.json")))
    from xlsgen.diff import diff_units

    assert rows["900101"]["改动字段数"] == len(diff_units(issued, units["ok"])) > 0
    # The errors are named with their cells.
    bad_errors = [p for p in check(units["bad"]) if p.level == ERROR]
    assert rows["900201"]["错误数"] == len(bad_errors) > 0
    assert "项目绩效目标表!" in rows["900201"]["错误与警告（单元格）"]
    # Imported JSON beside the issued file; the issued file untouched; bulk does not take it for a unit.
    beside = next((county / "data").glob("900101-*.returned.json"))
    assert unit_from_json(beside.read_bytes(), "x").model_dump(exclude={"schema_"}) == units["ok"].model_dump(
        exclude={"schema_"}
    )
    assert load_unit(next(p for p in (county / "data").glob("900101-*.json") if ".returned" not in p.name)) == issued
    assert not list((county / "data").glob("900301-*.returned.json"))  # two different returns: nothing taken
    wb = openpyxl.load_workbook(county / "收集台账.xlsx")
    waiting = [r[0] for r in wb["待确认的交回"].iter_rows(min_row=2, values_only=True)]
    assert sorted(Path(w).name for w in waiting) == ["卫健局-1.xlsx", "卫健局-2.xlsx", "外县.xlsx"]
    problems = list(wb["问题清单"].iter_rows(min_row=2, values_only=True))
    assert {p[0] for p in problems} >= {"900201", "900202", "900302"}
    link = wb["收集台账"].cell(2, 5).hyperlink
    # Relative to the ledger's folder (xlsxwriter stores the Windows separator, as Excel does).
    assert link is not None and (county / link.target.replace("\\", "/")).is_file()
    again = cli("bulk", county / "data", "-o", county / "output", "--jobs", "1", "--silent")
    assert "共 8 个单位" in again.output


def test_rerun_after_more_returns_updates_and_keeps_remarks(county: Path) -> None:
    ret = county / "交回"
    ret.mkdir()
    ledger = county / "收集台账.xlsx"
    (ret / "a.xlsx").write_bytes(workbook_bytes(_filled_as("900101", county / "data")))
    assert cli("collect", ret, "--issued", county / "data", "-o", ledger).exit_code == 0
    wb = openpyxl.load_workbook(ledger)
    ws = wb["收集台账"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "900401")
    ws.cell(row, header.index("备注") + 1, "12月1日已电话催交")
    wb.save(ledger)
    (ret / "b.xlsx").write_bytes(workbook_bytes(_filled_as("900501", county / "data")))
    assert cli("collect", ret, "--issued", county / "data", "-o", ledger).exit_code == 0
    rows = _ledger(ledger)
    assert rows["900501"]["状态"] == "已交回·通过" and rows["900101"]["状态"] == "已交回·通过"
    assert rows["900401"]["备注"] == "12月1日已电话催交"


def test_apply_writes_clean_returns_over_the_issued_files(county: Path) -> None:
    units = _returns(county)
    cli("collect", county / "交回", "--issued", county / "data", "-o", county / "l.xlsx", "--apply")
    ok = load_unit(next(p for p in (county / "data").glob("900101-*.json") if ".returned" not in p.name))
    assert ok.model_dump(exclude={"schema_"}) == units["ok"].model_dump(exclude={"schema_"})
    bad = load_unit(next(p for p in (county / "data").glob("900201-*.json") if ".returned" not in p.name))
    assert bad.functions == []  # a return with errors is not applied


def test_a_return_without_identity_is_matched_by_name(county: Path, tmp_path: Path) -> None:
    import io
    import zipfile

    unit = _filled_as("900401", county / "data")
    src, out = io.BytesIO(workbook_bytes(unit)), io.BytesIO()
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            if info.filename != "docProps/custom.xml":
                body = a.read(info)
                if info.filename == "[Content_Types].xml":
                    body = body.replace(b'<Override PartName="/docProps/custom.xml"', b'<Override PartName="/x"')
                if info.filename == "_rels/.rels":
                    body = body.replace(b"docProps/custom.xml", b"docProps/none.xml")
                b.writestr(info, body)
    (county / "交回").mkdir()
    (county / "交回" / "hand.xlsx").write_bytes(out.getvalue())
    ledger = collect_mod.collect(county / "交回", county / "data")
    entry = next(e for e in ledger.entries if e.issued.code == "900401")
    assert entry.accepted is not None and entry.accepted.matched_by in (collect_mod.BY_CODE, collect_mod.BY_NAME)


def test_rollover_drafts_move_the_years_and_validate_with_draft_warnings_only(county: Path) -> None:
    data = county / "data"
    filled = {}
    for path in sorted(data.glob("*.json")):
        unit = _filled_as(load_unit(path).code, data)
        unit.filled_on = _dt.date(2024, 11, 20)
        assert [p for p in check(unit) if p.level == ERROR] == []
        path.write_text(unit.to_json(), "utf-8")
        filled[unit.code] = unit
    result = cli("rollover", data, "--year", "2026", "-o", county / "data-2026")
    assert result.exit_code == 0, result.output
    drafts = {load_unit(p).code: load_unit(p) for p in (county / "data-2026").glob("*.json")}
    assert set(drafts) == set(filled)
    for code, old in filled.items():
        new = drafts[code]
        assert new.year == 2026 and new.filled_on is None
        assert (new.code, new.name, new.parent, new.filler) == (old.code, old.name, old.parent, old.filler)
        assert [(a.prev2, a.prev1) for a in new.annual.indicators] == [
            (a.prev1, a.value) for a in old.annual.indicators
        ]
        assert [a.value for a in new.annual.indicators] == [a.value for a in old.annual.indicators]
        assert [(a.level1, a.level2, a.level3) for a in new.annual.indicators] == [
            (a.level1, a.level2, a.level3) for a in old.annual.indicators
        ]
        assert new.long_term.deadline == old.long_term.deadline  # 2027 is still ahead of 2026
        if old.funding is not None:
            for side in ("income", "expense"):
                for key, _ in getattr(old.funding, side).PARTS:
                    o, n = getattr(getattr(old.funding, side), key), getattr(getattr(new.funding, side), key)
                    assert (n.prev2, n.prev1, n.current) == (o.prev1, o.current, 0)
        problems = check(new)
        assert [p for p in problems if p.level == ERROR] == []
        drafts_warnings = [p for p in problems if p.code == "W-DRAFT"]
        assert {p.path for p in drafts_warnings} >= {"filled_on", "funding.income.fiscal.current"}
        assert all("待填写" in p.message or "核对" in p.message for p in drafts_warnings)
        assert {p.code for p in problems} <= {"W-DRAFT"} | {p.code for p in check(old)}
    # A deadline already passed is moved and flagged; the files are never written over without --force.
    again = cli("rollover", data, "--year", "2026", "-o", county / "data-2026")
    assert again.exit_code == 1 and "--force" in again.output
    one = next(iter(filled.values()))
    one.long_term.deadline = 2025
    from xlsgen.rollover import roll

    moved = roll(one, 2026)
    assert moved.long_term.deadline == 2028 and "long_term.deadline" in moved.draft.review
    assert any(p.path == "long_term.deadline" and p.code == "W-DRAFT" for p in check(moved))


def test_rollover_refuses_a_unit_of_another_year(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.json").write_text(filled_unit(2024).to_json(), "utf-8")
    result = cli("rollover", tmp_path / "d", "--year", "2026", "-o", tmp_path / "e")
    assert result.exit_code == 1 and "a.json: year" in result.output and not (tmp_path / "e" / "a.json").exists()
    assert cli("rollover", tmp_path / "d", "--year", "2026", "-o", tmp_path / "d").exit_code == 2


def test_the_summary_lists_every_indicator_of_the_county(county: Path) -> None:
    ws = openpyxl.load_workbook(county / "output" / "汇总表.xlsx")["指标明细"]
    units = [json.loads(p.read_text("utf-8")) for p in (county / "data").glob("*.json")]
    expected = sum(len(u["long_term"]["indicators"]) + len(u["annual"]["indicators"]) for u in units)
    assert ws.max_row - 1 == expected


@needs_soffice
def test_public_pdfs_of_the_county(county: Path) -> None:
    result = cli("pdf", county / "output", "-o", county / "公开")
    assert result.exit_code == 0, result.output
    pdfs = sorted((county / "公开").glob("*.pdf"))
    assert len(pdfs) == len(EXAMPLE_ROWS)  # one per unit, the summary left out
    assert all(len(pdf_pages(p)) >= 2 for p in pdfs)


def test_the_ledger_and_a_summary_in_the_returns_folder_are_not_returns(county: Path) -> None:
    ret = county / "交回"
    ret.mkdir()
    (ret / "a.xlsx").write_bytes(workbook_bytes(_filled_as("900101", county / "data")))
    shutil.copy(county / "output" / "汇总表.xlsx", ret / "汇总表.xlsx")
    first = cli("collect", ret, "--issued", county / "data", "-o", ret / "台账.xlsx")
    assert first.exit_code == 1 and "汇总表" in first.output  # listed for the clerk, not read as a form
    (ret / "汇总表.xlsx").unlink()
    again = cli("collect", ret, "--issued", county / "data", "-o", ret / "台账.xlsx")
    assert again.exit_code == 0, again.output
    assert _ledger(ret / "台账.xlsx")["900101"]["状态"] == "已交回·通过"


def test_a_huge_return_is_refused_unread_and_the_others_are_read_once(
    county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsgen import safety

    ret = county / "交回"
    ret.mkdir()
    (ret / "a.xlsx").write_bytes(workbook_bytes(_filled_as("900101", county / "data")))
    with open(ret / "巨大.xlsx", "wb") as f:
        f.truncate(3 * 2**20)  # sparse: its size says it is too big before a byte is read
    monkeypatch.setattr(safety, "MAX_FILE", 2**20)
    opened: list[str] = []
    real = safety.open_package
    monkeypatch.setattr(safety, "open_package", lambda data, source: opened.append(source) or real(data, source))
    # --jobs 1: the files are opened in this process, where the test sees them.
    result = cli("collect", ret, "--issued", county / "data", "-o", ret / "台账.xlsx", "--jobs", "1")
    assert result.exit_code == 1
    assert "巨大.xlsx" in result.output and "文件过大" in result.output, result.output
    assert _ledger(ret / "台账.xlsx")["900101"]["状态"] == "已交回·通过"
    assert "巨大.xlsx" not in opened  # refused by its size, never read into memory
    assert opened.count("a.xlsx") == 1  # checked once, then read from the checked parts
