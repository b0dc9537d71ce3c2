"""Single fields: found by the label the template prints beside (or above) them, read by their kind.

Nothing here knows a field: ``anchors.Place`` says where each one sits relative to its label and which
decoder reads it; this module finds the labels in a Grid and applies the decoders. A field printed
twice (the 长期 deadline, the budget year in four headers) is read from every copy; copies that
disagree are reported and the first one wins.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from typing import Any

from . import decode
from .anchors import Label, Place, loose
from .grid import Grid
from .readlog import ReadLog, Used

Bounds = dict[str, tuple[int, int]]


def find_anchors(g: Grid, anchors: dict[str, Label], log: ReadLog, col: int = 0) -> dict[str, int]:
    """The row of each anchor found in column ``col``, each taken once, top to bottom."""
    found: dict[str, int] = {}
    keys = {label.key for label in anchors.values() if label.slot is None}
    slotted = [(n, label) for n, label in anchors.items() if label.slot is not None]
    for r in sorted(g.rows):
        if g.value(r, col) is None:
            continue
        text = g.text(r, col)
        if loose(text) not in keys and not any(n not in found and label.match(text) for n, label in slotted):
            continue  # no anchor's label: what follows would find none, trying each
        name = next((n for n, label in anchors.items() if n not in found and label.match(text)), None)
        if name is not None:
            found[name] = r
            log.mark(g, r, col)
    return found


def bounds_of(found: dict[str, int], n_rows: int) -> Bounds:
    """Each found section's rows, up to the next one; ``top`` is everything above the first."""
    starts = sorted(found.values())
    out = {"top": (0, starts[0] if starts else n_rows)}
    out.update({n: (r, next((x for x in starts if x > r), n_rows)) for n, r in found.items()})
    return out


_SCAN = 12  # rows a label is looked for one by one: fewer than it takes to index the column


def first_row(g: Grid, label: Label, col: int, lo: int, hi: int) -> int | None:
    """The first row in [lo, hi) whose cell in column ``col`` holds ``label``, as a scan from the top
    finds it; a label without a slot is looked up in the column's index instead of matched cell by cell."""
    if label.slot is not None or hi - lo <= _SCAN:
        rows = g.rows
        for r in range(lo, hi):
            line = rows.get(r)
            if line is not None and col in line and label.match(g.text(r, col)):
                return r
        return None
    by_key, others = g.column_keys(col, loose)
    rows = by_key.get(label.key)
    best = hi
    if rows:
        i = bisect.bisect_left(rows, lo)
        if i < len(rows) and rows[i] < hi:
            best = rows[i]
    # A number or date above it could show the label's text: only those are matched one by one.
    for r in others[bisect.bisect_left(others, lo) : bisect.bisect_left(others, best)]:
        if label.match(g.text(r, col)):
            return r
    return best if best < hi else None


class Labels:
    """The cells of rows [lo, hi), text by (column, ``loose`` key): where the places of one small
    section (a project block, 部门总体资金情况) look for their labels, made in one pass over the section
    instead of a scan of it per place. ``first`` finds what ``first_row`` finds."""

    def __init__(self, g: Grid, lo: int, hi: int) -> None:
        self.keys: dict[tuple[int, str], list[int]] = {}
        self.others: dict[int, list[int]] = {}  # numbers, dates: their text needs the number format
        keys, others, rows = self.keys, self.others, g.rows
        for r in range(lo, hi):
            line = rows.get(r)
            if line is None:
                continue
            for c, v in line.items():
                if v.__class__ is str:
                    at = keys.get((c, k := loose(v)))
                    if at is None:
                        keys[(c, k)] = [r]
                    else:
                        at.append(r)
                else:
                    others.setdefault(c, []).append(r)

    def first(self, g: Grid, label: Label, col: int, lo: int, hi: int) -> int | None:
        """``first_row(g, label, col, lo, hi)`` for a label without a slot, [lo, hi) within the rows indexed."""
        best = hi
        hits = self.keys.get((col, label.key))
        if hits is not None:
            for r in hits:
                if r >= lo:
                    if r < hi:
                        best = r
                    break
        others = self.others.get(col)
        if others is not None:  # a number or date above it could show the label's text
            for r in others:
                if r >= best:
                    break
                if r >= lo and label.match(g.text(r, col)):
                    return r
        return best if best < hi else None


def locate(
    g: Grid,
    place: Place,
    lo: int,
    hi: int,
    starts: dict[tuple[int, int, int, int], int] | None = None,
    labels: Labels | None = None,
) -> tuple[int, int] | None:
    """The cell holding ``place``: its label in rows [lo, hi), then ``dr`` rows down, in its column.
    ``starts`` keeps where each ``after`` label was found, for the places that share it; ``labels``
    indexes rows [lo, hi)."""
    if place.after is not None:  # a label repeated in the section: the one after the row of ``after``
        key = (id(place.after), lo, hi, place.label_col)
        found = None if starts is None else starts.get(key)
        if found is None:
            after = place.after
            found = next((r for r in range(lo, hi) for c in range(place.label_col) if after.match(_text(g, r, c))), hi)
            if starts is not None:
                starts[key] = found
        lo = found
    if labels is not None and place.label.slot is None:
        r = labels.first(g, place.label, place.label_col, lo, hi)
    else:
        r = first_row(g, place.label, place.label_col, lo, hi)
    return None if r is None else (r + place.dr, place.col)


