"""Nothing changed, nothing done: an unchanged unit is answered from the manifest (xlsgen/freshness.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from xlsgen import bulk, model, render
from xlsgen.demo import write_county
from xlsgen.summary import SUMMARY_NAME

ROOT = Path(__file__).resolve().parent.parent


def first_run(tmp_path: Path, n: int = 3) -> tuple[Path, Path, list[Path], bulk.Report]:
    data, out = tmp_path / "data", tmp_path / "out"
    files = write_county(n - 1, data, seed=3, max_projects=2)
    files.append(Path(shutil.copy(ROOT / "data" / "阳新县医疗保障服务中心.json", data)))  # one with warnings
    report = bulk.run(data, out, jobs=1)
    assert report.count(bulk.OK) == n
    return data, out, files, report


def no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*a, **kw):
        raise AssertionError("an unchanged unit was loaded again")

    monkeypatch.setattr(model, "unit_from_json", refuse)
    monkeypatch.setattr(render, "generate", refuse)


def test_unchanged_units_are_not_loaded_and_keep_their_summary_line(tmp_path: Path, monkeypatch) -> None:
    data, out, _, first = first_run(tmp_path)
    before = {o.source: o for o in first.outcomes}  # loaded and checked
    no_loading(monkeypatch)
    again = bulk.run(data, out, jobs=2)
    assert again.ok and again.count(bulk.SKIPPED) == 3
    for o in again.outcomes:
        b = before[o.source]
        assert (o.code, o.name, o.year, o.income, o.expense, o.projects, o.project_total, o.output) == (
            b.code,
            b.name,
            b.year,
            b.income,
            b.expense,
            b.projects,
            b.project_total,
            b.output,
        )
        assert o.issues == b.issues and o.income is not None
    assert sum(len(o.issues) for o in again.outcomes) > 0  # the warnings come back from the manifest
    assert again.summary is not None and again.summary.is_file()


def test_a_damaged_or_missing_workbook_is_written_again(tmp_path: Path, monkeypatch) -> None:
    data, out, _, _ = first_run(tmp_path, 4)
    names = sorted(p.name for p in out.glob("*.xlsx") if p.name != SUMMARY_NAME)
    (out / names[0]).write_bytes(b"")  # truncated to 0 bytes
    (out / names[1]).unlink()  # deleted
    damaged = out / names[2]
    raw = bytearray(damaged.read_bytes())
    raw[100] ^= 0xFF  # same size, other bytes, a new time
    stat = damaged.stat()
    damaged.write_bytes(bytes(raw))
    os.utime(damaged, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    report = bulk.run(data, out, jobs=1)
    redone = sorted(o.output for o in report.outcomes if o.status == bulk.OK)
    assert redone == names[:3]
    for name in names[:3]:
        assert (out / name).stat().st_size > 0
    assert bulk.run(data, out, jobs=1).count(bulk.SKIPPED) == 4


def test_a_changed_unit_file_is_done_again(tmp_path: Path) -> None:
    data, out, files, _ = first_run(tmp_path)
    d = json.loads(files[1].read_text("utf-8"))
    d["filler"] = "李四"
    files[1].write_text(json.dumps(d, ensure_ascii=False, indent=2), "utf-8")
    report = bulk.run(data, out, jobs=1)
    assert [o.source for o in report.outcomes if o.status == bulk.OK] == [files[1].relative_to(data).as_posix()]


def test_a_damaged_manifest_entry_means_doing_the_unit_again(tmp_path: Path) -> None:
    data, out, _, _ = first_run(tmp_path)
    manifest = json.loads((out / bulk.MANIFEST_NAME).read_text("utf-8"))
    key = sorted(manifest["units"])[0]
    manifest["units"][key]["unit"]["issues"] = [{"nonsense": 1}]
    manifest["units"][sorted(manifest["units"])[1]]["unit"]["income"] = "not a number"
    (out / bulk.MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    report = bulk.run(data, out, jobs=1)
    assert report.ok and report.count(bulk.OK) == 2 and report.count(bulk.SKIPPED) == 1


def test_a_unit_with_errors_is_checked_again_every_run(tmp_path: Path) -> None:
    data, out, files, _ = first_run(tmp_path)
    d = json.loads(files[0].read_text("utf-8"))
    d["year"] = 1990
    files[0].write_text(json.dumps(d, ensure_ascii=False), "utf-8")
    for _ in range(2):
        report = bulk.run(data, out, jobs=1)
        assert report.count(bulk.FAILED) == 1 and report.count(bulk.SKIPPED) == 2


def test_the_summary_is_written_again_only_when_something_changed(tmp_path: Path) -> None:
    data, out, files, _ = first_run(tmp_path)
    summary = out / bulk.SUMMARY_NAME
    written = summary.stat().st_mtime_ns
    assert bulk.run(data, out, jobs=1).summary == summary and summary.stat().st_mtime_ns == written
    summary.write_bytes(b"")  # damaged: written again
    assert bulk.run(data, out, jobs=1).summary == summary and summary.stat().st_size > 0
    written = summary.stat().st_mtime_ns
    files[0].unlink()  # one unit fewer: the checklist changes
    report = bulk.run(data, out, jobs=1)
    assert len(report.outcomes) == 2 and summary.stat().st_mtime_ns != written
