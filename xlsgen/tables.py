"""Repeating blocks: the indicator tables and the 附件1 project rows, one dict per row.

The only hand-written reading logic of the reader lives here, because only here the number of rows is
the unit's own. A table is found by its anchor in column A, or, typed without it, by its header row;
its header rows are the rows holding nothing but its header labels (wherever they occur: a header
printed again after a page break is skipped, not read as data). 一级/二级 come from the merged cell a
row sits in, its own cell, or (typed once for a group, not merged) the nearest label above.
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from typing import Any

from .anchors import Label, Table, loose, squash
from .decode import Unreadable, money
from .fields import first_row
from .grid import Grid, Region
from .readlog import _CONTROL, ReadLog, TableCells, Used

Cells = dict[str, tuple[int, int]]  # field → (row, col)
LEVELS = ("level1", "level2")


def header_kind(g: Grid, t: Table, r: int) -> str | None:
    """``labels``: the row holds only the table's header labels (and its anchor), at least one of them;
    ``years``: only year headers (``2023年``, ``前年``) in their columns; None: a row of data."""
    line = g.rows.get(r)
    if not line:
        return None
    labels = years = 0
    skip = t.anchor_col if t.block_label else -1  # the block label, however typed
    width, headers = t.width, t.headers
    for c, v in line.items():
        if c >= width or c == skip:
            continue
        text = v if v.__class__ is str else g.text(r, c)  # g.text, inline for text
        if loose(text) in headers:
            labels += 1
        elif c in t.year_cols and any(y.match(text) for y in t.year_headers):
            years += 1
        elif not t.anchor.match(text):
            return None
    return "labels" if labels else "years" if years else None


def is_header_row(g: Grid, t: Table, r: int, after_labels: bool = False) -> bool:
    """A header row; a row of years only right below a row of header labels (elsewhere it is data)."""
    kind = header_kind(g, t, r)
    return kind == "labels" or (kind == "years" and after_labels)


def _anchor_row(g: Grid, t: Table, r: int, used: Used) -> str | None:
    """``header_kind`` of a table's first row, marking as it goes its cells that hold one of the table's
    header texts (its anchor, a header label, a year header): the row may hold other content too."""
    line = g.rows.get(r)
    if not line:
        return None
    labels = years = 0
    data = False
    skip = t.anchor_col if t.block_label else -1
    for c, v in line.items():
        if c >= t.width:
            continue
        text = v if v.__class__ is str else g.text(r, c)
        if loose(text) in t.headers:
            hit = "label"
        elif c in t.year_cols and any(y.match(text) for y in t.year_headers):
            hit = "year"
        else:
            hit = "anchor" if t.anchor.match(text) else ""
        if hit:
            used[r].add(c)
        if c != skip:
            data |= not hit
            labels += hit == "label"
            years += hit == "year"
    return None if data else "labels" if labels else "years" if years else None


def find_table(g: Grid, t: Table, lo: int, hi: int, header: bool = True) -> int | None:
    """The first row of table ``t`` in rows [lo, hi): its anchor in column A, else (``header``) its header row."""
    r = first_row(g, t.anchor, t.anchor_col, lo, hi)
    if r is not None:
        return r
    if header:
        return next((r for r in range(lo, hi) if r in g.rows and is_header_row(g, t, r)), None)
    return None


def table_end(g: Grid, t: Table, start: int, hi: int) -> int:
    """Where a table starting at ``start`` ends: at ``hi``, or at a row whose column A holds another
    label than the table's own (the next section: a table holds no data in column A)."""
    a = t.anchor_col
    if not t.block_label:  # the anchor is a header of a data column (项目绩效目标表)
        return hi
    for r in range(start + 1, hi):
        if g.value(r, a) is not None and not t.anchor.match(g.text(r, a)):
            return r
    return hi


def merged_rows(g: Grid, c: int, lo: int, hi: int) -> dict[int, Region]:
    """``g.region(r, c)`` for the rows r in [lo, hi) it finds merged, one walk over column ``c``'s
    merges instead of a lookup per row. As ``region``: a row belongs to the last merge starting at
    or above it, if that one reaches down to it (overlapping merges are possible in a hostile file)."""
    spans, merges = g.spans(c), g.merges
    out: dict[int, Region] = {}
    start = max(bisect.bisect_right(spans, (lo, _INF, 0)) - 1, 0)  # the merge governing row lo
    for k in range(start, len(spans)):
        r0, r1, i = spans[k]
        if r0 >= hi:
            break
        stop = spans[k + 1][0] if k + 1 < len(spans) else hi  # the rows this merge governs: up to the next
        m = merges[i]
        for r in range(max(r0, lo), min(r1 + 1, stop, hi)):
            out[r] = m
    return out


