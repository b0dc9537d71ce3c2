"""Bulk generation: isolation, no partial files, incremental runs, the summary workbook."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from xlsgen import bulk, render
from xlsgen.cli import main
from xlsgen.demo import write_county
from xlsgen.files import TMP_PATTERN, TMP_PREFIX, TMP_SUFFIX
from xlsgen.model import load_unit
from xlsgen.progress import Progress
from xlsgen.summary import SUMMARY_NAME

ROOT = Path(__file__).resolve().parent.parent
FORK = multiprocessing.get_start_method() == "fork"


def county(path: Path, n: int, seed: int = 11, max_projects: int = 2) -> list[Path]:
    return write_county(n, path, seed=seed, max_projects=max_projects)


def expected_name(path: Path) -> str:
    u = load_unit(path)
    return render.file_name(u)


def workbooks(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.xlsx")} - {SUMMARY_NAME}


def summary_rows(out: Path, data_only: bool = False) -> tuple[list[str], list[dict], list]:
    wb = openpyxl.load_workbook(out / SUMMARY_NAME, data_only=data_only)
    ws = wb["汇总表"]
    values = list(ws.iter_rows(values_only=True))
    header = list(values[0])
    rows = [dict(zip(header, r, strict=True)) for r in values[1:]]
    return header, rows, list(wb["问题清单"].iter_rows(values_only=True))


def invoke(*args: str):
    return CliRunner().invoke(main, ["bulk", *args])


# ---------------------------------------------------------------- isolation


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bad_unit_and_duplicate_code_fail_alone(tmp_path: Path, jobs: str) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 5)
    (data / "bad.json").write_text('{"code": "999001", "name": "坏单位",\n  "year": }', "utf-8")
    # A copy of the first unit under another name but with the same code: both must be refused.
    dup = json.loads(files[0].read_text("utf-8"))
    dup["name"] = "重复编码单位"
    (data / "sub").mkdir()
    (data / "sub" / "dup.json").write_text(json.dumps(dup, ensure_ascii=False), "utf-8")

    result = invoke(str(data), "-o", str(out), "--jobs", jobs)
    assert result.exit_code == 1, result.output

    good = files[1:]
    assert workbooks(out) == {expected_name(p) for p in good}
    for p in good:  # each complete and readable
        openpyxl.load_workbook(out / expected_name(p), read_only=True).close()

    # One line per failed unit, naming the file.
    failed_lines = [line for line in result.stderr.splitlines() if line.startswith("失败：")]
    assert len(failed_lines) == 3
    assert any("bad.json" in line and "JSON" in line for line in failed_lines)
    assert sum("单位编码" in line for line in failed_lines) == 2
    assert "共 7 个单位：成功 4，跳过 0（未变化），失败 3" in result.stdout

    _, rows, problems = summary_rows(out)
    by_file = {r["数据文件"]: r for r in rows}
    assert by_file["bad.json"]["状态"] == "失败" and "JSON" in by_file["bad.json"]["第一个错误"]
    first_rel = files[0].relative_to(data).as_posix()
    for rel, other in ((first_rel, "sub/dup.json"), ("sub/dup.json", first_rel)):
        row = by_file[rel]
        assert row["状态"] == "失败" and row["工作簿"] is None
        assert "单位编码" in row["第一个错误"] and other in row["第一个错误"]
    for p in good:
        row = by_file[p.relative_to(data).as_posix()]
        assert row["状态"] == "成功" and row["错误数"] == 0 and row["工作簿"] == expected_name(p)
    # 问题清单 lists each failure with where it is.
    listed = {(r[2], r[3]) for r in problems[1:]}
    assert ("bad.json", "错误") in listed and ("sub/dup.json", "错误") in listed


def test_a_unit_that_fails_to_load_is_still_named_in_the_summary(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    (first,) = county(data, 1)
    broken = json.loads(first.read_text("utf-8"))
    broken["annual"]["vaule"] = "x"  # a typo: the file is refused, but its code and name are readable
    first.write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    result = invoke(str(data), "-o", str(out), "--silent")
    assert result.exit_code == 1
    _, rows, _ = summary_rows(out)
    row = rows[0]  # then the totals row
    assert (row["单位编码"], row["单位名称"], row["状态"]) == (broken["code"], broken["name"], "失败")
    assert row["第一个错误"].startswith("annual.vaule：未知字段")


def test_validation_errors_fail_the_unit_unless_forced(tmp_path: Path) -> None:
    pytest.importorskip("xlsgen.validate")
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 3)
    d = json.loads(files[1].read_text("utf-8"))
    d["projects"][0]["plan"]["dec"] = 80  # rule 6: the plan must end at 100 %
    files[1].write_text(json.dumps(d, ensure_ascii=False), "utf-8")

    report = bulk.run(data, out, jobs=1)
    statuses = {o.source: o.status for o in report.outcomes}
    bad = files[1].relative_to(data).as_posix()
    assert statuses[bad] == "失败" and sum(s == "成功" for s in statuses.values()) == 2
    assert not (out / expected_name(files[1])).exists()
    assert next(o for o in report.outcomes if o.source == bad).errors >= 1

    forced = bulk.run(data, out, jobs=1, force=True)
    assert all(o.status == "成功" for o in forced.outcomes)
    assert (out / expected_name(files[1])).exists()
    assert next(o for o in forced.outcomes if o.source == bad).errors >= 1  # still counted


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_costs_one_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    if jobs > 1 and not FORK:
        pytest.skip("the patched renderer reaches workers only when they are forked")
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 4)
    victim = load_unit(files[2]).code
    real = render.generate

    def generate(unit, out_dir, sections=None, lock=False):
        if unit.code == victim:
            raise RuntimeError("boom")
        return real(unit, out_dir, sections, lock)

    monkeypatch.setattr(render, "generate", generate)
    report = bulk.run(data, out, jobs=jobs)
    failed = [o for o in report.outcomes if o.status == "失败"]
    assert [o.code for o in failed] == [victim]
    assert "程序出错" in failed[0].first_error and "boom" in failed[0].first_error
    assert len(workbooks(out)) == 3


@pytest.mark.skipif(not FORK, reason="the patched renderer reaches workers only when they are forked")
def test_a_dying_worker_process_costs_one_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 6)
    victim = load_unit(files[3]).code
    real = render.generate

    def generate(unit, out_dir, sections=None, lock=False):
        if unit.code == victim:
            # Half a workbook written, then killed like a segfault or the OOM killer: no cleanup.
            fd, _ = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=TMP_SUFFIX, dir=out_dir)
            os.write(fd, b"PK\x03\x04")
            os._exit(3)
        return real(unit, out_dir, sections, lock)

    monkeypatch.setattr(render, "generate", generate)
    report = bulk.run(data, out, jobs=2)
    assert len(report.outcomes) == 6
    failed = [o for o in report.outcomes if o.status == "失败"]
    assert [o.code for o in failed] == [victim]
    assert "工作进程意外退出" in failed[0].first_error
    assert workbooks(out) == {expected_name(p) for p in files if load_unit(p).code != victim}
    assert not list(out.glob(TMP_PATTERN)), "the dead worker's temporary file was left behind"


_SPAWNED_BULK = """
import multiprocessing, sys
from xlsgen.cli import main
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    main(["bulk", sys.argv[2], "-o", sys.argv[3], "--jobs", "2", "--silent"])
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_workers_started_afresh_write_the_same_files(tmp_path: Path, method: str) -> None:
    """Windows starts workers by spawn and Python 3.14 on Linux by forkserver: workers that import
    xlsgen afresh, with nothing inherited, write the same bytes, and a bad unit still fails alone."""
    data = tmp_path / "data"
    files = county(data, 4)
    (data / "bad.json").write_text('{"code": "999001", "name": "坏单位",\n  "year": }', "utf-8")
    bulk.run(data, tmp_path / "here", jobs=1)
    script = tmp_path / "spawned_bulk.py"
    script.write_text(_SPAWNED_BULK, "utf-8")
    done = subprocess.run(
        [sys.executable, str(script), method, str(data), str(tmp_path / "there")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the bad unit
    assert "bad.json" in done.stderr and "Traceback" not in done.stderr
    names = {expected_name(p) for p in files} | {SUMMARY_NAME}
    assert {p.name for p in (tmp_path / "there").glob("*.xlsx")} == names
    for name in sorted(names):
        assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes(), name


def test_plan_refuses_file_names_that_collide_case_insensitively(tmp_path: Path) -> None:
    data = tmp_path / "data"
    files = county(data, 2)
    for path, code, name in ((files[0], "AB01", "测试局"), (files[1], "ab01", "测试局")):
        d = json.loads(path.read_text("utf-8"))
        d["code"], d["name"] = code, name
        path.write_text(json.dumps(d, ensure_ascii=False), "utf-8")
    jobs = bulk.plan(data, tmp_path / "out")
    assert all(j.blocked for j in jobs)


def test_find_units_skips_hidden_files_schemas_and_the_output_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    county(data, 2)
    (data / "out").mkdir()
    (data / "out" / "x.json").write_text("{}", "utf-8")
    (data / ".xlsgen-manifest.json").write_text("{}", "utf-8")
    (data / "unit.schema.json").write_text("{}", "utf-8")
    found = bulk.find_units(data, data / "out")
    assert len(found) == 2 and all(p.parent.parent == data for p in found)
    # Workbooks beside the JSON files: the output folder is the data folder, which is not skipped.
    assert len(bulk.find_units(data, data)) == 3


def test_workbooks_beside_their_json_files(tmp_path: Path) -> None:
    files = county(tmp_path, 2)
    first = bulk.run(tmp_path, tmp_path, jobs=1)
    assert first.count("成功") == 2 and (tmp_path / SUMMARY_NAME).is_file()
    assert bulk.run(tmp_path, tmp_path, jobs=1).count("未变化") == 2
    assert workbooks(tmp_path) == {expected_name(p) for p in files}


# ---------------------------------------------------------------- no partial files


def test_interrupted_run_leaves_no_partial_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 5)
    real = render.write_atomic
    calls = []

    def dying_writer(path: Path, payload: bytes) -> None:
        if path.name != bulk.MANIFEST_NAME:  # the manifest is saved too (after the first unit)
            calls.append(path)
        if len(calls) == 3 and path.name != bulk.MANIFEST_NAME:
            # What a kill in the middle of a write leaves: half a temporary file, no workbook.
            (path.parent / ".~killed.tmp").write_bytes(payload[: len(payload) // 2])
            raise KeyboardInterrupt
        real(path, payload)

    monkeypatch.setattr(render, "write_atomic", dying_writer)
    result = invoke(str(data), "-o", str(out), "--jobs", "1", "--silent")
    assert result.exit_code == 1 and "已中断" in result.stderr
    done = workbooks(out)
    assert len(done) == 2
    for name in done:
        openpyxl.load_workbook(out / name, read_only=True).close()
    assert not (out / SUMMARY_NAME).exists()  # no checklist of a half run
    assert not list(out.glob(TMP_PATTERN))  # the abandoned unit's temporary file is removed at once

    monkeypatch.setattr(render, "write_atomic", real)
    report = bulk.run(data, out, jobs=1)
    assert report.stale_removed == 0 and not list(out.glob(TMP_PATTERN))
    assert workbooks(out) == {expected_name(p) for p in files}
    statuses = sorted(o.status for o in report.outcomes)
    assert statuses == ["成功"] * 3 + ["未变化"] * 2  # the two finished before the interruption are kept


def _session_pids(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and SIGKILL")
def test_killed_run_leaves_only_complete_files_and_restarts(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 24, max_projects=30)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "xlsgen", "bulk", str(data), "-o", str(out), "--jobs", "2", "--silent"],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 60
    while len(workbooks(out)) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must not linger
    proc.wait()
    deadline = time.monotonic() + 10
    while _session_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = _session_pids(proc.pid)
    for pid in orphans:  # do not leave them behind when this test fails
        os.kill(pid, signal.SIGKILL)
    assert not orphans, "worker processes outlived the killed run"

    for name in workbooks(out):  # whatever was renamed into place is a whole workbook
        with zipfile.ZipFile(out / name) as z:
            assert z.testzip() is None

    result = invoke(str(data), "-o", str(out), "--silent")
    assert result.exit_code == 0, result.output
    assert not list(out.glob(TMP_PATTERN))
    assert workbooks(out) == {expected_name(p) for p in files}
    for name in workbooks(out):
        openpyxl.load_workbook(out / name, read_only=True).close()


# ---------------------------------------------------------------- incremental runs


def test_incremental_rerun_skips_unchanged_and_redoes_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 4)
    first = bulk.run(data, out, jobs=1)
    assert first.count("成功") == 4
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.xlsx")}

    again = bulk.run(data, out, jobs=1)
    assert again.count("未变化") == 4 and again.ok
    # Nothing changed, nothing written: not the workbooks, not the summary (which lists them still).
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.xlsx")} == mtimes
    _, rows, _ = summary_rows(out)
    assert len(rows) == 5 and all(r["收入合计"] is not None for r in rows[:-1])
    # Written again when it is gone, from the manifest: the units listed as skipped, with their totals.
    (out / SUMMARY_NAME).unlink()
    assert bulk.run(data, out, jobs=1).count("未变化") == 4
    _, rows, _ = summary_rows(out)
    assert len(rows) == 5 and all(r["状态"] == "未变化" for r in rows[:-1])
    assert all(r["收入合计"] is not None for r in rows[:-1])

    d = json.loads(files[2].read_text("utf-8"))
    d["filler"] = "改过的填报人"
    files[2].write_text(json.dumps(d, ensure_ascii=False, indent=2), "utf-8")
    (out / expected_name(files[0])).unlink()  # a deleted workbook is made again
    third = bulk.run(data, out, jobs=1)
    redone = sorted(o.source for o in third.outcomes if o.status == "成功")
    assert redone == sorted(p.relative_to(data).as_posix() for p in (files[0], files[2]))
    ws = openpyxl.load_workbook(out / expected_name(files[2]))["部门整体绩效目标申报表"]
    assert any(c.value == "改过的填报人" for row in ws.iter_rows() for c in row)

    # A new template (or renderer, or xlsgen version) invalidates every workbook.
    monkeypatch.setattr(bulk, "generator_digest", lambda: "another template")
    assert bulk.run(data, out, jobs=1).count("成功") == 4
    monkeypatch.undo()
    assert invoke(str(data), "-o", str(out), "--silent").exit_code == 0  # back to the real digest: redone
    forced = invoke(str(data), "-o", str(out), "--silent", "--force")
    assert forced.exit_code == 0 and "成功 4，跳过 0" in forced.stdout


def test_generator_digest_covers_the_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlsgen import layout

    templates = tmp_path / "templates"
    shutil.copytree(layout.TEMPLATES_DIR, templates)
    monkeypatch.setattr(layout, "TEMPLATES_DIR", templates)
    bulk.generator_digest.cache_clear()
    before = bulk.generator_digest()
    bulk.generator_digest.cache_clear()
    (templates / "project.html.j2").write_text((templates / "project.html.j2").read_text("utf-8") + " ", "utf-8")
    after = bulk.generator_digest()
    bulk.generator_digest.cache_clear()
    assert before != after


# ---------------------------------------------------------------- progress and summary


def test_silent_prints_no_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    county(data, 2)
    loud = invoke(str(data), "-o", str(tmp_path / "a"), "--jobs", "1")
    quiet = invoke(str(data), "-o", str(tmp_path / "b"), "--jobs", "1", "--silent")
    assert loud.exit_code == quiet.exit_code == 0
    assert "2/2" in loud.stderr and "已用" in loud.stderr
    assert quiet.stderr == ""
    assert "共 2 个单位：成功 2" in quiet.stdout


def test_progress_bar_on_a_terminal() -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(4, stream=stream)
    for i in range(1, 5):
        bar.update(i, 1)
    bar.message("失败：x.json：原因")
    bar.close()
    text = stream.getvalue()
    assert "\r" in text and "] 4/4  失败 1" in text and "\r\x1b[K失败：x.json：原因\n" in text
    assert text.endswith("\x1b[?25h\n")  # the cursor is shown again


def _raw_totals(path: Path) -> tuple[Decimal, Decimal, int, Decimal]:
    d = json.loads(path.read_text("utf-8"))
    money = lambda x: Decimal(str(x)).quantize(Decimal("0.01"))  # noqa: E731
    f = d["funding"]
    income = sum(money(f["income"][k]["current"]) for k in ("fiscal", "special", "own"))
    expense = sum(money(f["expense"][k]["current"]) for k in ("personnel", "operating", "targeted"))
    return income, expense, len(d["projects"]), sum(money(p["budget"]) for p in d["projects"])


def test_summary_is_consistent_with_the_units(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    files = county(data, 6, max_projects=4)
    assert invoke(str(data), "-o", str(out), "--silent").exit_code == 0

    header, rows, _ = summary_rows(out, data_only=True)
    assert header[:11] == [
        "单位编码",
        "单位名称",
        "预算年度",
        "收入合计",
        "支出合计",
        "项目数",
        "项目预算合计",
        "状态",
        "错误数",
        "警告数",
        "第一个错误",
    ]
    units, total = rows[:-1], rows[-1]
    assert [r["单位编码"] for r in units] == sorted(load_unit(p).code for p in files)
    by_file = {r["数据文件"]: r for r in units}
    sums = [Decimal("0.00"), Decimal("0.00"), 0, Decimal("0.00")]
    for p in files:
        row = by_file[p.relative_to(data).as_posix()]
        income, expense, n, budget = _raw_totals(p)
        assert (Decimal(str(row["收入合计"])), Decimal(str(row["支出合计"]))) == (income, expense)
        assert row["项目数"] == n and Decimal(str(row["项目预算合计"])).quantize(Decimal("0.01")) == budget
        assert (out / row["工作簿"]).is_file()
        sums = [sums[0] + income, sums[1] + expense, sums[2] + n, sums[3] + budget]
    # Totals row: live formulas whose cached values match the units.
    assert total["单位编码"] == "合计"
    assert Decimal(str(total["收入合计"])).quantize(Decimal("0.01")) == sums[0]
    assert Decimal(str(total["支出合计"])).quantize(Decimal("0.01")) == sums[1]
    assert total["项目数"] == sums[2]

    wb = openpyxl.load_workbook(out / SUMMARY_NAME)
    ws = wb["汇总表"]
    n = len(files)
    assert ws.cell(n + 2, 4).value == f"=SUM(D2:D{n + 1})"
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref == f"A1:M{n + 1}"
    assert ws["D2"].number_format == "0.00" and ws["A1"].font.name == "宋体" and ws["B2"].font.name == "宋体"
    link = ws.cell(2, 12).hyperlink
    assert link is not None and link.target == ws.cell(2, 12).value
    assert ws.column_dimensions["G"].width >= 12  # 项目预算合计 fits
    assert wb["问题清单"].freeze_panes == "A2"


def test_summary_is_deterministic(tmp_path: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    county(data, 3)
    bulk.run(data, out, jobs=1, force=True)
    first = (out / SUMMARY_NAME).read_bytes()
    time.sleep(1.1)  # a clock in the file would now differ
    bulk.run(data, out, jobs=1, force=True)
    assert (out / SUMMARY_NAME).read_bytes() == first


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def test_summary_parts_are_the_same_through_a_temporary_folder_or_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """汇总表's parts go through a private temporary folder (a county's 指标明细 is tens of megabytes,
    which xlsxwriter holds three times over in memory); the workbook must be the one written in
    memory, part for part, and be written in memory when the folder cannot be made or written."""
    from xlsgen import summary

    data = tmp_path / "data"
    county(data, 4, max_projects=3)
    (data / "坏.json").write_text("{", "utf-8")  # a failed unit: problem rows too
    outcomes = sorted(bulk.run(data, tmp_path / "out", jobs=1, summary=False).outcomes, key=summary._sort_key)
    in_memory = summary._summary_bytes(outcomes, None)
    folders: list[str] = []
    made = tempfile.mkdtemp

    def mkdtemp(**kw: str) -> str:
        folders.append(made(**kw))
        return folders[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    through_files = summary.summary_bytes(outcomes)
    assert folders and not os.path.exists(folders[0])  # used, then removed
    assert _parts(through_files) == _parts(in_memory)
    assert len(_parts(in_memory)["xl/worksheets/sheet3.xml"]) > 10_000  # 指标明细 is really in it

    def refused(**kw: str) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    assert summary.summary_bytes(outcomes) == in_memory

    def full(*args: object, **kw: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    monkeypatch.setattr(os, "utime", full)  # xlsxwriter stamps each part file before zipping it
    assert summary.summary_bytes(outcomes) == in_memory
    assert not any(os.path.exists(f) for f in folders)


def _held_once(units: list[Any]) -> bool:
    """Some text is in two units' indicator rows, and every such text is one object."""
    first = {v: v for row in units[0].indicators for v in row if v}
    common = [v for row in units[1].indicators for v in row if v in first]
    return bool(common) and all(first[v] is v for v in common)


def test_a_countys_indicator_texts_are_held_once_until_the_summary(tmp_path: Path) -> None:
    data = tmp_path / "data"
    county(data, 3, max_projects=2)
    outcomes = [o for o in bulk.run(data, tmp_path / "out", jobs=2, summary=False).outcomes if o.indicators]
    assert len(outcomes) == 3 and _held_once(outcomes)  # from two workers: each row unpickled apart
    # Units answered from the manifest are read from their JSON files for the summary: held once too.
    first_file = sorted(data.rglob("*.json"))[0]
    first_file.write_text(first_file.read_text("utf-8").replace('"filler": "', '"filler": "改'), "utf-8")
    report = bulk.run(data, tmp_path / "out", jobs=1)
    skipped = [o for o in report.outcomes if o.status == bulk.SKIPPED]
    assert len(skipped) == 2 and _held_once(skipped)


def test_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = invoke(str(tmp_path / "empty"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "没有找到" in result.stderr
    assert invoke(str(tmp_path / "missing")).exit_code == 2
