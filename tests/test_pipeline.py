"""One pipeline for generate and bulk (issue 10 §2): the same options give the same workbook and the
same problems, whichever command processes the unit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from xlsgen import bulk, cli, pipeline
from xlsgen.cli import main

from .conftest import ROOT

UNIT = ROOT / "data" / "怀来县医疗保障局.json"
FUNDS = "E-FUNDS-SUM"  # what bad_funding() breaks


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def one_unit(tmp: Path, text: str | None = None) -> Path:
    """A data folder holding only the example unit (or ``text``), so that bulk has one unit to do."""
    data = tmp / "data"
    data.mkdir()
    if text is None:
        shutil.copy(UNIT, data / UNIT.name)
    else:
        (data / UNIT.name).write_text(text, encoding="utf-8")
    return data


def workbook(folder: Path) -> bytes:
    (book,) = [p for p in folder.glob("*.xlsx") if p.name != "汇总表.xlsx"]
    return book.read_bytes()


def bad_funding() -> str:
    data = json.loads(UNIT.read_text("utf-8"))
    data["funding"]["income"]["fiscal"]["current"] = -5  # a negative amount: E-FUNDS-SUM
    return json.dumps(data, ensure_ascii=False)


def test_the_cli_offers_the_pipelines_sections() -> None:
    assert cli.SECTIONS == pipeline.SECTIONS


def test_generate_and_bulk_without_a_section_write_the_same_bytes(tmp_path: Path) -> None:
    data = one_unit(tmp_path)
    src = data / UNIT.name
    books = {}
    for without in ("funding", "notes"):
        gen, blk = tmp_path / f"gen-{without}", tmp_path / f"bulk-{without}"
        assert run("generate", str(src), "-o", str(gen), "--without", without).exit_code == 0
        result = run("bulk", str(data), "-o", str(blk), "--without", without, "--silent", "-j", "1")
        assert result.exit_code == 0, result.output
        books[without] = workbook(gen)
        assert workbook(blk) == books[without]
    assert run("generate", str(src), "-o", str(tmp_path / "full")).exit_code == 0
    full = workbook(tmp_path / "full")
    assert full not in books.values() and books["funding"] != books["notes"]  # the option did something


def test_bulk_redoes_the_units_when_without_changes(tmp_path: Path) -> None:
    data, out = one_unit(tmp_path), tmp_path / "out"
    assert run("generate", str(data / UNIT.name), "-o", str(tmp_path / "full")).exit_code == 0
    first = bulk.run(data, out, jobs=1, without=("funding",))
    assert first.count(bulk.OK) == 1
    again = bulk.run(data, out, jobs=1, without=("funding",))
    assert again.count(bulk.SKIPPED) == 1  # same options: nothing to do
    back = bulk.run(data, out, jobs=1)
    assert back.count(bulk.OK) == 1 and back.count(bulk.SKIPPED) == 0
    assert workbook(out) == workbook(tmp_path / "full")


def test_generate_and_bulk_report_the_same_problems(tmp_path: Path) -> None:
    data = one_unit(tmp_path, bad_funding())
    src = data / UNIT.name
    result = CliRunner().invoke(main, ["generate", str(src), "-o", str(tmp_path / "gen")])
    assert result.exit_code == 1
    printed = [line for line in result.stderr.splitlines() if not line.startswith("错误：")]
    (outcome,) = bulk.run(data, tmp_path / "bulk", jobs=1).outcomes
    assert outcome.status == bulk.FAILED and outcome.errors
    assert FUNDS in {p.code for p in outcome.issues}
    assert printed == [str(p) for p in outcome.issues]
    assert not (tmp_path / "gen").exists() or not list((tmp_path / "gen").glob("*.xlsx"))
    assert run("bulk", str(data), "-o", str(tmp_path / "b2"), "--silent").exit_code == 1


def test_a_section_left_out_is_not_checked_in_bulk_either(tmp_path: Path) -> None:
    data = json.loads(UNIT.read_text("utf-8"))
    data["funding"] = None  # nothing to print in 部门总体资金情况 ...
    folder = one_unit(tmp_path, json.dumps(data, ensure_ascii=False))
    (shown,) = bulk.run(folder, tmp_path / "a", jobs=1).outcomes
    assert "W-SECTION-EMPTY" in {p.code for p in shown.issues}
    # ... unless this run leaves the section out, as generate --without does
    (left_out,) = bulk.run(folder, tmp_path / "b", jobs=1, without=("funding",)).outcomes
    assert left_out.status == bulk.OK and "W-SECTION-EMPTY" not in {p.code for p in left_out.issues}
    gen = run("generate", str(folder / UNIT.name), "-o", str(tmp_path / "gen"), "--without", "funding")
    assert gen.exit_code == 0 and "W-SECTION-EMPTY" not in gen.stderr
    assert workbook(tmp_path / "b") == workbook(tmp_path / "gen")


def test_force_renders_a_unit_with_errors_in_both(tmp_path: Path) -> None:
    data = one_unit(tmp_path, bad_funding())
    assert run("generate", str(data / UNIT.name), "-o", str(tmp_path / "gen"), "--force").exit_code == 0
    assert run("bulk", str(data), "-o", str(tmp_path / "bulk"), "--force", "--silent").exit_code == 0
    assert workbook(tmp_path / "bulk") == workbook(tmp_path / "gen")


def test_generate_and_bulk_refuse_twins_with_the_same_words(tmp_path: Path) -> None:
    data = one_unit(tmp_path)
    twin = json.loads(UNIT.read_text("utf-8"))
    twin["filler"] = "张三"  # other data, the same 单位编码
    (data / "twin.json").write_text(json.dumps(twin, ensure_ascii=False), encoding="utf-8")
    files = sorted(data.glob("*.json"))
    gen = CliRunner().invoke(main, ["generate", *map(str, files), "-o", str(tmp_path / "gen")])
    assert gen.exit_code == 1 and not (tmp_path / "gen").exists()
    report = bulk.run(data, tmp_path / "bulk", jobs=1)
    assert report.count(bulk.FAILED) == 2
    for outcome in report.outcomes:
        (dup,) = [p for p in outcome.issues if p.code == pipeline.DUP_CODE]
        (other,) = {f.name for f in files} - {outcome.source}
        # bulk names the other unit by its place in the data folder, generate as it was given
        assert f"错误：{dup.located.replace(f'与 {other} ', f'与 {data / other} ')}" in gen.stderr
