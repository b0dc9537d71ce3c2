"""The rules of forms.md §4, one small function each.

Every rule is registered with ``@rule(code, number, title)``: ``code`` is stable (``E-…`` an error, ``W-…``
a warning), ``number`` is the rule of forms.md §4 it enforces, ``title`` is the one-line Chinese
description the README's code list is built from. A rule gets a ``Context`` and yields
``(json_path, message)`` pairs; ``validate.check`` turns them into located problems.

This module is the registry and what the rules share (``Context``, ``Row``, the helpers, the alignment of a
table with the pre-printed skeleton). The rules themselves live by subject: rules_money.py (rules 1–7),
rules_values.py (8–10), rules_form.py (11–16). They import this module, never the other way round;
validate.py imports them in that order, which is the order the rules run and are listed. To add a rule,
write one more decorated function in the module of its subject.

Rules read the *normalised* unit (normalize.py): ``30 万份`` is checked as ``30万份`` and ``基本型`` as
``绩效基本型``, so a spelling slip is reported once, by the warning that says how to fix it, and not again
by every rule that reads the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from . import forms
from .errors import ERROR, WARNING
from .model import AnnualIndicator, Project, Unit, YearAmounts, parse_value
from .normalize import Change, changes, normalized

Finding = tuple[str, str]  # (json path, message)


@dataclass(frozen=True)
class Rule:
    code: str
    number: int  # the rule of forms.md §4 it enforces
    title: str  # one line, Chinese, for the README
    run: Callable[[Context], Iterable[Finding]]

    @property
    def level(self) -> str:
        return ERROR if self.code.startswith("E-") else WARNING


RULES: list[Rule] = []


def rule(code: str, number: int, title: str) -> Callable[[Callable[[Context], Iterable[Finding]]], Any]:
    """Register a rule function under a stable code."""
    if not re.fullmatch(r"[EW]-[A-Z0-9-]+", code) or any(r.code == code for r in RULES):
        raise ValueError(f"bad or duplicate rule code {code}")

    def register(func: Callable[[Context], Iterable[Finding]]) -> Callable[[Context], Iterable[Finding]]:
        RULES.append(Rule(code, number, title, func))
        return func

    return register


# ---------------------------------------------------------------- helpers

YEARS = YearAmounts.YEARS  # ("current", "prev2", "prev1")
SIDES = (("income", forms.INCOME), ("expense", forms.EXPENSE))
_COMPARATOR_CHARS = set("≥≤=＝＞＜<>≧≦")
_PLACEHOLDER = re.compile(r"^[\s.。…·‥⋯]*(?:…|\.\.\.|。。。)[\s.。…·‥⋯]*$")
_EMPTY_ITEM = re.compile(r"^\s*(?:目标)?[\s\d.．、:：;；,，。]*$")
_BLANK_YEAR = re.compile(r"[（(]\s*截止\s*年\s*[）)]")  # not 截止年底 ("by the year's end")
_BLANK_DATE = re.compile(r"(?:^|[:：\s])年\s*月\s*日")
# Cannot be any of the four above: none of their characters, and not blank (an empty list item is one).
_SPACES = re.compile(r"\s+")
_PLAIN = re.compile(r"^(?=.*\S)[^.。…·‥⋯\s\d．、:：;；,，年目]+$", re.S)
_CODE = re.compile(r"[0-9A-Za-z]+")
_STAR_GROUPS = {(l1, l2) for l1, l2, l3s in forms.SKELETON if not l3s}
_FIXED_GROUPS = {(l1, l2) for l1, l2, l3s in forms.SKELETON if l3s}
_CORE = forms.CORE_PRINTED
# 一级指标 whose 二级 are all the unit's own (★): an unknown 二级 there is one wrong group, not many wrong rows.
_STAR_ONLY = {l1 for l1 in forms.LEVEL1 if all((a, b) in _STAR_GROUPS for a, b, _ in forms.SKELETON if a == l1)}

CONTROL_RATES = ("公用经费控制率", "在职人员控制率", "会议费控制率")
THREE_PUBLIC = "“三公经费”变动率"
# Rates where more is better: ``≤`` on one of them is almost always a slip (000 writes 绩效评价覆盖率 ≤100%).
HIGHER_IS_BETTER = (
    "满意度", "完成率", "覆盖率", "执行率", "开展率", "应用率", "知晓率", "激活率", "参保率", "合格率",
    "达标率", "准确率", "及时率", "结算率", "资助率", "到位率", "办结率", "征缴率", "储备率", "合规率",
)  # fmt: skip
# Rates where less is better: ``≥`` on one of them points the wrong way.
LOWER_IS_BETTER = ("结转结余率", "调整率", "投诉率", "差错率", "发生率", "控制率", "变动率")
RATE_NAME = re.compile(r"(率|满意度|比例|占比)$")
# Units a rate may carry: per cent, per mille, "per 100,000" (孕产妇死亡率 ≤10/10万).
RATE_UNITS = ("%", "‰", "‱", "/", "每")


def _drafted(ctx: Context, prefix: str) -> bool:
    """A rollover draft still marks this field to fill: its W-DRAFT warning stands in for the rule's finding."""
    d = ctx.unit.draft
    return d is not None and any(p.startswith(prefix) for p in d.fill)


