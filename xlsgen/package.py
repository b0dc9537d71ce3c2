"""A form workbook's whole ``.xlsx`` built by joining strings: the bytes xlsxwriter would write.

xlsxwriter spends most of a unit's writing time on work a form does not need: per-cell records,
attribute lists per XML element, a packager writing every part through file-like objects. This
module writes the same package directly:

* the per-unit parts (the form sheets, the ``_lists`` sheet, shared strings, core and custom
  properties) are built as strings, mirroring xlsxwriter 3.3.1's writers element by element;
* the parts that depend only on the workbook's shape (content types, relationships, workbook.xml,
  app.xml, styles, theme) are taken from a small *skeleton* workbook written by xlsxwriter itself with
  the same sheets, names and formats (in the order the cells first use them), made once per shape
  and kept compressed, in memory and on disk (skeletons.py): a process that finds it there never
  imports xlsxwriter;
* the zip container is laid out as Python's zipfile writes it for xlsxwriter (same headers, 1980
  timestamps, deflate level, central directory); a first-use self-check against zipfile turns the
  module off if this Python's zipfile writes differently.

Anything it does not model (a text longer than half of Excel's limit, a formula xlsxwriter would
rewrite, a non-finite number, an over-long property, a cell outside the sheet, overlapping cells) makes
``form_workbook`` return None and render.py takes the xlsxwriter path, which stays the reference:
tests/test_package.py compares both byte for byte. It leans on xlsxwriter's output format and a few
of its internals, so it is used only with the versions it was checked on (``TESTED_VERSIONS``).
"""

from __future__ import annotations

import io
import math
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import skeletons, xlsx
from .sheet import col_name
from .xlsx import deflated

TESTED_VERSIONS = ("3.3.1",)

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_WORKSHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
_SST = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
# Text xlsxwriter's shared-string writer treats specially (escapes, _xHHHH_ forms, rich-text look,
# whitespace kept with xml:space): such a string goes through that writer itself.
_SPECIAL_TEXT = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_ATTRIBUTE_SPECIAL = re.compile('["&<>\n]')
_DATA_SPECIAL = re.compile("[&<>]")
# xlsxwriter's worksheet defaults (Worksheet.__init__ with a Workbook's init data).
_DEFAULT_ROW_PX = 20
_DEFAULT_COL_PX = 64
_DIGIT_PX = 7
_PADDING_PX = 5
_MAX_ROWS, _MAX_COLS = 1_048_576, 16_384
_HALF_STRMAX = 32767 // 2
_DATE_TIME = (1980, 1, 1, 0, 0, 0)
# The parts written per unit; every other part comes from the skeleton.
_SHEET_PART = "xl/worksheets/sheet{}.xml"
_PER_UNIT = ("xl/sharedStrings.xml", "docProps/core.xml", "docProps/custom.xml")


class Unsupported(Exception):
    """Something this writer does not model: the caller takes the xlsxwriter path."""


@dataclass
class FormSheet:
    """One printed form sheet, as render.write_sheet sets it up."""

    name: str
    widths: Sequence[float]
    heights: Sequence[float]
    cells: Sequence[Any]  # layout.Cell
    formula_of: Callable[[Any], str]
    validations: Sequence[tuple[int, int, int, int, dict[str, Any]]] = ()
    repeat_rows: tuple[int, int] | None = None
    breaks: Sequence[int] = ()


@dataclass
class Book:
    """Everything one form workbook holds (render.workbook_bytes fills it)."""

    title: str
    subject: str
    custom: Sequence[tuple[str, str]]
    sheets: Sequence[FormSheet]
    lists_sheet: str
    lists: Sequence[tuple[str, Sequence[str], str]]  # (defined name, values, its formula)
    styles: dict[str, dict[str, Any]]
    value_types: dict[str, str]
    value_of: Callable[[str, str], Any]
    margins: dict[str, float]
    lock: bool = False
    strings: dict[str, int] = field(default_factory=dict)  # shared strings, in first-use order
    string_count: int = 0


# ---------------------------------------------------------------- switches and self-check

_container_ok: bool | None = None


