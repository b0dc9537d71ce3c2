"""The one xlsxwriter setup every workbook xlsgen writes shares: options, document properties, print.

Text is always written as text (``strings_to_*`` off: ``=1+1`` typed by a unit stays ``=1+1``) and the
document date is fixed, so the same input gives byte-identical files.
"""

from __future__ import annotations

import datetime as _dt
import zlib
from typing import IO, TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

FIXED_DATE = _dt.datetime(2000, 1, 1, 0, 0, 0)
OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
FOOTER = "&C第 &P 页 共 &N 页"
A4 = 9


def properties(title: str, **more: str) -> dict[str, Any]:
    """xlsgen's document properties: title, author, fixed date, version (and ``more``)."""
    return {"title": title, **more, "author": "xlsgen", "created": FIXED_DATE, "comments": f"xlsgen {__version__}"}


def deflated(data: bytes) -> tuple[bytes, int, int]:
    """(raw deflate stream as zipfile makes it for xlsxwriter's parts, CRC-32, size): how package.py
    writes every part, and skeletons.py keeps the skeleton's."""
    z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(), zlib.crc32(data), len(data)


def new_workbook(
    target: str | IO[bytes], title: str, *, parts_dir: str | None = None, **more: str
) -> xlsxwriter.Workbook:
    """A workbook with xlsgen's options and document properties. ``parts_dir``: a folder where
    xlsxwriter writes each part before zipping it, instead of holding it in memory (for a workbook of
    tens of megabytes, where the in-memory part is held three times over while it is zipped)."""
    import xlsxwriter  # here: a form written by package.py with its skeleton on disk needs no writer

    options = OPTIONS if parts_dir is None else {**OPTIONS, "in_memory": False, "tmpdir": parts_dir}
    wb = xlsxwriter.Workbook(target, options)
    wb.set_properties(properties(title, **more))
    return wb


def print_setup(
    ws: Worksheet,
    *,
    landscape: bool = False,
    margins: dict[str, float] | None = None,
    center: bool = False,
    repeat_rows: tuple[int, ...] | None = None,
    breaks: list[int] | None = None,
    footer: dict[str, Any] | None = None,
) -> None:
    """A4, one page wide, page numbers in the footer; the rest as each workbook needs it."""
    ws.set_paper(A4)
    ws.set_landscape() if landscape else ws.set_portrait()
    ws.fit_to_pages(1, 0)
    if margins:
        ws.set_margins(**margins)
    if center:
        ws.center_horizontally()
    ws.set_footer(FOOTER, footer) if footer else ws.set_footer(FOOTER)
    if repeat_rows:
        ws.repeat_rows(*repeat_rows)
    if breaks:
        ws.set_h_pagebreaks(breaks)
