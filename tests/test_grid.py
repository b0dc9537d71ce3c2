"""The reader's lookups that trade a scan for an index (issue 15 §3) find what the plain scans find.

``Grid.region`` sorts a column's merges on first use, ``fields.first_row`` looks a label up in the
column's index of keys: each is compared here with the plain algorithm it replaced, on grids of
labels the templates print (typed with spaces, as numbers, next to slotted ones) and merges that
overlap, invert or run far past the last value.
"""

from __future__ import annotations

import bisect
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xlsgen.anchors import Label, spec
from xlsgen.fields import first_row
from xlsgen.grid import Grid

SPEC = spec()
LABELS = [SPEC.place("code").label, SPEC.project_table.anchor, *SPEC.sections.values(), SPEC.total]
LABELS += [p.label for p in SPEC.dept_places if p.label.slot is not None][:3]
LABELS += [Label("7", "7"), Label("TRUE", "TRUE")]  # a number or a boolean shows a label's text too
TEXTS = (
    [lab.text for lab in LABELS] + [f" {lab.text[:1]} {lab.text[1:]} " for lab in LABELS] + ["合 计", "2025年", "甲"]
)
VALUES = st.one_of(st.sampled_from(TEXTS), st.integers(-3, 12), st.floats(0, 1, allow_nan=False), st.booleans())


def eager_region(g: Grid, r: int, c: int) -> tuple[int, int, int, int]:
    """Grid.region as it was: every column's merges listed up front."""
    cover: dict[int, list[tuple[int, int, int]]] = {}
    for i, (r0, c0, r1, c1) in enumerate(g.merges):
        for col in range(c0, min(c1, max(g.n_cols, c0) + 64) + 1):
            cover.setdefault(col, []).append((r0, r1, i))
    spans = sorted(cover.get(c, []))
    if spans:
        i = bisect.bisect_right(spans, (r, float("inf"), 0)) - 1
        if i >= 0 and spans[i][0] <= r <= spans[i][1]:
            return g.merges[spans[i][2]]
    return (r, c, r, c)


def scanned_row(g: Grid, label: Any, col: int, lo: int, hi: int) -> int | None:
    """fields.first_row as it was: every row from the top, each non-empty cell matched."""
    for r in range(lo, hi):
        if g.value(r, col) is not None and label.match(g.text(r, col)):
            return r
    return None


@st.composite
def grids(draw: Any) -> Grid:
    cells = draw(st.dictionaries(st.tuples(st.integers(0, 40), st.integers(0, 2)), VALUES, max_size=100))
    merge = st.tuples(st.integers(0, 70), st.integers(0, 8), st.integers(0, 90), st.integers(0, 200))
    merges = [(r0, c0, r0 + dr, c0 + dc) for r0, c0, dr, dc in draw(st.lists(merge, max_size=25))]
    merges += draw(
        st.lists(st.tuples(st.integers(0, 60), st.integers(0, 8), st.integers(0, 60), st.integers(0, 8)), max_size=5)
    )
    return Grid.from_values("表", cells, merges)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_region_finds_what_the_eager_cover_found(g: Grid, data: st.DataObject) -> None:
    for _ in range(30):
        r, c = data.draw(st.integers(0, 100)), data.draw(st.integers(0, 300))
        assert g.region(r, c) == eager_region(g, r, c), (r, c)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_first_row_finds_what_a_scan_finds(g: Grid, data: st.DataObject) -> None:
    for _ in range(20):
        label = data.draw(st.sampled_from(LABELS))
        col = data.draw(st.integers(0, 2))
        lo = data.draw(st.integers(0, 20))
        hi = data.draw(st.integers(lo, 50))
        assert first_row(g, label, col, lo, hi) == scanned_row(g, label, col, lo, hi), (label.text, col, lo, hi)
