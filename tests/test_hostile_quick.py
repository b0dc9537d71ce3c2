"""The checks' plain path (safety._plainly_within_limits) against the measurement it skips.

A part the plain path passes is one that _measure_quick measures and every limit of _check_part passes:
so it can never let through what the measured path would refuse. Checked here on random cell tags and
on workbooks as xlsxwriter and openpyxl write them (which must take it), with the measured path as the
oracle.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsgen.errors import UnsafeFileError
from xlsgen.safety import (
    _NEAR_CELL_TAG,
    _ODD_CELL_TAG,
    _PLAIN_LIMIT,
    _UNIQUE,
    _UTF16_STARTS,
    MAX_AREA,
    MAX_CELLS,
    MAX_MERGES,
    MAX_STRINGS,
    _fast_ok,
    _measure_quick,
    _plainly_within_limits,
    _rebuilt,
    _Refused,
    open_package,
)

from .conftest import filled_unit
from .xlsx_edit import workbook

# Pieces of cell tags, canonical and not: far references, other attributes, other quotes and spaces,
# prefixes, entities, a second r, shared-string tags and counts.
TOKENS = [
    b"<c", b' r="', b"r=", b'"', b"'", b"A", b"Z", b"AA", b"XFD", b"a", b"1", b"0", b"9", b"99999", b"100000",
    b' s="', b' t="', b' cm="', b' vm="', b' ph="', b' x="', b" ", b"  ", b"\t", b"\n", b"/", b">", b"<", b"&",
    b"x:", b":c", b"</c>", b"<v>1</v>", b"<row>", b"</row>", b"q", b"<sst ", b"uniqueCount", b'="12"',
    b'="1000001"', b'="\xb2"', b"mergeCell", b"<si>", b"sheetData",
]  # fmt: skip
pieces = st.lists(st.sampled_from(TOKENS), max_size=24).map(b"".join)


def old_odd(body: bytes) -> bool:
    """The findall the plain path replaced: some cell tag matched as a bare ``<c``."""
    return b"<c" in _NEAR_CELL_TAG.findall(body)


def measured_passes(body: bytes) -> bool:
    """What _check_part did for a UTF-8 part before the plain path: _measure_quick, then the limits."""
    if body.startswith(_UTF16_STARTS) or not _fast_ok(body):
        return False
    try:
        e = _measure_quick(body)
    except _Refused:
        return False
    if e is None:
        return False
    return (
        e.cells <= MAX_CELLS
        and e.merges <= MAX_MERGES
        and max(e.strings, e.unique) <= MAX_STRINGS
        and e.rows * e.cols <= MAX_AREA
    )


@functools.cache
def generated() -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(workbook(filled_unit())))
    return {i.filename: zf.read(i) for i in zf.infolist()}


@pytest.fixture
def parts() -> dict[str, bytes]:
    return dict(generated())


def test_limits_make_counting_needless() -> None:
    # Each counted thing takes at least 3 bytes (``<c`` and its next byte, ``<si``, ``:si``) or 9
    # (``mergeCell``), and none overlaps another of its kind.
    assert (_PLAIN_LIMIT + 2) // 3 <= min(MAX_CELLS, MAX_STRINGS)
    assert _PLAIN_LIMIT // 9 <= MAX_MERGES


@settings(max_examples=600, deadline=None)
@given(pieces, pieces)
def test_odd_cell_search_is_the_findall(head: bytes, tail: bytes) -> None:
    body = b"<sheetData>" + head + b'<c r="B2" s="1"/>' + tail
    if body.endswith(b"<c"):  # the search flags a ``<c`` ending the part; the findall ignores it
        assert _ODD_CELL_TAG.search(body) is not None
    else:
        assert (_ODD_CELL_TAG.search(body) is not None) == old_odd(body), body


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]), pieces, st.integers(0, 10**6))
def test_plain_path_passes_only_what_the_measured_path_passes(name: str, extra: bytes, where: int) -> None:
    base = generated()[name]
    at = where % len(base)
    body = base[:at] + extra + base[at:]
    plain = _plainly_within_limits(body, b"sheetData" in body)
    if plain:
        assert measured_passes(body), body[max(at - 40, 0) : at + len(extra) + 40]
    # ... and takes what the measured path takes, unless a ``uniqueCount`` outside a shared-string tag
    # or not plainly digits, a ``:c`` or a cut-off ``<c`` came in (each left to the measured path).
    counts = [m.group(1) or m.group(2) or b"" for m in _UNIQUE.finditer(body)]
    odd = b"uniqueCount" in extra or not all(c.isdigit() for c in counts) or b":c" in body or body.endswith(b"<c")
    if measured_passes(body) and not odd:
        assert plain, body[max(at - 40, 0) : at + len(extra) + 40]


@pytest.mark.parametrize("kind", ["generated", "edited"])
def test_real_workbooks_take_the_plain_path(parts: dict[str, bytes], kind: str) -> None:
    if kind == "edited":
        import openpyxl

        buf = io.BytesIO()
        openpyxl.load_workbook(io.BytesIO(_rebuilt(parts))).save(buf)
        zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    checked = 0
    for name, body in parts.items():
        if b"sheetData" in body or b"sst" in body:
            assert _plainly_within_limits(body, b"sheetData" in body), name
            assert measured_passes(body), name
            checked += 1
    assert checked >= 3


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (rb'uniqueCount="\d+"', b'uniqueCount="1000001"', "共享文本"),
        (rb'uniqueCount="\d+"', b'uniqueCount=" 12x"', "不是数字"),
        (rb'uniqueCount="\d+"', b'uniqueCount="\xc2\xb2"', "不是数字"),
        (rb'uniqueCount="\d+"', b'uniqueCount="\xb2"', "不是数字"),  # ² in Latin-1: a digit to str.isdigit
        (rb'uniqueCount="\d+"', b'uniqueCount="' + b"9" * 5000 + b'"', "大得不合理"),  # beyond int()'s 4300 digits
    ],
)
def test_shared_string_counts_still_refused(parts: dict[str, bytes], old: bytes, new: bytes, message: str) -> None:
    changed = dict(parts)
    changed["xl/sharedStrings.xml"] = re.sub(old, new, parts["xl/sharedStrings.xml"])
    assert not _plainly_within_limits(changed["xl/sharedStrings.xml"], False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in changed.items():
            zf.writestr(name, body)
    with pytest.raises(UnsafeFileError, match=message):
        open_package(buf.getvalue(), "共享.xlsx")


def test_rebuilt_with_known_crcs_is_rebuilt_with_computed_ones(parts: dict[str, bytes]) -> None:
    package = open_package(_rebuilt(parts), "好.xlsx")
    assert package.data == _rebuilt(package.parts)


LAUGHS = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml"])
@pytest.mark.parametrize("dtd", [LAUGHS, EXTERNAL])
def test_parts_parsed_by_elementtree_never_reach_it_with_a_dtd(parts: dict[str, bytes], part: str, dtd: bytes) -> None:
    body = parts[part]
    root = body[body.index(b"?>") + 2 :]
    changed = dict(parts)
    changed[part] = dtd + root.replace(b"><", b">&b;<", 1)
    with pytest.raises(UnsafeFileError, match="含有 DTD/实体声明"):
        open_package(_rebuilt(changed), "实体.xlsx")


def test_elementtree_and_defusedxml_read_the_same_trees(parts: dict[str, bytes]) -> None:
    from xml.etree import ElementTree as ET

    from defusedxml import ElementTree as SafeET

    from xlsgen.safety import _parse

    for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/custom.xml"):
        assert ET.tostring(_parse(parts, name, "x")) == ET.tostring(SafeET.fromstring(parts[name])), name
    # A part in UTF-16 is still read by defusedxml, and gives the same sheets.
    utf16 = dict(parts)
    text = parts["xl/workbook.xml"].decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    utf16["xl/workbook.xml"] = text.encode("utf-16")
    ours, theirs = open_package(_rebuilt(utf16), "x.xlsx"), open_package(_rebuilt(parts), "x.xlsx")
    assert ours.sheets == theirs.sheets and len(ours.sheets) >= 2
