"""The rules of forms.md §4, one small function each.

Every rule is registered with ``@rule(code, number, title)``: ``code`` is stable (``E-…`` an error, ``W-…``
a warning), ``number`` is the rule of forms.md §4 it enforces, ``title`` is the one-line Chinese
description the README's code list is built from. A rule gets a ``Context`` and yields
``(json_path, message)`` pairs; ``validate.check`` turns them into located problems. To add a rule,
write one more decorated function here.

Rules read the *normalised* unit (normalize.py): ``30 万份`` is checked as ``30万份`` and ``基本型`` as
``绩效基本型``, so a spelling slip is reported once, by the warning that says how to fix it, and not again
by every rule that reads the field.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from difflib import SequenceMatcher
from functools import cached_property
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
SIDES = (("income", "收入构成"), ("expense", "支出构成"))
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


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and _SPACES.sub("", a) == _SPACES.sub("", b)


class Row(NamedTuple):
    """One indicator row of any table, with what the messages need to name it."""

    path: str  # "annual.indicators[3]"
    title: str  # "年度绩效指标「运行成本／公用经费控制／公用经费控制率」"
    l1: str
    l2: str
    l3: str
    values: tuple[tuple[str, str, str], ...]  # (field, Chinese name, text)
    basis: str
    kind: str | None  # None on project rows (the project form has no 指标分类)
    project: int | None  # index into unit.projects for project rows
    description: str = ""  # 绩效指标描述 (project rows)

    @property
    def named(self) -> bool:
        return bool(self.l3.strip()) and not is_placeholder(self.l3)

    @property
    def filled_values(self) -> list[tuple[str, str, str]]:
        return [v for v in self.values if v[2].strip()]


@dataclass
class Context:
    """What every rule sees: the normalised unit, the normalisations found, and a workbook's shown totals."""

    original: Unit
    shown: Mapping[str, Any] = field(default_factory=dict)

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
        for table, label, rows in (
            ("long_term", "长期绩效指标", u.long_term.indicators),
            ("annual", "年度绩效指标", u.annual.indicators),
        ):
            for i, r in enumerate(rows):
                if isinstance(r, AnnualIndicator):
                    values = (
                        ("prev2", f"{u.year - 2}年指标值", r.prev2),
                        ("prev1", f"{u.year - 1}年指标值", r.prev1),
                        ("value", "预期当年实现值", r.value),
                    )
                else:
                    values = (("value", "指标值", r.value),)
                title = f"{label}「{r.level1}／{r.level2}／{r.level3 or '（未填三级指标）'}」"
                at = f"{table}.indicators[{i}]"
                out.append(Row(at, title, r.level1, r.level2, r.level3, values, r.basis, kind=r.kind, project=None))
        return out

    @cached_property
    def project_rows(self) -> list[Row]:
        out = []
        for p_i, p in enumerate(self.unit.projects):
            for i, r in enumerate(p.indicators):
                title = f"第{p_i + 1}个项目「{_short(p.name)}」的指标「{r.level2}／{r.level3 or '（未填三级指标）'}」"
                values = (("value", "指标值", r.value),)
                at = f"projects[{p_i}].indicators[{i}]"
                row = Row(at, title, r.level1, r.level2, r.level3, values, r.basis, kind=None, project=p_i)
                out.append(row._replace(description=r.description))
        return out

    @property
    def rows(self) -> list[Row]:
        return self.dept_rows + self.project_rows

    def project(self, row: Row) -> Project:
        assert row.project is not None
        return self.unit.projects[row.project]

    def is_cost(self, row: Row) -> bool:
        """A 成本指标 row: 二级 成本指标 on the common tree, 一级 成本指标 on the cost_first tree."""
        if row.project is None:
            return False
        return row.l1 == "成本指标" if self.unit.project_tree == "cost_first" else row.l2 == "成本指标"

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
        return _skeleton(self.unit.long_term.indicators, "long_term", "长期绩效指标") + _skeleton(
            self.unit.annual.indicators, "annual", "年度绩效指标"
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


# ---------------------------------------------------------------- rule 1–3: 部门总体资金情况


def _year_label(ctx: Context, y: str) -> str:
    return {"current": "当年", "prev2": f"{ctx.unit.year - 2}年", "prev1": f"{ctx.unit.year - 1}年"}[y]


@rule("E-FUNDS-SUM", 1, "收入构成、支出构成的 合计 等于三项之和（当年与近两年），金额不为负")
def funds_sum(ctx: Context) -> Iterator[Finding]:
    # The model stores the three parts only; 合计 is computed when the form is written, so in a unit file
    # it cannot disagree with its parts. What can be wrong there is a negative part. A workbook a unit
    # edited (or typed by hand) can show a 合计 that does not add up: ``ctx.shown`` holds what it shows.
    f = ctx.unit.funding
    if f is None:
        return
    for side, side_label in SIDES:
        block = getattr(f, side)
        for key, part_label in block.PARTS:
            for y in YEARS:
                amount = getattr(getattr(block, key), y)
                if amount < 0:
                    yield (
                        f"funding.{side}.{key}.{y}",
                        f"{side_label} {part_label}（{_year_label(ctx, y)}）为负数 {_money(amount)}：金额不能为负，请核对",
                    )
        for y in YEARS:
            path = f"funding.{side}.total.{y}"
            if path not in ctx.shown:
                continue
            expected = getattr(block.total, y)
            got = _parse_shown(ctx.shown[path])
            if got is None:
                yield (
                    path,
                    f"{side_label} 合计（{_year_label(ctx, y)}）应为各项之和 {_money(expected)}，实际为「{ctx.shown[path] or '空'}」",
                )
            elif abs(got - expected) > Decimal("0.005"):
                yield (
                    path,
                    f"{side_label} 合计（{_year_label(ctx, y)}）应为各项之和 {_money(expected)}，实际填写 {_money(got)}",
                )


@rule("E-FUNDS-SHARE", 2, "占比 = 金额 ÷ 合计（精确到 0.01%），三项占比之和为 100%，合计占比为 100%")
def funds_share(ctx: Context) -> Iterator[Finding]:
    # As with rule 1, a unit file stores no shares: they are computed. From the model alone the rule can
    # only fail when the printed block has a zero 当年 合计 (the shares cannot be computed and 合计 shows
    # 0% instead of 100%); a workbook's shown shares are compared with the amounts.
    f = ctx.unit.funding
    if f is None:
        return
    tolerance = Decimal("0.0001")  # 0.01%
    for side, side_label in SIDES:
        block = getattr(f, side)
        total = block.total.current
        if total == 0:
            if ctx.filled and ctx.unit.sections.funding and not _drafted(ctx, f"funding.{side}."):
                yield (
                    f"funding.{side}.total.current",
                    f"{side_label} 当年金额合计为 0，占比无法计算（合计占比应为 100%）：请填写当年金额",
                )
            continue
        shown_sum, shown_all = Decimal(0), True
        for key, part_label in block.PARTS:
            path = f"funding.{side}.{key}.share"
            if path not in ctx.shown:
                shown_all = False
                continue
            expected = getattr(block, key).current / total
            got = _parse_shown(ctx.shown[path], share=True)
            if got is None:
                shown_all = False
                yield path, f"{side_label} {part_label} 占比应为 {expected:.2%}，实际为「{ctx.shown[path] or '空'}」"
                continue
            shown_sum += got
            if abs(got - expected) > tolerance:
                yield path, f"{side_label} {part_label} 占比应为 当年金额 ÷ 合计 = {expected:.2%}，实际填写 {got:.2%}"
        if shown_all and abs(shown_sum - 1) > tolerance:
            yield f"funding.{side}.total.share", f"{side_label} 三项占比之和应为 100.00%，实际为 {shown_sum:.2%}"
        path = f"funding.{side}.total.share"
        if path in ctx.shown:
            got = _parse_shown(ctx.shown[path], share=True)
            if got is None or abs(got - 1) > tolerance:
                shown = f"{got:.2%}" if got is not None else f"「{ctx.shown[path] or '空'}」"
                yield path, f"{side_label} 合计的占比应为 100%，实际为 {shown}"


@rule("W-INCOME-EXPENSE", 3, "同一年度的 收入合计 与 支出合计 不相等")
def income_expense(ctx: Context) -> Iterator[Finding]:
    f = ctx.unit.funding
    if f is None:
        return
    for y in YEARS:
        if y == "current" and _drafted(ctx, "funding."):
            continue
        income, expense = getattr(f.income.total, y), getattr(f.expense.total, y)
        if income != expense:
            yield (
                f"funding.expense.total.{y}",
                f"{_year_label(ctx, y)} 收入合计 {_money(income)} 与 支出合计 {_money(expense)} 不相等"
                f"（相差 {_money(abs(income - expense))}）：请核对收入构成与支出构成",
            )


# ---------------------------------------------------------------- rule 4–7: projects


@rule("E-PROJECT-BUDGET", 4, "项目 预算数 = 财政资金 + 其他资金，各项金额不为负")
def project_budget(ctx: Context) -> Iterator[Finding]:
    for i, p in enumerate(ctx.unit.projects):
        at = f"projects[{i}]"
        name = f"第{i + 1}个项目「{_short(p.name)}」"
        for key, label in (
            ("total_budget", "项目总预算"),
            ("budget", "预算数"),
            ("fiscal", "财政资金"),
            ("other", "其他资金"),
        ):
            amount = getattr(p, key)
            if amount is not None and amount < 0:
                yield f"{at}.{key}", f"{name} 的{label}为负数 {_money(amount)}：金额不能为负"
        if p.fiscal is None and p.other is None:
            yield f"{at}.fiscal", f"{name} 未填写 其中：财政资金 与 其他资金；二者之和应等于预算数 {_money(p.budget)}"
            continue
        fiscal, other = p.fiscal or Decimal(0), p.other or Decimal(0)
        if fiscal + other != p.budget:
            yield (
                f"{at}.budget",
                f"{name} 的预算数 {_money(p.budget)} 应等于 财政资金 {_money(fiscal)} + 其他资金 {_money(other)}"
                f" = {_money(fiscal + other)}：请核对这三个金额",
            )


@rule("W-PROJECT-TOTAL", 4, "项目总预算 小于 项目本年度预算")
def project_total(ctx: Context) -> Iterator[Finding]:
    for i, p in enumerate(ctx.unit.projects):
        if p.total_budget is not None and 0 <= p.total_budget < p.budget:
            yield (
                f"projects[{i}].total_budget",
                f"第{i + 1}个项目「{_short(p.name)}」的项目总预算 {_money(p.total_budget)} 小于本年度预算 {_money(p.budget)}："
                "总预算含各年度，不应更小；与本年度相同时可留空",
            )


@rule("W-TARGETED-SUM", 5, "特定目标类项目的本年度预算之和 与 特定目标类项目支出 当年金额 不相等")
def targeted_sum(ctx: Context) -> Iterator[Finding]:
    u = ctx.unit
    if u.funding is None or not u.projects:
        return  # without a project list there is nothing to compare with
    if _drafted(ctx, "funding.expense.targeted.current"):
        return  # a draft's amount still to fill: W-DRAFT says so
    targeted = [p for p in u.projects if p.category == "特定目标类项目支出"]
    total = sum((p.budget for p in targeted), Decimal("0.00"))
    expected = u.funding.expense.targeted.current
    if total != expected:
        yield (
            "funding.expense.targeted.current",
            f"特定目标类项目支出 当年金额 {_money(expected)} 与 {len(targeted)} 个特定目标类项目的本年度预算之和 {_money(total)} 不相等"
            f"（相差 {_money(abs(total - expected))}）：请核对金额或项目的支出项目类别",
        )


@rule("E-SPEND-PLAN", 6, "资金支出计划：四个累计百分比在 0–100 之间、逐期不减，12月底为 100%")
def spend_plan(ctx: Context) -> Iterator[Finding]:
    for i, p in enumerate(ctx.unit.projects):
        at = f"projects[{i}].plan"
        name = f"第{i + 1}个项目「{_short(p.name)}」的资金支出计划"
        if p.plan is None:
            if ctx.filled:
                yield at, f"{name}未填写：请填写 3月底、6月底、10月底、12月底 的累计支出百分比，如 25、50、75、100"
            continue
        previous: tuple[str, Decimal] | None = None
        for key, label in p.plan.CHECKPOINTS:
            pct = getattr(p.plan, key)
            if not 0 <= pct <= 100:
                yield f"{at}.{key}", f"{name} {label} 为 {pct}%，应在 0 到 100 之间"
            elif previous is not None and pct < previous[1]:
                yield (
                    f"{at}.{key}",
                    f"{name} {label} {pct}% 小于 {previous[0]} {previous[1]}%：计划是累计数，应逐期不减",
                )
            previous = (label, pct)
        if p.plan.dec != 100:
            yield f"{at}.dec", f"{name} 12月底 应为 100%（全年支出完毕），实际为 {p.plan.dec}%"


def _wan(number: Decimal, unit: str) -> Decimal | None:
    return {"万元": number, "元": number / 10000}.get(unit)


def _cost_values(ctx: Context) -> Iterator[tuple[Row, str, str, str, Any, Decimal]]:
    """(row, field, Chinese name, text, parsed, budget) of every value of a 成本指标 that should be money."""
    for row in ctx.project_rows:
        if ctx.is_cost(row) and _money_cost(ctx, row):
            budget = ctx.project(row).budget
            for name, label, text in row.filled_values:
                yield row, name, label, text, parse_value(text), budget


@rule("E-COST", 7, "成本指标超过项目预算数（金额大于预算数，或写成预算占比时超过 100%）")
def cost(ctx: Context) -> Iterator[Finding]:
    for row, name, _, text, v, budget in _cost_values(ctx):
        amount = _wan(v.number, v.unit) if v.number is not None else None
        if _budget_share(v) is not None:
            if v.number > 100:  # more than the whole budget
                yield (
                    f"{row.path}.{name}",
                    f"{row.title}的成本 {text} 超过本项目预算数的 100%（预算数 {_money(budget)} 万元）：请核对",
                )
        elif amount is not None and amount > budget:
            yield (
                f"{row.path}.{name}",
                f"{row.title}的成本 {text}（{_money(amount)} 万元）超过本项目预算数 {_money(budget)} 万元：请核对金额或单位（元/万元）",
            )


@rule("W-COST-MONEY", 7, "成本指标的指标值不是金额（元 或 万元），如写成文字或别的单位")
def cost_money(ctx: Context) -> Iterator[Finding]:
    # 002 曾都 writes its 经济成本指标 资金使用合规性 as a sentence: the form as filed, not a sum that is wrong.
    for row, name, label, text, v, budget in _cost_values(ctx):
        if _budget_share(v) is not None or is_placeholder(text):
            continue  # a share of the budget: W-COST-PERCENT's
        if v.number is None or _wan(v.number, v.unit) is None:
            yield (
                f"{row.path}.{name}",
                f"{row.title}是成本指标，{label}「{ctx.typed(f'{row.path}.{name}', text)}」不是金额：可以保留；"
                f"成本指标通常写成金额（元 或 万元），如 ≤{_money(budget)}万元",
            )


def _money_cost(ctx: Context, row: Row) -> bool:
    # On the cost_first tree only 经济成本指标 is money; 社会成本指标 and 生态环境成本指标 describe
    # social and environmental costs in words (002 writes 优化业务经办流程 there).
    return ctx.unit.project_tree == "common" or row.l2 == "经济成本指标"


def _budget_share(v: Any) -> Decimal | None:
    """``≤100%``, ``100%``, ``≤95%`` on a 成本指标: the cost as a share of the project's budget, or None."""
    if v.number is None or v.unit != "%" or v.comparator not in ("", "≤", "＜", "="):
        return None
    return v.number


@rule("W-COST-PERCENT", 7, "成本指标写成了占预算的百分比（如 ≤100%），而不是金额")
def cost_percent(ctx: Context) -> Iterator[Finding]:
    # Real forms write a project's cost as ``≤100%`` of its budget (004 怀来 item 4) or ``100%`` (002 曾都):
    # a cap that holds, only not stated as money. Worth a hint, not an error.
    for row, name, label, text, v, budget in _cost_values(ctx):
        share = _budget_share(v)
        if share is not None and share <= 100:
            cap = budget * share / 100
            yield (
                f"{row.path}.{name}",
                f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」是占预算的百分比：可以保留；"
                f"成本指标通常写成金额，即 ≤{_money(cap)}万元（预算数 {_money(budget)} 万元的 {share}%）",
            )


# ---------------------------------------------------------------- rule 8–9: indicator values


@rule("E-VALUE-GRAMMAR", 8, "指标值应为 比较符号 + 数字 + 单位（如 ≥95%），或一个短语（如 稳步推进）")
def value_grammar(ctx: Context) -> Iterator[Finding]:
    for row in ctx.rows:
        for name, label, text in row.filled_values:
            v = parse_value(text)
            where = f"{row.path}.{name}"
            if v.number is None:
                if text.strip()[0] in _COMPARATOR_CHARS:
                    yield (
                        where,
                        f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：比较符号后应紧跟数字，如 ≥95%；若是文字描述请去掉比较符号",
                    )
                continue
            if any(ch in _COMPARATOR_CHARS for ch in v.unit):
                yield (
                    where,
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：一个指标值只能有一个比较符号，且写在数字前，如 ≥95%",
                )
            elif re.match(r"^[,，]\d", v.unit):
                yield (
                    where,
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：数字中不要用千位分隔符，请写成 {v.comparator}{v.number}{v.unit.replace(',', '').replace('，', '')}",
                )


def _rate_values(ctx: Context) -> Iterator[tuple[Row, str, str, str, Any]]:
    """(row, field, Chinese name, text, parsed) of every number on a rate-named row that is not a rate."""
    for row in ctx.rows:
        if ctx.is_cost(row):
            continue  # a cost is money, rule 7 says so
        if not any(RATE_NAME.search(n.strip().rstrip("。；;，,")) for n in (row.l3, row.description) if n):
            continue
        for name, label, text in row.filled_values:
            v = parse_value(text)
            if v.number is not None and not v.unit.startswith(RATE_UNITS):
                yield row, name, label, text, v


@rule("W-VALUE-PERCENT", 8, "比率类指标（…率、满意度）的指标值是数字却没有 %")
def value_percent(ctx: Context) -> Iterator[Finding]:
    for row, name, label, text, v in _rate_values(ctx):
        if not v.unit:  # 004 怀来: 服务对象满意度 ≥80 — the per cent sign left out
            yield (
                f"{row.path}.{name}",
                f"{row.title}是比率，{label}「{ctx.typed(f'{row.path}.{name}', text)}」却不带 %：请写成 {v.comparator}{v.number}%",
            )


@rule("W-RATE-UNIT", 8, "比率类指标（…率）的指标值带了别的单位（如 及时率 ≤30天）：名称与指标值不一致")
def rate_unit(ctx: Context) -> Iterator[Finding]:
    # 004 怀来 writes 业务处理及时率 ≤30天: a time limit under a rate's name. ``≤30%`` would change what it
    # says, so the advice is to make the name and the value agree, never to swap the unit for a per cent sign.
    for row, name, label, text, v in _rate_values(ctx):
        if v.unit:
            yield (
                f"{row.path}.{name}",
                f"{row.title}的名称是比率，{label}「{ctx.typed(f'{row.path}.{name}', text)}」却以「{v.unit}」计：可以保留；"
                f"若要一致，可把名称改为与「{v.unit}」相符（如 …时限），或另以百分比重新表述指标值"
                f"（不要只把「{v.unit}」换成 %，那样意思就变了）",
            )


@rule("W-VALUE-FORMAT", 8, "指标值写法不规范：全角比较符号（＝）、>= 等、数值中间的空格（30 万份）、全角数字")
def value_format(ctx: Context) -> Iterator[Finding]:
    for c in ctx.changes_of("value"):
        yield c.path, f"指标值「{c.old}」应写作「{c.new}」（{c.reason}）；可运行 xlsgen normalize 自动修正"


def _direction(ctx: Context, row: Row, text: str) -> str | None:
    v = parse_value(text)
    if v.number is None:
        return None
    name = row.l3.strip()
    up, down = v.comparator in ("≥", "＞"), v.comparator in ("≤", "＜")
    if name == THREE_PUBLIC:
        # ``=0%`` (000 阳新) promises no change at all, which is within 不增长.
        if not ((down or v.comparator == "=") and v.number <= 0 and v.unit == "%"):
            return "“三公经费”变动率 应为 ≤0%（不增长）"
    elif name in CONTROL_RATES:
        if not down:
            return f"{name} 是控制率，应使用 ≤，如 ≤100%"
    elif ctx.is_cost(row):
        if up and _wan(v.number, v.unit) is not None:
            return "成本指标 是上限，应使用 ≤，如 ≤450万元"
    elif v.unit == "%" and down and any(name.endswith(s) or "满意度" in name for s in HIGHER_IS_BETTER):
        return f"{name} 越高越好，用 {v.comparator} 像是写反了：应为 ≥ 或 =，如 ≥95%"
    elif v.unit == "%" and up and any(name.endswith(s) for s in LOWER_IS_BETTER):
        return f"{name} 越低越好，用 {v.comparator} 像是写反了：应为 ≤，如 ≤5%"
    return None


@rule("W-DIRECTION", 9, "比较方向可疑：控制率应为 ≤、“三公经费”变动率应为 ≤0% 或 =0%、越高越好的比率用了 ≤")
def direction(ctx: Context) -> Iterator[Finding]:
    # One warning per row: an annual row repeating ≤100% in its three columns (000) is one slip, not three.
    for row in ctx.rows:
        hits = [(name, label, text, _direction(ctx, row, text)) for name, label, text in row.filled_values]
        hits = [h for h in hits if h[3]]
        if hits:
            name, label, text, advice = hits[0]
            also = f"（{'、'.join(h[1] for h in hits[1:])}同样）" if len(hits) > 1 else ""
            yield (
                f"{row.path}.{name}",
                f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」{also}：{advice}",
            )


# ---------------------------------------------------------------- rule 10: enumerations


def _looks_like_value(text: str) -> bool:
    """``≥95%``, ``100%``, ``30``: an indicator value, not the text of 依据 or 分类 (``2024年工作计划`` is not)."""
    v = parse_value(text)
    return v.number is not None and (bool(v.comparator) or v.unit in ("", "%"))


def _in_use(row: Row) -> bool:
    return row.named or bool(row.filled_values)


def _note(row: Row) -> bool:
    """依据 and 分类 holding one explanation (000 阳新 事前绩效评估完成率: 无 / 无 200 万元以上项目 in both).

    The two cells merged into one remark, as an official form was filed: not a wrong option.
    """
    text = row.basis.strip()
    return (
        row.kind is not None
        and bool(text)
        and text == (row.kind or "").strip()
        and text not in forms.BASIS
        and not is_placeholder(text)
        and not _looks_like_value(text)
    )


@rule("E-ENUM", 10, "指标值确定依据、指标分类、支出项目类别 须为规定选项之一")
def enums(ctx: Context) -> Iterator[Finding]:
    basis_list, kind_list = "、".join(forms.BASIS), " 或 ".join(forms.KIND)
    for row in ctx.dept_rows:
        if not _in_use(row) or _note(row):
            continue  # a remark across 依据 and 分类 is W-BASIS-NOTE's
        for name, label, text, allowed, listed in (
            ("basis", "指标值确定依据", row.basis, forms.BASIS, basis_list),
            ("kind", "指标分类", row.kind or "", forms.KIND, kind_list),
        ):
            if text in allowed or is_placeholder(text) or _looks_like_value(text):
                continue  # a value in this column is E-COLUMN-SHIFT's to report
            if not text.strip():
                if ctx.filled:
                    yield f"{row.path}.{name}", f"{row.title}的{label}未填写：应为 {listed} 之一"
            else:
                yield (
                    f"{row.path}.{name}",
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」不是规定选项：应为 {listed} 之一",
                )
    for row in ctx.project_rows:
        if _in_use(row) and not row.basis.strip() and ctx.filled:
            yield f"{row.path}.basis", f"{row.title}的指标值确定依据未填写：应为 {basis_list} 之一"
    for i, p in enumerate(ctx.unit.projects):
        if p.category not in forms.CATEGORY:
            state = f"「{p.category}」不是规定选项" if p.category.strip() else "未填写"
            yield (
                f"projects[{i}].category",
                f"第{i + 1}个项目「{_short(p.name)}」的支出项目类别{state}：应为 {'、'.join(forms.CATEGORY)} 之一",
            )


@rule("W-BASIS-NOTE", 10, "指标值确定依据与指标分类两栏合写了一段说明（如 无 200 万元以上项目），不是规定选项")
def basis_note(ctx: Context) -> Iterator[Finding]:
    for row in ctx.dept_rows:
        if _in_use(row) and _note(row):
            yield (
                f"{row.path}.basis",
                f"{row.title}的指标值确定依据与指标分类合写了说明「{ctx.typed(f'{row.path}.basis', row.basis)}」：可以保留；"
                f"若要规范，依据从 {'、'.join(forms.BASIS)} 中选择，分类选 绩效基本型 或 绩效创新型，说明写进指标值",
            )


_TABLE = re.compile(r"^(long_term|annual|projects\[\d+\])\.")


@rule("W-ENUM-SHORT", 10, "选项写了简写或带空格（基本型 → 绩效基本型，人员类 → 人员类项目支出）")
def enum_short(ctx: Context) -> Iterator[Finding]:
    # One warning per table and spelling, at its first row: 000 writes 基本型 on all 72 rows.
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for c in ctx.changes_of("enum"):
        m = _TABLE.match(c.path)
        groups.setdefault((m.group(1) if m else c.path, c.path.rsplit(".", 1)[-1], c.old), []).append(c)
    for same in groups.values():
        c = same[0]
        more = f"，本表共 {len(same)} 处" if len(same) > 1 else ""
        yield c.path, f"「{c.old}」应写作「{c.new}」（{c.reason}）{more}；可运行 xlsgen normalize 自动修正"


@rule("W-BASIS-FREE", 10, "项目指标的指标值确定依据是自由文字，不是五种标准之一")
def basis_free(ctx: Context) -> Iterator[Finding]:
    # forms.md §3: project forms in the wild write free text (年初工作计划, a document number); accepted with
    # a warning. One warning per project and text, at its first row, so that a form is not buried in them.
    # One warning per project, at its first such row, naming every text it uses (004 project 2 writes three).
    seen: dict[int, list[Row]] = {}
    for row in ctx.project_rows:
        text = row.basis.strip()
        if text and text not in forms.BASIS and not is_placeholder(text):
            seen.setdefault(row.project or 0, []).append(row)
    for p_i, rows in seen.items():
        texts = "、".join(f"「{t}」" for t in dict.fromkeys(r.basis.strip() for r in rows))
        yield (
            f"{rows[0].path}.basis",
            f"第{p_i + 1}个项目「{_short(ctx.unit.projects[p_i].name)}」有 {len(rows)} 行指标的指标值确定依据是自由文字{texts}，"
            f"不是标准选项（{'、'.join(forms.BASIS)}）：可以保留，但建议改用标准选项，文件依据可写在绩效指标描述中",
        )


# ---------------------------------------------------------------- rule 11: skeleton and project trees


class _Elem(NamedTuple):
    key: tuple[str, str, str]  # (一级, 二级, 三级), 三级 "★" for a whole ★ group
    first: int  # index of its first row


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

    expected: list[tuple[str, str, str]] = []
    for l1, l2, l3s in forms.SKELETON:
        expected.extend((l1, l2, l3) for l3 in l3s or ("★",))
        if l2 == forms.core_output(2):  # a unit may add 核心业务产出 3, 4, … after the two printed ones
            expected.extend((l1, forms.core_output(n), "★") for n in sorted(cores) if n > 2)

    keys = [e.key for e in actual]
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


@rule("E-SKELETON", 11, "预印的指标行齐全、顺序正确、标签与预印一致（长期、年度绩效指标）")
def skeleton(ctx: Context) -> Iterator[Finding]:
    for code, path, message in ctx.skeleton:
        if code == "E-SKELETON":
            yield path, message


@rule("W-SKELETON-EXTRA", 11, "在预印的二级指标下多出了三级指标行")
def skeleton_extra(ctx: Context) -> Iterator[Finding]:
    for code, path, message in ctx.skeleton:
        if code == "W-SKELETON-EXTRA":
            yield path, message


@rule("W-LABEL-VARIANT", 11, "标签写法与预印不同但可识别（“三公”经费变动率、核心业务产出1、多余空格）")
def label_variant(ctx: Context) -> Iterator[Finding]:
    for c in ctx.changes_of("label"):
        yield c.path, f"标签「{c.old}」应写作「{c.new}」（{c.reason}）；可运行 xlsgen normalize 自动修正"


def _tree(ctx: Context) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return forms.PROJECT_TREES[ctx.unit.project_tree]


@rule("E-PROJECT-TREE", 11, "项目指标的一级、二级指标属于所选的项目指标体系（common 或 cost_first）")
def project_tree(ctx: Context) -> Iterator[Finding]:
    tree = dict(_tree(ctx))
    other = "cost_first" if ctx.unit.project_tree == "common" else "common"
    other_tree = dict(forms.PROJECT_TREES[other])
    for row in ctx.project_rows:
        if row.l2 in tree.get(row.l1, ()):
            continue
        if row.l2 in other_tree.get(row.l1, ()):
            hint = f'：这是 {other} 体系的写法，若本单位采用该体系请把 project_tree 设为 "{other}"'
        else:
            owner = next((l1 for l1, l2s in tree.items() if row.l2 in l2s), None)
            hint = (
                f"：二级指标「{row.l2}」属于一级指标「{owner}」"
                if owner
                else f"：一级指标应为 {'、'.join(tree)} 之一，二级指标按所属一级指标选择"
            )
        yield f"{row.path}.level2", f"{row.title}（一级指标「{row.l1}」）不在项目指标体系中{hint}"


@rule("W-PROJECT-ORDER", 11, "项目指标未按指标体系的顺序排列")
def project_order(ctx: Context) -> Iterator[Finding]:
    order = {(l1, l2): n for n, (l1, l2) in enumerate((l1, l2) for l1, l2s in _tree(ctx) for l2 in l2s)}
    last: dict[int, tuple[int, Row]] = {}
    for row in ctx.project_rows:
        n = order.get((row.l1, row.l2))
        if n is None or row.project is None:
            continue  # E-PROJECT-TREE reports it
        prev = last.get(row.project)
        if prev is not None and n < prev[0]:
            yield (
                f"{row.path}.level2",
                f"{row.title}：二级指标「{row.l2}」应排在「{prev[1].l2}」之前（按 {'、'.join(l2 for _, l2s in _tree(ctx) for l2 in l2s)} 的顺序）",
            )
        else:
            last[row.project] = (n, row)


# ---------------------------------------------------------------- rule 12: placeholders


def _strings(data: Any) -> list[tuple[str, str]]:
    """Every text of a unit's JSON data with its path, in file order (a loop: it runs on every unit)."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, str):
            out.append((path, node))
        elif isinstance(node, dict):
            prefix = f"{path}." if path else ""
            stack.extend((prefix + k, v) for k, v in reversed(node.items()) if k not in ("$schema", "project_tree"))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))
    return out


_LISTS = re.compile(r"^(functions|tasks|overall_goals\.(long_term|annual)|projects\[\d+\]\.goals)\[\d+\]$")


_ROW_FIELD = re.compile(r"^(long_term|annual)\.indicators\[(\d+)\]\.level3$")


def _placeholder_advice(ctx: Context, path: str) -> str:
    # 000 leaves …… as the only row of 生态效益: deleting that row would drop a printed group (E-SKELETON).
    m = _ROW_FIELD.match(path)
    if m:
        rows = getattr(ctx.unit, m.group(1)).indicators
        r = rows[int(m.group(2))]
        group = [x for x in rows if (x.level1, x.level2) == (r.level1, r.level2)]
        if (r.level1, r.level2) in _STAR_GROUPS and len(group) == 1:
            return f"「{r.level1}／{r.level2}」没有指标时，请把三级指标留空（保留这一行），有指标时填写指标名称和指标值"
    return "请填写实际内容，或删除这一行"


@rule("E-PLACEHOLDER", 12, "填好的表中不能留有占位内容：……、「1. ；」、（截止 年）、空白的填报日期")
def placeholder(ctx: Context) -> Iterator[Finding]:
    if not ctx.filled:
        return  # a blank form handed out (002's template) is all placeholders, as it should be
    for path, text in _strings(ctx.unit.model_dump(mode="json", by_alias=True)):
        if _PLAIN.match(text):  # most texts hold none of the characters the four checks look for
            continue
        if is_placeholder(text):
            yield path, f"「{text.strip()}」是空白表的占位符：{_placeholder_advice(ctx, path)}"
        elif _LISTS.match(path) and _EMPTY_ITEM.match(text):
            yield (
                path,
                f"第{int(path.rsplit('[', 1)[1][:-1]) + 1}条是空白占位「{text.strip() or '（空）'}」：请填写内容或删除这一条（编号打印时自动生成）",
            )
        elif _BLANK_YEAR.search(text):
            yield (
                path,
                f"「{text.strip()}」中的年份空着（截止 年）：请填写年份，长期目标截止年度在 long_term.deadline 中填写",
            )
        elif _BLANK_DATE.search(text):
            yield path, f"「{text.strip()}」中的日期空着（ 年 月 日）：请填写日期"
    if ctx.unit.long_term.deadline is None:
        yield (
            "long_term.deadline",
            f"长期目标的截止年度空着，表上印成「长期目标：（截止 年）」：请填写 long_term.deadline（通常为 {ctx.unit.year + 2}）",
        )
    if ctx.unit.filled_on is None and not _drafted(ctx, "filled_on"):
        yield "filled_on", "填报日期未填写，表头会打印成「填报日期：    年  月  日」：请填写 filled_on，格式 YYYY-MM-DD"


@rule("W-NUMBERING", 12, "分条内容自带编号（打印时会再编一次号，成为 1.1.…）")
def numbering(ctx: Context) -> Iterator[Finding]:
    for c in ctx.changes_of("numbering"):
        yield (
            c.path,
            f"「{_short(c.old, 30)}」自带编号，打印时会再编一次号：请去掉开头的编号；可运行 xlsgen normalize 自动修正",
        )


@rule("W-SECTION-EMPTY", 12, "打印的可选部分没有内容（部门总体资金情况、项目支出情况、整体绩效总目标）")
def section_empty(ctx: Context) -> Iterator[Finding]:
    u = ctx.unit
    if not ctx.filled:
        return
    if u.sections.funding and u.funding is None:
        yield (
            "sections.funding",
            "要打印 部门总体资金情况，但没有填写 funding：请填写金额，或把 sections.funding 设为 false（生成时也可加 --without funding）",
        )
    if u.sections.projects and not u.projects:
        yield "sections.projects", "要打印 项目支出情况，但没有项目：请填写 projects，或把 sections.projects 设为 false"
    if u.sections.overall_goals and not (u.overall_goals.long_term or u.overall_goals.annual):
        yield (
            "sections.overall_goals",
            "要打印 整体绩效总目标，但没有填写目标：请填写 overall_goals，或把 sections.overall_goals 设为 false",
        )


# ---------------------------------------------------------------- rule 13: column shift, incomplete rows


@rule("E-COLUMN-SHIFT", 13, "错列：指标值重复了本行的指标名称，依据/分类列里是指标值，或年度指标只填了一两个值")
def column_shift(ctx: Context) -> Iterator[Finding]:
    for row in ctx.rows:
        if not row.named:
            continue
        for name, label, text in row.filled_values:
            for level, level_label in ((row.l3, "三级指标"), (row.l2, "二级指标")):
                if _same(text, level):
                    yield (
                        f"{row.path}.{name}",
                        f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」与本行{level_label}相同：像是名称错填进了指标值列（整行错位），请把指标值填到正确的列",
                    )
                    break
        if row.kind is not None:  # 附件1 rows: 依据 and 分类 are their own columns
            for name, label, text, allowed in (
                ("basis", "指标值确定依据", row.basis, forms.BASIS),
                ("kind", "指标分类", row.kind, forms.KIND),
            ):
                if text not in allowed and _looks_like_value(text):
                    yield (
                        f"{row.path}.{name}",
                        f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」像是指标值：本行内容可能错了一列，请把指标值移回指标值列",
                    )
        filled = row.filled_values
        if len(row.values) == 3 and 0 < len(filled) < 3:
            empty = [v for v in row.values if not v[2].strip()]
            yield (
                f"{row.path}.{empty[0][0]}",
                f"{row.title}只填了 {len(filled)} 个指标值，{'、'.join(v[1] for v in empty)}是空的：年度指标的三个值应都填写"
                "（没有历史数据请填「无」），空缺常是内容错了一列",
            )


@rule("E-ROW-INCOMPLETE", 13, "指标行不完整：有名称没有指标值，或有指标值没有三级指标名称，或项目没有指标")
def row_incomplete(ctx: Context) -> Iterator[Finding]:
    if not ctx.filled:
        return  # a blank form: every row is still to be filled
    for row in ctx.rows:
        if row.named and not row.filled_values:
            first = row.values[-1]
            yield f"{row.path}.{first[0]}", f"{row.title}没有填写{'、'.join(v[1] for v in row.values)}：请填写"
        elif not row.l3.strip() and (row.filled_values or row.basis.strip() or (row.kind or "").strip()):
            yield (
                f"{row.path}.level3",
                f"{row.title.replace('（未填三级指标）', '…')}填了指标值但没有三级指标名称：请填写三级指标",
            )
    for i, p in enumerate(ctx.unit.projects):
        if not p.indicators:
            yield (
                f"projects[{i}].indicators",
                f"第{i + 1}个项目「{_short(p.name)}」没有绩效指标：项目绩效目标表至少应有产出、效益、满意度指标",
            )


# ---------------------------------------------------------------- rule 14: 长期 vs 年度


@rule("W-LONG-ANNUAL", 14, "长期与年度绩效指标列出的（自拟）三级指标不一致（填报说明 7）")
def long_annual(ctx: Context) -> Iterator[Finding]:
    # Only the unit's own (★) rows: a pre-printed row missing from one table is already E-SKELETON.
    def own(table: str) -> list[Row]:
        return [
            r for r in ctx.dept_rows if r.path.startswith(table) and r.named and forms.fixed_level3(r.l1, r.l2) is None
        ]

    long_rows, annual_rows = own("long_term"), own("annual")
    for rows, others, here, there in (
        (annual_rows, long_rows, "年度绩效指标", "长期绩效指标"),
        (long_rows, annual_rows, "长期绩效指标", "年度绩效指标"),
    ):
        remaining = Counter((r.l1, r.l2, r.l3) for r in others)
        for r in rows:
            key = (r.l1, r.l2, r.l3)
            if remaining[key]:
                remaining[key] -= 1
            else:
                yield (
                    f"{r.path}.level3",
                    f"{here}有「{r.l1}／{r.l2}／{r.l3}」，{there}中没有同名指标：年度绩效指标应参照长期绩效指标填报（填报说明 7），请统一名称",
                )


# ---------------------------------------------------------------- rule 15–16: years and codes


@rule("E-YEARS", 15, "年份：长期目标截止年度不早于预算年度；填报日期在预算年度的上一年或当年")
def years(ctx: Context) -> Iterator[Finding]:
    u = ctx.unit
    deadline = u.long_term.deadline
    if deadline is not None and deadline < u.year:
        yield (
            "long_term.deadline",
            f"长期目标截止 {u.long_term.deadline} 年，早于预算年度 {u.year} 年：截止年度应不早于预算年度（通常为 {u.year + 2}）",
        )
    day = u.filled_on
    if day is not None and not (_dt.date(u.year - 1, 1, 1) <= day <= _dt.date(u.year, 12, 31)):
        yield (
            "filled_on",
            f"填报日期 {day.year}年{day.month}月{day.day}日 不在预算年度 {u.year} 的上一年或当年：请核对年份",
        )


@rule("W-YEARS", 15, "长期目标截止年度超过三年（填报说明 4：三年内）")
def years_far(ctx: Context) -> Iterator[Finding]:
    u = ctx.unit
    if u.long_term.deadline is not None and u.long_term.deadline > u.year + 2:
        yield (
            "long_term.deadline",
            f"长期目标截止 {u.long_term.deadline} 年，超过三年（{u.year}–{u.year + 2}）：填报说明 4 要求描述三年内的目标，请核对",
        )


@rule("W-PROJECT-CODE", 16, "项目编码应为 21 位字母数字")
def project_code(ctx: Context) -> Iterator[Finding]:
    for i, p in enumerate(ctx.unit.projects):
        name = f"第{i + 1}个项目「{_short(p.name)}」"
        if not p.code.strip():
            yield f"projects[{i}].code", f"{name} 未填写项目编码（21 位）"
        elif not re.fullmatch(r"[0-9A-Za-z]{21}", p.code):
            yield (
                f"projects[{i}].code",
                f"{name} 的项目编码「{p.code}」有 {len(p.code)} 个字符：应为 21 位字母数字，请核对",
            )


@rule("W-UNIT-CODE", 16, "单位编码应为非空的字母数字编码")
def unit_code(ctx: Context) -> Iterator[Finding]:
    u = ctx.unit
    if not _CODE.fullmatch(u.code):
        yield "code", f"单位编码「{u.code}」不像编码：应只含数字和字母，如 450001"
    for i, p in enumerate(u.projects):
        if p.unit_code and not _CODE.fullmatch(p.unit_code):
            yield (
                f"projects[{i}].unit_code",
                f"第{i + 1}个项目表头的单位编码「{p.unit_code}」不像编码：应只含数字和字母",
            )
