"""files.py: atomic, durable writes and safe names; progress.py: the bar on a terminal and in a log."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from xlsgen import files
from xlsgen.errors import DataError, Location, OutputError
from xlsgen.progress import Progress


def test_write_atomic_flushes_the_file_and_its_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "sub" / "a.xlsx"
    files.write_atomic(target, b"data")
    assert target.read_bytes() == b"data"
    assert synced == ["file", "dir"]  # the bytes before the rename, the folder's entry after it
    assert not list(target.parent.glob(files.TMP_PATTERN))


def _fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every fsync from now on: ("file", its inode) or ("dir", "")."""
    synced: list[tuple[str, str]] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        st = os.fstat(fd)
        synced.append(("dir", "") if stat.S_ISDIR(st.st_mode) else ("file", str(st.st_ino)))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_in_a_batch_each_file_is_flushed_and_its_folder_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = _fsyncs(monkeypatch)
    with files.batch_synced(tmp_path):
        for n in range(3):
            files.write_atomic(tmp_path / f"{n}.xlsx", b"data")
        assert [kind for kind, _ in synced] == ["file"] * 3  # every file's bytes before its rename
        files.sync_folder(tmp_path)  # the caller's flush after a batch
        files.write_atomic(tmp_path / "other" / "x.json", b"{}")  # another folder: flushed as always
    assert [kind for kind, _ in synced] == ["file"] * 3 + ["dir", "file", "dir", "dir"]
    assert sorted(p.name for p in tmp_path.glob("*.xlsx")) == ["0.xlsx", "1.xlsx", "2.xlsx"]
    synced.clear()
    files.write_atomic(tmp_path / "3.xlsx", b"data")  # after the batch: per file again
    assert [kind for kind, _ in synced] == ["file", "dir"]


def test_bulk_flushes_the_output_folder_with_its_manifest_not_per_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlsgen import bulk

    from .conftest import filled_unit

    data = tmp_path / "data"
    data.mkdir()
    for n in range(4):
        unit = filled_unit()
        unit.code, unit.name = f"45000{n}", f"测试单位{n}"
        (data / f"{n}.json").write_text(unit.to_json(), "utf-8")
    saves: list[int] = []
    real_save = bulk.save_manifest
    monkeypatch.setattr(bulk, "save_manifest", lambda *a, **k: (saves.append(1), real_save(*a, **k))[1])
    synced = _fsyncs(monkeypatch)
    report = bulk.run(data, tmp_path / "out", jobs=1, summary=False)
    assert report.count(bulk.OK) == 4
    dirs = sum(1 for kind, _ in synced if kind == "dir")
    files_synced = sum(1 for kind, _ in synced if kind == "file")
    assert files_synced == 4 + len(saves)  # each workbook and each manifest, before its rename
    assert dirs == len(saves) + 1 < 4 + len(saves)  # with each manifest, and once on the way out


def test_write_atomic_failure_is_located_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "a.xlsx"
    with pytest.raises(OutputError) as err:
        files.write_atomic(target, b"data")
    assert err.value.problems[0].location == Location(str(target))
    assert err.value.problems[0].code == "E-NO-SPACE" and "磁盘空间不足" in err.value.problems[0].message
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_unit_file_is_a_located_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError) as err:
        files.read_unit_bytes(tmp_path / "没有.json")
    assert err.value.problems[0].location == Location(str(tmp_path / "没有.json"))
    assert "无法读取文件" in str(err.value)


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("450001", "怀来县/医保局", "450001-怀来县_医保局.xlsx"),
        ("4", 'a:b*c"d', "4-a_b_c_d.xlsx"),
        ("..", "", "-.xlsx"),
    ],
)
def test_workbook_names_are_safe(code: str, name: str, expected: str) -> None:
    assert files.workbook_name(code, name) == expected


def test_progress_in_a_log_is_plain_lines_every_tenth() -> None:
    log = io.StringIO()  # not a terminal
    bar = Progress(20, stream=log)
    for i in range(1, 21):
        bar.update(i, i // 10)
    bar.close()
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and "\x1b" not in log.getvalue()
    assert [line.split()[1] for line in lines] == ["1/20", *(f"{n}/20" for n in range(2, 21, 2))]  # first, each tenth
    assert lines[-1].startswith("[########################] 20/20  失败 2  已用 ")


def test_progress_silent_prints_nothing_but_messages() -> None:
    log = io.StringIO()
    bar = Progress(3, stream=log, enabled=False)
    bar.update(1, 1)
    bar.message("失败：x.json：原因")
    bar.update(3, 1)
    bar.close()
    assert log.getvalue() == "失败：x.json：原因\n"
