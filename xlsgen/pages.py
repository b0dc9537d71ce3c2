"""Row heights and pages: how tall each row of a laid-out ``Sheet`` must be for its wrapped text
(``fit_heights``), and where the A4 pages break (``plan_pages``), headers repeated and labels split.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter, sub

from . import forms, styles
from .sheet import Cell, Sheet

# Characters that may not begin a line (Chinese line-breaking rule); the renderer pushes the
# character before them down with them, so a line can only get shorter.
NO_LINE_START = set("，。；：、）》”！？％,.;:!?)]}’")
# Line pitch / font size: LibreOffice spaces Noto CJK at about 1.37, Excel spaces 宋体 at about 1.35; the rest is margin.
LINE_FACTOR = 1.45
CELL_PADDING_PT = 4.0
CELL_PADDING_PX = 4  # text area lost to the cell's left and right insets
MIN_ROW_PT = 20.0


def column_px(width: float) -> int:
    """Excel's pixel width of a column of ``width`` characters (default font, 7 px digits)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


@lru_cache(maxsize=4096)
def _em(ch: str) -> float:
    # Half-width: 宋体 draws 0.5 em, but LibreOffice's Latin fallback (DejaVu) draws digits at 0.64 em.
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.64


def char_px(ch: str, size_pt: float) -> float:
    return _em(ch) * size_pt * 96 / 72


_TOKENS = re.compile(r"[A-Za-z0-9.%+\-]+|.", re.DOTALL)


def count_lines(text: str, width_px: float, size_pt: float) -> int:
    """How many lines ``text`` wraps to in a cell ``width_px`` wide (full-width CJK, line-start rule)."""
    em_px = size_pt * 96 / 72
    limit = max(width_px - CELL_PADDING_PX, 1) / em_px  # in ems from here on
    total = 0
    for para in text.split("\n"):
        if sum(map(_em, para)) <= limit:  # the common case: a short label or value
            total += 1
            continue
        lines, line = 1, 0.0
        widths_in_line: list[float] = []
        for token in _TOKENS.findall(para):
            w = sum(map(_em, token))
            pieces = [token] if w <= limit or len(token) == 1 else list(token)  # an overlong word breaks anywhere
            for piece in pieces:
                w = w if len(pieces) == 1 else _em(piece)
                if line + w > limit and widths_in_line:
                    lines += 1
                    if piece[0] in NO_LINE_START and len(widths_in_line) > 1:
                        carried = widths_in_line[-1]
                        widths_in_line, line = [carried], carried
                    else:
                        widths_in_line, line = [], 0.0
                widths_in_line.append(w)
                line += w
        total += lines
    return total


@lru_cache(maxsize=8192)  # bounded: a county of any size keeps the workers' memory flat
def needed_height(text: str, width_px: float, size_pt: float) -> float:
    """Points a cell of this text needs at this width and font size."""
    return count_lines(text, width_px, size_pt) * size_pt * LINE_FACTOR + CELL_PADDING_PT


def display_text(cell: Cell) -> str:
    """The text a cell shows: numbers as their format prints them, not as their stored digits."""
    return _shown(cell.style, cell.value)


def _shown(style: str, value: str) -> str:
    kind = styles.VALUE_TYPES.get(style, "text")
    if kind == "text" or not value:
        return value
    number = Decimal(value)
    return {"money": f"{number:.2f}", "ratio": f"{number * 100:.2f}%", "percent": f"{number:.0f}%"}[kind]


# Room an empty input keeps for what a unit typically writes there (a blank form from `xlsgen new`, or a
# row left to fill): the median length of the field in the example units of data/ (full-width
# characters), or, for short values and drop-downs, a typical or the longest value. Keyed by the
# field's last name (``annual.indicators[3].level3`` → ``level3``).
_TYPICAL_CHARS = {
    "level3": 11, "description": 12, "name": 14, "direction": 24, "use": 44, "goals": 33,
    "functions": 270, "tasks": 270, "goal": 180, "long_term": 160, "annual": 200,
}  # fmt: skip
TYPICAL_ENTRY = {key: "字" * n for key, n in _TYPICAL_CHARS.items()} | {
    "value": "≥100%",
    "prev1": "≥100%",
    "prev2": "≥100%",
    "basis": max(forms.BASIS, key=len),
    "kind": max(forms.KIND, key=len),
    "category": max(forms.CATEGORY, key=len),
    "code": "0" * 21,
}


