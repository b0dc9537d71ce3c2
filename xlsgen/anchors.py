"""What the templates print where, learnt from the templates themselves, for the reader.

Nothing in the reader knows a coordinate or re-types a label. A *probe* unit with every field filled
(and two projects, so that every repeating part exists) is laid out once by ``layout.build``; from the
cells' ``data-field`` and ``data-kind`` (see layout.py) this module derives:

* each 附件1 section's anchor: the label in column A of the row the template marks ``data-section``;
* each single field (``Place``): the label it is read by (the nearest label left of it on its row,
  else the one above), the offset from that label, its column and its kind (which decoder reads it);
  a field printed inside a label's own text (``填报日期：…``, ``（截止2026年）``, ``2023年``) is read
  out of that label;
* each repeating block (``Table``): its anchor label, its header labels and one column per field;
* every label either form prints, so that any other non-empty cell is known to be unplaced.

Labels are compared by ``loose``: whitespace and punctuation removed, half- and full-width forms
folded, ``forms.LABEL_VARIANTS`` mapped; so ``合  计``, ``部门(单位)名称`` and ``年度目标`` all match.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from . import forms, layout
from .model import (
    Annual,
    AnnualIndicator,
    Expense,
    Funding,
    Income,
    LongIndicator,
    LongTerm,
    OverallGoals,
    Project,
    ProjectIndicator,
    SpendPlan,
    Unit,
    YearAmounts,
)

# ---------------------------------------------------------------- text


_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[\W_]+")
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_VARIANTS = {_SPACE.sub("", k): v for k, v in forms.LABEL_VARIANTS.items()}


def squash(text: str) -> str:
    """Text with every whitespace character (spaces, full-width spaces, line breaks) removed."""
    return _SPACE.sub("", text)


@lru_cache(maxsize=16384)
def loose(text: str) -> str:
    """How a label is compared: squashed, variants mapped, NFKC-folded, punctuation removed."""
    s = squash(text)
    return _PUNCT.sub("", unicodedata.normalize("NFKC", _VARIANTS.get(s, s)))


def years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(unicodedata.normalize("NFKC", squash(text)))]


def _canonical(labels: list[str]) -> dict[str, str]:
    index = {squash(v): v for v in labels}
    index.update(_VARIANTS)
    return index


# squash(label) → the printed label: an indicator name typed with stray spaces or in a known variant
# is read as the label the form prints.
DEPT_LABELS = _canonical([x for l1, l2, l3s in forms.SKELETON for x in (l1, l2, *l3s)])
PROJECT_LABELS = _canonical([x for tree in forms.PROJECT_TREES.values() for l1, l2s in tree for x in (l1, *l2s)])


_FIRST_ITEM = re.compile(r"(目标)?1([.．、:：])")  # compiled once: every project's goals are split


def split_numbered(text: str) -> list[str]:
    """``1.甲\\n2.乙`` → ``[甲, 乙]``; ``目标1：…`` likewise; unnumbered text is one item.

    The style (``目标``, the separator) is taken from the first item, and the text is cut only at a line
    break followed by the *next* number in that style, so an item may itself hold ``\\n5.`` or ``1、``.
    """
    if not text:
        return []
    m = _FIRST_ITEM.match(text)
    if not m:
        return [text]
    word, sep = m.group(1) or "", m.group(2)
    items, pos, n = [], m.end(), 1
    while True:
        marker = f"\n{word}{n + 1}{sep}"
        nxt = text.find(marker, pos)
        if nxt < 0:
            items.append(text[pos:])
            return items
        items.append(text[pos:nxt])
        pos, n = nxt + len(marker), n + 1


def parse_cn_date(text: str) -> _dt.date | None:
    """``2024年1月15日`` (or 2024-1-15, 2024.1.15) → date; the blank form's ``年  月  日`` → None.

    Raises ValueError for anything else (``去年腊月``, an impossible date), so it is never dropped silently.
    """
    s = unicodedata.normalize("NFKC", squash(text))
    if not re.sub(r"[年月日\s]", "", s):
        return None
    m = re.fullmatch(r"(\d{1,4})\D(\d{1,2})\D(\d{1,2})\D?", s)
    if not m:
        raise ValueError(text)
    return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


# ---------------------------------------------------------------- labels


@dataclass(frozen=True)
class Label:
    """A printed label, or a label whose text carries a field's value (``（截止2026年）``, ``2023年``)."""

    text: str  # as printed, squashed: for messages
    key: str  # loose() of the whole label
    head: str = ""  # loose() of the label's first words: a slotted label typed without its value part
    slot: re.Pattern[str] | None = None  # on NFKC-folded, squashed text: the value in group "v"
    words: frozenset[str] = frozenset()  # loose() of words standing for the value (前年 for 2023年)
    # A slotted label's answers by text: its regex is tried on every cell of a column it is looked for
    # in, and a form's texts come back in every block and every workbook (bounded like loose's cache).
    _matched: dict[str, bool] = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    def match(self, text: str) -> bool:
        if self.slot is None:  # value() is None: only the key can match
            return loose(text) == self.key
        found = self._matched.get(text)
        if found is None:
            if len(self._matched) >= _MATCHED:
                self._matched.clear()
            found = self._matched[text] = self.value(text) is not None or loose(text) == self.key
        return found

    def value(self, text: str) -> str | None:
        """The value inside a slotted label's text (``""`` when it is blank or a word), None if no match."""
        if self.slot is None:
            return None
        m = self.slot.fullmatch(_folded(text))
        if m:
            return m.group("v") or ""
        k = loose(text)
        return "" if k in self.words or (self.head and k == self.head) else None


