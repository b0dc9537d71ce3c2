"""Checks every workbook passes before a spreadsheet library sees it (issue 4 §6).

A unit's workbook comes from outside, so it is treated as hostile until proven otherwise. Everything
here works on the zip's central directory and on raw bytes, without handing the file to openpyxl or
calamine first:

* an OLE2 file (``D0 CF 11 E0``) is either an encrypted .xlsx or a legacy .xls: neither can be read;
* the zip must open, hold at most ``MAX_ENTRIES`` entries and ``MAX_TOTAL`` declared bytes, and no big
  entry may expand more than ``MAX_RATIO`` times (a zip bomb declares huge sizes or ratios);
* every XML part is decompressed through ``zipfile`` (so never beyond its declared size, and its CRC is
  checked: a truncated or tampered entry fails here) and refused if it declares a DTD: xlsx never uses
  one, and entity expansion (billion laughs) needs one;
* the cells of each worksheet are counted and their bounding box measured from the raw XML, because
  calamine allocates the whole box densely: one cell at XFD1048576 aborts the process.

The few XML parts read here (workbook.xml, its rels, docProps/custom.xml) are parsed with defusedxml.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from posixpath import join, normpath

from defusedxml import ElementTree as SafeET

from .errors import UnsafeFileError

MAX_FILE = 100 * 2**20
MAX_ENTRIES = 10_000
MAX_TOTAL = 200 * 2**20
MAX_RATIO = 100
BIG_ENTRY = 2**20  # the ratio rule applies above this size: tiny parts of repeated markup compress well
MAX_CELLS = 1_000_000
MAX_MERGES = 100_000
MAX_AREA = 4_000_000  # rows × columns of a sheet's bounding box, what calamine allocates

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")
# Only a cell has an ``r`` attribute holding letters (rows hold digits, merges use ``ref``).
_CELL_REF = re.compile(rb'\sr="([A-Z]{1,4})([0-9]{1,8})"')

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS_CUSTOM = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


@dataclass
class SheetPart:
    name: str
    path: str  # the part inside the zip, e.g. xl/worksheets/sheet1.xml
    hidden: bool
    worksheet: bool = True  # False for a chart sheet or dialog sheet


@dataclass
class Package:
    """A workbook that passed every check: its sheets in order, custom properties and XML parts."""

    source: str
    data: bytes
    sheets: list[SheetPart]
    properties: dict[str, str]
    parts: dict[str, bytes] = field(repr=False)  # every XML part, decompressed and checked


@lru_cache(maxsize=256)
def col_letters(col: int) -> str:
    """Zero-based column → ``A``…``XFD``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """``A``… → zero-based column."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def open_package(data: bytes, source: str) -> Package:
    """Check ``data`` (the bytes of a supposed .xlsx) and return its parts; raise UnsafeFileError if refused."""
    if not data:
        raise UnsafeFileError(f"{source}：文件是空的（0 字节），请重新保存或重新发送")
    if len(data) > MAX_FILE:
        raise UnsafeFileError(
            f"{source}：文件过大（{len(data) // 2**20} MB），单位绩效目标表不应超过 {MAX_FILE // 2**20} MB"
        )
    if data.startswith(OLE2):
        raise UnsafeFileError(f"{source}：文件已加密或为旧版 .xls，请在 Excel 中另存为无密码的 .xlsx")
    if not data.startswith(b"PK"):
        raise UnsafeFileError(f"{source}：不是 xlsx 文件（不是 zip 格式的 Excel 工作簿），请在 Excel 中另存为 .xlsx")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UnsafeFileError(
            f"{source}：文件不完整或已损坏（可能下载或复制时被截断），无法作为 xlsx 打开，请重新发送原文件"
        ) from None
    _check_entries(infos, source)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeFileError(
            f"{source}：是 zip 压缩包但不是 xlsx 工作簿（缺少 xl/workbook.xml），请在 Excel 中另存为 .xlsx"
        )
    parts = _read_xml_parts(zf, infos, source)
    sheets = _sheet_parts(parts, source)
    for sheet in sheets:
        if sheet.worksheet:
            _check_extent(parts.get(sheet.path, b""), sheet.name, source)
    return Package(source, data, sheets, _custom_properties(parts, source), parts)


def _check_entries(infos: list[zipfile.ZipInfo], source: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnsafeFileError(f"{source}：压缩包内有 {len(infos)} 个文件，超过上限 {MAX_ENTRIES}，疑似恶意文件，已拒绝")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeFileError(f"{source}：文件已加密，请在 Excel 中另存为无密码的 .xlsx")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFileError(f"{source}：{info.filename} 使用了不支持的压缩方式，请在 Excel 中重新另存为 .xlsx")
        total += info.file_size
        if info.file_size > BIG_ENTRY and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeFileError(
                f"{source}：{info.filename} 解压后膨胀 {info.file_size // max(info.compress_size, 1)} 倍，"
                "疑似压缩炸弹，已拒绝"
            )
    if total > MAX_TOTAL:
        raise UnsafeFileError(
            f"{source}：解压后共 {total // 2**20} MB，超过上限 {MAX_TOTAL // 2**20} MB，疑似压缩炸弹，已拒绝"
        )


def _read_xml_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], source: str) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    for info in infos:
        if not info.filename.lower().endswith(_XML_SUFFIXES) or info.is_dir():
            continue
        try:
            # zipfile never inflates past the declared size and checks the CRC at the end.
            body = zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error) as exc:
            raise UnsafeFileError(
                f"{source}：{info.filename} 已损坏或不完整（{type(exc).__name__}），请重新发送原文件"
            ) from None
        if any(m in body for m in _DTD_MARKERS):
            raise UnsafeFileError(
                f"{source}：{info.filename} 含有 DTD/实体声明（Excel 从不写入），疑似 XML 炸弹，已拒绝"
            )
        parts[info.filename] = body
    return parts


def _parse(parts: dict[str, bytes], path: str, source: str):  # -> Element | None
    body = parts.get(path)
    if body is None:
        return None
    try:
        return SafeET.fromstring(body)
    except Exception as exc:  # ParseError and every defusedxml refusal
        raise UnsafeFileError(f"{source}：{path} 不是合法的 XML（{type(exc).__name__}），文件已损坏") from None


def _sheet_parts(parts: dict[str, bytes], source: str) -> list[SheetPart]:
    book = _parse(parts, "xl/workbook.xml", source)
    rels = _parse(parts, "xl/_rels/workbook.xml.rels", source)
    targets: dict[str, tuple[str, bool]] = {}
    if rels is not None:
        for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            targets[rel.get("Id", "")] = (path, rel.get("Type", "").endswith("/worksheet"))
    sheets = []
    for i, el in enumerate(book.iter(f"{_NS_MAIN}sheet") if book is not None else ()):
        path, worksheet = targets.get(el.get(f"{_NS_REL}id", ""), (f"xl/worksheets/sheet{i + 1}.xml", True))
        hidden = el.get("state", "visible") != "visible"
        sheets.append(SheetPart(el.get("name", f"Sheet{i + 1}"), path, hidden, worksheet))
    return sheets


def _check_extent(body: bytes, sheet: str, source: str) -> None:
    count = len(_CELL.findall(body)) if b":c" in body else body.count(b"<c ") + body.count(b"<c>") + body.count(b"<c/>")
    if count > MAX_CELLS:
        raise UnsafeFileError(f"{source}：工作表“{sheet}”有 {count} 个单元格，超过上限 {MAX_CELLS}，已拒绝")
    merges = body.count(b"<mergeCell ") + body.count(b":mergeCell ")
    if merges > MAX_MERGES:
        raise UnsafeFileError(f"{source}：工作表“{sheet}”有 {merges} 个合并单元格，超过上限 {MAX_MERGES}，已拒绝")
    refs = _CELL_REF.findall(body)
    if not refs:
        return
    n_rows = max(map(int, map(itemgetter(1), refs)))
    far_col = max({c for c, _ in refs}, key=lambda c: (len(c), c))
    n_cols = col_index(far_col.decode()) + 1
    if n_rows * n_cols > MAX_AREA:
        far = next(f"{c.decode()}{r.decode()}" for c, r in refs if int(r) == n_rows or c == far_col)
        raise UnsafeFileError(
            f"{source}!{sheet}!{far}：此单元格离表格主体太远（工作表范围达 {n_rows} 行 × {n_cols} 列），"
            "请删除表格以外的内容后重试"
        )


def _custom_properties(parts: dict[str, bytes], source: str) -> dict[str, str]:
    root = _parse(parts, "docProps/custom.xml", source)
    if root is None:
        return {}
    props = {}
    for prop in root.iter(f"{_NS_CUSTOM}property"):
        value = next(iter(prop), None)
        props[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return props
