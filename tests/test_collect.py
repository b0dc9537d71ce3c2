"""``xlsgen collect`` at the scale of a county (issue 15): the index of issued units built once, only
what the checklist needs kept per return, the returns read in a process pool with the serial result,
and xlsgen's own 汇总表 told by its document properties before the size checks refuse it."""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from xlsgen import collect as collect_mod
from xlsgen import safety
from xlsgen.ledger import ledger_bytes
from xlsgen.model import Unit
from xlsgen.render import workbook_bytes

from .conftest import ROOT
from .test_season import _filled_as, _ledger, _returns, cli

SUMMARY_REASON = "是 xlsgen 生成的汇总表，不是交回的申报表"


def _outcome(county: Path, jobs: int) -> tuple[bytes, dict[str, bytes], list[tuple[str, str]]]:
    """The checklist's bytes, every .returned.json and the loose returns of one run, from a clean state."""
    for stale in (county / "data").rglob("*.returned.json"):
        stale.unlink()
    ledger = collect_mod.collect(county / "交回", county / "data", jobs=jobs, checklist=county / "台账.xlsx")
    written = {p.name: p.read_bytes() for p in sorted((county / "data").rglob("*.returned.json"))}
    loose = [(str(r.path), r.reason) for r in ledger.loose]
    return ledger_bytes(ledger, county / "台账.xlsx"), written, loose