def is_placeholder(text: str) -> bool:
    """``……`` and its spellings: the blank template's filler, never content."""
    return bool(_PLACEHOLDER.match(text))


def _money(x: Decimal) -> str:
    return f"{x:.2f}"


def _short(name: str, width: int = 24) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


@lru_cache(maxsize=8192)
def _squash(text: str) -> str:
    return _SPACES.sub("", text)


def _wan(number: Decimal, unit: str) -> Decimal | None:
    return {"万元": number, "元": number / 10000}.get(unit)


@lru_cache(maxsize=8192)  # pure; asked of every 依据 and 分类 by two rules
def _looks_like_value(text: str) -> bool:
    """``≥95%``, ``100%``, ``30``: an indicator value, not the text of 依据 or 分类 (``2024年工作计划`` is not)."""
    v = parse_value(text)
    return v.number is not None and (bool(v.comparator) or v.unit in ("", "%"))


class Row:
    """One indicator row of any table, with what the messages need to name it.

    Built for every row of every unit validated, so what every rule reads (``filled_values``,
    ``named``) is worked out once here, and the title, which only a message needs, when first asked.
    """

    __slots__ = (
        *("_head", "basis", "cost", "description", "filled_values", "kind", "l1", "l2", "l3", "named", "path"),
        *("project", "values"),
    )

    def __init__(
        self,
        path: str,
        head: str,
        l1: str,
        l2: str,
        l3: str,
        values: tuple[tuple[str, str, str], ...],
        basis: str,
        kind: str | None,
        project: int | None,
        description: str = "",
        cost: bool = False,
    ) -> None:
        self.path = path  # "annual.indicators[3]"
        self._head = head  # the table's name, or the project's "第2个项目「…」的指标"
        self.l1, self.l2, self.l3 = l1, l2, l3
        self.values = values  # (field, Chinese name, text)
        self.basis = basis
        self.kind = kind  # None on project rows (the project form has no 指标分类)
        self.project = project  # index into unit.projects for project rows
        self.description = description  # 绩效指标描述 (project rows)
        self.cost = cost  # a 成本指标 row (Context.is_cost)
        self.filled_values = [v for v in values if v[2].strip()]
        self.named = bool(l3.strip()) and not is_placeholder(l3)

    @property
    def title(self) -> str:
        """``年度绩效指标「运行成本／公用经费控制／公用经费控制率」`` (a project row names no 一级指标)."""
        l3 = self.l3 or "（未填三级指标）"
        if self.project is None:
            return f"{self._head}「{self.l1}／{self.l2}／{l3}」"
        return f"{self._head}「{self.l2}／{l3}」"


