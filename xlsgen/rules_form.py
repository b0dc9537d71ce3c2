"""Rules 11–16 of forms.md §4: the form's structure — the pre-printed skeleton and project trees,
placeholders, shifted or incomplete rows, 长期 vs 年度, years and codes.

Registered with ``rules.rule``; validate.py imports this module so the rules run in forms.md's order.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from . import forms
from .model import AnnualIndicator, LongIndicator, ProjectIndicator, Unit
from .rules import (
    _BLANK_DATE,
    _BLANK_YEAR,
    _CODE,
    _EMPTY_ITEM,
    _PLAIN,
    _STAR_GROUPS,
    Context,
    Finding,
    Row,
    _drafted,
    _looks_like_value,
    _short,
    _squash,
    is_placeholder,
    rule,
)

# ---------------------------------------------------------------- rule 11: skeleton and project trees


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


# A text the checks below report holds ……/.../。。。 (a placeholder), 截止 (a blank year) or 年 月 日 (a
# blank date), or is a list item that _EMPTY_ITEM matches. All the unit's texts are searched at once for
# the first three: on a filled form there is usually none, and the walk over every text with its JSON
# path is then skipped.
_MAYBE_PLACEHOLDER = re.compile(r"…|\.\.\.|。。。|截止|年\s*月\s*日")


def _texts(node: BaseModel, out: list[str]) -> list[str]:
    """Every text held anywhere in ``node`` (any field, any depth), in no particular order."""
    for value in node.__dict__.values():
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, BaseModel):
            _texts(value, out)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    out.append(item)
                elif type(item) in _ALL_TEXT:  # an indicator row: its fields, at once
                    out.extend(item.__dict__.values())
                elif isinstance(item, BaseModel):
                    _texts(item, out)
    return out


# Models whose every field is a text (the indicator rows, most of a unit's texts).
_ALL_TEXT = frozenset(
    cls
    for cls in (LongIndicator, AnnualIndicator, ProjectIndicator)
    if all(f.annotation is str for f in cls.model_fields.values())
)


def _no_placeholder_text(unit: Unit) -> bool:
    """True when no text of ``unit`` can be one the walk in :func:`placeholder` reports."""
    items = [*unit.functions, *unit.tasks, *unit.overall_goals.long_term, *unit.overall_goals.annual]
    items += [g for p in unit.projects for g in p.goals]
    if any(_EMPTY_ITEM.match(t) for t in items):
        return False
    # Joined by NUL, which is no part of any match: every text's own matches are found, none spans two.
    try:
        return _MAYBE_PLACEHOLDER.search("\0".join(_texts(unit, []))) is None
    except TypeError:  # a field assigned something other than text, bypassing validation: walk them
        return False


@rule("E-PLACEHOLDER", 12, "填好的表中不能留有占位内容：……、「1. ；」、（截止 年）、空白的填报日期")
def placeholder(ctx: Context) -> Iterator[Finding]:
    if not ctx.filled:
        return  # a blank form handed out (002's template) is all placeholders, as it should be
    texts = [] if _no_placeholder_text(ctx.unit) else _strings(ctx.unit.model_dump(mode="json", by_alias=True))
    for path, text in texts:
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
        l3, l2 = _squash(row.l3), _squash(row.l2)
        for name, label, text in row.filled_values:
            # The same as the 三级指标 (or else the 二级指标) up to whitespace; a filled value is never blank.
            squashed = _squash(text)
            level_label = "三级指标" if squashed == l3 else "二级指标" if squashed == l2 else None
            if level_label:
                yield (
                    f"{row.path}.{name}",
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」与本行{level_label}相同：像是名称错填进了指标值列（整行错位），请把指标值填到正确的列",
                )
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


# The groups whose 三级指标 are pre-printed (forms.fixed_level3 is not None), for a lookup per row.
_PRINTED_L3 = {(l1, l2) for l1, l2, _ in forms.SKELETON if forms.fixed_level3(l1, l2) is not None}


@rule("W-LONG-ANNUAL", 14, "长期与年度绩效指标列出的（自拟）三级指标不一致（填报说明 7）")
def long_annual(ctx: Context) -> Iterator[Finding]:
    # Only the unit's own (★) rows: a pre-printed row missing from one table is already E-SKELETON.
    def own(table: str) -> list[Row]:
        return [r for r in ctx.dept_rows if r.path.startswith(table) and r.named and (r.l1, r.l2) not in _PRINTED_L3]

    long_rows, annual_rows = own("long_term"), own("annual")
    for rows, others, here, there in (
        (annual_rows, long_rows, forms.ANNUAL_TABLE, forms.LONG_TABLE),
        (long_rows, annual_rows, forms.LONG_TABLE, forms.ANNUAL_TABLE),
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
