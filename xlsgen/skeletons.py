"""What package.py takes from xlsxwriter itself, made once and kept on disk for later processes.

package.py writes a form's per-unit parts by joining strings; the parts that depend only on the
workbook's shape (content types, relationships, workbook.xml, app.xml, styles, theme), the format
keys that say which styles xlsxwriter merges into one xf, and the shape of core.xml and custom.xml
come from xlsxwriter itself: a small skeleton workbook written through its public API, its formats
and its property writers. Importing xlsxwriter and writing that skeleton is a tenth of a one-unit
``xlsgen generate``, so what they give is kept:

* in memory for the rest of the process (bulk writes hundreds of units of a few shapes);
* in the per-user private folder that also holds the compiled templates (tplcache.folder), one file
  per entry, named by a digest of everything its content depends on: the entry's own inputs, the
  installed xlsxwriter's version (read without importing it), zlib's version (the parts are kept
  deflated), xlsgen's version and the source of the modules that make the entries.

A file is only ever used whole and checked: its CRC-32, its header, every part's length, and every
part inflating to its recorded size and CRC. Anything else (missing, damaged, from another version,
a folder that cannot be written) means xlsxwriter makes the entry again, as before. Files are
replaced atomically, so parallel workers can only ever read a complete one. tests/test_skeletons.py
checks that a process with the entries on disk writes the same bytes without importing xlsxwriter.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__, xlsx

Parts = dict[str, tuple[bytes, int, int]]  # part name → (raw deflate stream, CRC-32, size)

CACHE_FORMAT = 1
_MAGIC = b"xlsgen-skeleton\n"
_HEAD = struct.Struct("<II")  # CRC-32 of everything after it, length of the JSON header
_MAX_ENTRY = 4 * 2**20  # a skeleton's constant parts are ~20 KB deflated; anything far larger is no entry
_VERSION_LINE = re.compile(r'^__version__ = "([^"\\]+)"$', re.M)
# The modules whose code decides what an entry holds (how the skeleton is written, deflated, keyed).
_SOURCES = ("skeletons.py", "package.py", "xlsx.py", "styles.py")

_kept: dict[tuple[Any, ...], Any] = {}
_KEPT = 64


def writer_version() -> str:
    """The installed xlsxwriter's ``__version__``: the module's own once it is imported, else read from
    its source (importing it pulls in every chart and drawing module), imported when the source does
    not say."""
    mod = sys.modules.get("xlsxwriter")
    if mod is not None:
        return mod.__version__
    found = _source_version()
    if found is not None:
        return found
    import xlsxwriter

    return xlsxwriter.__version__


@lru_cache(maxsize=1)
def _source_version() -> str | None:
    try:
        import importlib.util

        spec = importlib.util.find_spec("xlsxwriter")
        origin = spec.origin if spec is not None else None
        if origin and origin.endswith("__init__.py"):
            found = _VERSION_LINE.findall(Path(origin).read_text("utf-8"))
            if len(found) == 1:
                return found[0]
    except (ImportError, OSError, UnicodeDecodeError, ValueError):
        pass
    return None


def format_keys(styles: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Each style's xlsxwriter format key: styles with the same key share one xf."""

    def make() -> dict[str, Any]:
        import xlsxwriter

        wb = xlsxwriter.Workbook(io.BytesIO(), xlsx.OPTIONS)
        return {"keys": {name: wb.add_format(props)._get_format_key() for name, props in styles.items()}}

    return _entry("keys", (repr(styles),), make, lambda e: isinstance(e.get("keys"), dict))["keys"]


def skeleton(
    sheets: Sequence[tuple[str, tuple[int, int] | None]],
    lists_sheet: str,
    lists: Sequence[tuple[str, str]],
    order: Sequence[str],
    styles: dict[str, dict[str, Any]],
    custom: tuple[str, str] | None,
    per_unit: set[str],
) -> tuple[list[str], Parts]:
    """The part names in xlsxwriter's order and, deflated, the parts that depend only on the shape:
    ``sheets`` (name, repeat rows), the drop-down ``lists`` (defined name, formula), the styles in the
    ``order`` the cells first use them, and whether there are ``custom`` properties (the first one);
    the ``per_unit`` parts are left out."""

    def make() -> dict[str, Any]:
        buf = io.BytesIO()
        wb = xlsx.new_workbook(buf, "-", subject="-")
        if custom is not None:
            wb.set_custom_property(*custom)
        formats = {name: wb.add_format(props) for name, props in styles.items()}
        for i, (name, repeat_rows) in enumerate(sheets):
            ws = wb.add_worksheet(name)
            if i == 0:  # every used format once, in the order the real sheets first use them
                for col, style in enumerate(order):
                    ws.write_blank(0, col, None, formats[style])
            if repeat_rows:
                ws.repeat_rows(*repeat_rows)
        ls = wb.add_worksheet(lists_sheet)
        ls.write_string(0, 0, "-")  # strings exist: the sharedStrings part is listed
        for name, ref in lists:
            wb.define_name(name, ref)
        ls.hide()
        wb.worksheets()[0].activate()
        wb.close()
        archive = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        names = archive.namelist()
        return {"names": names, "parts": {n: xlsx.deflated(archive.read(n)) for n in names if n not in per_unit}}

    # Only whether a custom property exists shapes the constant parts (custom.xml itself is per unit);
    # which parts are per unit follows from the number of sheets.
    material = (tuple(sheets), lists_sheet, tuple(lists), tuple(order), repr(styles), custom is not None)
    got = _entry("skeleton", material, make, lambda e: isinstance(e.get("names"), list) and "parts" in e)
    return got["names"], got["parts"]