def enabled() -> bool:
    """True where this writer's bytes were checked: the tested xlsxwriter, a zipfile that agrees."""
    global _container_ok
    if skeletons.writer_version() not in TESTED_VERSIONS:
        return False
    if _container_ok is None:
        _container_ok = _container_matches_zipfile()
    return _container_ok


def _container_matches_zipfile() -> bool:
    entries = [("[Content_Types].xml", b"<Types/>" * 40), ("xl/a.xml", "<a>\u8868</a>".encode()), ("b", b"")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as z:
        for name, data in entries:  # as xlsxwriter's Workbook._store_workbook writes each part
            info = zipfile.ZipInfo(name, _DATE_TIME)
            info.compress_type = z.compression
            z.writestr(info, data)
    return buf.getvalue() == _zip([(name, *deflated(data)) for name, data in entries])


# ---------------------------------------------------------------- the zip container

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_DATE = (_DATE_TIME[0] - 1980) << 9 | _DATE_TIME[1] << 5 | _DATE_TIME[2]
_DOS_TIME = _DATE_TIME[3] << 11 | _DATE_TIME[4] << 5 | _DATE_TIME[5] // 2
_UNIX, _VERSION, _RW = 3, 20, 0o600 << 16  # zipfile's create_system, (extract) version, file mode


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """The archive zipfile writes to a seekable file for these (name, deflated, crc, size) entries."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, packed, crc, size in entries:
        raw = name.encode("ascii")
        head = _LOCAL.pack(
            b"PK\003\004",
            _VERSION,
            0,
            0,
            zipfile.ZIP_DEFLATED,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(packed),
            size,
            len(raw),
            0,
        )
        central.append(
            _CENTRAL.pack(
                b"PK\001\002",
                _VERSION,
                _UNIX,
                _VERSION,
                0,
                0,
                zipfile.ZIP_DEFLATED,
                _DOS_TIME,
                _DOS_DATE,
                crc,
                len(packed),
                size,
                len(raw),
                0,
                0,
                0,
                0,
                _RW,
                offset,
            )
            + raw
        )
        out += (head, raw, packed)
        offset += len(head) + len(raw) + len(packed)
    directory = b"".join(central)
    out += (directory, _END.pack(b"PK\005\006", 0, 0, len(entries), len(entries), len(directory), offset, 0))
    return b"".join(out)


# ---------------------------------------------------------------- XML helpers


def _attr(text: str) -> str:  # xlsxwriter's XMLwriter._escape_attributes
    if not _ATTRIBUTE_SPECIAL.search(text):
        return text
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "&#xA;")
    )


def _data(text: str) -> str:  # xlsxwriter's XMLwriter._escape_data
    if not _DATA_SPECIAL.search(text):
        return text
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_letters: dict[int, str] = {}


def _col(col: int) -> str:
    name = _letters.get(col)
    if name is None:
        name = _letters[col] = col_name(col)
    return name


def _utf16_len(text: str) -> int:  # xlsxwriter.utility._utf16_len: Excel counts UTF-16 units
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# Formulas whose functions xlsxwriter's _prepare_formula leaves alone (no _xlfn. prefix, no dynamic
# array): for them the stored formula is the text without its "="; anything else takes the public call.
SAFE_FUNCTIONS = frozenset({"SUM", "IF", "ROUND", "ABS", "MIN", "MAX"})
FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\(")
_PLAIN_FORMULA = re.compile(r"=[A-Z0-9(),=+\-*/:$.<> ]*")


def plain_formula(formula: str) -> bool:
    """A formula xlsxwriter stores as it is (fastsheet and this writer write it themselves)."""
    return bool(_PLAIN_FORMULA.fullmatch(formula)) and all(f in SAFE_FUNCTIONS for f in FUNCTION.findall(formula))


def _ref(row: int, col: int) -> str:
    return f"{_col(col)}{row + 1}"


def _dimension(rmin: int | None, cmin: int | None, rmax: int, cmax: int) -> str:
    # Worksheet._write_dimension
    if rmin is None and cmin is None:
        ref = "A1"
    elif rmin is None:
        assert cmin is not None
        ref = _ref(0, cmin) if cmin == cmax else f"{_ref(0, cmin)}:{_ref(0, cmax)}"
    elif rmin == rmax and cmin == cmax:
        assert cmin is not None
        ref = _ref(rmin, cmin)
    else:
        assert cmin is not None
        ref = f"{_ref(rmin, cmin)}:{_ref(rmax, cmax)}"
    return f'<dimension ref="{ref}"/>'


def _column_px(width: float | None) -> int:  # Worksheet.set_column
    if width is None:  # the default width, not marked custom
        return _DEFAULT_COL_PX
    if width == 0.0:
        return 0
    if width < 1.0:
        return int(width * (_DIGIT_PX + _PADDING_PX) + 0.5)
    return int(width * _DIGIT_PX + 0.5) + _PADDING_PX


def _cols(widths: Sequence[float | None]) -> str:
    # Worksheet._write_cols: runs of equal columns share one <col>.
    if not widths:
        return ""
    px = [_column_px(w) for w in widths]
    parts = ["<cols>"]
    first = 0
    for col in range(1, len(px) + 1):
        if col < len(px) and px[col] == px[first]:
            continue
        width = px[first]
        custom = ' customWidth="1"' if width != _DEFAULT_COL_PX else ""
        parts.append(f'<col min="{first + 1}" max="{col}" width="{(width * 256 // _DIGIT_PX) / 256.0:.16g}"{custom}/>')
        first = col
    parts.append("</cols>")
    return "".join(parts)


def _row_attrs(height: float | None) -> str:
    # Worksheet.set_row (height → pixels; 0 hides the row) and _write_row's attributes after spans.
    px = _DEFAULT_ROW_PX if height is None else int(height * 4.0 / 3.0 + 0.5)
    hidden = px == 0
    if hidden:
        px = _DEFAULT_ROW_PX
    if px == _DEFAULT_ROW_PX:
        return ' hidden="1"' if hidden else ""
    return f' ht="{px * 0.75:.16g}"' + (' hidden="1"' if hidden else "") + ' customHeight="1"'


# ---------------------------------------------------------------- cells

_numbers = [""]  # row number → its text ("1" for row 0 is _numbers[1])
_letters_list: list[str] = []
_blank_runs: dict[tuple[int, int, str], list[str]] = {}


def _grow(rows: int, cols: int) -> None:
    if len(_numbers) <= rows:
        _numbers.extend(str(n) for n in range(len(_numbers), rows + 1))
    if len(_letters_list) <= cols:
        _letters_list.extend(_col(c) for c in range(len(_letters_list), cols + 1))


def _blanks(first: int, last: int, s: str) -> list[str]:
    """Pieces that, joined by a row number, are the blank cells of columns first..last in style s
    (kept in _blank_runs: a form has few distinct runs)."""
    pieces = [f'<c r="{_letters_list[first]}']
    pieces += [f'" s="{s}"/><c r="{_letters_list[c]}' for c in range(first + 1, last + 1)]
    pieces.append(f'" s="{s}"/>')
    if len(_blank_runs) > 4096:
        _blank_runs.clear()
    _blank_runs[(first, last, s)] = pieces
    return pieces


def _xf_order(firsts: dict[str, int], keys: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The xf index of each style as Format._get_xf_index numbers them: in the order the sheets' XML
    first uses them (``firsts``: style → where it first shows, in XML order), styles with equal
    properties sharing one; and the styles given one, in index order."""
    by_key: dict[Any, str] = {}
    index: dict[str, str] = {}
    order: list[str] = []
    for style in sorted(firsts, key=firsts.__getitem__):
        key = keys[style]
        if key not in by_key:
            by_key[key] = str(len(by_key) + 1)
            order.append(style)
        index[style] = by_key[key]
    return index, order


def _extents(sheets: Sequence[FormSheet]) -> list[tuple[int, int]]:
    """(rows, columns) each sheet's table needs for all its cells: for a sheet whose cells go beyond
    its heights or widths (the first try sizes the table by those)."""
    out = []
    for sheet in sheets:
        rmax = max([c.last_row for c in sheet.cells], default=-1)
        cmax = max([c.last_col for c in sheet.cells], default=-1)
        if rmax >= _MAX_ROWS or cmax >= _MAX_COLS:
            raise Unsupported("a cell outside the worksheet")
        out.append((max(rmax + 1, len(sheet.heights)), max(cmax + 1, len(sheet.widths))))
    return out


class _Rows:
    """A sheet's cells as XML, by row: each row a list of its cells' XML by first column ("" where
    none starts), and a bit per column written (overlapping cells are not modelled)."""

    def __init__(self, n_rows: int, n_cols: int) -> None:
        _grow(n_rows, n_cols)
        empty = [""] * n_cols
        self.segments: list[list[str]] = [empty[:] for _ in range(n_rows)]
        self.used = [0] * n_rows
        self.rmin: int | None = None
        self.cmin: int | None = None
        self.rmax = self.cmax = -1
        self.spans: dict[int, str] = {}

    def finish(self, n_heights: int) -> None:
        """The dimension (set_row counts each row, with column 0) and the spans: per 16 rows, the
        columns used (Worksheet._calculate_spans)."""
        blocks: dict[int, int] = {}
        rows = [row for row, mask in enumerate(self.used) if mask]
        for row in rows:
            blocks[row >> 4] = blocks.get(row >> 4, 0) | self.used[row]
        every = 0
        for mask in blocks.values():
            every |= mask
        self.spans = {b: f"{(m & -m).bit_length()}:{m.bit_length()}" for b, m in blocks.items()}
        if rows:
            self.rmin, self.rmax = rows[0], rows[-1]
            self.cmin, self.cmax = (every & -every).bit_length() - 1, every.bit_length() - 1
        if n_heights:
            self.rmin, self.rmax, self.cmin, self.cmax = 0, max(self.rmax, n_heights - 1), 0, max(self.cmax, 0)


def _string(book: Book, text: str) -> int:
    book.string_count += 1
    return book.strings.setdefault(text, len(book.strings))


def _place(
    book: Book, sheet: FormSheet, rows: _Rows, styled: dict[str, tuple[str, str]], firsts: dict[str, int], base: int
) -> list[str]:
    """The cells as fastsheet.place_cells stores them, written out: each cell's merge padded with
    blanks of its style, its value in the top-left cell; returns the <mergeCell> elements in order. ``styled``:
    style → (its xf index, its value type); ``firsts`` gets where each style first shows (``base``
    plus its row and column). Texts go to book.strings unchecked: form_workbook declines any too
    long for this writer. A cell beyond ``rows`` raises IndexError."""
    merges: list[str] = []
    value_of, strings = book.value_of, book.strings
    add, first_at = strings.setdefault, firsts.get
    count = 0
    never = 1 << 62
    segments, used, numbers, letters, runs = rows.segments, rows.used, _numbers, _letters_list, _blank_runs
    for cell in sheet.cells:
        style = cell.style
        s, kind = styled[style]
        row, col, last_row, last_col = cell.row, cell.col, cell.last_row, cell.last_col
        at = base + (row << 14) + col
        if at < first_at(style, never):
            firsts[style] = at
        mask = (2 << last_col) - (1 << col)
        if mask <= 0 or row < 0 or last_row < row:
            raise Unsupported("an inverted range or a negative row")
        if used[row] & mask:
            raise Unsupported("overlapping cells")
        used[row] |= mask
        num = numbers[row + 1]
        value = cell.value
        if cell.formula:
            formula = sheet.formula_of(cell)
            cached = value_of(value, kind) if value else 0
            if not (plain_formula(formula) and type(cached) in (int, float)):
                raise Unsupported("a formula xlsxwriter rewrites")
            text = f'<c r="{letters[col]}{num}" s="{s}"><f>{_data(formula[1:])}</f><v>{cached}</v></c>'
            first = col + 1
        elif value == "":
            text = ""
            first = col  # the blanks start at the cell itself
        elif kind == "text":
            count += 1
            text = f'<c r="{letters[col]}{num}" s="{s}" t="s"><v>{add(value, len(strings))}</v></c>'
            first = col + 1
        else:
            number = value_of(value, kind)
            if type(number) is not float or not math.isfinite(number):
                raise Unsupported("a number xlsxwriter writes its own way")
            text = f'<c r="{letters[col]}{num}" s="{s}"><v>{number:.16G}</v></c>'
            first = col + 1
        if last_col >= first:
            text += num.join(runs.get((first, last_col, s)) or _blanks(first, last_col, s))
        segments[row][col] = text
        if last_row > row:
            merges.append(f'<mergeCell ref="{letters[col]}{num}:{letters[last_col]}{numbers[last_row + 1]}"/>')
            pieces = runs.get((col, last_col, s)) or _blanks(col, last_col, s)
            for r in range(row + 1, last_row + 1):
                if used[r] & mask:
                    raise Unsupported("overlapping cells")
                used[r] |= mask
                segments[r][col] = numbers[r + 1].join(pieces)
        elif last_col > col:
            merges.append(f'<mergeCell ref="{letters[col]}{num}:{letters[last_col]}{num}"/>')
    book.string_count += count
    return merges


_row_heads: dict[float, str] = {}


def _sheet_data(rows: _Rows, heights: Sequence[float]) -> str:
    """<sheetData> as FastWorksheet._write_rows writes it."""
    if rows.rmin is None:
        return "<sheetData/>"
    spans = rows.spans
    segments, numbers, attrs = rows.segments, _numbers, _row_heads
    parts = ["<sheetData>"]
    n_heights = len(heights)
    used = rows.used
    for row in range(rows.rmin, rows.rmax + 1):
        sized = row < n_heights
        if not used[row] and not sized:
            continue
        span = spans.get(row >> 4)
        head = f'<row r="{numbers[row + 1]}"' + (f' spans="{span}"' if span else "")
        if sized:
            height = heights[row]
            more = attrs.get(height)
            if more is None:
                more = attrs[height] = _row_attrs(height)
            head += more
        if used[row]:
            parts.append(f"{head}>{''.join(segments[row])}</row>")
        else:
            parts.append(head + "/>")
    parts.append("</sheetData>")
    return "".join(parts)


# ---------------------------------------------------------------- sheets


def _validation(first_row: int, first_col: int, last_row: int, last_col: int, options: dict[str, Any]) -> str:
    # Worksheet.data_validation + _write_data_validation for the list validations render makes.
    if options.get("validate") != "list" or set(options) - _VALIDATION_KEYS:
        raise Unsupported("a data validation of another kind")
    source = options["source"]
    if not source.startswith("=") or "(" in source or not 0 < _utf16_len(options["input_title"]) <= 32:
        raise Unsupported("a data validation xlsxwriter checks further")
    for key, limit in (("error_title", 32), ("input_message", 255), ("error_message", 255)):
        if _utf16_len(options[key]) > limit:
            raise Unsupported("an over-long validation text")
    sqref = options.get("multi_range") or (
        _ref(first_row, first_col)
        if (first_row, first_col) == (last_row, last_col)
        else f"{_ref(first_row, first_col)}:{_ref(last_row, last_col)}"
    )
    style = {"stop": "", "warning": ' errorStyle="warning"', "information": ' errorStyle="information"'}
    if options["error_type"] not in style:
        raise Unsupported("an unknown error style")
    return (
        f'<dataValidation type="list"{style[options["error_type"]]} allowBlank="1" showInputMessage="1" '
        f'showErrorMessage="1" errorTitle="{_attr(options["error_title"])}" error="{_attr(options["error_message"])}" '
        f'promptTitle="{_attr(options["input_title"])}" prompt="{_attr(options["input_message"])}" '
        f'sqref="{_attr(sqref.replace("$", ""))}"><formula1>{_data(source[1:])}</formula1></dataValidation>'
    )


_VALIDATION_KEYS = frozenset(
    {"validate", "source", "input_title", "input_message", "error_type", "error_title", "error_message", "multi_range"}
)


def _margins(m: dict[str, float], footer: float) -> str:
    return (
        f'<pageMargins left="{m["left"]}" right="{m["right"]}" top="{m["top"]}" bottom="{m["bottom"]}" '
        f'header="0.3" footer="{footer}"/>'
    )


def _form_sheet(book: Book, sheet: FormSheet, table: _Rows, merges: list[str], selected: bool) -> str:
    """A form sheet's XML, as render.write_sheet's calls have xlsxwriter write it."""
    table.finish(len(sheet.heights))
    dimension = _dimension(table.rmin, table.cmin if table.rmin is not None else None, table.rmax, table.cmax)
    view = ' tabSelected="1"' if selected else ""
    parts = [
        _DECLARATION,
        _WORKSHEET,
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
        dimension,
        f'<sheetViews><sheetView{view} workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
        _cols(sheet.widths),
        _sheet_data(table, sheet.heights),
    ]
    if book.lock:
        parts.append('<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" formatRows="0"/>')
    if merges:
        refs = "".join(merges)
        parts.append(f'<mergeCells count="{len(merges)}">{refs}</mergeCells>')
    if sheet.validations:
        body = "".join(_validation(*v) for v in sheet.validations)
        parts.append(f'<dataValidations count="{len(sheet.validations)}">{body}</dataValidations>')
    parts += (
        '<printOptions horizontalCentered="1"/>',
        _margins(book.margins, 0.3),
        f'<pageSetup paperSize="{xlsx.A4}" fitToHeight="0" orientation="portrait"/>',
        f"<headerFooter><oddFooter>{_data(xlsx.FOOTER)}</oddFooter></headerFooter>",
    )
    breaks = sorted(set(sheet.breaks) - {0})[:1023]  # Worksheet._sort_pagebreaks
    if breaks:
        brk = "".join(f'<brk id="{b}" max="16383" man="1"/>' for b in breaks)
        parts.append(f'<rowBreaks count="{len(breaks)}" manualBreakCount="{len(breaks)}">{brk}</rowBreaks>')
    parts.append("</worksheet>")
    return "".join(parts)


def _lists_sheet(book: Book) -> str:
    """The hidden, protected sheet of drop-down values (render._write_lists)."""
    cells = [
        (row, col, text) for col, (name, values, _) in enumerate(book.lists) for row, text in enumerate((name, *values))
    ]
    table = _Rows(max((row + 1 for row, _, _ in cells), default=0), len(book.lists))
    for row, col, text in cells:
        table.used[row] |= 1 << col
        table.segments[row][col] = f'<c r="{_letters_list[col]}{row + 1}" t="s"><v>{_string(book, text)}</v></c>'
    table.finish(0)
    return "".join(
        (
            _DECLARATION,
            _WORKSHEET,
            _dimension(table.rmin, table.cmin if table.rmin is not None else None, table.rmax, table.cmax),
            '<sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
            _sheet_data(table, ()),
            '<sheetProtection sheet="1" objects="1" scenarios="1"/>',
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
            "</worksheet>",
        )
    )


_SPECIAL_CHARS = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_EDGE_SPACE = re.compile(r"<t>\s|</t>(?<=\s</t>)")  # a text starting or ending with whitespace (found fast)


def _shared_strings(book: Book) -> str:
    head = f'{_DECLARATION}{_SST} count="{book.string_count}" uniqueCount="{len(book.strings)}">'
    if book.strings:
        # Mostly plain text: one join, and one look over it for anything xlsxwriter's writer treats
        # specially (with no "<" or ">" in the texts, every <t> and </t> is the joins' own).
        if not _SPECIAL_CHARS.search("\n".join(book.strings)):
            body = "<si><t>" + "</t></si><si><t>".join(book.strings) + "</t></si>"
            if not _EDGE_SPACE.search(body):
                return f"{head}{body}</sst>"
    writer = None
    parts = [head]
    for text in book.strings:
        if _SPECIAL_TEXT.search(text):
            if writer is None:
                from xlsxwriter.sharedstrings import SharedStrings

                writer = SharedStrings()
                writer._set_filehandle(io.StringIO())
            writer._write_si(text)
            parts.append(writer.fh.getvalue())
            writer.fh.seek(0)
            writer.fh.truncate()
        else:
            parts.append(f"<si><t>{text}</t></si>")
    parts.append("</sst>")
    return "".join(parts)


_PLAIN_DATA = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff\ue000-\ue0ff]|_x[0-9a-fA-F]{4}_")


