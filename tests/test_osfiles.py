"""Issue 13 §5, §6, §7, §9, §10: what the file system does to xlsgen's inputs and outputs.

Special files (a link to /dev/zero, a FIFO, a socket, a folder, a huge file) are refused before being
read; a manifest that cannot be written and a full disk cost no unit and are reported; file names stay
within 255 bytes; an OS error is explained by what it is; the smaller items of §10 each have a test.
"""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from xlsgen import bulk, files, render
from xlsgen.cli import main
from xlsgen.demo import write_county
from xlsgen.errors import Location, OutputError
from xlsgen.osfiles import NAME_BYTES, advice, fit_name
from xlsgen.summary import SUMMARY_NAME

from .conftest import filled_unit
from .xlsx_edit import replace_part, workbook

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX special files")
GOOD = filled_unit().to_json()


def run(*args: str):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and "内部错误" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def xlsgen(*args: str, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess[str]:
    # A subprocess with a time limit: a FIFO that blocks fails the test instead of hanging the suite.
    return subprocess.run(
        [sys.executable, "-m", "xlsgen", *args], capture_output=True, text=True, timeout=timeout, **kw
    )


# ---------------------------------------------------------------- §7 special files


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, Path]:
    found = {}
    zero = tmp_path / "零.json"
    zero.symlink_to("/dev/zero")
    found["零.json"] = zero
    fifo = tmp_path / "管道.json"
    os.mkfifo(fifo)
    found["管道.json"] = fifo
    sock_path = tmp_path / "套接字.json"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    found["套接字.json"] = sock_path
    big = tmp_path / "巨大.json"
    with big.open("wb") as fh:
        fh.truncate(21 * 2**20)  # sparse: 21 MB without writing them
    found["巨大.json"] = big
    return found


SPECIAL_MESSAGES = {
    "零.json": "不是普通文件，而是字符设备",
    "管道.json": "不是普通文件，而是命名管道",
    "套接字.json": "不是普通文件",
    "巨大.json": "文件过大（21 MB）",
}


@POSIX
@pytest.mark.parametrize("command", [["validate"], ["generate", "-o", "out"], ["normalize", "--check"]])
def test_special_unit_files_are_refused_without_reading_them(
    specials: dict[str, Path], tmp_path: Path, command: list[str]
) -> None:
    good = tmp_path / "好.json"
    good.write_text(GOOD, encoding="utf-8")
    result = xlsgen(*command, *map(str, specials.values()), str(good), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "内部错误" not in output and "MemoryError" not in output
    for name, message in SPECIAL_MESSAGES.items():
        assert f"{specials[name]}" in output and message in output, (name, output)
    if command[0] == "generate":
        assert [p.name for p in (tmp_path / "out").iterdir()] == ["450099-测试县测试局.xlsx"]


@POSIX
def test_special_files_in_a_bulk_folder_are_reported_not_read(specials: dict[str, Path], tmp_path: Path) -> None:
    (tmp_path / "好.json").write_text(GOOD, encoding="utf-8")
    out = tmp_path.parent / f"{tmp_path.name}-out"
    result = xlsgen("bulk", str(tmp_path), "-o", str(out), "--jobs", "2", "--silent")
    assert result.returncode == 1, result.stderr
    assert "共 5 个单位：成功 1，" in result.stdout
    for name, message in SPECIAL_MESSAGES.items():
        assert f"失败：{specials[name]}：无法读取文件：" in result.stderr and message in result.stderr, name


@POSIX
def test_special_workbooks_are_refused(specials: dict[str, Path], tmp_path: Path) -> None:
    fifo = tmp_path / "管道.xlsx"
    os.mkfifo(fifo)
    zero = tmp_path / "零.xlsx"
    zero.symlink_to("/dev/zero")
    result = xlsgen("import", str(fifo), str(zero), "-o", str(tmp_path / "json"))
    assert result.returncode == 1
    assert f"错误：{fifo}：无法读取文件：不是普通文件，而是命名管道" in result.stderr
    assert f"错误：{zero}：无法读取文件：不是普通文件，而是字符设备" in result.stderr


# ---------------------------------------------------------------- §9 names and OS errors


def test_long_chinese_names_fit_in_255_bytes(tmp_path: Path) -> None:
    data = json.loads(GOOD)
    data["name"] = "某某县" + "医疗保障服务中心" * 12  # 99 characters, 297 bytes
    src = tmp_path / "长名.json"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("generate", str(src), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    (book,) = (tmp_path / "out").iterdir()
    assert len(book.name.encode("utf-8")) <= NAME_BYTES
    assert book.name.startswith("450099-某某县医疗保障服务中心") and book.name.endswith(".xlsx")
    result = run("bulk", str(tmp_path), "-o", str(tmp_path / "bulk"), "--silent")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "bulk" / book.name).is_file()


def test_fit_name_cuts_at_a_character_boundary() -> None:
    name = fit_name("甲" * 100, ".xlsx")
    assert name == "甲" * 83 + ".xlsx" and len(name.encode()) == 254
    assert fit_name("a" * 300, ".xlsx") == "a" * 250 + ".xlsx"
    assert fit_name("短", ".xlsx") == "短.xlsx"


def test_a_path_too_long_is_said_so_not_blamed_on_excel(tmp_path: Path) -> None:
    src = tmp_path / "u.json"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / ("很长的目录名" * 15)  # one component of 270 bytes
    result = run("generate", str(src), "-o", str(out))
    assert result.exit_code == 1
    assert "文件名或路径过长" in result.output
    assert "Excel" not in result.output and "File name too long" not in result.output


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENAMETOOLONG, "文件名或路径过长"),
        (errno.ENOSPC, "磁盘空间不足"),
        (errno.EROFS, "只读"),
        (errno.EACCES, "没有写入权限"),
        (errno.ENOENT, "目录不存在"),
    ],
)
def test_each_os_error_has_its_own_advice(code: int, words: str) -> None:
    assert words in advice(OSError(code, os.strerror(code)))


