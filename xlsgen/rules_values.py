"""Rules 8–10 of forms.md §4: what an indicator value and its 指标值确定依据 / 指标分类 may say.

Registered with ``rules.rule``; validate.py imports this module so the rules run in forms.md's order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from . import forms
from .model import parse_value
from .normalize import Change
from .rules import (
    _COMPARATOR_CHARS,
    CONTROL_RATES,
    HIGHER_IS_BETTER,
    LOWER_IS_BETTER,
    RATE_NAME,
    RATE_UNITS,
    THREE_PUBLIC,
    Context,
    Finding,
    Row,
    _looks_like_value,
    _short,
    _wan,
    is_placeholder,
    rule,
)

# ---------------------------------------------------------------- rule 8–9: indicator values


@lru_cache(maxsize=8192)
def _grammar(text: str) -> int:
    """What is wrong with the spelling of a value: 0 nothing, else the message of value_grammar to give."""
    v = parse_value(text)
    if v.number is None:
        return NO_NUMBER if text.strip()[0] in _COMPARATOR_CHARS else 0
    if any(ch in _COMPARATOR_CHARS for ch in v.unit):
        return TWO_COMPARATORS
    return THOUSANDS if re.match(r"^[,，]\d", v.unit) else 0


NO_NUMBER, TWO_COMPARATORS, THOUSANDS = 1, 2, 3


@rule("E-VALUE-GRAMMAR", 8, "指标值应为 比较符号 + 数字 + 单位（如 ≥95%），或一个短语（如 稳步推进）")
def value_grammar(ctx: Context) -> Iterator[Finding]:
    if not any(map(_grammar, ctx.value_texts)):
        return  # every value well written: no row to look through
    for row in ctx.rows:
        for name, label, text in row.filled_values:
            wrong = _grammar(text)
            if not wrong:
                continue
            where = f"{row.path}.{name}"
            if wrong == NO_NUMBER:
                yield (
                    where,
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：比较符号后应紧跟数字，如 ≥95%；若是文字描述请去掉比较符号",
                )
            elif wrong == TWO_COMPARATORS:
                yield (
                    where,
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：一个指标值只能有一个比较符号，且写在数字前，如 ≥95%",
                )
            else:
                v = parse_value(text)
                yield (
                    where,
                    f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」：数字中不要用千位分隔符，请写成 {v.comparator}{v.number}{v.unit.replace(',', '').replace('，', '')}",
                )


@lru_cache(maxsize=8192)
def _rate_named(name: str) -> bool:
    return bool(RATE_NAME.search(name.strip().rstrip("。；;，,")))


def _rate_values(ctx: Context) -> list[tuple[Row, str, str, str, Any]]:
    """(row, field, Chinese name, text, parsed) of every number on a rate-named row that is not a rate."""
    found = ctx.shared.get("rate_values")
    if found is None:
        found = ctx.shared["rate_values"] = []
        for row in ctx.rows:
            if ctx.is_cost(row):
                continue  # a cost is money, rule 7 says so
            if not any(_rate_named(n) for n in (row.l3, row.description) if n):
                continue
            for name, label, text in row.filled_values:
                v = parse_value(text)
                if v.number is not None and not v.unit.startswith(RATE_UNITS):
                    found.append((row, name, label, text, v))
    return found


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


@lru_cache(maxsize=8192)  # pure, and a county repeats its names and values
def _advice(name: str, cost: bool, text: str) -> str | None:
    """What is suspicious about the comparator of ``text`` on the row named ``name`` (a 成本指标 if ``cost``)."""
    v = parse_value(text)
    if v.number is None:
        return None
    up, down = v.comparator in ("≥", "＞"), v.comparator in ("≤", "＜")
    if name == THREE_PUBLIC:
        # ``=0%`` (000 阳新) promises no change at all, which is within 不增长.
        if not ((down or v.comparator == "=") and v.number <= 0 and v.unit == "%"):
            return "“三公经费”变动率 应为 ≤0%（不增长）"
    elif name in CONTROL_RATES:
        if not down:
            return f"{name} 是控制率，应使用 ≤，如 ≤100%"
    elif cost:
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
        if not row.filled_values:
            continue
        l3, cost = row.l3.strip(), ctx.is_cost(row)
        hits = [
            (name, label, text, advice)
            for name, label, text in row.filled_values
            if (advice := _advice(l3, cost, text))
        ]
        if hits:
            name, label, text, advice = hits[0]
            also = f"（{'、'.join(h[1] for h in hits[1:])}同样）" if len(hits) > 1 else ""
            yield (
                f"{row.path}.{name}",
                f"{row.title}的{label}「{ctx.typed(f'{row.path}.{name}', text)}」{also}：{advice}",
            )


# ---------------------------------------------------------------- rule 10: enumerations


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
