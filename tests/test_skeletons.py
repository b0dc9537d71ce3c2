"""What package.py takes from xlsxwriter, kept on disk (xlsgen/skeletons.py): a later process writes the
same bytes without importing xlsxwriter, and a damaged, stale or unwritable entry only costs a rebuild."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from xlsgen import package, render, skeletons, tplcache
from xlsgen.model import Unit, load_unit
from xlsgen.sheet import col_name

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "data").glob("*.json"))  # forms of several shapes (sections, projects)
EXAMPLE = EXAMPLES[0]
on_tested_versions = pytest.mark.skipif(
    not package.enabled(), reason=f"xlsxwriter {xlsxwriter.__version__} is not a tested version"
)

# A fresh interpreter writes the examples' workbooks and says whether it imported xlsxwriter to do it.
_WRITE = """
import sys
from pathlib import Path
from xlsgen.model import load_unit
from xlsgen.render import workbook_bytes
for name in sys.argv[2:]:
    Path(sys.argv[1], Path(name).stem + ".xlsx").write_bytes(workbook_bytes(load_unit(name)))
print("xlsxwriter" in sys.modules)
"""


def public(unit: Unit, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """The workbook through xlsxwriter's public API, the reference package.py must equal."""
    monkeypatch.setattr(render, "FAST", False)
    try:
        return render.workbook_bytes(unit)
    finally:
        monkeypatch.setattr(render, "FAST", True)


def in_fresh_process(tmp: Path, out: Path) -> bool:
    # Jinja's folder is under the temporary folder: TMPDIR names it, TMP and TEMP on Windows.
    env = {**os.environ, "TMPDIR": str(tmp), "TMP": str(tmp), "TEMP": str(tmp), "PYTHONPATH": str(ROOT)}
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _WRITE, str(out), *map(str, EXAMPLES)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "True"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private folder for the entries, and nothing kept in memory."""
    where = tmp_path / "cache"
    where.mkdir(mode=0o700)
    monkeypatch.setattr(tplcache, "folder", lambda: str(where))
    monkeypatch.setattr(skeletons, "_kept", {})
    return where


@on_tested_versions
def test_a_later_process_writes_the_same_bytes_without_importing_xlsxwriter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert in_fresh_process(tmp_path, first)  # nothing on disk yet: xlsxwriter made the entries
    shapes = list(tmp_path.glob("**/__xlsgen_skeleton_*.bin"))  # in _jinja2-cache-<user>, or on Windows right there
    assert len(shapes) > 1  # the examples are of more than one shape
    assert not in_fresh_process(tmp_path, second)
    for path in EXAMPLES:
        name = f"{path.stem}.xlsx"
        assert (second / name).read_bytes() == (first / name).read_bytes() == public(load_unit(path), monkeypatch)


def _letter_flipped(entry: bytes) -> bytes:
    """The last lowercase letter of the entry's JSON header in upper case."""
    start = len(b"xlsgen-skeleton\n") + 8
    n = int.from_bytes(entry[start - 4 : start], "little")
    i = start + max(i for i, ch in enumerate(entry[start : start + n]) if 97 <= ch <= 122)
    return entry[:i] + bytes([entry[i] - 32]) + entry[i + 1 :]


@on_tested_versions
@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b"",
        lambda b: b[: len(b) // 2],
        lambda b: b[:-1] + bytes([b[-1] ^ 1]),  # a part's last byte
        lambda b: b[:30] + bytes([b[30] ^ 1]) + b[31:],  # inside the header
        lambda b: b + b"x",
        lambda b: b"xlsgen-skeleton\n" + b"\0" * 40,
        lambda b: _letter_flipped(b),  # still valid JSON, saying something else: only the CRC tells
    ],
    ids=["empty", "truncated", "part", "header", "appended", "garbage", "text"],
)
def test_a_damaged_entry_is_made_again(folder: Path, monkeypatch: pytest.MonkeyPatch, damage) -> None:
    unit = load_unit(EXAMPLE)
    expected = public(unit, monkeypatch)
    assert render.workbook_bytes(unit) == expected
    entries = sorted(folder.glob("__xlsgen_*.bin"))
    assert {p.name.split("_")[3] for p in entries} == {"keys", "skeleton", "properties"}
    for path in entries:
        good = path.read_bytes()
        path.write_bytes(damage(good))
        assert skeletons._load(path) is None
        monkeypatch.setattr(skeletons, "_kept", {})
        assert render.workbook_bytes(unit) == expected, path.name
        assert path.read_bytes() == good  # written again, whole
        assert skeletons._load(path) is not None


@on_tested_versions
def test_without_a_folder_or_with_one_that_cannot_be_written_the_bytes_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = load_unit(EXAMPLE)
    expected = public(unit, monkeypatch)
    for where in (None, str(tmp_path / "missing" / "folder")):
        monkeypatch.setattr(tplcache, "folder", lambda where=where: where)
        monkeypatch.setattr(skeletons, "_kept", {})
        assert render.workbook_bytes(unit) == expected
    assert not (tmp_path / "missing").exists()


def test_an_entry_is_named_by_everything_its_content_depends_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tplcache, "folder", lambda: "/somewhere")
    base = skeletons.entry_path("skeleton", ("a",))
    assert base is not None and base == skeletons.entry_path("skeleton", ("a",))
    assert skeletons.entry_path("skeleton", ("b",)) != base
    assert skeletons.entry_path("keys", ("a",)) != base
    monkeypatch.setattr(skeletons, "writer_version", lambda: "9.9.9")
    assert skeletons.entry_path("skeleton", ("a",)) != base
    monkeypatch.undo()
    monkeypatch.setattr(tplcache, "folder", lambda: "/somewhere")
    monkeypatch.setattr(zlib, "ZLIB_RUNTIME_VERSION", "0.0.0")
    assert skeletons.entry_path("skeleton", ("a",)) != base
    monkeypatch.undo()
    monkeypatch.setattr(tplcache, "folder", lambda: "/somewhere")
    monkeypatch.setattr(skeletons, "_code_digest", lambda: "another source")
    assert skeletons.entry_path("skeleton", ("a",)) != base


def test_the_version_read_from_the_source_is_the_modules_own() -> None:
    assert skeletons._source_version() == xlsxwriter.__version__


def test_column_names_are_xlsxwriters() -> None:
    assert [col_name(c) for c in range(16384)] == [xl_col_to_name(c) for c in range(16384)]