def test_the_issued_units_are_indexed_once_for_all_the_returns(county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _returns(county)
    calls = []
    real = collect_mod._squash
    monkeypatch.setattr(collect_mod, "_squash", lambda text: calls.append(text) or real(text))
    ledger = collect_mod.collect(county / "交回", county / "data", jobs=1)
    issued, returns = len(ledger.entries), len(collect_mod.find_returns(county / "交回"))
    assert issued >= 5 and returns >= 5
    # Each issued name squashed once for the index, and each return's at most once to look it up
    # (rebuilt per return, it would be issued × returns).
    assert len(calls) <= issued + returns


def test_a_return_keeps_no_unit_nor_cells(county: Path) -> None:
    _returns(county)
    ledger = collect_mod.collect(county / "交回", county / "data", jobs=1)
    returns = [r for e in ledger.entries for r in e.returns] + ledger.loose
    assert len(returns) >= 6
    for obj in [e.issued for e in ledger.entries] + returns:
        assert not any(isinstance(v, (Unit, dict)) for v in vars(obj).values()), obj
    accepted = [e.accepted for e in ledger.entries if e.accepted is not None]
    assert accepted and all(r.text.startswith("{") for r in accepted)
    # What _settle writes is the returned unit's canonical text, as a unit file holds it.
    for e in ledger.entries:
        if e.accepted is not None and e.written:
            assert e.written[0].read_text("utf-8") == e.accepted.text


def test_a_pool_gives_what_one_process_gives(county: Path) -> None:
    _returns(county)
    serial = _outcome(county, jobs=1)
    pooled = _outcome(county, jobs=2)
    assert serial[1] and serial[2]  # something written, something loose: the comparison says something
    assert pooled == serial


_SPAWNED_COLLECT = """
import multiprocessing, sys
from pathlib import Path
from xlsgen import collect
from xlsgen.ledger import ledger_bytes
if __name__ == "__main__":
    multiprocessing.set_start_method(sys.argv[1])
    county = Path(sys.argv[2])
    ledger = collect.collect(county / "交回", county / "data", jobs=2, checklist=county / "台账.xlsx")
    sys.stdout.buffer.write(ledger_bytes(ledger, county / "台账.xlsx"))
"""


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_a_pool_of_fresh_workers_gives_what_one_process_gives(county: Path, method: str) -> None:
    """Workers started by spawn (Windows) or forkserver (Python 3.14) get the index of issued units
    only through the pool's initializer, pickled: nothing is inherited from the main process."""
    _returns(county)
    checklist, written, _ = _outcome(county, jobs=1)
    for stale in (county / "data").rglob("*.returned.json"):
        stale.unlink()
    script = county / "spawned_collect.py"
    script.write_text(_SPAWNED_COLLECT, "utf-8")
    done = subprocess.run([sys.executable, str(script), method, str(county)], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert written and done.stdout == checklist
    assert {p.name: p.read_bytes() for p in sorted((county / "data").rglob("*.returned.json"))} == written


def test_a_return_the_same_as_its_issued_file_has_no_changes(county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlsgen.diff import diff_units
    from xlsgen.model import load_unit

    _returns(county)
    collect_mod.collect(county / "交回", county / "data", apply=True)  # the issued files now hold the returns
    compared = []
    real = collect_mod._without_draft
    monkeypatch.setattr(collect_mod, "_without_draft", lambda unit: compared.append(unit) or real(unit))
    ledger = collect_mod.collect(county / "交回", county / "data")
    same = [e for e in ledger.entries if e.accepted is not None and e.issued.raw == e.accepted.text.encode()]
    # Passed and warnings only: applied; the blank form back (900302) is the issued blank form.
    assert {e.issued.code for e in same} == {"900101", "900202", "900302"}
    # Compared field by field: only 900201's (its errors kept it from --apply) and the two versions of 900301.
    assert sorted(u.code for u in compared) == ["900201", "900301", "900301"]
    for e in ledger.entries:  # the oracle: the diff of the two units, as made before
        if e.accepted is not None:
            expected = diff_units(load_unit(e.issued.path), load_unit(e.written[0]))
            assert [(c.path, c.old, c.new) for c in e.changes] == [(c.path, c.old, c.new) for c in expected]
            assert bool(expected) == (e.issued.code == "900201")


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches workers by fork")
def test_a_dying_worker_costs_its_return_only(county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _returns(county)
    (county / "交回" / "崩溃.xlsx").write_bytes(workbook_bytes(_filled_as("900401", county / "data")))
    real = collect_mod.examine

    def examine(path: Path, index: collect_mod.Index) -> collect_mod.Return:
        if path.name == "崩溃.xlsx":
            os._exit(3)  # as the OOM killer would end it
        return real(path, index)

    monkeypatch.setattr(collect_mod, "examine", examine)
    ledger = collect_mod.collect(county / "交回", county / "data", jobs=2)
    crashed = [r for r in ledger.loose if r.path.name == "崩溃.xlsx"]
    assert len(crashed) == 1 and "工作进程意外退出" in crashed[0].reason
    assert [p.code for p in crashed[0].problems] == ["E-BUG"]
    assert {e.issued.code: e.status for e in ledger.entries}["900101"] == collect_mod.PASSED


def test_a_bug_reading_one_return_costs_that_return_only(county: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _returns(county)
    real = collect_mod.read_return

    def read_return(path: Path):  # type: ignore[no-untyped-def]
        if path.name == "一中.xlsx":
            raise RuntimeError("boom")
        return real(path)

    monkeypatch.setattr(collect_mod, "read_return", read_return)
    ledger = collect_mod.collect(county / "交回", county / "data", jobs=1)
    failed = [r for r in ledger.loose if r.path.name == "一中.xlsx"]
    assert len(failed) == 1 and "RuntimeError: boom" in failed[0].reason
    assert {e.issued.code: e.status for e in ledger.entries}["900101"] == collect_mod.PASSED


def test_an_interrupted_collect_writes_nothing(county: Path) -> None:
    _returns(county)

    def interrupt(ret: collect_mod.Return, done: int, total: int) -> None:
        if done == 1:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C after the first return

    ledger = collect_mod.collect(county / "交回", county / "data", jobs=1, on_done=interrupt)
    assert ledger.interrupted
    assert not list((county / "data").rglob("*.returned.json"))


def test_cli_collect_in_a_pool_prints_what_one_process_prints(county: Path) -> None:
    _returns(county)
    one = cli(
        "collect", county / "交回", "--issued", county / "data", "-o", county / "a.xlsx", "--jobs", "1", "--silent"
    )
    two = cli(
        "collect", county / "交回", "--issued", county / "data", "-o", county / "b.xlsx", "--jobs", "2", "--silent"
    )
    assert one.exit_code == two.exit_code == 1  # the unknown unit and the two versions of 900301
    assert one.output.replace("a.xlsx", "b.xlsx") == two.output
    assert "外县.xlsx" in one.output
    assert _ledger(county / "a.xlsx") == _ledger(county / "b.xlsx")


def test_a_county_summary_in_the_returns_folder_is_told_apart_not_refused_for_its_size(
    county: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ret = county / "交回"
    ret.mkdir()
    (ret / "汇总表.xlsx").write_bytes((county / "output" / "汇总表.xlsx").read_bytes())
    (ret / "a.xlsx").write_bytes(workbook_bytes(_filled_as("900101", county / "data")))
    # Past the (lowered) limits every workbook is refused by open_package, the summary too.
    monkeypatch.setattr(safety, "MAX_CELLS", 10)
    monkeypatch.setattr(safety, "_PLAIN_LIMIT", 0)  # the shortcut for parts too short to reach the real limits
    with pytest.raises(safety.UnsafeFileError, match="超过上限"):
        safety.open_package((ret / "汇总表.xlsx").read_bytes(), "汇总表.xlsx")
    ledger = collect_mod.collect(ret, county / "data", jobs=1)
    reasons = {r.path.name: r.reason for r in ledger.loose}
    # The summary is told by its document properties; a form is still refused (no defence is skipped).
    assert reasons["汇总表.xlsx"] == SUMMARY_REASON and "超过上限" in reasons["a.xlsx"]
    assert [p for r in ledger.loose if r.path.name == "汇总表.xlsx" for p in r.problems] == []


def _with_custom(xml: bytes, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compress) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("docProps/custom.xml", xml)
    return buf.getvalue()


CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="xlsgen_kind">'
    b"<vt:lpwstr>%s</vt:lpwstr></property></Properties>"
)


def test_peek_properties_reads_the_custom_properties_and_nothing_hostile() -> None:
    assert safety.peek_properties(_with_custom(CUSTOM % "汇总表".encode()), "x.xlsx") == {"xlsgen_kind": "汇总表"}
    assert safety.peek_properties(_with_custom(CUSTOM % b"x", zipfile.ZIP_STORED), "x.xlsx") == {"xlsgen_kind": "x"}
    laughs = b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]>' + (CUSTOM % b"&a;").split(b"?>", 1)[1]
    assert safety.peek_properties(_with_custom(laughs), "x.xlsx") == {}  # a DTD: not parsed
    assert safety.peek_properties(_with_custom(b"<Properties"), "x.xlsx") == {}  # not XML
    whole = _with_custom(CUSTOM % b"x")
    assert safety.peek_properties(whole[:-30], "x.xlsx") == {}  # truncated
    stored = _with_custom(CUSTOM % b"x", zipfile.ZIP_STORED)
    assert safety.peek_properties(stored.replace(b"xlsgen_kind", b"xlsgen_kinx"), "x.xlsx") == {}  # CRC
    assert safety.peek_properties(b"", "x.xlsx") == safety.peek_properties(safety.OLE2 + whole, "x.xlsx") == {}
    assert safety.peek_properties(_with_custom(b" " * (safety.MAX_PEEKED + 1)), "x.xlsx") == {}  # too long to peek at


@pytest.mark.parametrize(
    "existing, said",
    [
        ("list", "不是收集台账"),  # -o mistyped as the unit list
        ("garbage", "无法读取已有的收集台账"),  # a damaged checklist
    ],
)
def test_a_checklist_that_cannot_be_read_is_not_written_over(county: Path, existing: str, said: str) -> None:
    """Its remarks (or the other workbook) would be lost: nothing is written and the clerk is told why."""
    _returns(county)
    target = county / "收集台账.xlsx"
    if existing == "list":
        shutil.copy(ROOT / "examples" / "单位清单.xlsx", target)
    else:
        target.write_bytes(b"PK\x03\x04 not a zip any more")
    before = target.read_bytes()
    result = cli("collect", county / "交回", "--issued", county / "data", "-o", target, "--silent")
    assert result.exit_code == 1
    assert said in result.output and str(target) in result.output and "-o" in result.output, result.output
    assert target.read_bytes() == before
    assert not list((county / "data").rglob("*.returned.json"))  # refused before any return was read
