"""xlsgen pdf and bulk --pdf: LibreOffice's copy of each form, every page, fonts embedded (issue 14 §5)."""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlsgen import pdf as pdf_mod
from xlsgen.cli import main
from xlsgen.layout import build
from xlsgen.render import generate

from .conftest import example, filled_unit
from .office import needs_soffice, pdf_pages, pdf_text

A4 = (595.0, 842.0)


def _printed_pages(unit) -> int:
    # The page breaks the layout plans, one page more per printed sheet: the least LibreOffice must print.
    return sum(len(sheet.breaks) + 1 for sheet in build(unit))


@needs_soffice
def test_pdf_every_page_of_every_form_with_fonts_embedded(tmp_path: Path) -> None:
    units = [example("阳新县医疗保障服务中心"), filled_unit()]
    books = [generate(u, tmp_path / "out") for u in units]
    result = CliRunner().invoke(main, ["pdf", str(tmp_path / "out"), "-o", str(tmp_path / "公开")])
    assert result.exit_code == 0, result.output
    made = sorted((tmp_path / "公开").iterdir())
    assert [p.name for p in made] == sorted(b.stem + ".pdf" for b in books)
    for unit, book in zip(units, books, strict=True):
        target = tmp_path / "公开" / (book.stem + ".pdf")
        pages = pdf_pages(target)
        assert len(pages) >= _printed_pages(unit)
        assert all(abs(w - A4[0]) < 2 and abs(h - A4[1]) < 2 for w, h in pages), pages
        text = "".join(pdf_text(target).split())
        # Every page printed its footer, and every form of the unit is there.
        for n in range(1, len(pages) + 1):
            assert f"第{n}页" in text
        assert "部门整体绩效目标申报表" in text
        for p in unit.projects:
            assert f"{p.name}绩效目标表" in text
        fonts = subprocess.run(["pdffonts", str(target)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows, fonts
        assert all(row.split()[-5] == "yes" for row in rows), fonts  # the "emb" column
    assert not list((tmp_path / "公开").glob(".~*")), "temporary folder left behind"


@needs_soffice
def test_bulk_pdf_writes_public_copies_and_keeps_up_to_date_ones(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.json").write_text(filled_unit().to_json(), "utf-8")
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["bulk", str(data), "-o", str(out), "--jobs", "1", "--silent", "--pdf"])
    assert first.exit_code == 0, first.output
    public = sorted((out / "公开").iterdir())
    assert [p.name for p in public] == ["450099-测试县测试局.pdf"]  # the summary is not published
    before = public[0].stat().st_mtime_ns
    time.sleep(0.05)
    again = CliRunner().invoke(main, ["bulk", str(data), "-o", str(out), "--jobs", "1", "--silent", "--pdf"])
    assert again.exit_code == 0, again.output
    assert "都已是最新" in again.output
    assert public[0].stat().st_mtime_ns == before


def test_missing_libreoffice_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = generate(filled_unit(), tmp_path)
    monkeypatch.setenv("XLSGEN_SOFFICE", str(tmp_path / "no-soffice"))
    result = CliRunner().invoke(main, ["pdf", str(book), "-o", str(tmp_path / "pdf")])
    assert result.exit_code == 1
    assert "libreoffice-calc-nogui" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "pdf").exists()


def test_checklists_skipped_and_name_clashes_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlsgen.summary import write_summary

    summary = write_summary(tmp_path / "a", [])
    (tmp_path / "b").mkdir()
    same = [tmp_path / "a" / "x.xlsx", tmp_path / "b" / "x.xlsx"]
    for p in same:
        p.write_bytes(b"PK")
    calls: list[list[Path]] = []
    monkeypatch.setattr(pdf_mod, "require_soffice", lambda: "soffice")
    monkeypatch.setattr(pdf_mod, "_convert_batch", lambda s, batch, o, t: calls.append([i.source for i in batch]))
    results = pdf_mod.convert([summary, *same, tmp_path / "gone.xlsx"], tmp_path / "pdf")
    by_source = {r.source: r for r in results}
    assert "汇总表" in by_source[summary].skipped
    assert calls == [[same[0]]]
    assert "同一个 PDF" in by_source[same[1]].error
    assert "不存在" in by_source[tmp_path / "gone.xlsx"].error


def test_a_hanging_libreoffice_is_killed_with_its_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pidfile = tmp_path / "child.pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    book = generate(filled_unit(), tmp_path / "out")
    monkeypatch.setenv("XLSGEN_SOFFICE", str(fake))
    monkeypatch.setattr(pdf_mod, "TIMEOUT_START", 1)
    results = pdf_mod.convert([book], tmp_path / "pdf", timeout_per_file=0)
    assert results[0].pdf is None and "超过 1 秒" in results[0].error
    child = int(pidfile.read_text())
    for _ in range(50):
        try:
            state = Path(f"/proc/{child}/status").read_text()
        except FileNotFoundError:
            break
        if "State:\tZ" in state:
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        pytest.fail("the soffice child process outlived the timeout")
    assert list((tmp_path / "pdf").iterdir()) == []


def test_bulk_pdf_without_libreoffice_keeps_the_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.json").write_text(filled_unit().to_json(), "utf-8")
    monkeypatch.setenv("XLSGEN_SOFFICE", str(tmp_path / "none"))
    result = CliRunner().invoke(
        main, ["bulk", str(data), "-o", str(tmp_path / "out"), "--jobs", "1", "--silent", "--pdf"]
    )
    assert result.exit_code == 1 and "libreoffice-calc-nogui" in result.output
    assert (tmp_path / "out" / "450099-测试县测试局.xlsx").is_file()
