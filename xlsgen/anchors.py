"""What the templates print where, learnt from the templates themselves, for the reader.

Nothing in the reader knows a coordinate or re-types a label. A *probe* unit with every field filled
(and two projects, so that every repeating part exists) is laid out once by ``layout.build``; from that
Sheet this module takes:

* each section's anchor: the label in column A of the row the template marks ``data-section``;
* each single field's label and offset: the label cell to its left on the same row, else the one above,
  and the field's column (``Spot``);
* each indicator table's anchor, header labels and columns (``Table``);
* the 填报日期 prefix, the 合计 label, a project heading's pattern, and every label of both forms.

Labels are compared by ``key``: all whitespace removed, ``forms.LABEL_VARIANTS`` mapped, and four-digit
years as wildcards, so ``合  计``, ``核心业务产出1`` and ``（截止2027年）`` all match.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from dataclasses import dataclass
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
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
_VARIANTS = {_SPACE.sub("", k): v for k, v in forms.LABEL_VARIANTS.items()}
# A header naming a year: 2023年 as printed; 2023, 2023年度, 前年, 上年 as typed by hand.
YEAR_HEADER = re.compile(r"(#年?度?|前年|上年)(指标值|金额)?")


def squash(text: str) -> str:
    """Text with every whitespace character (spaces, full-width spaces, line breaks) removed."""
    return _SPACE.sub("", text)


@lru_cache(maxsize=8192)
def key(text: str) -> str:
    """How a label is compared: squashed, variants mapped, half- and full-width forms folded (NFKC:
    ``（`` = ``(``, ``：`` = ``:``), four-digit years as wildcards."""
    s = squash(text)
    return _YEAR.sub("#", unicodedata.normalize("NFKC", _VARIANTS.get(s, s)))


def years(text: str) -> list[int]:
    return [int(y) for y in _YEAR.findall(squash(text))]


def _canonical(labels: list[str]) -> dict[str, str]:
    index = {squash(v): v for v in labels}
    index.update(_VARIANTS)
    return index


# squash(label) → the printed label: an indicator name typed with stray spaces or in a known variant
# is read as the label the form prints.
DEPT_LABELS = _canonical([x for l1, l2, l3s in forms.SKELETON for x in (l1, l2, *l3s)])
PROJECT_LABELS = _canonical([x for tree in forms.PROJECT_TREES.values() for l1, l2s in tree for x in (l1, *l2s)])


def split_numbered(text: str) -> list[str]:
    """``1.甲\\n2.乙`` → ``[甲, 乙]``; ``目标1：…`` likewise; unnumbered text is one item.

    The style (``目标``, the separator) is taken from the first item, and the text is cut only at a line
    break followed by the *next* number in that style, so an item may itself hold ``\\n5.`` or ``1、``.
    """
    if not text:
        return []
    m = re.match(r"(目标)?1([.．、:：])", text)
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
    s = squash(text)
    if not re.sub(r"[年月日\s]", "", s):
        return None
    m = re.fullmatch(r"(\d{1,4})\D(\d{1,2})\D(\d{1,2})\D?", s)
    if not m:
        raise ValueError(text)
    return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


# ---------------------------------------------------------------- the probe


@dataclass(frozen=True)
class Spot:
    """A single field, read ``dr`` rows below the row of its label, in column ``col``."""

    path: str
    label: str  # key() of the label
    text: str  # the label as printed (squashed), for messages
    label_col: int
    dr: int
    col: int
    section: str  # the 附件1 section holding the label ("top" above the first); "" on the project sheet


@dataclass(frozen=True)
class Table:
    """An indicator table: its anchor label (column A), its header labels, one column per field."""

    anchor: str
    headers: frozenset[str]
    cols: dict[str, int]


class _Probe:
    """One template's layout of the probe unit, looked up by field and by position."""

    LABEL_FIELDS = ("long_term.deadline",)  # a label whose text also carries a value

    def __init__(self, sheet: layout.Sheet) -> None:
        self.sheet = sheet
        self.fields = sheet.by_field()
        self.at = {
            (r, c): cell
            for cell in sheet.cells
            for r in range(cell.row, cell.last_row + 1)
            for c in range(cell.col, cell.last_col + 1)
        }
        self.labels = frozenset(key(c.value) for c in sheet.cells if c.value and self.is_label(c))

    def is_label(self, cell: layout.Cell) -> bool:
        return cell.field is None or cell.field in self.LABEL_FIELDS

    def spot(self, path: str, prefix: str = "") -> Spot:
        f = self.fields[prefix + path]
        left = self.at.get((f.row, f.col - 1))
        label = left if left is not None and left.row == f.row and self.is_label(left) else self.at[(f.row - 1, f.col)]
        if not self.is_label(label):
            raise AssertionError(f"template {self.sheet.template}: no label left of or above {path}")
        section = max(
            ((row, name) for name, row in self.sheet.sections.items() if row <= label.row), default=(0, "top")
        )
        return Spot(
            path,
            key(label.value),
            squash(label.value),
            label.col,
            f.row - label.row,
            f.col,
            "" if prefix else section[1],
        )

    def table(self, prefix: str, names: tuple[str, ...]) -> Table:
        first = self.fields[f"{prefix}[0].{names[0]}"]
        anchor = self.at[(first.row - 1, 0)]
        headers = frozenset(key(c.value) for c in self.sheet.cells if anchor.row <= c.row < first.row and c.value)
        return Table(key(anchor.value), headers, {n: self.fields[f"{prefix}[0].{n}"].col for n in names})


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
        year=2025,
        filled_on=_dt.date(2024, 1, 15),
        funding=Funding(
            income=Income(fiscal=amounts, special=amounts, own=amounts),
            expense=Expense(personnel=amounts, operating=amounts, targeted=amounts),
        ),
        functions=["庚"],
        tasks=["辛"],
        projects=[project, project],
        overall_goals=OverallGoals(long_term=["壬"], annual=["癸"]),
        long_term=LongTerm(deadline=2027, goal="子", indicators=[LongIndicator(**names)]),
        annual=Annual(goal="丑", indicators=[AnnualIndicator(**names)]),
    )