@dataclass
class Context:
    """What every rule sees: the normalised unit, the normalisations found, and a workbook's shown totals."""

    original: Unit
    shown: Mapping[str, Any] = field(default_factory=dict)
    # What several rules derive alike (e.g. rules_values' rate rows), worked out once per unit.
    shared: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def changes(self) -> list[Change]:
        return changes(self.original)

    @cached_property
    def unit(self) -> Unit:
        return normalized(self.original, self.changes)

    @cached_property
    def filled(self) -> bool:
        """False for a blank form (as ``xlsgen new`` writes it): rules about missing content then stay quiet."""
        u = self.unit
        if any(v for r in self.rows for _, _, v in r.values if v.strip()) or u.projects:
            return True
        # The blank template (002) prints ``1. ；`` and ``……`` where the unit writes; text of its own is a fill.
        items = [*u.functions, *u.tasks, *u.overall_goals.long_term, *u.overall_goals.annual]
        texts = [*items, u.long_term.goal, u.annual.goal]
        return any(t.strip() and not is_placeholder(t) and not _EMPTY_ITEM.match(t) for t in texts)

    @cached_property
    def dept_rows(self) -> list[Row]:
        u = self.unit
        out = []
        names = (f"{u.year - 2}年指标值", f"{u.year - 1}年指标值", "预期当年实现值")
        for table, label, rows in (
            ("long_term", forms.LONG_TABLE, u.long_term.indicators),
            ("annual", forms.ANNUAL_TABLE, u.annual.indicators),
        ):
            for i, r in enumerate(rows):
                if isinstance(r, AnnualIndicator):
                    values = (("prev2", names[0], r.prev2), ("prev1", names[1], r.prev1), ("value", names[2], r.value))
                else:
                    values = (("value", "指标值", r.value),)
                at = f"{table}.indicators[{i}]"
                out.append(Row(at, label, r.level1, r.level2, r.level3, values, r.basis, r.kind, None))
        return out

    @cached_property
    def project_rows(self) -> list[Row]:
        out = []
        cost_first = self.unit.project_tree == "cost_first"
        for p_i, p in enumerate(self.unit.projects):
            head = f"第{p_i + 1}个项目「{_short(p.name)}」的指标"
            for i, r in enumerate(p.indicators):
                values = (("value", "指标值", r.value),)
                at = f"projects[{p_i}].indicators[{i}]"
                cost = (r.level1 if cost_first else r.level2) == forms.COST
                out.append(Row(at, head, r.level1, r.level2, r.level3, values, r.basis, None, p_i, r.description, cost))
        return out

    @cached_property
    def rows(self) -> list[Row]:
        return self.dept_rows + self.project_rows

    @cached_property
    def value_texts(self) -> set[str]:
        """Every filled indicator value of the unit, once: a rule about a value's text alone asks each once."""
        return {text for row in self.rows for _, _, text in row.filled_values}

    def total(self, side: str) -> YearAmounts:
        """``unit.funding.<side>.total`` (computed by the model on every access), computed once."""
        key = f"total.{side}"
        if key not in self.shared:
            assert self.unit.funding is not None
            self.shared[key] = getattr(self.unit.funding, side).total
        return self.shared[key]

    def project(self, row: Row) -> Project:
        assert row.project is not None
        return self.unit.projects[row.project]

    def is_cost(self, row: Row) -> bool:
        """A 成本指标 row: 二级 成本指标 on the common tree, 一级 成本指标 on the cost_first tree (a project
        row's flag, set when the rows are built)."""
        return row.cost

    def typed(self, path: str, text: str) -> str:
        """The text as the unit typed it (messages quote that, not its normalised spelling)."""
        return self._typed.get(path, text)

    @cached_property
    def _typed(self) -> dict[str, str]:
        return {c.path: c.old for c in self.changes}

    def changes_of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    @cached_property
    def skeleton(self) -> list[tuple[str, str, str]]:
        """(code, path, message) of rule 11 for both tables, computed once for the rules that report it."""
        return _skeleton(self.unit.long_term.indicators, "long_term", forms.LONG_TABLE) + _skeleton(
            self.unit.annual.indicators, "annual", forms.ANNUAL_TABLE
        )


