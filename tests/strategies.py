"""Hypothesis strategies for Units: anything the model accepts and a workbook can carry back.

``units()`` explores 0–25 projects, 0–40 indicator rows per table with arbitrary grouping (runs of equal
一级/二级, single-row groups, ★ groups with an empty 三级), long CJK paragraphs, amounts at the edges
(0, 0.01, 99999999.99, negatives), text that looks like a formula or a number (``=1+1``, ``0012``,
``1e5``), leading spaces, line breaks inside cells and full-width symbols.

A few narrow cases are excluded, each because the printed form itself cannot tell it apart from
another unit (so no reader could give it back); every exclusion says which:

* ``_xHHHH_`` in text: OOXML's escape syntax; Excel itself reads it back as the escaped character.
* item *i* of a numbered list containing ``\\n<i+1>.`` (``\\n目标<i+1>：`` for 整体绩效总目标): printed, it
  is exactly the start of item *i+1*.
* an 一级/二级 label that is empty in an unmerged cell where the row above could continue (a single-row
  group that is not the table's first row; an 二级 whose 一级 continues from above): the reader takes
  such a cell as a row the user inserted into the group above (issue 4 §3). Likewise a row that prints
  no text at all outside a merged group: it is indistinguishable from a blank spacer row.
* an indicator label that equals a printed label up to whitespace or a known variant (``公用经费 控制``,
  ``核心业务产出1``): the reader normalises those to the printed label, as the validator does.
* a project's unit line with only one of 单位编码/单位名称 set, a 单位编码 that is not alphanumeric, or a
  单位名称 starting with a letter or digit: the form prints ``<code><name>`` with nothing in between.
* a carriage return in 单位编码/主管部门/所属地区: these travel in document properties, whose XML turns
  ``\\r`` into ``\\n``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from xlsgen import forms
from xlsgen.anchors import DEPT_LABELS, PROJECT_LABELS, squash
from xlsgen.layout import runs
from xlsgen.model import (
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
    Sections,
    SpendPlan,
    Unit,
    YearAmounts,
)

# ---------------------------------------------------------------- text

TRICKY = (
    "=1+1",
    "0012",
    "1e5",
    "  leading spaces",
    "trailing spaces  ",
    "≥95%",
    "≤3.41万元",
    "＞＝ １００％",
    "TRUE",
    "#N/A",
    "-",
    " ",
    "\u3000全角空格开头",
    "一\n二\n\n三\n",
    "\n开头换行",
    "'单引号开头",
    "𠀀𠮷😀",
    "<b>&amp;</b>",
    "1.假编号\n2.也是正文",
)
# One alphabet string: much faster to draw from than a union of character ranges.
_CJK = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
    "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
    "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特"
    "件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处府"
    "医疗保障县局绩效目标预算资金项目指标值率满意度服务对象监管参保救助"
)
_SYMBOLS = "＝＞＜％（）：；，。“”‘’《》、！？…—０１２　≥≤①𠀀😀"
_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_CHARS = _CJK + _SYMBOLS + _ASCII + "\n\n\n \t\r"
_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")


def _clean(text: str) -> bool:
    return not _ESCAPE.search(text)


# One choice per text: a unit with 25 projects must fit in Hypothesis's budget of choices per example.
tiny_text = st.sampled_from((*TRICKY, "", "甲", "城乡医疗救助", "100%", "≥90%", "年初工作计划", "  "))
short_text = st.one_of(st.sampled_from(TRICKY), st.text(_CHARS, max_size=24)).filter(_clean)
paragraph = st.one_of(
    short_text,
    st.text(_CJK + "，。；、\n", min_size=80, max_size=600),
).filter(_clean)
identity_text = st.text(_CJK + _SYMBOLS + _ASCII + "\n\t", max_size=20).filter(_clean)


def numbered(word: str = "", sep: str = ".", items: st.SearchStrategy[str] | None = None, most: int = 6) -> Any:
    """Items of a list printed as ``<word><n><sep><text>`` lines."""

    def splittable(items: list[str]) -> bool:
        return all(f"\n{word}{i + 2}{sep}" not in item for i, item in enumerate(items))

    return st.lists(items if items is not None else st.one_of(short_text, paragraph), max_size=most).filter(splittable)


# ---------------------------------------------------------------- numbers

money = st.one_of(
    st.sampled_from([Decimal("0.00"), Decimal("0.01"), Decimal("99999999.99"), Decimal("-0.01"), Decimal("450.00")]),
    st.decimals(
        min_value=Decimal("-1000"), max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False
    ),
)
percent = st.one_of(
    st.sampled_from([Decimal("0"), Decimal("25"), Decimal("100"), Decimal("0.01"), Decimal("33.33")]),
    st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False),
)
year_amounts = st.builds(YearAmounts, current=money, prev2=money, prev1=money)


# ---------------------------------------------------------------- indicator rows


def _not_renamed(labels: dict[str, str]) -> Any:
    # A label typed like a printed one (up to whitespace or a variant) is read as the printed one.
    return lambda text: squash(text) not in labels or labels[squash(text)] == text


def _label(known: list[str], labels: dict[str, str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(known), st.sampled_from(["", "x"]), short_text).filter(_not_renamed(labels))


def unreadable_row(rows: list[Any]) -> int | None:
    """The first row a printed table cannot give back (see the module docstring), or None."""
    s1, s2 = runs(rows, "level1"), runs(rows, "level1", "level2")
    run1 = run2 = 0
    for i, row in enumerate(rows):
        run1, run2 = s1[i] or run1, s2[i] or run2
        if s1[i] == 1 and row.level1 == "" and i > 0:
            return i  # reads as the 一级 above
        if s2[i] == 1 and row.level2 == "" and s1[i] == 0:
            return i  # reads as the 二级 above
        printed = [row.level1 if s1[i] else "", row.level2 if s2[i] else ""]
        values = [v for k, v in row.model_dump().items() if k not in ("level1", "level2")]
        if run1 < 2 and run2 < 2 and not any(printed + values):
            return i  # nothing printed and no merged group: a blank spacer row
    return None


def make_readable(rows: list[Any]) -> list[Any]:
    """Give each excluded row a label or a 三级 (cheaper than filtering: most random tables hit a case)."""
    rows = list(rows)
    while (i := unreadable_row(rows)) is not None:
        row = rows[i]
        fix = {k: "x" for k in ("level1", "level2") if getattr(row, k) == ""} or {"level3": "x"}
        rows[i] = row.model_copy(update=fix)
    return rows


def _rows(
    model: type, known1: list[str], known2: list[str], labels: dict[str, str], fields: list[str], most: int = 40
) -> Any:
    """Indicator rows, built as groups (一级 → 二级 → rows) so that merged runs of every size occur."""
    text = short_text if most > 6 else tiny_text
    level3 = st.one_of(st.just(""), text.filter(_not_renamed(labels)))
    filled = st.fixed_dictionaries({"level3": level3, **{k: text for k in fields}})
    # A row left wholly empty inside a group (the form keeps it): it prints nothing but its merges.
    row_values = st.one_of(filled, st.just({"level3": "", **dict.fromkeys(fields, "")}))
    # Sizes bounded by ``most`` up front: drawing 160 rows to keep 6 would exhaust Hypothesis's budget.
    fan = 2 if most <= 6 else 3
    level2_group = st.tuples(_label(known2, labels), st.lists(row_values, min_size=1, max_size=fan + 1))
    level1_group = st.tuples(_label(known1, labels), st.lists(level2_group, min_size=1, max_size=fan))

    def flatten(groups: list) -> list:
        return [model(level1=l1, level2=l2, **values) for l1, subs in groups for l2, rows in subs for values in rows]

    grouped = st.lists(level1_group, max_size=fan * 2).map(flatten)
    loose_row = st.builds(
        model, level1=_label(known1, labels), level2=_label(known2, labels), level3=level3, **{k: text for k in fields}
    )
    loose = st.lists(loose_row, max_size=min(12, most))
    return st.one_of(grouped, loose, st.tuples(grouped, loose).map(lambda t: t[0] + t[1])).map(
        lambda rows: make_readable(rows[:most])
    )


_DEPT_L1 = list(forms.LEVEL1)
_DEPT_L2 = [l2 for _, l2, _ in forms.SKELETON]
long_rows = _rows(LongIndicator, _DEPT_L1, _DEPT_L2, DEPT_LABELS, ["value", "basis", "kind"])
annual_rows = _rows(AnnualIndicator, _DEPT_L1, _DEPT_L2, DEPT_LABELS, ["prev2", "prev1", "value", "basis", "kind"])
skeleton_rows = st.just(forms.skeleton_rows()).map(
    lambda rows: [AnnualIndicator(level1=a, level2=b, level3=c, value="≥95%") for a, b, c in rows]
)


def project_rows(tree: str, most: int = 40) -> Any:
    l1s = [l1 for l1, _ in forms.PROJECT_TREES[tree]]
    l2s = [l2 for _, l2s in forms.PROJECT_TREES[tree] for l2 in l2s]
    return _rows(ProjectIndicator, l1s, l2s, PROJECT_LABELS, ["description", "value", "basis"], most)


# ---------------------------------------------------------------- projects and units


@st.composite
def unit_line(draw: Any, code: str, name: str) -> tuple[str, str]:
    if draw(st.booleans()):
        return "", ""  # the unit's own (most projects)
    other_code = draw(st.from_regex(r"[0-9A-Za-z]{1,12}", fullmatch=True))
    other_name = draw(short_text.filter(lambda t: t != "" and not re.match(r"[0-9A-Za-z]", t)))
    if other_code + other_name == code + name:
        return "", ""  # prints exactly the unit's own line
    return other_code, other_name


@st.composite
def projects(draw: Any, code: str, name: str, tree: str, listed: bool, few: bool = False) -> Project:
    """One project; ``few`` makes it small (short texts, at most 6 indicator rows) for units with many."""
    text = tiny_text if few else short_text
    long_text = tiny_text if few else paragraph
    unit_code, unit_name = draw(unit_line(code, name))
    return Project(
        code=draw(st.one_of(st.just("13073025P00C89110002Y"), text)),
        name=draw(text),
        unit_code=unit_code,
        unit_name=unit_name,
        # 附件1 项目支出情况 is the only place these print: empty when that section is switched off.
        category=draw(st.one_of(st.sampled_from(forms.CATEGORY), text)) if listed else "",
        total_budget=draw(st.one_of(st.none(), money)) if listed else None,
        budget=draw(money),
        fiscal=draw(st.one_of(st.none(), money)),
        other=draw(st.one_of(st.none(), money)),
        direction=draw(long_text) if listed else "",
        use=draw(long_text),
        plan=draw(st.one_of(st.none(), st.builds(SpendPlan, mar=percent, jun=percent, oct=percent, dec=percent))),
        goals=draw(numbered(items=text, most=2 if few else 6)),
        indicators=draw(project_rows(tree, 6 if few else 40)),
    )


@st.composite
def units(draw: Any, max_projects: int = 25) -> Unit:
    year = draw(st.integers(2000, 2098))
    code = draw(st.one_of(st.from_regex(r"[0-9]{6}", fullmatch=True), st.just("0012"), identity_text.filter(bool)))
    name = draw(st.one_of(st.just("怀来县医疗保障局"), short_text.filter(bool)))
    sections = draw(st.builds(Sections, funding=st.booleans(), projects=st.booleans(), overall_goals=st.booleans()))
    tree = draw(st.sampled_from(sorted(forms.PROJECT_TREES)))
    # Drawn explicitly: left alone, Hypothesis keeps lists of big objects short. Many projects get
    # few indicator rows each, so that an example stays small enough to generate.
    n_projects = draw(st.one_of(st.integers(0, 3), st.integers(0, max_projects)))
    funding = None
    if sections.funding and draw(st.booleans()):
        funding = Funding(
            income=draw(st.builds(Income, fiscal=year_amounts, special=year_amounts, own=year_amounts)),
            expense=draw(st.builds(Expense, personnel=year_amounts, operating=year_amounts, targeted=year_amounts)),
        )
    overall = OverallGoals()
    if sections.overall_goals:
        overall = OverallGoals(long_term=draw(numbered("目标", "：")), annual=draw(numbered("目标", "：")))
    return Unit(
        code=code,
        name=name,
        parent=draw(identity_text),
        region=draw(identity_text),
        year=year,
        filled_on=draw(st.one_of(st.none(), st.dates())),  # any year: printed unpadded, 1年1月1日
        filler=draw(short_text),
        phone=draw(st.one_of(st.just("0313-6822157"), st.just("13800001111"), short_text)),
        sections=sections,
        funding=funding,
        functions=draw(numbered()),
        tasks=draw(numbered()),
        projects=[draw(projects(code, name, tree, sections.projects, few=n_projects > 3)) for _ in range(n_projects)],
        project_tree=tree,
        overall_goals=overall,
        long_term=LongTerm(deadline=draw(st.integers(year, 2100)), goal=draw(paragraph), indicators=draw(long_rows)),
        annual=Annual(goal=draw(paragraph), indicators=draw(st.one_of(annual_rows, skeleton_rows))),
    )