def _entry(cell: Cell) -> str:
    """The kind of entry an empty cell keeps room for (a ``TYPICAL_ENTRY`` key, or "")."""
    return cell.room or (cell.field.rsplit(".", 1)[-1] if cell.field else "")


def room_text(cell: Cell) -> str:
    """The text a cell must have room for: its own, or for an empty input the typical entry."""
    return _room_text(cell.style, cell.value, "" if cell.value else _entry(cell))


def _room_text(style: str, value: str, entry: str) -> str:
    if value:
        return _shown(style, value)
    return TYPICAL_ENTRY.get(entry, "") if styles.is_input(style) else ""


# Bounded like needed_height. Keyed by all a cell's need depends on: labels, the empty inputs' room and
# common values (≥95%, a basis) repeat in every unit, so most cells are measured once per process.
@lru_cache(maxsize=16384)
def _need(style: str, value: str, entry: str, width_px: int) -> float:
    text = _room_text(style, value, entry)
    return needed_height(text, width_px, styles.font_size(style)) if text else 0.0


@lru_cache(maxsize=64)
def _span_px(widths: tuple[float, ...]) -> list[list[int]]:
    """span[first][last]: the pixel width of columns first..last (0 where last < first)."""
    px = [column_px(w) for w in widths]
    return [[sum(px[first : last + 1]) for last in range(len(px))] for first in range(len(px))]


@dataclass
class Fit:
    """What ``fit_heights`` measured, kept so that ``plan_pages`` refits rows after a break without
    measuring their cells again: per row, the height its single-row cells need (``base``, at least
    ``MIN_ROW_PT``), and the merged cells that need any height, with that need, in (row, col) order."""

    base: list[float]
    merged: list[tuple[Cell, float]]

    def add(self, cell: Cell, need: float) -> None:
        """A cell new to the sheet (the rows of ``base`` already moved to make room for it)."""
        if not need:
            return
        if cell.last_row == cell.row:
            if need > self.base[cell.row]:
                self.base[cell.row] = need
        else:
            insort(self.merged, (cell, need), key=_merged_key)

    def settle(self, sheet: Sheet, lo: int, hi: int) -> None:
        """Fit rows lo..hi again; no cell lies partly inside them, so nothing else depends on them."""
        merged = self.merged
        window = merged[bisect_left(merged, lo, key=_merged_row) : bisect_right(merged, hi, key=_merged_row)]
        _settle(sheet, self.base[lo : hi + 1], window, lo)


def _merged_row(entry: tuple[Cell, float]) -> int:
    return entry[0].row


def _merged_key(entry: tuple[Cell, float]) -> tuple[int, int]:
    return entry[0].row, entry[0].col


def _settle(sheet: Sheet, heights: list[float], merged: list[tuple[Cell, float]], lo: int) -> None:
    """Spread the merged cells' shortfalls over the rows from lo (``heights``: what their single-row
    cells need), the shortest merges first, and store the rows' heights."""
    tall = sorted(merged, key=_merged_span)  # stable: merges of equal span keep their order
    for cell, need in tall:
        span_rows = range(cell.row - lo, cell.last_row - lo + 1)
        short = need - sum(heights[r] for r in span_rows)
        if short > 0:
            for r in span_rows:
                heights[r] += short / len(span_rows)
    # Row heights are stored in whole pixels (0.75 pt); round up so rounding can never clip.
    sheet.heights[lo : lo + len(heights)] = [math.ceil(h / 0.75 - 1e-9) * 0.75 for h in heights]


def _merged_span(entry: tuple[Cell, float]) -> int:
    return entry[0].last_row - entry[0].row