_INF = float("inf")
_EMPTY: dict[int, Any] = {}
_ASK = "ask"  # header_kind must be asked


def read_table(
    g: Grid, t: Table, start: int, end: int, log: ReadLog, labels: dict[str, str], prefix: str = ""
) -> tuple[list[dict[str, Any]], TableCells]:
    """The rows of a table from its first row ``start`` to ``end``, and the cells of their fields
    (paths ``<prefix>[i].field``)."""
    c1, c2 = t.cols["level1"], t.cols["level2"]
    lines, used = g.rows, log.marks(g)
    # header_kind by row (a row's kind is asked again for the next row), the anchor row's marking its
    # header cells as it goes.
    kinds: dict[int, str | None] = {start: _anchor_row(g, t, start, used)}
    headers = {start}
    first, above = start + 1, True
    while first < end and first in lines:  # the rest of the header: is_header_row, one row at a time
        kind = kinds[first] = header_kind(g, t, first)
        if not (kind == "labels" or (kind == "years" and above)):
            break
        above = kind == "labels"
        headers.add(first)
        first += 1
    for r in headers:
        if r != start and r in lines:
            used[r].update(c for c in lines[r] if c < t.width)
    rows: list[dict[str, Any]] = []
    a = t.anchor_col
    block_label = t.block_label
    fields = list(t.cols.values())
    others = [(c, name, name == "level3") for name, c in t.cols.items() if name not in LEVELS]
    cells = TableCells(prefix, (*LEVELS, *(name for _, name, _ in others)), tuple(c for c, _, _ in others))
    # The loop runs once per row of every table: what it calls is bound to locals first, and the common
    # cases of header_kind, _level and log.take are written out in it.
    # A printable text holds no control character (they are all unprintable): the regex only for the rest.
    take, search = log.take, _CONTROL.search
    placed, canonical, anchor, width = cells.rows, _canonical, t.anchor, t.width
    header_keys, year_cols = t.headers, t.year_cols
    skip = a if block_label else -1  # as header_kind skips it
    anchor_key = "" if anchor.slot is not None else anchor.key  # a label without a slot matches by its key
    merged1, merged2 = merged_rows(g, c1, first, end), merged_rows(g, c2, first, end)
    for r in range(first, end):
        line = lines.get(r)
        if r - 1 in headers:
            if r - 1 not in kinds:
                kinds[r - 1] = header_kind(g, t, r - 1)
            above = kinds[r - 1] == "labels"
        else:
            above = False
        if line is not None:
            kind = kinds.get(r, _ASK)
            if kind is _ASK:
                for c, v in line.items():  # header_kind of a row of data: its first cell is no header
                    if c < width and c != skip:
                        if v.__class__ is str and c not in year_cols and (k := loose(v)) not in header_keys:
                            kind = None if k != anchor_key and (anchor_key or not anchor.match(v)) else _ASK
                        break
                else:
                    kind = None  # nothing in the table's columns
                if kind is _ASK:
                    kind = header_kind(g, t, r)
                kinds[r] = kind
            if kind == "labels" or (kind == "years" and above):  # printed again after a page break
                headers.add(r)
                for c in line:
                    if c < width:
                        log.mark(g, r, c)
                continue
            if block_label and a in line and anchor.match(g.text(r, a)):
                log.mark(g, r, a)  # the block label printed again after a page break
        at1, at2 = merged1.get(r) or (r, c1, r, c1), merged2.get(r) or (r, c2, r, c2)  # g.region
        if not (at1[2] > at1[0] >= first or at2[2] > at2[0] >= first) and (
            line is None or line.keys().isdisjoint(fields)
        ):
            continue  # a blank row (in no group), or the one empty row of an empty table
        # 一级 (and then 二级): the first cell of the group merged down it, its own cell, or one above (_level)
        l1 = l2 = None
        r0, k0 = at1[0], at1[1]
        if r0 >= first and (r0 != r or k0 != c1):  # in a group merged down
            cell1, started = (r0, k0), False
        elif (line is not None and line.get(c1) is not None) or at1[2] > r0 or at1[3] > k0:
            cell1, started = (r, c1), True
        else:  # typed once for a group: the label above
            (l1, cell1), started = _level(g, r, c1, first, headers, log, True, at1)
        if l1 is None:
            x, y = cell1
            v = lines.get(x, _EMPTY).get(y)
            if v.__class__ is str and (v.isprintable() or not search(v)):  # log.take, inline for plain text
                used[x].add(y)
                l1 = v
            else:
                l1 = take(g, x, y)
        r0, k0 = at2[0], at2[1]
        if r0 >= first and (r0 != r or k0 != c2):
            cell2 = (r0, k0)
        elif (line is not None and line.get(c2) is not None) or at2[2] > r0 or at2[3] > k0 or started:
            cell2 = (r, c2)
        else:
            (l2, cell2), _ = _level(g, r, c2, first, headers, log, True, at2)
        if l2 is None:
            x, y = cell2
            v = lines.get(x, _EMPTY).get(y)
            if v.__class__ is str and (v.isprintable() or not search(v)):
                used[x].add(y)
                l2 = v
            else:
                l2 = take(g, x, y)
        row: dict[str, Any] = {
            "level1": labels.get(l1) or canonical(labels, l1),
            "level2": labels.get(l2) or canonical(labels, l2),
        }
        done = used[r]
        for c, key, fixed in others:
            v = line.get(c) if line is not None else None
            if v.__class__ is str and (v.isprintable() or not search(v)):  # log.take, inline for plain text
                done.add(c)
                text = v
            else:
                text = take(g, r, c)
            if fixed:  # _canonical, inline
                found = labels.get(text)
                text = found if found is not None else labels.get(_squashed(text), text)
            row[key] = text
        rows.append(row)
        placed.append((r, cell1, cell2))
    return rows, cells