@dataclass(frozen=True)
class Spec:
    sections: dict[str, str]  # 附件1 section name → anchor key, in print order
    dept_spots: tuple[Spot, ...]
    date_prefix: str  # squash()ed 填报日期：
    parts: dict[str, tuple[str, str]]  # key of a funding line's label → (income|expense, part)
    part_col: int
    total: str  # key of 合计
    amount_cols: dict[str, int]  # current / prev2 / prev1 → column
    share_col: int
    project_row_cols: dict[str, int]  # 项目支出情况: field → column
    long_table: Table
    annual_table: Table
    project_spots: tuple[Spot, ...]
    project_table: Table
    unit_line_col: int
    amount_unit: str  # key of 单位：万元, which marks a project's unit line
    heading: re.Pattern[str]  # a project's heading, N.<name>绩效目标表
    labels: frozenset[str]  # every label either form prints
    notes: frozenset[str]
    width: int  # columns of the forms


@lru_cache(maxsize=1)
def spec() -> Spec:
    probe = _probe_unit()
    dept_sheet, project_sheet = layout.build(probe)
    dept, proj = _Probe(dept_sheet), _Probe(project_sheet)
    dept_paths = (
        "name", "filler", "phone", "functions", "tasks",
        "overall_goals.long_term", "overall_goals.annual", "long_term.goal", "annual.goal",
    )  # fmt: skip
    parts = {
        dept.spot(f"funding.{side}.{part}.current").label: (side, part)
        for side, model in (("income", Income), ("expense", Expense))
        for part, _ in model.PARTS
    }
    heading = proj.fields["projects[0].heading"].value
    unit_line = proj.fields["projects[0].unit_line"]
    project_paths = ("code", "name", "budget", "fiscal", "other", "use", "goals")
    return Spec(
        sections={
            name: key(dept.at[(row, 0)].value) for name, row in sorted(dept_sheet.sections.items(), key=lambda x: x[1])
        },
        dept_spots=tuple(dept.spot(p) for p in dept_paths),
        date_prefix=squash(dept.fields["filled_on"].value).removesuffix(squash(layout.cn_date(probe.filled_on))),
        parts=parts,
        part_col=dept.spot("funding.income.fiscal.current").label_col,
        total=dept.spot("funding.income.total.current").label,
        amount_cols={y: dept.fields[f"funding.income.fiscal.{y}"].col for y in YearAmounts.YEARS},
        share_col=dept.fields["funding.income.fiscal.share"].col,
        project_row_cols={
            n: dept.fields[f"projects[0].{n}"].col for n in ("name", "category", "total_budget", "budget", "direction")
        },
        long_table=dept.table("long_term.indicators", ("level1", "level2", "level3", "value", "basis", "kind")),
        annual_table=dept.table(
            "annual.indicators", ("level1", "level2", "level3", "prev2", "prev1", "value", "basis", "kind")
        ),
        project_spots=tuple(
            proj.spot(p, "projects[0].") for p in (*project_paths, *(f"plan.{k}" for k, _ in SpendPlan.CHECKPOINTS))
        ),
        project_table=proj.table(
            "projects[0].indicators", ("level1", "level2", "level3", "description", "value", "basis")
        ),
        unit_line_col=unit_line.col,
        amount_unit=key(proj.at[(unit_line.row, unit_line.last_col + 1)].value),
        # N.<name>绩效目标表; the number is often left out when typed by hand.
        heading=re.compile(
            r"^\s*(\d+\s*[.．、]\s*)?(?P<name>.*?)\s*"
            + re.escape(heading.split(probe.projects[0].name, 1)[1])
            + r"\s*$",
            re.S,
        ),
        labels=dept.labels | proj.labels,
        notes=frozenset(key(line) for line in forms.NOTES),
        width=len(dept_sheet.widths),
    )