def property_templates(names: tuple[str, ...], stand_ins: list[str]) -> tuple[str, str]:
    """(core.xml, custom.xml) as xlsxwriter's Core and Custom write them for the custom properties
    ``names``, with ``stand_ins`` for the title, the subject and each property's value."""

    def make() -> dict[str, Any]:
        core, custom = write_properties(stand_ins[0], stand_ins[1], list(zip(names, stand_ins[2:], strict=True)))
        return {"core": core, "custom": custom}

    material = (names, tuple(stand_ins), repr(xlsx.properties(stand_ins[0], subject=stand_ins[1])))
    got = _entry("properties", material, make, lambda e: isinstance(e.get("core"), str))
    return got["core"], got["custom"]


def write_properties(title: str, subject: str, custom_properties: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(core.xml, custom.xml) through xlsxwriter's own writers."""
    from xlsxwriter.core import Core
    from xlsxwriter.custom import Custom

    core = Core()
    core._set_filehandle(io.StringIO())
    core._set_properties(xlsx.properties(title, subject=subject))
    core._assemble_xml_file()
    custom = Custom()
    custom._set_filehandle(io.StringIO())
    custom._set_properties([(name, value, "text") for name, value in custom_properties])
    custom._assemble_xml_file()
    return core.fh.getvalue(), custom.fh.getvalue()


# ---------------------------------------------------------------- kept in memory and on disk


def _entry(
    kind: str, material: tuple[Any, ...], make: Callable[[], dict[str, Any]], ok: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    key = (kind, material)
    got = _kept.get(key)
    if got is not None:
        return got
    path = entry_path(kind, material)
    got = _load(path) if path is not None else None
    if got is None or not ok(got):
        got = make()
        if path is not None:
            _store(path, got)
    if len(_kept) >= _KEPT:
        _kept.clear()
    _kept[key] = got
    return got


def entry_path(kind: str, material: tuple[Any, ...]) -> Path | None:
    """The file an entry is kept in; None when there is no private folder or no source to key by."""
    from .tplcache import folder

    where, code = folder(), _code_digest()
    if where is None or code is None:
        return None
    key = repr((CACHE_FORMAT, kind, material, writer_version(), zlib.ZLIB_RUNTIME_VERSION, __version__, code))
    return Path(where) / f"__xlsgen_{kind}_{hashlib.sha256(key.encode()).hexdigest()[:24]}.bin"


@lru_cache(maxsize=1)
def _code_digest() -> str | None:
    h = hashlib.sha256()
    try:
        for name in _SOURCES:
            h.update((Path(__file__).with_name(name)).read_bytes())
    except OSError:  # installed without sources: nothing to key by, so nothing is kept on disk
        return None
    return h.hexdigest()


def _load(path: Path) -> dict[str, Any] | None:
    """The entry in ``path`` when it is whole and every part checks out, else None."""
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_ENTRY + 1)
        if len(data) > _MAX_ENTRY or not data.startswith(_MAGIC):
            return None
        crc, n = _HEAD.unpack_from(data, len(_MAGIC))
        if zlib.crc32(memoryview(data)[len(_MAGIC) + 4 :]) != crc:
            return None
        start = len(_MAGIC) + _HEAD.size
        head = json.loads(data[start : start + n].decode("utf-8"))
        entry, table = head["entry"], head["parts"]
        if not isinstance(entry, dict) or not isinstance(table, list):
            return None
        blob = memoryview(data)[start + n :]
        parts: Parts = {}
        at = 0
        for name, length, crc, size in table:
            raw = bytes(blob[at : at + length])
            at += length
            inflater = zlib.decompressobj(-15)
            body = inflater.decompress(raw, size + 1)
            if len(raw) != length or len(body) != size or not inflater.eof or zlib.crc32(body) != crc:
                return None
            parts[name] = (raw, crc, size)
        if at != len(blob):
            return None
        if table:
            entry["parts"] = parts
        return entry
    except (OSError, ValueError, KeyError, TypeError, struct.error, zlib.error):
        return None


def _store(path: Path, entry: dict[str, Any]) -> None:
    parts: Parts = entry.get("parts", {})
    head = {
        "entry": {k: v for k, v in entry.items() if k != "parts"},
        "parts": [[name, len(raw), crc, size] for name, (raw, crc, size) in parts.items()],
    }
    text = json.dumps(head, ensure_ascii=False).encode("utf-8")
    rest = b"".join([struct.pack("<I", len(text)), text, *(raw for raw, _, _ in parts.values())])
    data = b"".join([_MAGIC, struct.pack("<I", zlib.crc32(rest)), rest])
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:  # a full or read-only disk, a name taken: made again next time, as before
        try:
            os.unlink(tmp)
        except OSError:
            pass
