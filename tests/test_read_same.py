"""The reader's faster bookkeeping and lookups (issue 15 §3) give what the plain algorithms they replaced gave.

Each replaced algorithm is kept here as it was, as the oracle: where each JSON path was read used to be
one dict updated cell by cell (``log.cells``: a project's cells copied in under ``projects[i].``) and
turned into ``sheet!A1`` names at the end; ``ReadLog`` now keeps the blocks as they are and names their
cells only when ``Imported.cells`` is first asked for. A small section's labels are looked up in an
index of it instead of a scan per field (``fields.first_row``'s scan is the oracle), a table's merged
一级/二级 cells in one walk down the column instead of ``Grid.region`` per row.
"""

from __future__ import annotations

import pickle
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from xlsgen.anchors import loose
from xlsgen.decode import _decimal, money, percent
from xlsgen.fields import Labels
from xlsgen.grid import Grid
from xlsgen.model import CENT
from xlsgen.readlog import ReadLog, TableCells
from xlsgen.safety import col_letters
from xlsgen.tables import _anchor_row, header_kind, merged_rows

from .test_grid import LABELS, SPEC, grids, scanned_row

GRIDS = [Grid("表一", {0: {0: "x"}}, []), Grid("项目表", {0: {0: "x"}}, [], col0=2)]
PATHS = st.sampled_from(["name", "code", "budget", "plan.mar", "goals", "projects[0].name", "indicators"])
CELL = st.tuples(st.integers(0, 60), st.integers(0, 30))


def old_cell_names(cells: dict[str, tuple[Grid, int, int]]) -> dict[str, str]:
    """read._cell_names as it was."""
    heads: dict[tuple[int, int], str] = {}
    out = {}
    for path, (g, r, c) in cells.items():
        head = heads.get((id(g), c))
        if head is None:
            head = heads[(id(g), c)] = f"{g.name}!{col_letters(c + g.col0)}"
        out[path] = head + str(r + 1)
    return out


# One step of the reader's bookkeeping: a single path, a path only if not yet placed, or a block.
STEPS = st.one_of(
    st.tuples(st.just("place"), PATHS, st.sampled_from([0, 1]), CELL),
    st.tuples(st.just("first"), PATHS, st.sampled_from([0, 1]), CELL),
    st.tuples(
        st.just("block"),
        st.sampled_from(["", "projects[0].", "projects[1]."]),
        st.sampled_from([0, 1]),
        st.dictionaries(PATHS, CELL, max_size=5),
        st.one_of(st.none(), st.lists(st.tuples(st.integers(0, 60), CELL, CELL), max_size=4)),
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEPS, max_size=12))
def test_blocks_are_placed_as_a_dict_updated_cell_by_cell(steps: list[Any]) -> None:
    log = ReadLog("x.xlsx")
    old: dict[str, tuple[Grid, int, int]] = {}
    for step in steps:
        if step[0] == "place":
            _, path, gi, (r, c) = step
            log.place(path, GRIDS[gi], r, c)
            old[path] = (GRIDS[gi], r, c)
        elif step[0] == "first":
            _, path, gi, (r, c) = step
            log.place_first(path, GRIDS[gi], r, c)
            old.setdefault(path, (GRIDS[gi], r, c))
        else:
            _, prefix, gi, cells, rows = step
            g = GRIDS[gi]
            table = None
            if rows is not None:
                table = TableCells("indicators", ("level1", "level2", "level3", "value"), (2, 5))
                table.rows = list(rows)
            log.place_block(prefix, g, dict(cells), table)
            # The old way: the block's cells copied in, then its table's cells keyed "[i].field".
            old.update({prefix + path: (g, r, c) for path, (r, c) in cells.items()})
            for i, (r, at1, at2) in enumerate(rows or []):
                at = f"{prefix}indicators[{i}]"
                old[at + ".level1"], old[at + ".level2"] = (g, *at1), (g, *at2)
                old[at + ".level3"], old[at + ".value"] = (g, r, 2), (g, r, 5)
    assert list(log.where().items()) == list(old.items())
    assert list(log.cell_names().items()) == list(old_cell_names(old).items())
    for path in old:
        assert log.cell_of(path + ".x") == old[path]


def test_imported_cells_is_a_dict_made_once() -> None:
    from xlsgen.read import read_bytes
    from xlsgen.render import workbook_bytes

    from .conftest import filled_unit

    imported = read_bytes(workbook_bytes(filled_unit()), "u.xlsx")
    cells = imported.cells
    assert type(cells) is dict and cells is imported.cells
    assert cells["name"] == "部门整体绩效目标申报表!B4" and cells["projects[1].indicators[0].level3"].startswith("项目")
    fresh = read_bytes(workbook_bytes(filled_unit()), "u.xlsx")
    again = pickle.loads(pickle.dumps(fresh))  # before its cells were asked for: they go along, named
    assert type(again._cells) is dict  # not the reader's log with its grids
    assert again.cells == cells and again.unit == imported.unit and again.problems == imported.problems


# ---------------------------------------------------------------- lookups in a grid


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_a_sections_labels_index_finds_what_a_scan_finds(g: Grid, data: st.DataObject) -> None:
    """fields.Labels (one pass over a small section) against the scan fields.first_row makes there."""
    lo = data.draw(st.integers(0, 30))
    hi = data.draw(st.integers(lo, lo + 14))
    index = Labels(g, lo, hi)
    for _ in range(20):
        label = data.draw(st.sampled_from([lab for lab in LABELS if lab.slot is None]))
        col = data.draw(st.integers(0, 2))
        a = data.draw(st.integers(lo, hi))
        b = data.draw(st.integers(a, hi))
        assert index.first(g, label, col, a, b) == scanned_row(g, label, col, a, b), (label.text, col, a, b)


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_merged_rows_are_what_region_gives(g: Grid, data: st.DataObject) -> None:
    """tables.merged_rows (one walk down a column's merges) against Grid.region row by row."""
    for _ in range(5):
        c = data.draw(st.integers(0, 10))
        lo = data.draw(st.integers(0, 80))
        hi = data.draw(st.integers(lo, 120))
        merged = merged_rows(g, c, lo, hi)
        assert {r: merged.get(r, (r, c, r, c)) for r in range(lo, hi)} == {r: g.region(r, c) for r in range(lo, hi)}


