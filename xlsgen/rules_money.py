"""Rules 1–7 of forms.md §4: the money — 部门总体资金情况 (sums, shares, income vs expense) and the
projects' budgets, spending plans and 成本指标.

Registered with ``rules.rule``; validate.py imports this module so the rules run in forms.md's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from . import forms
from .model import parse_value
from .rules import (
    SIDES,
    YEARS,
    Context,
    Finding,
    Row,
    _drafted,
    _money,
    _parse_shown,
    _short,
    _wan,
    is_placeholder,
    rule,
)

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
            expected = getattr(ctx.total(side), y)
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
        total = ctx.total(side).current
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
        income, expense = getattr(ctx.total("income"), y), getattr(ctx.total("expense"), y)
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
    targeted = [p for p in u.projects if p.category == forms.TARGETED]
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
    return ctx.unit.project_tree == "common" or row.l2 == forms.ECONOMIC_COST


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
