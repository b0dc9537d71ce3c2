"""The reader's Grid: one worksheet as plain data (values by (row, col), merged ranges), filled by a library.

The anchors in ``read.py`` only ever see a ``Grid``, never a library object, so the library that fills it
can change. Two fill it:

``calamine``  (python-calamine, Rust) reads the values and merged ranges of a form in about 1–2 ms;
              number formats, which it does not expose, are looked up lazily from the sheet XML, and only
              for a number that lands in a text field (a ``98%`` typed by hand, which Excel stores as 0.98).
``openpyxl``  a hundred times slower at reading (binding merged cells dominates); kept as the reference
              the tests compare against, and as the fallback when calamine is not installed.

Rows and columns are zero-based; a merged range is ``(first_row, first_col, last_row, last_col)``.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import io
import operator
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import starmap
from typing import Any

from defusedxml import ElementTree as SafeET

from .errors import Location, ReadError
from .safety import Package, col_index, col_letters

Region = tuple[int, int, int, int]
MERGE_REACH = 1000  # rows a merge may extend a sheet past its last value (a hostile one spans 1048576)


class Grid:
    """One worksheet: its non-empty cells row by row (``rows[r][c]``), its merged ranges, how it shows numbers.

    Built once per sheet and read many times, so building it does as little as possible: the merges a
    column holds are sorted for lookups only when a cell of that column is first looked up.
    """

    def __init__(
        self,
        name: str,
        rows: dict[int, dict[int, Any]],  # only non-empty cells: str (never ""), float, int, bool, date/time
        merges: list[Region],
        hidden: bool = False,
        number_format: Callable[[int, int], str] | None = None,
        col0: int = 0,  # empty columns cut off on the left: cell names still give the sheet's own columns
    ) -> None:
        self.name = name
        self.rows = rows
        self.merges = merges
        self.hidden = hidden
        self.number_format: Callable[[int, int], str] = number_format or _general
        self.col0 = col0
        # Rows reach as far as the last value or the last merge (an empty merged group can end a
        # sheet), but a merge is not allowed to stretch the sheet far beyond its values.
        last = max(rows, default=-1)
        reach = min(max(map(_LAST_ROW, merges), default=-1), last + MERGE_REACH)  # map: no Python frame per item
        self.n_rows = max(last, reach) + 1
        self.n_cols = max(map(max, rows.values()), default=-1) + 1
        # Per column, the merges crossing it sorted by first row (a lookup is a bisect), made on first
        # use; a merge spanning a whole sheet counts for at most 64 columns past the last value.
        self._cover: dict[int, list[tuple[int, int, int]]] = {}
        self._keys: dict[tuple[int, Callable[[str], str]], tuple[dict[str, list[int]], list[int]]] = {}

    @classmethod
    def from_values(
        cls,
        name: str,
        values: dict[tuple[int, int], Any],
        merges: list[Region],
        hidden: bool = False,
        number_format: Callable[[int, int], str] | None = None,
        col0: int = 0,
    ) -> Grid:
        rows: dict[int, dict[int, Any]] = {}
        for (r, c), v in values.items():
            rows.setdefault(r, {})[c] = v
        return cls(name, rows, merges, hidden, number_format, col0)

    @property
    def values(self) -> dict[tuple[int, int], Any]:
        """Every non-empty cell by (row, col)."""
        return {(r, c): v for r, row in self.rows.items() for c, v in row.items()}

    def a1(self, r: int, c: int) -> str:
        """The cell's name as the user sees it in the sheet."""
        return a1(r, c + self.col0)

    def trimmed(self) -> Grid:
        """The grid with its empty leading columns removed: a form typed one column to the right (a
        margin column left blank) has its labels where the anchors look for them, in the first column."""
        if any(0 in row for row in self.rows.values()):  # the usual case, without the minimum of every row
            return self
        first = min((min(row) for row in self.rows.values()), default=0)
        if first == 0:
            return self
        fmt = self.number_format
        return Grid(
            self.name,
            {r: {c - first: v for c, v in row.items()} for r, row in self.rows.items()},
            [(r0, max(c0 - first, 0), r1, c1 - first) for r0, c0, r1, c1 in self.merges if c1 >= first],
            self.hidden,
            lambda r, c: fmt(r, c + first),
            self.col0 + first,
        )

    def value(self, r: int, c: int) -> Any:
        """The cell's own value (None when empty; a cell hidden under a merge is empty)."""
        row = self.rows.get(r)
        return row.get(c) if row else None

    def text(self, r: int, c: int) -> str:
        """The cell's own value as the text Excel shows for it."""
        row = self.rows.get(r)
        v = row.get(c) if row else None
        if v is None:
            return ""
        if v.__class__ is str:
            return v
        return display(v, self.number_format(r, c))

    def region(self, r: int, c: int) -> Region:
        """The merged range holding (r, c), or the cell alone."""
        spans = self._cover.get(c)
        if spans is None:
            spans = self._cover[c] = self._spans(c)
        if spans:
            i = bisect.bisect_right(spans, (r, _INF, 0)) - 1
            if i >= 0 and spans[i][0] <= r <= spans[i][1]:
                return self.merges[spans[i][2]]
        return (r, c, r, c)

    def spans(self, c: int) -> list[tuple[int, int, int]]:
        """Column ``c``'s merges as (first row, last row, index in ``merges``), sorted: what ``region`` bisects."""
        spans = self._cover.get(c)
        if spans is None:
            spans = self._cover[c] = self._spans(c)
        return spans

    def _spans(self, c: int) -> list[tuple[int, int, int]]:
        n = self.n_cols
        spans = [(r0, r1, i) for i, (r0, c0, r1, c1) in enumerate(self.merges) if c0 <= c <= c1]
        if c >= n + 64:  # only then can the 64-column reach matter
            spans = [x for x in spans if c <= max(n, self.merges[x[2]][1]) + 64]
        spans.sort()
        return spans

    def column_keys(self, c: int, key: Callable[[str], str]) -> tuple[dict[str, list[int]], list[int]]:
        """Column ``c``'s text cells by ``key(text)`` (rows ascending), and the rows of its other
        non-empty cells (numbers, dates: their text needs the number format), made once per grid."""
        found = self._keys.get((c, key))
        if found is None:
            by_key: dict[str, list[int]] = {}
            others: list[int] = []
            for r in sorted(self.rows):
                v = self.rows[r].get(c)
                if v is None:
                    continue
                if v.__class__ is str:
                    by_key.setdefault(key(v), []).append(r)
                else:
                    others.append(r)
            found = self._keys[(c, key)] = (by_key, others)
        return found

    def merged(self, r: int, c: int) -> bool:
        r0, c0, r1, c1 = self.region(r, c)
        return r1 > r0 or c1 > c0

    def blank_row(self, r: int) -> bool:
        return r not in self.rows

    def cells(self) -> Iterator[tuple[int, int]]:
        """Every non-empty cell, row by row."""
        for r in sorted(self.rows):
            for c in sorted(self.rows[r]):
                yield r, c