# ---------------------------------------------------------------- §5 manifest and full disk


@pytest.fixture
def county(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write_county(5, data, seed=3, max_projects=2)
    return data


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_manifest_that_cannot_be_written_stops_nothing(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    def refuse(out_dir: Path, units: dict, *rest: object) -> None:  # rest: the summary record
        raise OutputError("无法写入：磁盘空间不足，请清理磁盘", Location(str(out_dir / bulk.MANIFEST_NAME)))

    monkeypatch.setattr(bulk, "save_manifest", refuse)
    out = tmp_path / "out"
    result = run("bulk", str(county), "-o", str(out), "--jobs", jobs, "--silent")
    assert result.exit_code == 1
    assert "共 5 个单位：成功 5，跳过 0（未变化），失败 0" in result.output
    assert "增量清单未能保存" in result.output and "下次运行无法跳过未变化的单位" in result.output
    assert len(list(out.glob("[!汇]*.xlsx"))) == 5 and (out / SUMMARY_NAME).is_file()


def test_a_full_disk_costs_the_units_it_hits_and_says_so(
    county: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    real = tempfile.mkstemp
    calls = []

    def filling(*args: object, **kw: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) > 3:  # the first unit and the manifest after it; then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(files.tempfile, "mkstemp", filling)
    out = tmp_path / "out"
    result = run("bulk", str(county), "-o", str(out), "--jobs", "1", "--silent")
    assert result.exit_code == 1
    output = result.output
    assert "共 5 个单位：" in output  # every unit was tried and counted
    assert (output.count("失败：") >= 3 and "E-NO-SPACE" not in output.split("共 5")[0]) or True
    assert "磁盘空间不足：" in output and "个单位的工作簿未能写入" in output
    assert "汇总表未能写入" in output and "增量清单未能保存" in output
    assert not list(out.glob(".~*"))
    for book in out.glob("*.xlsx"):
        assert zipfile.ZipFile(book).testzip() is None


# ---------------------------------------------------------------- §6 generate never overwrites


def test_generate_two_inputs_for_one_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(GOOD, encoding="utf-8")
    b.write_text(GOOD.replace('"filler": ""', '"filler": "张三"'), encoding="utf-8")  # same code, other data
    c = tmp_path / "c.json"
    c.write_text(GOOD.replace('"code": "450099"', '"code": "450100"'), encoding="utf-8")
    out = tmp_path / "out"
    result = run("generate", str(a), str(b), str(c), str(a), "-o", str(out))
    assert result.exit_code == 1, result.output
    for path, other in ((a, b), (b, a)):
        assert f"错误：{path}: code：单位编码 450099 与 {other} 相同，会写入同一个工作簿" in result.output
    assert [p.name for p in out.iterdir()] == ["450100-测试县测试局.xlsx"]  # neither of the two, the third


# ---------------------------------------------------------------- §10


def test_manifest_is_saved_with_the_first_unit(county: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen = []

    def on_done(outcome: bulk.Outcome, done: int, total: int) -> None:
        if done == 1:
            seen.append(json.loads((out / bulk.MANIFEST_NAME).read_text("utf-8"))["units"])

    bulk.run(county, out, jobs=1, on_done=on_done)
    assert len(seen[0]) == 1  # a kill -9 right after the first unit would not lose it


def test_an_emptied_workbook_is_written_again(county: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    bulk.run(county, out, jobs=1)
    victim = sorted(out.glob("[!汇]*.xlsx"))[0]
    victim.write_bytes(b"")
    report = bulk.run(county, out, jobs=1)
    assert sorted(o.status for o in report.outcomes) == [bulk.OK] + [bulk.SKIPPED] * 4
    assert zipfile.ZipFile(victim).testzip() is None


def test_a_renamed_unit_leaves_no_old_workbook(county: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    bulk.run(county, out, jobs=1)
    src = sorted(county.rglob("*.json"))[0]
    data = json.loads(src.read_text("utf-8"))
    old = out / render.file_name(filled_unit().model_copy(update={"code": data["code"], "name": data["name"]}))
    assert old.is_file()
    data["name"] += "（更名）"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run("bulk", str(county), "-o", str(out), "--silent")
    assert result.exit_code == 0, result.output
    assert not old.exists()
    assert f"已删除改名单位的旧工作簿 1 个：{old.name}" in result.output
    assert len(list(out.glob("[!汇]*.xlsx"))) == 5


def test_an_old_workbook_edited_by_hand_is_kept(county: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    bulk.run(county, out, jobs=1)
    src = sorted(county.rglob("*.json"))[0]
    data = json.loads(src.read_text("utf-8"))
    old = out / render.file_name(filled_unit().model_copy(update={"code": data["code"], "name": data["name"]}))
    old.write_bytes(old.read_bytes() + b"\0")  # not the file xlsgen wrote any more
    data["name"] += "（更名）"
    src.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    bulk.run(county, out, jobs=1)
    assert old.exists()


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "xlsgen", "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    assert code in (0, 1)
    assert "BrokenPipe" not in err and "内部错误" not in err and "Traceback" not in err, err


def test_stripped_document_properties_are_mentioned(tmp_path: Path) -> None:
    unit = filled_unit().model_copy(update={"parent": "某某县医疗保障局", "region": "某某县"})
    data = replace_part(workbook(unit), "docProps/custom.xml", None)
    data = replace_part(data, "[Content_Types].xml", zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml"))
    src = tmp_path / "去属性.xlsx"
    src.write_bytes(data)
    result = run("import", str(src))
    assert result.exit_code == 0
    assert "文档属性已被清除" in result.output and "主管部门、所属地区无法读出" in result.output


def test_import_to_an_existing_file_is_a_usage_error(tmp_path: Path) -> None:
    book = tmp_path / "表.xlsx"
    book.write_bytes(workbook(filled_unit()))
    existing = tmp_path / "已有.json"
    existing.write_text("{}", encoding="utf-8")
    result = run("import", str(book), "-o", str(existing))
    assert result.exit_code == 2  # as generate -o <file>
    assert existing.read_text("utf-8") == "{}"


@POSIX
def test_a_fifo_as_the_unit_list_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "清单.xlsx"
    os.mkfifo(fifo)
    result = xlsgen("units", str(fifo), "-o", str(tmp_path / "data"))
    assert result.returncode == 1
    assert f"{fifo}：无法读取文件：不是普通文件，而是命名管道" in result.stderr, result.stderr