def _text(g: Grid, r: int, c: int) -> str:
    r0, c0, _, _ = g.region(r, c)
    return g.text(r0, c0)


def read_places(g: Grid, places: Iterable[Place], where: Bounds, log: ReadLog, prefix: str = "") -> dict[str, Any]:
    """The value of every place whose section is in ``where``, by JSON path (prefixed with ``prefix``).

    A place whose label is not found is reported; its cell, if it holds anything, is then reported
    as not placed, so nothing is lost silently. Computed cells go to ``log.shown``.
    """
    values: dict[str, Any] = {}
    seen: dict[str, tuple[int, int]] = {}
    starts: dict[tuple[int, int, int, int], int] = {}
    indexed: dict[str, Labels | None] = {}  # by section
    used, placed = log.marks(g), log.single()  # no block is placed meanwhile: see log.single
    for place in places:
        section = where.get(place.section or "")
        if section is None:
            continue
        path = prefix + place.path
        labels = indexed.get(place.section, False)
        if labels is False:  # a big section is looked up in its columns' indexes instead (first_row)
            labels = indexed[place.section] = Labels(g, *section) if section[1] - section[0] <= _SCAN else None
        if labels is not None and place.after is None and place.label.slot is None:  # locate, inline
            r = labels.first(g, place.label, place.label_col, *section)
            at = None if r is None else (r + place.dr, place.col)
        else:
            at = locate(g, place, *section, starts, labels)
        if at is None:
            if place.data and place.kind != "year":
                log.warn(g, section[0], place.label_col, f"找不到“{place.label.text}”栏目，未读取")
            continue
        r, c = at
        used[r - place.dr].add(place.label_col)  # log.mark, inline
        if not place.data:
            log.show(path, g, r, c)
            continue
        value, (r, c) = _decode(g, place, r, c, log, used)
        if value is _NOTHING:  # reported at its cell; the field is still there, for the rules' messages
            log.place_first(path, g, r, c)
            continue
        if path in values:
            if value is not None and values[path] is not None and value != values[path]:
                first = g.a1(*seen[path])
                log.warn(g, r, c, f"此处的 {value} 与 {first} 的 {values[path]} 不一致，按 {first} 读取")
            elif values[path] is None:
                values[path], seen[path] = value, (r, c)
                log.place(path, g, r, c)
            continue
        values[path], seen[path] = value, (r, c)
        placed[path] = (g, r, c)  # log.place, inline
    return values


_NOTHING = object()


def _shown(g: Grid, r: int, c: int, value: Any) -> str:
    # A number's shown text needs the cell's number format (read lazily from the sheet XML): only
    # typed text is needed to decode, so numbers skip it.
    return "" if isinstance(value, (int, float)) and not isinstance(value, bool) else g.text(r, c)


def _decode(g: Grid, place: Place, r: int, c: int, log: ReadLog, used: Used) -> tuple[Any, tuple[int, int]]:
    """One cell by its place's kind, and the cell it was read from; a value that cannot be read is an
    error at its cell. ``used``: ``log.marks(g)``."""
    row = g.rows.get(r)
    value = row.get(c) if row else None  # g.value, inline
    if place.kind == "text" and value.__class__ is str and value.isprintable():  # log.take, inline for text
        used[r].add(c)
        return value, (r, c)
    try:
        if place.in_label:
            inside = place.label.value(log.take(g, r, c)) or ""
            if place.kind == "year":
                y = decode.year(inside)
                if y is not None and not 2000 <= y - place.offset <= 2100:
                    raise decode.Unreadable(f"年份 {y} 对应的年度 {y - place.offset} 不在 2000–2100 之间")
                return (None if y is None else y - place.offset), (r, c)
            if not inside and g.value(r, c + 1) is not None and place.kind == "date":
                log.take(g, r, c + 1)  # 填报日期： in one cell, the date in the next
                return decode.date(g.value(r, c + 1), g.text(r, c + 1)), (r, c + 1)
            return (decode.date(None, inside) if inside else None), (r, c)
        if place.kind == "money":
            used[r].add(c)
            amount, note = decode.money(value, _shown(g, r, c, value))
            if note:
                log.warn(g, r, c, note)
            return amount, (r, c)
        if place.kind == "percent":
            used[r].add(c)
            return (None if value is None else decode.percent(value, _shown(g, r, c, value))), (r, c)
        if place.kind == "date":
            log.mark(g, r, c)
            return (None if value is None else decode.date(value, g.text(r, c))), (r, c)
        text = log.take(g, r, c)
        return (decode.numbered(value, text) if place.kind == "numbered" else text), (r, c)
    except decode.Unreadable as exc:
        log.error(g, r, c, f"{exc}，未读取：请改正后重新导入")
        return _NOTHING, (r, c)