_MATCHED = 4096


@lru_cache(maxsize=16384)  # like loose: a form's labels come back in every block and every workbook
def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", squash(text))


def _loose_pattern(words: str) -> str:
    """A regex matching ``words`` with any punctuation or none between and around its characters."""
    return r"[\W_]*" + "".join(re.escape(ch) + r"[\W_]*" for ch in loose(words))


def _label(text: str, kind: str = "", value: str | None = None) -> Label:
    if not value or value not in text:
        return Label(squash(text), loose(text))
    before, after = text.split(value, 1)
    if kind == "year":  # 2023年 is also typed 2023, 2023年度; （截止 年） is a blank one
        a = _loose_pattern(after) if loose(after) else ""
        core = rf"(?:(?P<v>\d{{4}})(?:{a})?|{a})" if a else r"(?P<v>\d{4})"
        v, tail = (f"(?:{core})?" if loose(before) else core), r"度?[\W_]*"
    else:
        v, tail = r"(?P<v>.*?)", _loose_pattern(after)
    slot = re.compile(_loose_pattern(before) + v + tail, re.S)
    first = re.match(r"\w+", _folded(before))
    words = frozenset(loose(w) for w in forms.YEAR_WORDS) if kind == "year" and not before.strip() else frozenset()
    return Label(squash(text), loose(text), loose(first.group()) if first else "", slot, words)


# ---------------------------------------------------------------- places and tables


@dataclass(frozen=True)
class Place:
    """A single field: its label, and where the value sits from it (``dr`` rows down, column ``col``)."""

    path: str  # JSON path; inside a repeating block relative to it (``code`` for ``projects[i].code``)
    kind: str  # text · money · percent · numbered · date · year (layout.Cell.kind)
    label: Label
    label_col: int
    dr: int
    col: int
    section: str  # the 附件1 section holding the label ("top" above the first); "" in a block
    after: Label | None = None  # when ``label`` repeats in its section: the label on the row before it
    data: bool = True  # a field of the model; False: a computed cell (合计, 占比) only shown to the validator
    in_label: bool = False  # the value is read out of the label's own text
    offset: int = 0  # a year field printed as the field's value plus ``offset`` (2023年 is year − 2)


@dataclass(frozen=True)
class Table:
    """A repeating block of rows: its anchor label (column A), its header labels, a column per field."""

    anchor: Label
    headers: frozenset[str]  # loose() of every header label
    year_headers: tuple[Label, ...]  # header cells carrying a year (``2023年``), also typed ``前年``/``上年``
    year_cols: frozenset[int]  # where those are
    cols: dict[str, int]
    kinds: dict[str, str]
    width: int  # columns of the form: cells right of them are outside any table
    anchor_col: int  # where the anchor (the block label) sits
    header_rows: int  # rows of the header, anchor row included
    # The anchor is a label of its own, not the header of a data column (as on 项目绩效目标表); asked
    # for every row a table reads, so stored.
    block_label: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "block_label", self.anchor_col not in self.cols.values())


@dataclass(frozen=True)
class Spec:
    sections: dict[str, Label]  # 附件1 section name → its anchor in column A, in print order
    dept_places: tuple[Place, ...]
    project_places: tuple[Place, ...]  # relative to a project block of the project sheet
    project_rows: Table  # 附件1 项目支出情况
    long_table: Table
    annual_table: Table
    project_table: Table
    total: Label  # 合计: a totals row some forms add under their project rows is not a project
    unit_line_col: int
    heading_col: int  # a project's heading, N.<name>绩效目标表
    anchor_col: int  # the column of the 附件1 sections' anchors (and of the forms' kind)
    amount_unit: Label  # 单位：万元, which marks a project's unit line
    heading: re.Pattern[str]  # a project's heading, N.<name>绩效目标表
    labels: frozenset[str]  # loose() of every label either form prints
    notes: frozenset[str]
    width: int  # columns of the forms

    def place(self, path: str) -> Place:
        return next(p for p in (*self.dept_places, *self.project_places) if p.path == path)