def _canonical(labels: dict[str, str], text: str) -> str:
    """The printed label ``text`` stands for (its keys are squashed: a text without spaces is its own key)."""
    found = labels.get(text)
    return found if found is not None else labels.get(_squashed(text), text)


# A 三级指标 the unit names itself is no key: squashed to look it up again, in every block and workbook.
_squashed = lru_cache(maxsize=16384)(squash)


def _level(
    g: Grid, r: int, c: int, first: int, headers: set[int], log: ReadLog, inherit: bool, region: Region
) -> tuple[tuple[str, tuple[int, int]], bool]:
    """一级/二级 of row r: the merged cell it sits in (``region``), its own cell, or (a row typed in) the
    nearest above.

    Returns (label, cell) and whether a group starts at this row.
    """
    r0, c0, r1, c1 = region
    if (r0, c0) != (r, c) and r0 >= first:
        return (log.take(g, r0, c0), (r0, c0)), False
    if g.value(r, c) is not None or r1 > r0 or c1 > c0 or not inherit:
        return (log.take(g, r, c), (r, c)), True
    for above in range(r - 1, first - 1, -1):
        if above in headers:
            continue
        a0, b0, _, _ = g.region(above, c)
        if a0 >= first and g.value(a0, b0) is not None:
            return (log.take(g, a0, b0), (a0, b0)), False
    log.warn(g, r, c, "本行的上级指标为空，上方也没有可沿用的指标名称，已留空")
    return ("", (r, c)), True


def read_rows(g: Grid, t: Table, lo: int, hi: int, log: ReadLog, total: Label) -> list[tuple[dict[str, Any], Cells]]:
    """The 附件1 project rows below the section's header, each as (values, cells); a 合计 row some
    forms add under them is computed, not a project."""
    out = []
    lines, used, cols, kinds = g.rows, log.marks(g), t.cols, t.kinds
    fields = tuple(cols.values())
    for r in range(lo + 1, hi):
        line = lines.get(r)
        if line is None or all(line.get(c) is None for c in fields):
            continue
        if is_header_row(g, t, r):
            for c in line:
                if c < t.width:
                    log.mark(g, r, c)
            continue
        if total.match(g.text(r, cols["name"])):
            for c in fields:
                log.mark(g, r, c)
            continue
        values: dict[str, Any] = {}
        done = used[r]
        for n, c in cols.items():
            v = line.get(c)
            if kinds[n] != "money":
                if v.__class__ is str and v.isprintable():  # log.take, inline for plain text
                    done.add(c)
                    values[n] = v
                else:
                    values[n] = log.take(g, r, c)
                continue
            done.add(c)
            try:
                values[n], note = money(v, "" if isinstance(v, (int, float)) else g.text(r, c))
                if note:
                    log.warn(g, r, c, note)
            except Unreadable as exc:
                log.error(g, r, c, f"{exc}，未读取：请改正后重新导入")
                values[n] = None
        out.append((values, {n: (r, c) for n, c in cols.items()}))
    return out
