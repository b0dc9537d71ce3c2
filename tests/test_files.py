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