# A value inside a label's text, as the probe prints it: what to look for to cut the label around it.
_SLOT_KINDS = ("date", "year")
PROBE_YEAR = 2025
PROBE_DEADLINE = 2027


class _Probe:
    """One template's layout of the probe unit, looked up by field and by position."""

    def __init__(self, sheet: layout.Sheet, model_paths: set[str]) -> None:
        self.sheet = sheet
        self.model_paths = model_paths
        self.at = {
            (r, c): cell
            for cell in sheet.cells
            for r in range(cell.row, cell.last_row + 1)
            for c in range(cell.col, cell.last_col + 1)
        }
        self.labels = {id(c): self.label_of(c) for c in sheet.cells if c.value and self.is_label(c)}

    @staticmethod
    def is_label(cell: layout.Cell) -> bool:
        return cell.field is None or cell.kind in _SLOT_KINDS

    def label_of(self, cell: layout.Cell) -> Label:
        return _label(cell.value, cell.kind, _slot_text(cell) if cell.field else None)

    def section_of(self, row: int) -> str:
        return max(((r, n) for n, r in self.sheet.sections.items() if r <= row), default=(0, "top"))[1]

    def place(self, f: layout.Cell, prefix: str, block: tuple[int, int] | None) -> Place:
        path = f.field.removeprefix(prefix) if f.field else ""
        data = _model_path(f.field or "") in self.model_paths
        section = "" if block else self.section_of(f.row)
        if f.kind in _SLOT_KINDS and f.value != _slot_text(f):  # the value sits inside a label's text
            offset = _slot_offset(f) if f.kind == "year" else 0
            return Place(path, f.kind, self.labels[id(f)], f.col, 0, f.col, section, data=data, in_label=True,
                         offset=offset)  # fmt: skip
        label = self.left_label(f) or self.at[(f.row - 1, f.col)]
        if not self.is_label(label):
            raise AssertionError(f"template {self.sheet.template}: no label left of or above {f.field}")
        lab = self.labels[id(label)]
        lo, hi = block or self.section_rows(section)
        same = [c for c in self.sheet.cells if lo <= c.row < hi and id(c) in self.labels and self.labels[id(c)] == lab]
        after = None
        if len(same) > 1:  # 合计 twice in 部门总体资金情况: told apart by the label of the side they close
            after = self.labels[id(self.at[(label.row, label.col - 1)])]
        return Place(path, f.kind, lab, label.col, f.row - label.row, f.col, section, after, data)

    def left_label(self, f: layout.Cell) -> layout.Cell | None:
        for c in range(f.col - 1, -1, -1):
            left = self.at[(f.row, c)]
            if left.row != f.row:  # a label merged down from above: the field's label is above it
                return None
            if self.is_label(left) and left.value:
                return left
        return None

    def section_rows(self, section: str) -> tuple[int, int]:
        starts = sorted(self.sheet.sections.values())
        lo = self.sheet.sections.get(section, 0)
        return lo, next((r for r in starts if r > lo), self.sheet.n_rows)

    def table(self, prefix: str, names: tuple[str, ...]) -> Table:
        fields = {c.field: c for c in self.sheet.cells if c.field}
        first = fields[f"{prefix}[0].{names[0]}"]
        anchor = self.at[(first.row - 1, 0)]  # the block label merged down the table, or its first header
        header = [c for c in self.sheet.cells if anchor.row <= c.row < first.row and c.value and c is not anchor]
        return Table(
            self.labels[id(anchor)],
            frozenset(self.labels[id(c)].key for c in header if c.kind not in _SLOT_KINDS),
            tuple(self.labels[id(c)] for c in header if c.kind in _SLOT_KINDS),
            frozenset(c.col for c in header if c.kind in _SLOT_KINDS),
            {n: fields[f"{prefix}[0].{n}"].col for n in names},
            {n: fields[f"{prefix}[0].{n}"].kind for n in names},
            len(self.sheet.widths),
            anchor.col,
            first.row - anchor.row,
        )


def _slot_text(cell: layout.Cell) -> str:
    """The text the probe's value prints as inside a slotted label."""
    if cell.kind == "date":
        return layout.cn_date(_probe_date())
    found = years(cell.value)
    return str(found[0]) if found else ""


def _slot_offset(cell: layout.Cell) -> int:
    printed = int(_slot_text(cell))
    return printed - (PROBE_DEADLINE if cell.field == "long_term.deadline" else PROBE_YEAR)