def _properties(book: Book) -> tuple[str, str]:
    """(core.xml, custom.xml) as xlsxwriter's Core and Custom write them: through those writers once
    per set of property names (skeletons.property_templates), with stand-ins for the values; plain
    values are then put in place."""
    for name, value in book.custom:
        if _utf16_len(name) > 255 or _utf16_len(value) > 255:  # xlsxwriter would warn
            raise Unsupported("an over-long property")
    names = tuple(name for name, _ in book.custom)
    values = [book.title, book.subject, *(value for _, value in book.custom)]
    if any(_PLAIN_DATA.search(v) for v in values) or any(_PLAIN_DATA.search(n) for n in names):
        return skeletons.write_properties(book.title, book.subject, book.custom)
    core, custom = skeletons.property_templates(names, [chr(0xE000 + i) for i in range(len(values))])
    core = core.replace("\ue000", values[0], 1).replace("\ue001", values[1], 1)
    for i, value in enumerate(values[2:], 2):
        custom = custom.replace(chr(0xE000 + i), value, 1)
    return core, custom


# ---------------------------------------------------------------- the workbook


_guesses: dict[tuple[str, ...], dict[str, str]] = {}


def _sheets(
    book: Book, xf: dict[str, str], keys: dict[str, Any], sizes: list[tuple[int, int]] | None
) -> tuple[list[str], list[str]] | None:
    """The form sheets' XML with the xf indices ``xf``; None when ``xf`` turns out not to be the
    order the sheets use their styles in, or (without ``sizes``) a cell lies beyond its sheet's
    heights and widths. Returns the XML of each sheet and the styles in xf order."""
    styled = {style: (s, book.value_types.get(style, "text")) for style, s in xf.items()}
    firsts: dict[str, int] = {}
    placed = []
    try:
        for n, sheet in enumerate(book.sheets):
            n_rows, n_cols = sizes[n] if sizes else (len(sheet.heights), len(sheet.widths))
            table = _Rows(n_rows, n_cols)
            placed.append((sheet, table, _place(book, sheet, table, styled, firsts, n << 40)))
    except (IndexError, KeyError):  # beyond the table, or a style the guess lacks
        if sizes:
            raise
        return None
    index, order = _xf_order(firsts, keys)
    if index != xf:
        return None
    return [_form_sheet(book, sheet, table, merges, n == 0) for n, (sheet, table, merges) in enumerate(placed)], order


