"""Rule W-DRAFT: the marks a rollover draft (rollover.py) carries in its ``draft`` field, as warnings.

A module of its own so that the rule registry (rules.py) and the rollover command, which validates and
so imports the registry, need not import each other; validate.py imports it to register the rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from xlsgen import forms
from xlsgen.model import Expense, Income, Unit

from .rules import Context, rule

_PARTS = {"income": (forms.INCOME, dict(Income.PARTS)), "expense": (forms.EXPENSE, dict(Expense.PARTS))}
_FUNDING = re.compile(r"^funding\.(income|expense)\.(\w+)\.current$")
_ANNUAL = re.compile(r"^annual\.indicators\[(\d+)\]\.value$")


def _message(unit: Unit, path: str, filling: bool) -> str:
    d = unit.draft
    last = d.from_year if d is not None else unit.year - 1
    if m := _FUNDING.match(path):
        side, parts = _PARTS[m.group(1)]
        return f"{unit.year}年 {side} {parts.get(m.group(2), m.group(2))} 的当年金额待填写（草稿中暂为 0.00；近两年已按上年的数据前移）"
    if path == "filled_on":
        return "填报日期待填写（滚动生成草稿时已清空），格式 YYYY-MM-DD"
    if m := _ANNUAL.match(path):
        i = int(m.group(1))
        rows = unit.annual.indicators
        if i < len(rows):
            r = rows[i]
            return f"年度绩效指标「{r.level3 or r.level2}」的预期当年实现值暂按 {last} 年的「{r.value}」填写：请核对后改为 {unit.year} 年的目标值"
    if path == "long_term.deadline":
        return f"长期目标截止年度在 {unit.year} 年之前已过，草稿暂定为 {unit.long_term.deadline} 年：请确定新的截止年度，并核对长期目标与长期绩效指标"
    if path == "tasks":
        return f"年度工作任务沿用 {last} 年的内容：请核对，改为 {unit.year} 年的工作任务"
    if path == "annual.goal":
        return f"年度目标沿用 {last} 年的内容：请核对，改为 {unit.year} 年的年度目标"
    if path == "projects":
        return f"项目清单、预算数与项目绩效指标沿用 {last} 年：请按 {unit.year} 年的预算核对、增删项目"
    return f"{path}：待填写" if filling else f"{path}：暂按 {last} 年填写，请核对"


@rule("W-DRAFT", 12, "滚动生成的下一年度草稿：待填写的内容，以及暂按上年填写、待核对的内容（draft 字段）")
def draft_marks(ctx: Context) -> Iterator[tuple[str, str]]:
    d = ctx.unit.draft
    if d is None:
        return
    for path in d.fill:
        yield path, _message(ctx.unit, path, True)
    for path in d.review:
        yield path, _message(ctx.unit, path, False)
