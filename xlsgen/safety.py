"""Checks every workbook passes before a spreadsheet library sees it (issue 4 §6, issue 13 §1).

A unit's workbook comes from outside, so it is treated as hostile until proven otherwise. Everything
here works on the zip's central directory and on the decompressed parts, without handing the file to
openpyxl or calamine first:

* an OLE2 file (``D0 CF 11 E0``) is either an encrypted .xlsx or a legacy .xls: neither can be read;
* the zip must open, hold at most ``MAX_ENTRIES`` entries and ``MAX_TOTAL`` declared bytes, no big
  entry may expand more than ``MAX_RATIO`` times (a zip bomb declares huge sizes or ratios), and no
  name may appear twice;
* every entry is decompressed never beyond its declared size and with its CRC checked (a truncated or
  tampered entry fails here): a plain, whole one by zlib after zipfile's own header checks, any other
  through ``zipfile``; and refused if it declares a DTD: xlsx never uses one, and entity expansion
  (billion laughs) needs one;
* every entry calamine could read as a worksheet (any name: it follows the relationships) is measured
  the way calamine numbers its cells, because calamine allocates a sheet's bounding box densely: one
  cell at XFD1048576, or a cell without ``r`` in a row numbered 4000000000, aborts the process. So is
  every shared-string table, whose ``uniqueCount`` calamine reserves up front;
* the libraries are then given a zip rebuilt from exactly the parts checked here, so that no
  disagreement between two zip readers (duplicate names, forged headers) can show them something else.

The measurement has three paths. The fast one covers what Excel, LibreOffice, openpyxl and xlsxwriter
write: every cell tag, counted by a pattern that finds any ``<c`` or ``<prefix:c`` tag wherever it is
(a tag cannot hide in text or in an attribute, neither may hold ``<``), must also match the canonical
``<c r="A1" s=".." t="..">``; then every position is explicit and read by the pattern. Its quick form
(what every form sheet takes) proves the bounding box small without reading a single position: when
every canonical reference has one letter and at most five digits, the box is at most 99999 × 26 cells,
within ``MAX_AREA``; any other canonical sheet is measured exactly. Before it, a part short enough
that no count can reach its limit only needs a search for the first cell tag that is not canonical and
near (and for prefixed tags and ``uniqueCount``): finding none, it passes without a count being taken. Anything else (single quotes,
spaces around ``=``, lowercase or missing ``r``, namespace prefixes, UTF-16) takes the slow path:
expat, without namespace processing (calamine matches local names and ignores prefixes), replays
calamine's own numbering (a cell's ``r``, else the current row and the next column).

The few XML parts read here (workbook.xml, its rels, docProps/custom.xml) are parsed with defusedxml, or,
when in UTF-8, by ElementTree's C parser (twice as fast): every part declaring a DTD in UTF-8 or UTF-16 is
refused before, so a UTF-8 part has no entity to expand and no external one to fetch.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from posixpath import join, normpath
from xml.etree import ElementTree as ET
from xml.parsers import expat

from defusedxml import ElementTree as SafeET

from .errors import Location, UnsafeFileError

MAX_FILE = 100 * 2**20
MAX_ENTRIES = 10_000
MAX_TOTAL = 200 * 2**20
MAX_RATIO = 100
BIG_ENTRY = 2**20  # the ratio rule applies above this size: tiny parts of repeated markup compress well
MAX_CELLS = 1_000_000
MAX_MERGES = 100_000
MAX_AREA = 4_000_000  # rows × columns of a sheet's bounding box, what calamine allocates
MAX_STRINGS = 1_000_000  # shared strings (calamine reserves ``uniqueCount`` of them before reading any)
MAX_ROW = 1_048_576  # Excel's last row: a row number beyond it is no real sheet's

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))
_UTF16_STARTS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_SHEET_MARK = b"sheetData"  # calamine reads a part as a worksheet only from this element on
_SST_MARK = b"sst"
# Fast path (see the module's docstring). Every unprefixed cell tag matches _CELL_TAG; its groups are
# empty unless the tag is canonical (r first, then only the attributes Excel writes, so no second r:
# calamine takes the last of two). A prefixed one (``<x:c``) needs ``:c`` in the part.
_CELL_TAG = re.compile(rb'<c(?: r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: (?:s|t|cm|vm|ph)="[^"<&]*")*\s*/?>|(?=[\s/>]))')
_PREFIXED_CELL = re.compile(rb"<[^\s<>/:]+:c[\s/>]")
_PREFIXED_HINT = re.compile(rb":c[\s/>]")  # a literal scan, far quicker; every prefixed cell tag holds it
# The quick path's pattern: _CELL_TAG's, with a canonical reference of one letter and at most five
# digits; any other cell tag (not canonical, or farther out) matches as a bare ``<c``.
_NEAR_CELL_TAG = re.compile(rb'<c(?: r="[A-Z][1-9][0-9]{0,4}"(?: (?:s|t|cm|vm|ph)="[^"<&]*")*\s*/?>|(?=[\s/>]))')
_NEAR_ROWS, _NEAR_COLS = 99_999, 26
# The first cell tag that _NEAR_CELL_TAG would match as a bare ``<c`` (not canonical, or farther out),
# found without building a list: its canonical alternative, possessive (nothing after any of its
# repeats could give back what the repeat took), in a negative lookahead; a ``<c`` ending the part
# is found too (and left to _measure_quick). tests/test_hostile.py compares it with the findall.
_ODD_CELL_TAG = re.compile(rb'<c(?! r="[A-Z][1-9][0-9]{0,4}+"(?: (?:s|t|cm|vm|ph)="[^"<&]*+")*+\s*+/?>|[^\s/>])')
# A part no longer than this cannot hold more cell tags (``<c`` and one more byte), ``<si``/``:si``
# tags or ``mergeCell`` names than the limits allow: their counts need not be taken to pass.
_PLAIN_LIMIT = 900_000
_SST_TAG = re.compile(rb"<(?:[^\s<>/:]+:)?sst[\s/>][^<]*")
_PLAIN_SST_TAG = re.compile(rb"<sst[\s/>][^<]*")  # _SST_TAG's matches when no ``:sst`` is in the part
_UNIQUE = re.compile(rb"uniqueCount\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_DECL_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)")
_REF = re.compile(r"([A-Za-z]{1,3})([1-9][0-9]{0,6})")
_ROW = re.compile(r"[1-9][0-9]{0,6}")

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
    from .sheet import col_name

    return col_name(col)


def col_index(letters: str) -> int:
    """``A``… → zero-based column, for any number of letters: a hostile sheet may name a column past
    XFD, which xlsxwriter's ``xl_cell_to_rowcol`` (three letters at most) would read as A1."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def open_package(data: bytes, source: str) -> Package:
    """Check ``data`` (the bytes of a supposed .xlsx) and return its parts; raise UnsafeFileError if refused."""
    if not data:
        raise UnsafeFileError("文件是空的（0 字节），请重新保存或重新发送", Location(source))
    if len(data) > MAX_FILE:
        raise UnsafeFileError(
            f"文件过大（{len(data) // 2**20} MB），单位绩效目标表不应超过 {MAX_FILE // 2**20} MB", Location(source)
        )
    if data.startswith(OLE2):
        raise UnsafeFileError("文件已加密或为旧版 .xls，请在 Excel 中另存为无密码的 .xlsx", Location(source))
    if not data.startswith(b"PK"):
        raise UnsafeFileError(
            "不是 xlsx 文件（不是 zip 格式的 Excel 工作簿），请在 Excel 中另存为 .xlsx", Location(source)
        )
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise UnsafeFileError(
            "文件不完整或已损坏（可能下载或复制时被截断），无法作为 xlsx 打开，请重新发送原文件", Location(source)
        ) from None
    _check_entries(infos, source)
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise UnsafeFileError(
            "是 zip 压缩包但不是 xlsx 工作簿（缺少 xl/workbook.xml），请在 Excel 中另存为 .xlsx", Location(source)
        )
    parts = _read_parts(zf, infos, source, data)
    sheets = _sheet_parts(parts, source)
    names_of = {s.path: s.name for s in sheets}
    for path, body in parts.items():
        _check_part(body, path, names_of.get(path, path), source)
    crcs = {i.filename: i.CRC for i in infos}  # every part's, checked as it was inflated
    return Package(source, _rebuilt(parts, crcs), sheets, _custom_properties(parts, source), parts)