def _parse_shown(value: Any, share: bool = False) -> Decimal | None:
    """A number as a workbook shows it (a number, or text such as ``350.00`` or ``35.5%``)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", "")
    percent = text.endswith(("%", "％"))
    try:
        number = Decimal(text.rstrip("%％").strip())
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if share and (percent or number > Decimal("1.0001")):
        # A share typed by hand as 35.5 (percentage points, not the fraction 0.355) is read as 35.5%.
        number /= 100
    return number


# ---------------------------------------------------------------- rule 11: aligning a table with the skeleton


class _Elem(NamedTuple):
    key: tuple[str, str, str]  # (一级, 二级, 三级), 三级 "★" for a whole ★ group
    first: int  # index of its first row


@lru_cache(maxsize=64)
def _expected(extra_cores: tuple[int, ...]) -> tuple[tuple[str, str, str], ...]:
    """The skeleton's rows as rule 11 aligns them, with the unit's own 核心业务产出 3, 4, …"""
    expected: list[tuple[str, str, str]] = []
    for l1, l2, l3s in forms.SKELETON:
        expected.extend((l1, l2, l3) for l3 in l3s or ("★",))
        if l2 == forms.core_output(2):  # a unit may add 核心业务产出 3, 4, … after the two printed ones
            expected.extend((l1, forms.core_output(n), "★") for n in extra_cores)
    return tuple(expected)


def _skeleton(rows: list[Any], table: str, label: str) -> list[tuple[str, str, str]]:
    """Rule 11 for one table: align the rows with the pre-printed skeleton and explain every difference."""
    if not rows:
        return [
            (
                "E-SKELETON",
                f"{table}.indicators",
                f"{label}为空：缺少全部预印的指标行（xlsgen new 可生成带框架的文件）",
            )
        ]

    def at(i: int, name: str = "level3") -> str:
        return f"{table}.indicators[{i}].{name}"

    actual: list[_Elem] = []
    cores: set[int] = set()
    for i, r in enumerate(rows):
        group = (r.level1, r.level2)
        core = _CORE.match(r.level2) if r.level1 == forms.PERFORMANCE else None
        if is_placeholder(r.level2) or (is_placeholder(r.level3) and not (group in _STAR_GROUPS or core)):
            continue  # the blank template's …… rows: E-PLACEHOLDER reports them
        if group in _STAR_GROUPS or core or (group not in _FIXED_GROUPS and r.level1 in _STAR_ONLY):
            if core:
                cores.add(int(core.group(1)))
            key = (r.level1, r.level2, "★")
            if actual and actual[-1].key == key and rows[i - 1].level2 == r.level2:
                continue  # more rows of the same ★ group
        else:
            key = (r.level1, r.level2, r.level3)
        actual.append(_Elem(key, i))

    expected = _expected(tuple(sorted(n for n in cores if n > 2)))
    keys = tuple(e.key for e in actual)
    if keys == expected:
        return []  # the skeleton as printed: nothing to explain (and no alignment to compute)
    from difflib import SequenceMatcher  # only for a table that departs from the skeleton

    matched_exp: set[int] = set()
    matched_act: set[int] = set()
    for tag, i1, i2, j1, _ in SequenceMatcher(None, expected, keys, autojunk=False).get_opcodes():
        if tag == "equal":
            matched_exp.update(range(i1, i2))
            matched_act.update(range(j1, j1 + i2 - i1))
    missing = {i: expected[i] for i in range(len(expected)) if i not in matched_exp}

    def name(key: tuple[str, str, str]) -> str:
        return "／".join(k for k in key if k != "★")

    out: list[tuple[str, str, str]] = []
    for j, elem in enumerate(actual):
        if j in matched_act:
            continue
        l1, l2, l3 = elem.key
        where = at(elem.first)
        hit = next((i for i, k in missing.items() if k == elem.key), None)
        if hit is not None:
            del missing[hit]
            out.append(
                (
                    "E-SKELETON",
                    where,
                    f"{label}「{name(elem.key)}」的位置不对：应按预印顺序排列（见 xlsgen new 生成的框架）",
                )
            )
            continue
        if elem.key in expected:
            out.append(("E-SKELETON", where, f"{label}「{name(elem.key)}」重复出现：请删除多余的一行"))
            continue
        # A label that differs from the printed one: pair it with the missing row it most likely replaces.
        same_l3 = next((i for i, k in missing.items() if k[0] == l1 and k[2] == l3 and l3 != "★"), None)
        same_group = next((i for i, k in missing.items() if (k[0], k[1]) == (l1, l2)), None)
        if same_l3 is not None and l3:
            want = missing.pop(same_l3)
            out.append(("E-SKELETON", at(elem.first, "level2"), f"{label}的二级指标「{l2}」应为预印标签「{want[1]}」"))
        elif same_group is not None and (l1, l2) in _FIXED_GROUPS:
            want = missing.pop(same_group)
            out.append(
                ("E-SKELETON", where, f"{label}的三级指标「{l3 or '（空）'}」应为预印标签「{want[2]}」（{l1}／{l2}）")
            )
        elif (l1, l2) in _FIXED_GROUPS:
            out.append(
                (
                    "W-SKELETON-EXTRA",
                    where,
                    f"{label}在预印的「{l1}／{l2}」下多了一行「{l3}」：预印指标之外的内容请确认是否需要",
                )
            )
        elif l1 not in forms.LEVEL1:
            out.append(
                (
                    "E-SKELETON",
                    at(elem.first, "level1"),
                    f"{label}的一级指标「{l1}」不是预印标签：应为 {'、'.join(forms.LEVEL1)} 之一",
                )
            )
        else:
            groups = "、".join(dict.fromkeys(g2 for g1, g2, _ in forms.SKELETON if g1 == l1))
            out.append(
                (
                    "E-SKELETON",
                    at(elem.first, "level2"),
                    f"{label}的二级指标「{l2}」不是「{l1}」下的预印标签：应为 {groups} 之一",
                )
            )

    for i, key in sorted(missing.items()):
        # Point at the row the missing one should precede: the next expected row that is present.
        follow = next((j for j in range(len(actual)) if j in matched_act and actual[j].key in expected[i + 1 :]), None)
        where = at(actual[follow].first) if follow is not None else at(len(rows) - 1)
        what = "一组（可以留一行空白，但不能删除）" if key[2] == "★" else "一行"
        before = f"，应在「{name(expected[i - 1])}」之后" if i else "，应在表首"
        out.append(("E-SKELETON", where, f"{label}缺少预印的「{name(key)}」{what}{before}"))
    return out