_INF = float("inf")
_LAST_ROW = operator.itemgetter(2)  # of a merged range (r0, c0, r1, c1)


def _general(r: int, c: int) -> str:
    return "General"


def a1(r: int, c: int) -> str:
    """Zero-based (row, col) → ``A1``."""
    return f"{col_letters(c)}{r + 1}"


# ---------------------------------------------------------------- value → text

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def display(value: Any, fmt: str = "General") -> str:
    """A number, boolean or date as the text a user reads in the cell (full precision, no thousands separators)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
        return _date_text(value, fmt)
    if isinstance(value, (int, float)):
        code = _QUOTED.sub("", fmt.split(";")[0])
        number = Decimal(f"{value:.15g}")  # Excel shows 15 significant digits; drops float noise
        places = len(code.split(".", 1)[1]) - len(code.split(".", 1)[1].lstrip("0")) if "." in code else 0
        if "%" in code:
            return _plain(number * 100, places) + "%"
        return _plain(number, places)
    return str(value)


def _plain(number: Decimal, places: int) -> str:
    text = format(number.normalize(), "f")
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    if decimals < places:
        text = format(number.quantize(Decimal(1).scaleb(-places)), "f")
    return text


def _date_text(value: Any, fmt: str) -> str:
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        value = value.date()
    if isinstance(value, _dt.date) and "年" in fmt:
        text = f"{value.year}年{value.month}月"
        return text + f"{value.day}日" if "日" in fmt or "d" in fmt.lower() else text
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# ---------------------------------------------------------------- filling a Grid


def engines() -> tuple[str, ...]:
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return ("openpyxl",)
    return ("calamine", "openpyxl")


def load_grids(pkg: Package, engine: str = "auto") -> list[Grid]:
    """Every worksheet of a checked package as a Grid, in workbook order."""
    if engine == "auto":
        engine = engines()[0]
    if engine == "calamine":
        return _calamine(pkg)
    if engine == "openpyxl":
        return _openpyxl(pkg)
    raise ValueError(f"unknown engine {engine!r}")


def _calamine(pkg: Package) -> list[Grid]:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(pkg.data))
        known = set(book.sheet_names)
        grids = []
        for part in pkg.sheets:
            if part.name not in known or not part.worksheet:
                continue
            sheet = book.get_sheet_by_name(part.name)
            rows = {}
            for r, row in enumerate(sheet.to_python(skip_empty_area=False)):
                if row.count("") != len(row):  # a blank row costs one count, not a look at each cell
                    cells = {c: v for c, v in enumerate(row) if v != "" and v is not None}
                    if cells:
                        rows[r] = cells
            ranges = getattr(sheet, "merged_cell_ranges", None)
            merges = (
                list(starmap(operator.add, ranges))  # ((r0, c0), (r1, c1)) → (r0, c0, r1, c1)
                if ranges is not None
                else _xml_merges(pkg.parts.get(part.path, b""))  # python-calamine < 0.4 has no merges
            )
            grids.append(Grid(part.name, rows, merges, part.hidden, _LazyFormats(pkg, part.path)))
        return grids
    except Exception as exc:  # CalamineError, XmlError, ZipError, PasswordError: all mean "cannot read"
        raise ReadError(
            f"无法读取工作簿内容（{type(exc).__name__}：{exc}），文件可能已损坏", Location(pkg.source)
        ) from None


def _openpyxl(pkg: Package) -> list[Grid]:
    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # openpyxl only parses safely when defusedxml is importable
        raise ReadError("未安装 defusedxml，出于安全考虑不读取工作簿", Location(pkg.source))
    try:
        book = openpyxl.load_workbook(io.BytesIO(pkg.data), data_only=True)
    except Exception as exc:
        raise ReadError(
            f"无法读取工作簿内容（{type(exc).__name__}：{exc}），文件可能已损坏", Location(pkg.source)
        ) from None
    hidden = {p.name: p.hidden for p in pkg.sheets}
    grids = []
    for ws in book.worksheets:
        values: dict[tuple[int, int], Any] = {}
        formats: dict[tuple[int, int], str] = {}
        for (r, c), cell in ws._cells.items():  # the sparse store: iter_rows would visit every empty cell
            v = cell.value
            if v is None or v == "":
                continue
            values[(r - 1, c - 1)] = _unescape(v) if isinstance(v, str) else v
            formats[(r - 1, c - 1)] = cell.number_format
        merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
        grids.append(
            Grid.from_values(
                ws.title, values, merges, hidden.get(ws.title, False), lambda r, c, f=formats: f.get((r, c), "General")
            )
        )
    return grids


_ESCAPE = re.compile(r"_x(000[0-9A-Fa-f]|001[0-9A-Fa-f])_")


def _unescape(text: str) -> str:
    # xlsxwriter writes control characters (a typed \r) as _x000D_; calamine decodes them, openpyxl does not.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _xml_merges(body: bytes) -> list[Region]:
    merges = []
    for _, el in SafeET.iterparse(io.BytesIO(body)):
        if el.tag.endswith("}mergeCell") and ":" in el.get("ref", ""):
            first, last = el.get("ref").split(":")
            (r0, c0), (r1, c1) = _ref(first), _ref(last)
            merges.append((r0, c0, r1, c1))
    return merges


def _ref(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]{1,3})\$?([0-9]+)", ref)
    if not m:
        return (0, 0)
    return int(m.group(2)) - 1, col_index(m.group(1))


class _LazyFormats:
    """Number formats of one sheet, read from the XML only if a number is ever shown as text."""

    _CELL = re.compile(rb"<(?:\w+:)?c\s([^>]*?)/?>")
    _ATTR = re.compile(rb'\b(r|s)="([^"]*)"')

    def __init__(self, pkg: Package, path: str) -> None:
        self.pkg, self.path = pkg, path
        self.styles: dict[tuple[int, int], int] | None = None
        self.codes: list[str] = []

    def __call__(self, r: int, c: int) -> str:
        if self.styles is None:
            self._load()
        assert self.styles is not None
        xf = self.styles.get((r, c), 0)
        return self.codes[xf] if xf < len(self.codes) else "General"

    def _load(self) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS

        self.styles = {}
        for m in self._CELL.finditer(self.pkg.parts.get(self.path, b"")):
            attrs = dict(self._ATTR.findall(m.group(1)))
            if b"r" in attrs and b"s" in attrs and attrs[b"s"].isdigit():
                self.styles[_ref(attrs[b"r"].decode())] = int(attrs[b"s"])
        body = self.pkg.parts.get("xl/styles.xml")
        if body is None:
            return
        root = SafeET.fromstring(body)
        ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "General") for n in root.iter(f"{ns}numFmt")}
        xfs = root.find(f"{ns}cellXfs")
        for xf in xfs if xfs is not None else ():
            num = int(xf.get("numFmtId", "0"))
            # 27–36 and 50–58 are the East Asian built-in date formats (年/月/日).
            code = (
                custom.get(num) or BUILTIN_FORMATS.get(num) or ('yyyy"年"m"月"d"日"' if 27 <= num <= 58 else "General")
            )
            self.codes.append(code)