def form_workbook(book: Book) -> bytes | None:
    """The ``.xlsx`` of ``book`` byte for byte as xlsxwriter writes it; None where this writer does
    not model something in it (the caller then writes it through xlsxwriter)."""
    if not book.sheets:
        return None
    keys = skeletons.format_keys(book.styles)
    shape = tuple(sheet.name for sheet in book.sheets)
    try:
        # The xf indices follow the order the sheets first use their styles, known only once the
        # cells are placed: try the last workbook of this shape's, and place again if it was wrong.
        got = _sheets(book, _guesses[shape], keys, None) if shape in _guesses else None
        if got is None:
            book.strings.clear()
            book.string_count = 0
            firsts: dict[str, int] = {}
            for n, sheet in enumerate(book.sheets):
                for cell in sheet.cells:
                    at = (n << 40) + (cell.row << 14) + cell.col
                    if at < firsts.get(cell.style, 1 << 62):
                        firsts[cell.style] = at
            xf, _ = _xf_order(firsts, keys)
            got = _sheets(book, xf, keys, _extents(book.sheets))
            if got is None:
                raise Unsupported("styles that do not show where their cells start")
            if len(_guesses) > 16:
                _guesses.clear()
            _guesses[shape] = xf
        sheets, order = got
        written = {_SHEET_PART.format(n + 1): xml for n, xml in enumerate(sheets)}
        written[_SHEET_PART.format(len(book.sheets) + 1)] = _lists_sheet(book)
        if max(map(len, book.strings), default=0) > _HALF_STRMAX:  # may need xlsxwriter's truncation
            raise Unsupported("a long text")
        written["xl/sharedStrings.xml"] = _shared_strings(book)
        written["docProps/core.xml"], written["docProps/custom.xml"] = _properties(book)
    except Unsupported:
        return None
    names, constant = skeletons.skeleton(
        [(s.name, s.repeat_rows) for s in book.sheets],
        book.lists_sheet,
        [(name, ref) for name, _, ref in book.lists],
        order,
        book.styles,
        tuple(book.custom[0]) if book.custom else None,
        {_SHEET_PART.format(i + 1) for i in range(len(book.sheets) + 1)} | set(_PER_UNIT),
    )
    entries = []
    for name in names:
        text = written.get(name)
        entries.append((name, *(deflated(text.encode("utf-8")) if text is not None else constant[name])))
    return _zip(entries)