def test_a_slotted_labels_remembered_answers_are_its_answers() -> None:
    label = next(p.label for p in SPEC.dept_places if p.label.slot is not None and p.kind == "year")
    texts = ["2023年", "2023", "前年", "2023年度", "２０２３年", "2023 年", "年", "甲", "2023年2024年", ""]
    fresh = [label.value(t) is not None or loose(t) == label.key for t in texts]
    assert [label.match(t) for t in texts] == fresh  # answered, then remembered
    assert [label.match(t) for t in texts] == fresh
    assert any(fresh) and not all(fresh)


def old_unplaced(g: Grid, used: set[tuple[str, int, int]], known: Any) -> list[tuple[int, int]]:
    """ReadLog.unplaced's cells as it found them: every cell looked up in one set of (sheet, row, col)."""
    rows = g.rows
    return [
        (r, c) for r in sorted(rows) for c in sorted(rows[r]) if (g.name, r, c) not in used and not known(g.text(r, c))
    ]


@settings(max_examples=150, deadline=None)
@given(grids(), st.data())
def test_unplaced_cells_are_those_the_set_of_used_cells_left(g: Grid, data: st.DataObject) -> None:
    cells = [(r, c) for r in g.rows for c in g.rows[r]]
    marked = data.draw(st.lists(st.sampled_from(cells) if cells else st.nothing(), max_size=len(cells)))
    marked += data.draw(st.lists(st.tuples(st.integers(0, 45), st.integers(0, 3)), max_size=5))  # empty cells too
    log = ReadLog("x.xlsx")
    other = Grid("另一表", dict(g.rows), [])  # marks on another sheet do not count
    for r, c in marked[: len(marked) // 2]:
        log.mark(g, r, c)
        log.mark(other, r + 1, c)
    for r, c in marked[len(marked) // 2 :]:
        log.take(g, r, c)

    def known(text: str) -> bool:
        return text.startswith("合")

    log.unplaced(g, known)
    expected = old_unplaced(g, {(g.name, r, c) for r, c in marked}, known)
    listed = [p.location.cell for p in log.problems if p.location.cell and "不在表格的任何栏目中" in p.message]
    assert listed == [g.a1(r, c) for r, c in expected[:50]]
    assert any("另有" in p.message for p in log.problems) == (len(expected) > 50)


def old_header_cell(g: Grid, t: Any, r: int, c: int) -> bool:
    """tables._header_cell as it was: a cell of a table's first row holding one of its header texts."""
    text = g.text(r, c)
    return (
        loose(text) in t.headers
        or t.anchor.match(text)
        or (c in t.year_cols and any(y.match(text) for y in t.year_headers))
    )


TABLES = [SPEC.long_table, SPEC.annual_table, SPEC.project_table, SPEC.project_rows]
HEADER_TEXTS = sorted({h for t in TABLES for h in t.headers}) + [t.anchor.text for t in TABLES]
HEADER_TEXTS += ["2023年", "前年", "上年", "2024 年度", "甲", "合计", " 一级 指标 "]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(TABLES),
    st.dictionaries(
        st.integers(0, 11),
        st.one_of(st.sampled_from(HEADER_TEXTS), st.integers(2020, 2026), st.floats(0, 1, allow_nan=False)),
        max_size=10,
    ),
)
def test_a_tables_anchor_row_is_classified_and_marked_as_before(t: Any, line: dict[int, Any]) -> None:
    """tables._anchor_row against header_kind and the old per-cell _header_cell marking."""
    g = Grid("表", {5: line} if line else {}, [])
    used = ReadLog("x.xlsx").marks(g)
    assert _anchor_row(g, t, 5, used) == header_kind(g, t, 5)
    assert used.get(5, set()) == {c for c in line if c < t.width and old_header_cell(g, t, 5, c)}


def old_percent(value: Any, shown: str, fraction: bool = False) -> Any:
    """decode.percent as it was: a number's Decimal always multiplied by its scale."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        scale = 100 if fraction or shown.endswith("%") else 1
        return _decimal(value, shown, "", "百分比") * scale  # type: ignore[operator]
    return _decimal(value, shown, "%", "百分比")


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-(10**15), 10**15)),
    st.sampled_from(["", "25%", "0.25"]),
    st.booleans(),
)
def test_a_percentage_is_the_same_decimal_as_before(value: Any, shown: str, fraction: bool) -> None:
    new, old = percent(value, shown, fraction), old_percent(value, shown, fraction)
    assert new.as_tuple() == old.as_tuple()  # digits and exponent, not only the value


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.integers(-(10**12), 10**12)))
def test_an_amount_and_its_note_are_as_before(value: Any) -> None:
    exact = _decimal(value, "", "万元", "金额")
    rounded = exact.quantize(CENT, rounding=ROUND_HALF_UP)
    note = f"{exact.normalize():f} 已按两位小数取为 {rounded}" if abs(exact - rounded) > Decimal("1e-9") else None
    amount, said = money(value, "")
    assert (amount.as_tuple(), said) == (rounded.as_tuple(), note)