MAX_PEEKED = 2**20  # a custom.xml longer than this is no xlsgen workbook's: not peeked at


def peek_properties(data: bytes, source: str) -> dict[str, str]:
    """The custom document properties of a supposed .xlsx, from docProps/custom.xml alone, or {}.

    For telling xlsgen's own workbooks (a county's 汇总表 holds more cells than a form may) before
    open_package's full checks. Nothing is handed to a library: the zip passes open_package's checks
    of the file and its directory, and only custom.xml is inflated (within its declared size, CRC
    checked, no DTD) and parsed as open_package parses it. Any refusal gives {}: open_package then
    checks the file in full and words the refusal.
    """
    if not data or len(data) > MAX_FILE or data.startswith(OLE2) or not data.startswith(b"PK"):
        return {}
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
        _check_entries(infos, source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return {}
    except UnsafeFileError:
        return {}
    info = next((i for i in infos if i.filename == "docProps/custom.xml"), None)
    if info is None or info.file_size > MAX_PEEKED:
        return {}
    body = _inflate(data, info)  # None unless plain, whole, of the declared size and CRC
    if body is None or (b"!" in body and any(m in body for m in _DTD_MARKERS)):
        return {}
    try:
        return _custom_properties({info.filename: body}, source)
    except UnsafeFileError:
        return {}


def _check_entries(infos: list[zipfile.ZipInfo], source: str) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnsafeFileError(
            f"压缩包内有 {len(infos)} 个文件，超过上限 {MAX_ENTRIES}，疑似恶意文件，已拒绝", Location(source)
        )
    total = 0
    seen: set[str] = set()
    for info in infos:
        if info.filename in seen:
            raise UnsafeFileError(
                f"压缩包内 {info.filename} 出现了两次（Excel 从不这样保存），疑似伪造文件，已拒绝", Location(source)
            )
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise UnsafeFileError("文件已加密，请在 Excel 中另存为无密码的 .xlsx", Location(source))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeFileError(
                f"{info.filename} 使用了不支持的压缩方式，请在 Excel 中重新另存为 .xlsx", Location(source)
            )
        total += info.file_size
        if info.file_size > BIG_ENTRY and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeFileError(
                f"{info.filename} 解压后膨胀 {info.file_size // max(info.compress_size, 1)} 倍，疑似压缩炸弹，已拒绝",
                Location(source),
            )
    if total > MAX_TOTAL:
        raise UnsafeFileError(
            f"解压后共 {total // 2**20} MB，超过上限 {MAX_TOTAL // 2**20} MB，疑似压缩炸弹，已拒绝", Location(source)
        )


def _read_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], source: str, data: bytes) -> dict[str, bytes]:
    # Every entry, whatever its name: a relationship may point a sheet at "sheet1.bin".
    parts: dict[str, bytes] = {}
    for info in infos:
        if info.is_dir():
            continue
        try:
            # zipfile never inflates past the declared size and checks the CRC at the end; so does
            # _inflate, which leaves every entry it is not sure of to zipfile.
            body = _inflate(data, info)
            if body is None:
                body = zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, zlib.error, NotImplementedError) as exc:
            raise UnsafeFileError(
                f"{info.filename} 已损坏或不完整（{type(exc).__name__}），请重新发送原文件", Location(source)
            ) from None
        if b"!" in body and any(m in body for m in _DTD_MARKERS):  # every marker holds a "!" byte
            raise UnsafeFileError(
                f"{info.filename} 含有 DTD/实体声明（Excel 从不写入），疑似 XML 炸弹，已拒绝", Location(source)
            )
        parts[info.filename] = body
    return parts


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The entry's bytes when it is a plain, whole, well-formed one (what zipfile's read would return,
    without its per-entry file objects), else None for zipfile to read (and word any error) as before.

    Plain: the local header zipfile checks (signature, the same name, no patch or strong-encryption
    bits), stored at its declared size or a deflate stream that ends exactly at the declared size
    with nothing left over, and the declared CRC.
    """
    h = info.header_offset
    if info.flag_bits & 0x60 or h < 0 or h + _LOCAL.size > len(data):
        return None
    sig, _, flags, _, _, _, _, _, _, n, extra = _LOCAL.unpack_from(data, h)
    if sig != b"PK\x03\x04" or data[h + 30 : h + 30 + n] != _encoded_name(info.orig_filename, flags):
        return None
    start = h + 30 + n + extra
    if start + info.compress_size > len(data):
        return None
    raw = memoryview(data)[start : start + info.compress_size]  # a view: the deflated bytes are not copied
    if info.compress_type == zipfile.ZIP_STORED:
        body = bytes(raw) if info.compress_size == info.file_size else None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
        try:
            body = inflater.decompress(raw, info.file_size)
        except zlib.error:
            return None
        if not inflater.eof or inflater.unconsumed_tail or inflater.unused_data or len(body) != info.file_size:
            return None
    else:
        return None
    return body if body is not None and zlib.crc32(body) == info.CRC else None


def _encoded_name(name: str, flags: int) -> bytes | None:
    """The name as a local header holding it spells it (zipfile decodes by the header's UTF-8 bit)."""
    try:
        return name.encode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeEncodeError:
        return None


def _rebuilt(parts: dict[str, bytes], crcs: dict[str, int] | None = None) -> bytes:
    """A zip of exactly the checked parts, stored (calamine reads stored parts faster than it inflates).

    Written by hand: a stored zip of a few parts is a header before each and a directory after them,
    and zipfile's writer costs a tenth of calamine's whole read. tests/test_hostile.py checks it against
    zipfile's (``_rebuilt_by_zipfile``), entry for entry. ``crcs``: the parts' CRCs when already known
    (open_package checked each against its body), so as not to compute them twice.
    """
    chunks: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    for name, body in parts.items():
        raw = name.encode("ascii") if name.isascii() else name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # 0x800: the name is UTF-8, as zipfile marks it
        crc, size = crcs[name] if crcs is not None else zlib.crc32(body), len(body)
        fixed = (20, flags, zipfile.ZIP_STORED, 0, _DOS_DATE, crc, size, size, len(raw))
        chunks += (_LOCAL.pack(b"PK\x03\x04", *fixed, 0), raw, body)
        directory += (_CENTRAL.pack(b"PK\x01\x02", 20, 0, *fixed, 0, 0, 0, 0, 0, offset), raw)
        offset += _LOCAL.size + len(raw) + size
    table = b"".join(directory)
    n = len(parts)
    return b"".join([*chunks, table, _END.pack(b"PK\x05\x06", 0, 0, n, n, len(table), offset, 0)])


# Local header, central directory entry and end record of a zip (APPNOTE 4.3.7, 4.3.12, 4.3.16);
# version 2.0, no extra fields, the date 1980-01-01 00:00 (zipfile's earliest).
_LOCAL = struct.Struct("<4sHHHHHLLLHH")
_CENTRAL = struct.Struct("<4sBBHHHHHLLLHHHHHLL")
_END = struct.Struct("<4sHHHHLLH")
_DOS_DATE = (1 << 5) | 1


def _rebuilt_by_zipfile(parts: dict[str, bytes]) -> bytes:
    """The same zip written by zipfile, for the tests."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, body in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), body)
    return buf.getvalue()


def _parse(parts: dict[str, bytes], path: str, source: str):  # -> Element | None
    body = parts.get(path)
    if body is None:
        return None
    # No DTD in UTF-8 (_read_parts refused it): nothing defusedxml guards against can be in the part.
    plain = not body.startswith(_UTF16_STARTS) and _fast_ok(body)
    try:
        return ET.fromstring(body) if plain else SafeET.fromstring(body)
    except Exception as exc:  # ParseError and every defusedxml refusal
        raise UnsafeFileError(f"{path} 不是合法的 XML（{type(exc).__name__}），文件已损坏", Location(source)) from None


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


class _Refused(Exception):
    """A part fails a check; the message (Chinese) says why, without the file's name."""


@dataclass
class _Extent:
    cells: int = 0
    merges: int = 0
    strings: int = 0
    unique: int = 0  # the largest uniqueCount declared
    rows: int = 0  # bounding box from A1, as calamine allocates it
    cols: int = 0
    far: str = ""  # the cell that makes the box largest


def _check_part(body: bytes, path: str, sheet: str, source: str) -> None:
    utf16 = body.startswith(_UTF16_STARTS)
    if not utf16:
        sheet_data = _SHEET_MARK in body
        if not sheet_data and _SST_MARK not in body:
            return  # calamine cannot read it as a worksheet or as shared strings
        if _plainly_within_limits(body, sheet_data):
            return
    try:
        extent = _measure_slow(body) if utf16 or not _fast_ok(body) else _measure_quick(body) or _measure_fast(body)
        if extent is None:
            extent = _measure_slow(body)
    except _Refused as exc:
        raise UnsafeFileError(
            f"{path}：{exc}，文件已损坏或被改动，请在 Excel 中重新另存为 .xlsx", Location(source)
        ) from None
    if extent.cells > MAX_CELLS:
        raise UnsafeFileError(
            f"工作表“{sheet}”有 {extent.cells} 个单元格，超过上限 {MAX_CELLS}，已拒绝", Location(source)
        )
    if extent.merges > MAX_MERGES:
        raise UnsafeFileError(
            f"工作表“{sheet}”有 {extent.merges} 个合并单元格，超过上限 {MAX_MERGES}，已拒绝", Location(source)
        )
    if max(extent.strings, extent.unique) > MAX_STRINGS:
        raise UnsafeFileError(
            f"{path} 声明或含有 {max(extent.strings, extent.unique)} 个共享文本，超过上限 {MAX_STRINGS}，已拒绝",
            Location(source),
        )
    if extent.rows * extent.cols > MAX_AREA:
        raise UnsafeFileError(
            f"此单元格离表格主体太远（工作表范围达 {extent.rows} 行 × {extent.cols} 列），请删除表格以外的内容后重试",
            Location(source, sheet=sheet, cell=extent.far),
        )


def _plainly_within_limits(body: bytes, sheet_data: bool) -> bool:
    """True only when _measure_quick would measure the part and every check of _check_part pass it,
    found with a few scans and no counting: a short part, every cell tag canonical and near A1, no
    prefixed cell tag, and every ``uniqueCount`` plain digits within MAX_STRINGS. Otherwise False, and
    the part is measured as before (which words any refusal)."""
    if len(body) > _PLAIN_LIMIT or not _fast_ok(body):
        return False
    if sheet_data and (_ODD_CELL_TAG.search(body) or _PREFIXED_HINT.search(body)):
        return False
    return _plain_unique_counts(body)


def _plain_unique_counts(body: bytes) -> bool:
    """Every ``uniqueCount`` in the part, wherever it stands, is plain digits within MAX_STRINGS:
    those _shared_strings reads (only inside an ``sst`` tag) are among them. Found from each ``q``, a
    byte search far quicker than one for the name (parts hold few: sqref, uniqueCount)."""
    q = body.find(b"q")
    for _ in range(64):
        if q < 0:
            return True
        if q >= 3 and body.startswith(b"uniqueCount", q - 3):
            m = _UNIQUE.match(body, q - 3)
            if m is not None:
                value = m.group(1) if m.group(1) is not None else m.group(2)
                if not value.isdigit() or len(value) > 7 or int(value) > MAX_STRINGS:  # isdigit: ASCII only
                    return False
        q = body.find(b"q", q + 1)
    return False  # a part full of q: measured as before


def _fast_ok(body: bytes) -> bool:
    m = _DECL_ENCODING.match(body)
    return m is None or m.group(1).lower() in (b"utf-8", b"utf8", b"us-ascii", b"ascii")


def _measure_quick(body: bytes) -> _Extent | None:
    """The fast path's extent when every cell tag is canonical and near A1 (the box then an upper bound),
    else None: the fast path measures it exactly (and words a refusal with the exact box)."""
    extent = _Extent()
    if _SHEET_MARK in body:
        if b":c" in body and _PREFIXED_HINT.search(body) and _PREFIXED_CELL.search(body):
            return None
        tags = _NEAR_CELL_TAG.findall(body)
        if b"<c" in tags:
            return None
        extent.cells = len(tags)
        extent.merges = body.count(b"mergeCell")
        if tags:
            extent.rows, extent.cols = _NEAR_ROWS, _NEAR_COLS
    if _SST_MARK in body:
        _shared_strings(body, extent)
    return extent


def _shared_strings(body: bytes, extent: _Extent) -> None:
    for tag in (_SST_TAG if b":sst" in body else _PLAIN_SST_TAG).findall(body):
        for m in _UNIQUE.finditer(tag):
            extent.unique = max(extent.unique, _count(m.group(1) if m.group(1) is not None else m.group(2)))
    extent.strings = body.count(b"<si") + body.count(b":si")  # every <si> tag, and perhaps a few more


def _measure_fast(body: bytes) -> _Extent | None:
    """The extent read by patterns, or None when some cell tag is not in the canonical form."""
    extent = _Extent()
    if _SHEET_MARK in body:
        if b":c" in body and _PREFIXED_CELL.search(body):
            return None
        refs = _CELL_TAG.findall(body)
        if (b"", b"") in refs:
            return None
        extent.cells = len(refs)
        extent.merges = body.count(b"mergeCell")  # every tag mentioning it: never fewer than the merges
        if refs:
            cols, rows = zip(*refs, strict=True)
            # No leading zeros: numeric order is (length, bytes); a set keeps the key function off most cells.
            extent.rows = int(max(set(rows), key=lambda r: (len(r), r)))
            far_col = max(set(cols), key=lambda c: (len(c), c))
            extent.cols = col_index(far_col.decode()) + 1
            if extent.rows * extent.cols > MAX_AREA:
                row = str(extent.rows).encode()
                far = next(c + r for c, r in refs if r == row or c == far_col)
                extent.far = far.decode()
    if _SST_MARK in body:
        _shared_strings(body, extent)
    return extent


def _count(raw: bytes | str) -> int:
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if not (text.isascii() and text.strip().isdigit()):  # "²" is a digit to isdigit, not to int
        raise _Refused(f"共享文本数量“{text[:20]}”不是数字")
    if len(text.strip().lstrip("0")) > 18:  # int() refuses more than 4300 digits; this is no count anyway
        raise _Refused(f"共享文本数量“{text.strip()[:20]}…”大得不合理")
    return int(text)


class _Replay:
    """calamine's numbering of cells, replayed on expat's events (names as written, prefixes ignored)."""

    def __init__(self) -> None:
        self.extent = _Extent()
        self.data = 0  # inside <sheetData>
        self.row = 0  # the current row (zero-based) and next column for a cell without ``r``
        self.col = 0
        self.in_cell = False
        self.box = (0, 0, "")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        e = self.extent
        if local == "c" and self.data:
            if self.in_cell:
                raise _Refused("单元格里嵌套了单元格")
            self.in_cell = True
            e.cells += 1
            ref = attrs.get("r")
            if ref is None:
                row, col = self.row, self.col
            else:
                m = _REF.fullmatch(ref)
                if not m:
                    raise _Refused(f"单元格位置“{ref[:20]}”无效")
                row, col = int(m.group(2)) - 1, col_index(m.group(1).upper())
            self.col = col + 1
            rows, cols = max(e.rows, row + 1), max(e.cols, col + 1)
            if (rows, cols) != (e.rows, e.cols):
                e.rows, e.cols = rows, cols
                if rows * cols > MAX_AREA and not e.far:
                    e.far = f"{col_letters(col)}{row + 1}"
        elif local == "row" and self.data:
            if self.in_cell:
                raise _Refused("单元格里嵌套了行")
            ref = attrs.get("r")
            if ref is not None:
                if not _ROW.fullmatch(ref) or int(ref) > MAX_ROW:
                    raise _Refused(f"行号“{ref[:20]}”无效")
                self.row = int(ref) - 1
        elif local == "sheetData":
            self.data += 1
        elif local == "mergeCell":
            e.merges += 1
        elif local == "sst" and "uniqueCount" in attrs:
            e.unique = max(e.unique, _count(attrs["uniqueCount"]))
        elif local == "si":
            e.strings += 1

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "c" and self.data:
            self.in_cell = False
        elif local == "row" and self.data:
            self.row += 1
            self.col = 0
        elif local == "sheetData":
            self.data -= 1


def _measure_slow(body: bytes) -> _Extent:
    replay = _Replay()
    parser = expat.ParserCreate()
    parser.StartElementHandler = replay.start
    parser.EndElementHandler = replay.end
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise _Refused(
            f"不是合法的 XML（{expat.errors.messages.get(exc.code, exc.code)}，第 {exc.lineno} 行）"
        ) from None
    except (ValueError, LookupError, UnicodeError):  # an encoding expat cannot decode
        raise _Refused("使用了无法识别的字符编码") from None
    return replay.extent


def _custom_properties(parts: dict[str, bytes], source: str) -> dict[str, str]:
    root = _parse(parts, "docProps/custom.xml", source)
    if root is None:
        return {}
    props = {}
    for prop in root.iter(f"{_NS_CUSTOM}property"):
        value = next(iter(prop), None)
        props[prop.get("name", "")] = (value.text or "") if value is not None else ""
    return props