def _probe_date() -> _dt.date:
    return _dt.date(PROBE_YEAR - 1, 1, 15)


def _model_path(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _paths(data: object, at: str = "") -> set[str]:
    """Every JSON path of a dumped model, list indices as ``[]``."""
    out = {at} if at else set()
    if isinstance(data, dict):
        for k, v in data.items():
            out |= _paths(v, f"{at}.{k}" if at else k)
    elif isinstance(data, list):
        for v in data:
            out |= _paths(v, f"{at}[]")
    return out


def _probe_unit() -> Unit:
    amounts = YearAmounts(current=1, prev2=1, prev1=1)
    names = {"level1": "甲", "level2": "乙", "level3": "丙"}
    project = Project(
        name="丁",
        budget=1,
        fiscal=1,
        other=0,
        plan=SpendPlan(mar=1, jun=1, oct=1, dec=1),
        goals=["戊"],
        indicators=[ProjectIndicator(**names)],
    )
    return Unit(
        code="0",
        name="己",
        year=PROBE_YEAR,
        filled_on=_probe_date(),
        funding=Funding(
            income=Income(fiscal=amounts, special=amounts, own=amounts),
            expense=Expense(personnel=amounts, operating=amounts, targeted=amounts),
        ),
        functions=["庚"],
        tasks=["辛"],
        projects=[project, project],
        overall_goals=OverallGoals(long_term=["壬"], annual=["癸"]),
        long_term=LongTerm(deadline=PROBE_DEADLINE, goal="子", indicators=[LongIndicator(**names)]),
        annual=Annual(goal="丑", indicators=[AnnualIndicator(**names)]),
    )


def _in_block(path: str) -> bool:
    return "[" in path


@lru_cache(maxsize=1)
def spec() -> Spec:
    probe = _probe_unit()
    model_paths = _paths(probe.model_dump(mode="json"))
    dept_sheet, project_sheet = layout.build(probe)
    dept, proj = _Probe(dept_sheet, model_paths), _Probe(project_sheet, model_paths)
    project_start = next(c.row for c in project_sheet.cells if c.field == "projects[0].heading")
    project_end = next(c.row for c in project_sheet.cells if c.field == "projects[1].heading")
    inner = ("projects[0].heading", "projects[0].unit_line")  # read by the block itself: see read_project
    project_places = tuple(
        proj.place(c, "projects[0].", (project_start, project_end))
        for c in project_sheet.cells
        if c.field and c.field.startswith("projects[0].") and not c.field.startswith("projects[0].indicators")
        and c.field not in inner
    )  # fmt: skip
    unit_line = next(c for c in project_sheet.cells if c.field == "projects[0].unit_line")
    heading = next(c for c in project_sheet.cells if c.field == "projects[0].heading").value
    total = next(c for c in dept_sheet.cells if c.field == "funding.income.total.current")
    return Spec(
        sections={
            name: dept.labels[id(dept.at[(row, 0)])]
            for name, row in sorted(dept_sheet.sections.items(), key=lambda x: x[1])
        },
        dept_places=tuple(dept.place(c, "", None) for c in dept_sheet.cells if c.field and not _in_block(c.field)),
        project_places=project_places,
        project_rows=dept.table("projects", ("name", "category", "total_budget", "budget", "direction")),
        long_table=dept.table("long_term.indicators", ("level1", "level2", "level3", "value", "basis", "kind")),
        annual_table=dept.table(
            "annual.indicators", ("level1", "level2", "level3", "prev2", "prev1", "value", "basis", "kind")
        ),
        project_table=proj.table(
            "projects[0].indicators", ("level1", "level2", "level3", "description", "value", "basis")
        ),
        total=dept.labels[id(dept.left_label(total))],  # type: ignore[arg-type]
        unit_line_col=unit_line.col,
        heading_col=next(c for c in project_sheet.cells if c.field == "projects[0].heading").col,
        anchor_col=next(iter({dept.at[(row, 0)].col for row in dept_sheet.sections.values()})),
        amount_unit=proj.labels[id(proj.at[(unit_line.row, unit_line.last_col + 1)])],
        # N.<name>绩效目标表; the number is often left out when typed by hand.
        heading=re.compile(
            r"^\s*(\d+\s*[.．、]\s*)?(?P<name>.*?)\s*"
            + re.escape(heading.split(probe.projects[0].name, 1)[1])
            + r"\s*$",
            re.S,
        ),
        labels=frozenset(lab.key for lab in (*dept.labels.values(), *proj.labels.values()))
        | {loose(w) for w in forms.YEAR_WORDS},
        notes=frozenset(loose(line) for line in forms.NOTES),
        width=len(dept_sheet.widths),
    )