def cell_need(sheet: Sheet, cell: Cell) -> float:
    """The height (points) a cell of the sheet needs for its text, or for an empty input's typical entry."""
    n_cols = len(sheet.widths)
    if cell.last_col < n_cols:
        width = _span_px(tuple(sheet.widths))[cell.col][cell.last_col]
    else:  # a cell outside the columns (a hand-made sheet) is measured on the columns it has
        width = _span_px(tuple(sheet.widths))[cell.col][n_cols - 1] if cell.col < n_cols else 0
    return _need(cell.style, cell.value, "" if cell.value else _entry(cell), width)


def fit_heights(sheet: Sheet) -> Fit:
    """Set every row's height so that no wrapped text is clipped, merged cells included; an empty
    input gets room for a typical entry (``TYPICAL_ENTRY``), so a unit filling a blank form by hand
    does not end up with clipped text.

    Single-row cells set their row first; a merged cell's shortfall is then spread evenly over the
    rows it spans, so a tall label never makes one row of its group tower over the others.
    Returns what it measured, for ``plan_pages``.
    """
    heights = [MIN_ROW_PT] * sheet.n_rows
    merged: list[tuple[Cell, float]] = []
    n_cols = len(sheet.widths)
    span = _span_px(tuple(sheet.widths))
    for cell in sheet.cells:
        value, col, last = cell.value, cell.col, cell.last_col
        if last < n_cols:
            need = _need(cell.style, value, "" if value else _entry(cell), span[col][last])
        else:
            need = cell_need(sheet, cell)
        if not need:
            continue
        if cell.last_row == cell.row:
            if need > heights[cell.row]:
                heights[cell.row] = need
        else:
            merged.append((cell, need))
    fit = Fit(heights.copy(), merged)
    _settle(sheet, heights, merged, 0)
    return fit


# ---------------------------------------------------------------- pagination

A4_PT = (595.28, 841.89)
MARGINS_IN = {"left": 0.5, "right": 0.5, "top": 0.75, "bottom": 0.75}
# Room kept free on every page, so that a spreadsheet program measuring rows a little taller than
# we do still breaks where we asked and never a row earlier.
PAGE_SLACK_PT = 24.0


def print_scale(sheet: Sheet) -> float:
    """The fit-to-one-page-wide scale a spreadsheet program applies (1.0 when the table fits)."""
    width_pt = sum(column_px(w) for w in sheet.widths) * 0.75
    room = A4_PT[0] - (MARGINS_IN["left"] + MARGINS_IN["right"]) * 72
    return min(1.0, room / width_pt)


def plan_pages(sheet: Sheet, fit: Fit | None = None) -> None:
    """Break the sheet into A4 pages that read like the official form.

    A4 portrait at the fit-to-width scale; pages after the first lose the print-title rows. Template
    breaks (``data-break``) are kept. A break never cuts a ``data-keep`` run or a merge that fits on a
    page, except a merge marked ``data-split`` (一级 labels, a table's side label), which is split at
    the break and printed again on the new page. A break inside an indicator table (``data-table``)
    inserts a copy of the table's column headers at the top of the new page. A page never starts with
    a table's second or last row or with a ``data-with-prev`` row (填报说明), so none of them is left
    alone: a table starts with two rows under its header and ends with two.
    The sheet is edited in place: rows inserted, merges split, heights refitted; formulas follow, as
    they are resolved from fields. The cells come in (row, col) order, as ``parse`` lays them out, and
    the heights fitted (``fit``: what ``fit_heights`` returned; measured again when not given).
    """
    scale = print_scale(sheet)
    room = (A4_PT[1] - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72 - PAGE_SLACK_PT) / scale
    first, last = sheet.repeat_rows or (0, -1)
    titles = sum(sheet.heights[first : last + 1])
    forced = set(sheet.breaks)
    breaks: list[int] = []
    start = 0
    pager = _Pager(sheet, fit)
    floor = 0  # the next break comes after the header rows just repeated, so every page makes progress
    while (b := pager.next_break(start, floor, room, titles, forced)) is not None:
        added = pager.break_at(b)
        forced = {f + added if f > b else f for f in forced}
        breaks.append(b)
        start, floor = b, b + added
    sheet.breaks = breaks


