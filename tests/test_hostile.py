"""Bad and hostile files (issue 4 §6): each refused with a Chinese message naming the file, in bounded
time and memory, nothing written for it, the other files of the same call still imported.

Every file is crafted small, in the test, from a generated workbook or from scratch.
"""

from __future__ import annotations

import io
import re
import struct
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlsgen.cli import main
from xlsgen.errors import ReadError, UnsafeFileError
from xlsgen.grid import engines
from xlsgen.read import read_bytes

from .conftest import filled_unit
from .xlsx_edit import comparable, load, replace_part, save, workbook

FAST = 5.0  # seconds: every refusal must come well within this


@pytest.fixture(scope="module")
def good() -> bytes:
    return workbook(filled_unit())


def refused(data: bytes, name: str = "坏.xlsx", engine: str = "auto") -> str:
    start = time.perf_counter()
    with pytest.raises(ReadError) as info:
        read_bytes(data, name, engine=engine)
    assert time.perf_counter() - start < FAST
    message = str(info.value)
    assert message.startswith(name), message  # every message names the file first
    return message


def zip_of(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, body in entries.items():
            zf.writestr(name, body)
    return buf.getvalue()


def patch_central(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite fields of one entry's central directory record (flags, sizes): what a forged zip declares."""
    offsets = {"flags": (8, "<H"), "compress_size": (20, "<I"), "file_size": (24, "<I")}
    out = bytearray(data)
    pos = out.find(b"PK\x01\x02")
    while pos >= 0:
        n = struct.unpack_from("<H", out, pos + 28)[0]
        if out[pos + 46 : pos + 46 + n].decode() == name:
            for field, value in fields.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, out, pos + offset, value)
            return bytes(out)
        pos = out.find(b"PK\x01\x02", pos + 4)
    raise LookupError(name)


# ---------------------------------------------------------------- not an xlsx at all


def test_empty_file() -> None:
    assert "文件是空的" in refused(b"")


def test_not_a_zip() -> None:
    message = refused("部门,金额\n医保局,450\n".encode(), "表.csv")
    assert message == "表.csv：不是 xlsx 文件（不是 zip 格式的 Excel 工作簿），请在 Excel 中另存为 .xlsx"


def test_a_zip_that_is_not_an_xlsx() -> None:
    assert "不是 xlsx 工作簿" in refused(zip_of({"readme.txt": b"hello"}))
    docx = zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"})
    assert "缺少 xl/workbook.xml" in refused(docx, "报告.docx")


def test_legacy_xls_or_encrypted_xlsx() -> None:
    # Excel saves a password-protected .xlsx as an OLE2 compound file, like a legacy .xls.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    assert refused(ole, "加密.xlsx") == "加密.xlsx：文件已加密或为旧版 .xls，请在 Excel 中另存为无密码的 .xlsx"


def test_zip_level_encryption(good: bytes) -> None:
    forged = patch_central(good, "xl/workbook.xml", flags=1)
    assert "文件已加密" in refused(forged)


def test_truncated_file(good: bytes) -> None:
    assert "文件不完整或已损坏" in refused(good[: len(good) // 2])
    assert "文件不完整或已损坏" in refused(good[:100])


def test_corrupted_entry(good: bytes) -> None:
    # The directory is intact but the sheet's compressed bytes are not: the CRC check catches it.
    zf = zipfile.ZipFile(io.BytesIO(good))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    broken = bytearray(good)
    for i in range(start + 200, start + 260):
        broken[i] ^= 0x5A
    message = refused(bytes(broken))
    assert "xl/worksheets/sheet1.xml 已损坏或不完整" in message


def test_size_lie_is_caught(good: bytes) -> None:
    # Declaring a smaller size than the entry really inflates to must not let more data through.
    forged = patch_central(good, "xl/sharedStrings.xml", file_size=100)
    assert "xl/sharedStrings.xml 已损坏或不完整" in refused(forged)


def test_workbook_xml_not_xml(good: bytes) -> None:
    assert "xl/workbook.xml 不是合法的 XML" in refused(replace_part(good, "xl/workbook.xml", b"<workbook><sheets>"))


def test_unrelated_table(engine: str = "auto") -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["日期", "收入", "支出"])
    message = refused(save(wb), "流水.xlsx")
    assert message.startswith("流水.xlsx：不是部门整体绩效目标申报表或项目绩效目标表")


# ---------------------------------------------------------------- bombs


def test_zip_bomb_ratio() -> None:
    bomb = zip_of(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": bytes(5 * 2**20),
        }
    )
    assert len(bomb) < 20_000
    assert "疑似压缩炸弹" in refused(bomb)


def test_zip_bomb_declared_total(good: bytes) -> None:
    forged = patch_central(good, "xl/theme/theme1.xml", file_size=300 * 2**20, compress_size=300 * 2**20)
    assert "超过上限 200 MB" in refused(forged)


def test_zip_bomb_entry_count() -> None:
    entries = {f"xl/media/{i}.bin": b"" for i in range(10_001)}
    entries.update({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert "超过上限 10000" in refused(zip_of(entries, zipfile.ZIP_STORED))


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode() for i in range(1, 10))
    + b"]>"
)


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
@pytest.mark.parametrize("engine", engines())
def test_billion_laughs(good: bytes, part: str, engine: str) -> None:
    body = zipfile.ZipFile(io.BytesIO(good)).read(part)
    root = body[body.index(b"?>") + 2 :]
    bomb = replace_part(good, part, LAUGHS + root.replace(b"</t>", b"&lol9;</t>", 1).replace(b"<v>", b"<v>&lol9;", 1))
    assert "含有 DTD/实体声明" in refused(bomb, engine=engine)


def test_openpyxl_parses_with_defusedxml() -> None:
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_cell_far_away_is_refused_before_calamine_allocates_it() -> None:
    # calamine allocates a sheet's bounding box densely: one cell at XFD1048576 aborts the process.
    wb = openpyxl.Workbook()
    wb.active["A1"] = "部门（单位）名称"
    wb.active["XFD1048576"] = "远处"
    message = refused(save(wb), "远.xlsx")
    assert message.startswith("远.xlsx!Sheet!XFD1048576：此单元格离表格主体太远")


# ---------------------------------------------------------------- readable although protected


@pytest.mark.parametrize("engine", engines())
def test_password_protected_sheet_is_read(engine: str) -> None:
    unit = filled_unit()
    wb = load(workbook(unit))
    for ws in wb.worksheets:
        ws.protection.sheet = True
        ws.protection.password = "secret"
    data = save(wb)
    assert b"sheetProtection" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    imported = read_bytes(data, "保护.xlsx", engine=engine)
    assert comparable(imported.unit) == comparable(unit)


def test_refused_before_any_library_opens_the_file(good: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsgen.read as read_module

    def forbidden(*args: object, **kw: object) -> None:
        raise AssertionError("a spreadsheet library saw a refused file")

    monkeypatch.setattr(read_module, "load_grids", forbidden)
    with pytest.raises(UnsafeFileError):
        read_bytes(patch_central(good, "xl/workbook.xml", flags=1), "x.xlsx")


# ---------------------------------------------------------------- the command line


def test_import_reports_each_bad_file_and_imports_the_others(tmp_path: Path, good: bytes) -> None:
    files = {
        "好.xlsx": good,
        "空.xlsx": b"",
        "截断.xlsx": good[:500],
        "加密.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "炸弹.xlsx": replace_part(good, "xl/sharedStrings.xml", LAUGHS + b"<sst>&lol9;</sst>"),
        "流水.xlsx": save(openpyxl.Workbook()),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    out = tmp_path / "json"
    result = CliRunner().invoke(main, ["import", *(str(tmp_path / n) for n in files), "-o", str(out)])
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["好.json"]
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert len(errors) == 5
    for name in files:
        if name != "好.xlsx":
            assert any(line.startswith(f"错误：{name}") for line in errors), name
    assert not list(out.glob(".~*"))  # no temporary file left behind


def test_too_many_merged_ranges(good: bytes) -> None:
    body = zipfile.ZipFile(io.BytesIO(good)).read("xl/worksheets/sheet1.xml")
    merges = b"".join(b'<mergeCell ref="K%d:L%d"/>' % (r, r) for r in range(1, 100_002))
    forged = body.replace(b"</mergeCells>", merges + b"</mergeCells>")
    assert forged != body
    assert "合并单元格，超过上限 100000" in refused(replace_part(good, "xl/worksheets/sheet1.xml", forged))


# ---------------------------------------------------------------- calamine's own limits (issue 13 §1)
#
# calamine allocates a sheet's bounding box densely and reserves the shared strings a file declares:
# each file below aborts the whole process (SIGABRT) if it ever reaches calamine. They are checked with
# open_package alone here (a failure must not abort the test run), and through the CLI in a subprocess.

FAR_ROW = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def with_sheet_data(good: bytes, extra: bytes, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    body = zipfile.ZipFile(io.BytesIO(good)).read(part)
    return replace_part(good, part, body.replace(b"</sheetData>", extra + b"</sheetData>"))


def renamed_sheet(good: bytes, new: str, extra: bytes) -> bytes:
    """The first sheet's part moved to ``new`` (relationships and content types follow), with ``extra`` rows."""
    zin = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                zout.writestr(new, body.replace(b"</sheetData>", extra + b"</sheetData>"))
                continue
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                body = body.replace(b"worksheets/sheet1.xml", new.removeprefix("xl/").encode())
            zout.writestr(info, body)
    return buf.getvalue()


def utf16_sheet(good: bytes, extra: bytes) -> bytes:
    body = with_sheet_data(good, extra)
    text = zipfile.ZipFile(io.BytesIO(body)).read("xl/worksheets/sheet1.xml").decode("utf-8")
    text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return replace_part(good, "xl/worksheets/sheet1.xml", text.encode("utf-16"))


def duplicated_entry(good: bytes) -> bytes:
    forged = with_sheet_data(good, FAR_ROW)
    body = zipfile.ZipFile(io.BytesIO(forged)).read("xl/worksheets/sheet1.xml")
    buf = io.BytesIO(good)
    buf.seek(0, 2)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name, which is the point
        with zipfile.ZipFile(buf, "a") as zf:
            zf.writestr("xl/worksheets/sheet1.xml", body)
    return buf.getvalue()


def shared_strings(good: bytes, old: bytes, new: bytes) -> bytes:
    body = zipfile.ZipFile(io.BytesIO(good)).read("xl/sharedStrings.xml")
    assert old in body
    return replace_part(good, "xl/sharedStrings.xml", body.replace(old, new, 1))


CALAMINE_KILLERS = {
    "单引号.xlsx": lambda g: with_sheet_data(g, b"<row r='1048576'><c r='XFD1048576' t='n'><v>1</v></c></row>"),
    "小写.xlsx": lambda g: with_sheet_data(g, b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>'),
    "等号空格.xlsx": lambda g: with_sheet_data(g, b'<row r="1048576"><c r = "XFD1048576"><v>1</v></c></row>'),
    "无r大行号.xlsx": lambda g: with_sheet_data(g, b'<row r="1048576"><c><v>1</v></c></row>'),
    "超大行号.xlsx": lambda g: with_sheet_data(g, b'<row r="4000000000"><c><v>1</v></c></row>'),
    "无r多列.xlsx": lambda g: with_sheet_data(g, b'<row r="300">' + b"<c/>" * 20_000 + b"<c><v>1</v></c></row>"),
    "前缀.xlsx": lambda g: with_sheet_data(
        g, b'<row r="1048576"><x:c xmlns:x="urn:x" r="XFD1048576"><x:v>1</x:v></x:c></row>'
    ),
    "非xml名.xlsx": lambda g: renamed_sheet(g, "xl/worksheets/sheet1.bin", FAR_ROW),
    "utf16.xlsx": lambda g: utf16_sheet(g, FAR_ROW),
    "重复条目.xlsx": duplicated_entry,
    "重复r.xlsx": lambda g: with_sheet_data(g, b'<row r="200"><c r="A200" r="XFD1048576"><v>1</v></c></row>'),
    "共享文本数.xlsx": lambda g: shared_strings(g, b'uniqueCount="', b'uniqueCount="4000000000" x="'),
    "共享文本单引号.xlsx": lambda g: shared_strings(g, b'uniqueCount="', b"uniqueCount = '4000000000' x=\""),
}


@pytest.mark.parametrize("name", sorted(CALAMINE_KILLERS))
def test_calamine_killers_are_refused_before_calamine(good: bytes, name: str) -> None:
    from xlsgen.safety import open_package

    data = CALAMINE_KILLERS[name](good)
    start = time.perf_counter()
    with pytest.raises(UnsafeFileError) as info:
        open_package(data, name)
    assert time.perf_counter() - start < FAST
    assert str(info.value).startswith(name), str(info.value)


def test_calamine_killers_through_the_cli(tmp_path: Path, good: bytes) -> None:
    import subprocess
    import sys

    (tmp_path / "好.xlsx").write_bytes(good)
    for name, make in CALAMINE_KILLERS.items():
        (tmp_path / name).write_bytes(make(good))
    names = ["好.xlsx", *CALAMINE_KILLERS]
    result = subprocess.run(
        [sys.executable, "-m", "xlsgen", "import", *names, "-o", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # not -6 (SIGABRT)
    assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
    for name in CALAMINE_KILLERS:
        assert f"错误：{name}" in result.stderr, name
    assert sorted(p.name for p in (tmp_path / "json").iterdir()) == ["好.json"]


def test_cell_positions_as_calamine_numbers_them(good: bytes) -> None:
    from xlsgen.safety import MAX_AREA, UnsafeFileError, open_package

    # A cell without r takes the next column of its row; a row without r follows the previous one.
    near = with_sheet_data(good, b'<row r="200"><c r="A200"/><c/><c><v>1</v></c></row><row><c r="B201"/></row>')
    open_package(near, "近.xlsx")  # 201 rows × 9 columns: fine
    # ... so enough r-less cells in a row reach as far as an explicit far reference.
    wide = MAX_AREA // 300 + 1
    with pytest.raises(UnsafeFileError, match=r"!300：|离表格主体太远"):
        open_package(with_sheet_data(good, b'<row r="300">' + b"<c/>" * wide + b"</row>"), "宽.xlsx")


@pytest.mark.parametrize("bad", [b'<c r="A0"/>', b'<c r=" A1"/>', b'<c r="1A"/>', b'<c r="ABCD1"/>'])
def test_cell_reference_that_is_not_one_is_refused(good: bytes, bad: bytes) -> None:
    from xlsgen.safety import open_package

    with pytest.raises(UnsafeFileError, match=r"单元格位置.*无效"):
        open_package(with_sheet_data(good, b'<row r="200">' + bad + b"</row>"), "坏引用.xlsx")


def test_nested_cells_are_refused(good: bytes) -> None:
    from xlsgen.safety import open_package

    # (A nested cell with its own canonical r is simply counted: every position is explicit.)
    nested = b"<row r='200'><c r='A200'><c/></c></row>"
    with pytest.raises(UnsafeFileError, match="嵌套"):
        open_package(with_sheet_data(good, nested), "嵌套.xlsx")


def test_fast_and_slow_measurements_agree(good: bytes) -> None:
    from xlsgen.safety import _measure_fast, _measure_slow

    def box(e: object) -> tuple[int, ...]:
        return (e.cells, e.rows, e.cols, e.unique)  # type: ignore[attr-defined]

    zf = zipfile.ZipFile(io.BytesIO(good))
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml"):
        body = zf.read(name)
        fast, slow = _measure_fast(body), _measure_slow(body)
        assert fast is not None, name  # what xlsxwriter writes takes the fast path
        assert box(fast) == box(slow), name
        # The fast path counts merges and strings by bytes: never fewer than there are.
        assert fast.merges >= slow.merges and fast.strings >= slow.strings, name
        assert fast.cells or fast.strings
    # Single quotes leave the fast path; the slow one measures the same sheet the same way.
    sheet = zf.read("xl/worksheets/sheet1.xml")
    quoted = re.sub(rb'<c r="([A-Z]+[0-9]+)"', rb"<c r='\1'", sheet)
    assert _measure_fast(quoted) is None
    assert box(_measure_slow(quoted)) == box(_measure_fast(sheet))
    assert _measure_slow(sheet).cells > 500


def test_libraries_read_the_checked_parts_only(good: bytes) -> None:
    from xlsgen.safety import open_package

    package = open_package(good, "好.xlsx")
    rebuilt = zipfile.ZipFile(io.BytesIO(package.data))
    assert {i.filename: rebuilt.read(i) for i in rebuilt.infolist()} == package.parts


def test_quick_measurement_agrees_or_defers(good: bytes) -> None:
    from xlsgen.safety import _NEAR_COLS, _NEAR_ROWS, MAX_AREA, _measure_fast, _measure_quick

    assert _NEAR_ROWS * _NEAR_COLS <= MAX_AREA  # the box it assumes passes the area check by itself
    zf = zipfile.ZipFile(io.BytesIO(good))
    for name in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/sharedStrings.xml"):
        body = zf.read(name)
        quick, fast = _measure_quick(body), _measure_fast(body)
        assert quick is not None and fast is not None, name
        counts = ("cells", "merges", "strings", "unique")
        assert [getattr(quick, k) for k in counts] == [getattr(fast, k) for k in counts], name
        assert quick.rows >= fast.rows and quick.cols >= fast.cols, name
    sheet = zf.read("xl/worksheets/sheet1.xml")
    # A reference beyond the box it assumes, or any tag fast or slow would treat otherwise: measured exactly.
    for far in (b'<c r="AA1"/>', b'<c r="A100000"/>', b"<c/>", b"<c r='A1'/>", b'<x:c r="A1"/>', b'<c r="A1" r="B2"/>'):
        assert _measure_quick(sheet.replace(b"</sheetData>", b"<row>" + far + b"</row></sheetData>")) is None, far


def test_rebuilt_zip_is_what_zipfile_writes(good: bytes) -> None:
    from xlsgen.safety import _rebuilt, _rebuilt_by_zipfile, open_package

    CalamineWorkbook = pytest.importorskip("python_calamine").CalamineWorkbook

    parts = dict(open_package(good, "好.xlsx").parts)
    parts["xl/媒体/图.xml"] = "<x>非 ASCII 的名字</x>".encode()  # a UTF-8 name, flagged as zipfile flags it
    ours, theirs = zipfile.ZipFile(io.BytesIO(_rebuilt(parts))), zipfile.ZipFile(io.BytesIO(_rebuilt_by_zipfile(parts)))
    assert ours.testzip() is None
    fields = ("filename", "flag_bits", "compress_type", "date_time", "CRC", "compress_size", "file_size")
    assert [[getattr(i, f) for f in fields] for i in ours.infolist()] == [
        [getattr(i, f) for f in fields] for i in theirs.infolist()
    ]
    assert {i.filename: ours.read(i) for i in ours.infolist()} == parts
    books = [CalamineWorkbook.from_filelike(io.BytesIO(z)) for z in (_rebuilt(parts), _rebuilt_by_zipfile(parts))]
    assert [[b.get_sheet_by_name(n).to_python() for n in b.sheet_names] for b in books[:1]] == [
        [b.get_sheet_by_name(n).to_python() for n in b.sheet_names] for b in books[1:]
    ]


def test_entries_inflated_as_zipfile_reads_them(good: bytes) -> None:
    from xlsgen.safety import _inflate, _rebuilt

    parts = {
        i.filename: zipfile.ZipFile(io.BytesIO(good)).read(i) for i in zipfile.ZipFile(io.BytesIO(good)).infolist()
    }
    parts["xl/媒体/图.xml"] = "<x>非 ASCII 的名字</x>".encode()
    described = io.BytesIO()
    with zipfile.ZipFile(described, "w", zipfile.ZIP_DEFLATED) as zf:  # sizes after the data (bit 3)
        for name, body in parts.items():
            with zf.open(name, "w", force_zip64=False) as f:
                f.write(body)
    cases = {"good": good, "stored": _rebuilt(parts), "described": described.getvalue()}
    for label, data in cases.items():
        zf = zipfile.ZipFile(io.BytesIO(data))
        for info in zf.infolist():
            assert _inflate(data, info) == zf.read(info), (label, info.filename)
    # Anything else is left to zipfile, which words the error: a flipped byte, a cut stream, another name.
    zf = zipfile.ZipFile(io.BytesIO(good))
    info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + 10
    flipped = good[:start] + bytes([good[start] ^ 0xFF]) + good[start + 1 :]
    assert _inflate(flipped, info) is None
    assert _inflate(good[: start + 10], info) is None
    renamed = good.replace(b"xl/worksheets/sheet1.xml", b"xl/worksheets/sheetX.xml", 1)
    assert _inflate(renamed, info) is None
    shorter = zipfile.ZipInfo(info.filename)
    for k in ("header_offset", "compress_size", "CRC", "compress_type"):
        setattr(shorter, k, getattr(info, k))
    shorter.file_size = info.file_size - 1
    assert _inflate(good, shorter) is None