_ROW = attrgetter("row")
_LAST_ROW = attrgetter("last_row")
_ROW_COL = attrgetter("row", "col")


class _Pager:
    """plan_pages' work on one sheet. Its cells stay sorted by (row, col) and no merge spans more than
    ``span`` rows below its first, so each break looks only at the cells near it (bisected by row)
    instead of at every cell of the sheet, which made planning cost rows × breaks."""

    def __init__(self, sheet: Sheet, fit: Fit | None) -> None:
        self.sheet = sheet
        self._fit = fit
        self.span = max(map(sub, map(_LAST_ROW, sheet.cells), map(_ROW, sheet.cells)), default=0)
        # The merges, in (row, col) order: only they can cross a break or stick out of a window. A merge
        # split down to one row may stay listed; every use asks for more than one row anyway.
        self.merges = [c for c in sheet.cells if c.last_row > c.row]
        self.px = [column_px(w) for w in sheet.widths]

    @property
    def fit(self) -> Fit:
        if self._fit is None:  # measured as fit_heights does, the heights left as they are
            base = [MIN_ROW_PT] * self.sheet.n_rows
            self._fit = Fit(base, [])
            for cell in self.sheet.cells:
                if cell.last_row > cell.row:
                    self._fit.merged.append((cell, cell_need(self.sheet, cell)))
                else:
                    self._fit.add(cell, cell_need(self.sheet, cell))
            self._fit.merged = [e for e in self._fit.merged if e[1]]
        return self._fit

    def starting(self, first: int, last: int, cells: list[Cell] | None = None) -> list[Cell]:
        """The cells (or of ``cells``, in the same order) whose first row is in first..last, in order."""
        cells = self.sheet.cells if cells is None else cells
        return cells[bisect_left(cells, first, key=_ROW) : bisect_right(cells, last, key=_ROW)]

    def next_break(self, start: int, floor: int, room: float, titles: float, forced: set[int]) -> int | None:
        """Where the page starting at row ``start`` ends (the next page's first row, after ``floor``),
        or None at the end."""
        sheet = self.sheet
        heights = sheet.heights
        used = titles if start else 0.0
        for r in range(start, sheet.n_rows):
            if r in forced and r > start:
                return r
            if used + heights[r] > room and r > floor:
                glued = self.glued(floor + 1, r, room - titles)
                b = next((c for c in range(r, floor, -1) if c not in glued and self.splits_fit(c)), r)
                # A first row too tall to share a page with its header (no keep fits): the header goes with it.
                return next((t.first for t in sheet.tables if b == t.first + t.head and t.first > floor), b)
            used += heights[r]
        return None

    def glued(self, lo: int, hi: int, room: float) -> set[int]:
        """The rows among lo..hi a page may not start at (and maybe some others)."""
        sheet = self.sheet
        heights = sheet.heights
        merges = [
            (c.row, c.last_row)
            for c in self.starting(lo - self.span, hi - 1, self.merges)
            if c.last_row > c.row and not c.split
        ]
        glued: set[int] = set()
        for first, last in merges + sheet.keep:
            # A group taller than a page has to break somewhere.
            if last >= lo and first < hi and sum(heights[first : last + 1]) <= room:
                glued.update(range(first + 1, last + 1))
        for t in sheet.tables:
            body = t.first + t.head
            if t.last > body:  # two body rows or more: neither the first nor the last prints alone
                glued.add(body + 1)
                glued.add(t.last)
        glued.update(sheet.with_prev)
        return glued

    def crossing(self, b: int) -> list[Cell]:
        """The merges a break before row b cuts, in order."""
        return [c for c in self.starting(b - self.span, b - 1, self.merges) if c.last_row >= b]

    def splits_fit(self, b: int) -> bool:
        """Whether every label split by a break before row b still fits in the rows left above it.

        An empty label is split only into merges of two rows or more: a single empty cell reads as a row
        typed into the group above, which is how the reader takes a row a unit inserted by hand.
        """
        px, heights = self.px, self.sheet.heights
        for c in self.crossing(b):
            if not c.value:
                if b - c.row < 2 or c.last_row - b < 1:
                    return False
                continue
            need = needed_height(display_text(c), sum(px[c.col : c.last_col + 1]), styles.font_size(c.style))
            if need > sum(heights[c.row : b]) + 1e-6:
                return False
        return True

    def break_at(self, b: int) -> int:
        """Start a page at row b: split the merges crossing it (the label printed again below) and,
        inside an indicator table, insert a copy of its header rows. Returns how many rows were inserted."""
        sheet = self.sheet
        table = next((t for t in sheet.tables if t.first + t.head < b <= t.last), None)
        k = table.head if table else 0
        head = (
            [c for c in self.starting(table.first, table.first + k - 1) if c.last_row < table.first + k]
            if table
            else []
        )
        under_head = {col for c in head for col in range(c.col, c.last_col + 1)}
        # The rows whose heights can change: the merges split here and the inserted headers (below, with
        # any cell overlapping them); every other row keeps its height, moved down with its cells.
        crossing = self.crossing(b)
        lo = min([b] + [c.row for c in crossing])
        hi = max([b + k - 1] + [c.last_row + k for c in crossing])
        cells = sheet.cells
        below = bisect_left(cells, b, key=_ROW)  # cells[below:] start at row b or lower down
        added: list[Cell] = []
        for c in crossing:
            # The part below the break: below the repeated headers, or (a side label beside them) beside them.
            top = b + k if under_head & set(range(c.col, c.last_col + 1)) else b
            added.append(c.again(top, c.last_row + k))
            c.last_row = b - 1
        fit = self.fit if hi >= lo else None  # no refit, nothing to keep up to date
        if fit is not None:
            for c in crossing:  # a split label's upper part on one row now counts as a single-row cell
                if c.last_row == c.row and (i := next((i for i, e in enumerate(fit.merged) if e[0] is c), -1)) >= 0:
                    fit.add(c, fit.merged.pop(i)[1])
        if table:
            if fit is not None:
                fit.base[b:b] = [MIN_ROW_PT] * k
            for c in cells[below:]:
                c.row += k
                c.last_row += k
            shift = b - table.first
            added += [c.again(c.row + shift, c.last_row + shift) for c in head]
            sheet.heights[b:b] = sheet.heights[table.first : table.first + k]
            sheet.n_rows += k
            sheet.keep = [(f + k, e + k) if f >= b else (f, e + k if e >= b else e) for f, e in sheet.keep]
            sheet.sections = {n: r + k if r >= b else r for n, r in sheet.sections.items()}
            sheet.with_prev = [r + k if r >= b else r for r in sheet.with_prev]
            for t in sheet.tables:
                if t.first >= b:
                    t.first += k
                if t.last >= b:
                    t.last += k
            sheet.keep.append((b, b + k))  # the repeated headers and the row they head
        if added:
            # The new cells start at rows b..b + k: merged in among the cells starting there, the rest
            # of the list stays in order (the same order as sorting it whole).
            upto = bisect_right(cells, b + k, lo=below, key=_ROW)
            sheet.cells = [*cells[:below], *sorted(cells[below:upto] + added, key=_ROW_COL), *cells[upto:]]
            self.span = max([self.span] + [c.last_row - c.row for c in added])
            for c in added:
                if c.last_row > c.row:
                    insort(self.merges, c, key=_ROW_COL)
        if hi < lo:
            return k  # nothing split, nothing inserted: every height stands
        while True:
            outside = [
                c
                for c in self.starting(lo - self.span, hi, self.merges)
                if c.last_row >= lo and (c.row < lo or c.last_row > hi)
            ]
            if not outside:
                break
            lo, hi = min([lo] + [c.row for c in outside]), max([hi] + [c.last_row for c in outside])
        assert fit is not None
        for c in added:
            fit.add(c, cell_need(sheet, c))
        fit.settle(sheet, lo, hi)  # a cell's need is its text's at its width: a split part keeps it
        return k


def page_count(sheet: Sheet) -> int:
    """Pages the sheet prints on, as planned by ``plan_pages``."""
    return len(sheet.breaks) + 1
