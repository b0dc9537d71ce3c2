"""Normalisation: the mechanical spelling fixes of forms.md §3–§4, made explicit and reviewable.

Real forms mix full-width and half-width comparators, put stray spaces inside values (``30 万份``), use the
short enumeration forms (``基本型``) and known label variants (``“三公”经费变动率``). None of this changes
what a unit means, so it can be fixed mechanically; but xlsgen never does it silently: ``generate`` prints
what it is given, the validator reports each of these as a warning, and ``xlsgen normalize`` rewrites a unit
file only when asked, printing every change with its JSON path.

The field-level fixers (``fix_value``, ``fix_label``, ...) are shared with ``validate.py``, which checks the
normalised text so that one slip is reported once (as the warning saying how to fix it), not again by every
rule that reads the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from . import forms
from .model import Unit, parse_value, unit_from_json

# The canonical comparators are those parse_value() yields and forms.md §3 lists: ≥ ≤ = ＞ ＜.
# (So = stays half-width while ＞ ＜ are full-width, as the official system prints them.) Longest spellings
# first, so that ``>=`` is read as one comparator and not as ``>`` followed by ``=``.
_COMPARATORS: tuple[tuple[str, str], ...] = (
    ("＞＝", "≥"),
    ("＞=", "≥"),
    (">＝", "≥"),
    (">=", "≥"),
    ("=>", "≥"),
    ("＜＝", "≤"),
    ("＜=", "≤"),
    ("<＝", "≤"),
    ("<=", "≤"),
    ("=<", "≤"),
    ("==", "="),
    ("≥", "≥"),
    ("≧", "≥"),
    ("≤", "≤"),
    ("≦", "≤"),
    ("＝", "="),
    ("=", "="),
    ("＞", "＞"),
    (">", "＞"),
    ("＜", "＜"),
    ("<", "＜"),
)
# A regular expression tries its alternatives in order, as a loop over the list would.
_COMPARATOR_AT_START = re.compile("|".join(re.escape(spelling) for spelling, _ in _COMPARATORS))
_CANONICAL_COMPARATOR = dict(_COMPARATORS)
# Full-width digits, point, percent sign and minus typed with a Chinese IME.
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "％": "%", "－": "-", "−": "-"})
_SPACE = re.compile(r"\s+")  # \s covers the ideographic space U+3000 and NBSP as well
_NUMBER_UNIT = re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?)(?P<unit>\D.*)?$", re.ASCII | re.DOTALL)


class Fix(NamedTuple):
    new: str
    reason: str  # Chinese, e.g. "全角比较符号改为标准写法"


@dataclass(frozen=True)
class Change:
    """One normalisation: the JSON path, the text before and after, and why."""

    path: str
    old: str
    new: str
    reason: str
    kind: str  # "value" | "enum" | "label" | "numbering": which validator warning reports it


# ---------------------------------------------------------------- field fixers


@lru_cache(maxsize=4096)
def fix_value(text: str) -> Fix | None:
    """An indicator value in canonical spelling: ``＝0%`` → ``=0%``, ``>= 95 ％`` → ``≥95%``, ``30 万份`` → ``30万份``.

    Only values of the form comparator + number + unit are rewritten; a phrase (``稳步推进``) is merely
    trimmed, because spaces and symbols inside free text may be intended.
    """
    stripped = text.strip()
    rest = stripped
    comparator = ""
    m = _COMPARATOR_AT_START.match(rest)  # the first spelling of the list that starts the text
    if m:
        comparator, rest = _CANONICAL_COMPARATOR[m.group()], rest[m.end() :]
    compact = _SPACE.sub("", rest).translate(_WIDE)
    m = _NUMBER_UNIT.match(compact)
    if m is None or parse_value(comparator + compact).number is None:
        if stripped != text:
            return Fix(stripped, "去掉首尾空格")
        return None
    new = comparator + compact
    if new == text:
        return None
    reasons = []
    if stripped != text:
        reasons.append("去掉首尾空格")
    if _SPACE.search(stripped):
        reasons.append("去掉数值中间的空格")
    head = stripped[: len(stripped) - len(rest)]
    if head and head != comparator:
        reasons.append(f"比较符号 {head} 改为 {comparator}")
    if rest.translate(_WIDE) != rest:
        reasons.append("全角数字或百分号改为半角")
    return Fix(new, "，".join(reasons) or "统一写法")


def _compact(text: str) -> str:
    return _SPACE.sub("", text)


def _known_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for l1, l2, l3s in forms.SKELETON:
        for label in (l1, l2, *l3s):
            labels[_compact(label)] = label
    for variant, label in forms.LABEL_VARIANTS.items():
        labels[_compact(variant)] = label
    for tree in forms.PROJECT_TREES.values():
        for l1, l2s in tree:
            for label in (l1, *l2s):
                labels[_compact(label)] = label
    return labels


_LABELS = _known_labels()
_CORE_OUTPUT = forms.CORE_TYPED


@lru_cache(maxsize=8192)  # pure, and every unit repeats the pre-printed labels
def fix_label(text: str) -> Fix | None:
    """A pre-printed label in its printed spelling (known variants, stray spaces); other text is only trimmed."""
    key = _compact(text)
    m = _CORE_OUTPUT.match(key)
    target = forms.core_output(int(m.group(1))) if m else _LABELS.get(key)
    if target is not None and target != text:
        reason = "改为预印标签的写法" if _compact(target) != key else "去掉标签中多余的空格"
        return Fix(target, reason)
    if target is None and text.strip() != text:
        return Fix(text.strip(), "去掉首尾空格")
    return None


def _fix_enum(text: str, allowed: tuple[str, ...], short: Mapping[str, str]) -> Fix | None:
    key = _compact(text)
    if key in short:
        return Fix(short[key], f"简写 {key} 改为全称 {short[key]}")
    if key in allowed and key != text:
        return Fix(key, "去掉多余的空格")
    if key not in allowed and text.strip() != text:
        return Fix(text.strip(), "去掉首尾空格")
    return None


@lru_cache(maxsize=1024)
def fix_kind(text: str) -> Fix | None:
    """指标分类: ``基本型`` → ``绩效基本型`` (forms.md §3: short forms accepted on input, the long form written)."""
    return _fix_enum(text, forms.KIND, forms.KIND_SHORT)


@lru_cache(maxsize=1024)
def fix_category(text: str) -> Fix | None:
    """支出项目类别: ``人员类`` → ``人员类项目支出``."""
    return _fix_enum(text, forms.CATEGORY, forms.CATEGORY_SHORT)


@lru_cache(maxsize=4096)
def fix_basis(text: str) -> Fix | None:
    """指标值确定依据: ``计划 标准`` → ``计划标准``; free text (allowed on project forms) is only trimmed."""
    return _fix_enum(text, forms.BASIS, {})


def _numbering(pattern: str) -> Callable[[str, int], Fix | None]:
    @lru_cache(maxsize=64)
    def compiled(position: int) -> re.Pattern[str]:
        return re.compile(pattern.format(n=position))

    def fix(text: str, position: int) -> Fix | None:
        # Items are numbered when printed ("1.…", "目标1：…"); an item that carries its own number, equal to
        # its position, would print twice ("1.1.…"). Other leading numbers may be content ("2024年…").
        m = compiled(position).match(text)
        if m is None or not text[m.end() :].strip():
            return None
        return Fix(text[m.end() :].strip(), "去掉自带的编号（打印时会自动编号）")

    return fix


fix_item = _numbering(r"^\s*{n}\s*[.．、)）]\s*(?!\d)")
fix_goal = _numbering(r"^\s*(?:目标\s*)?{n}\s*[:：.．、]\s*(?!\d)")


# ---------------------------------------------------------------- which fields get which fixer


# Every normalisable field of a row, per table: (attribute, kind, fixer), in file order. changes() runs
# on every unit validated and a county's units are mostly canonical, so a path is built only for a
# field that needs a change.
_LABEL = (("level1", "label", fix_label), ("level2", "label", fix_label), ("level3", "label", fix_label))
_ENUMS = (("basis", "enum", fix_basis), ("kind", "enum", fix_kind))
_LONG_FIELDS = (*_LABEL, ("value", "value", fix_value), *_ENUMS)
_ANNUAL_FIELDS = (
    *_LABEL,
    ("prev2", "value", fix_value),
    ("prev1", "value", fix_value),
    ("value", "value", fix_value),
    *_ENUMS,
)
_PROJECT_FIELDS = (*_LABEL[:2], ("value", "value", fix_value), ("basis", "enum", fix_basis))


def _lists(unit: Unit) -> Iterator[tuple[str, list[str], Callable[[str, int], Fix | None]]]:
    yield "functions", unit.functions, fix_item
    yield "tasks", unit.tasks, fix_item
    yield "overall_goals.long_term", unit.overall_goals.long_term, fix_goal
    yield "overall_goals.annual", unit.overall_goals.annual, fix_goal
    for i, p in enumerate(unit.projects):
        yield f"projects[{i}].goals", p.goals, fix_item


# Texts each fixer was asked about and left alone, so that a county's repeated labels and values are
# cleared by one set difference per unit. Bounded: emptied when it grows large (it is only a shortcut).
_CANONICAL: dict[Callable[[str], Fix | None], set[str]] = {}
_CANONICAL_MAX = 200_000


def _all_canonical(texts: set[str], fixer: Callable[[str], Fix | None]) -> bool:
    known = _CANONICAL.setdefault(fixer, set())
    new = texts - known
    if any(map(fixer, new)):
        return False
    if len(known) + len(new) > _CANONICAL_MAX:
        known.clear()
    known |= new
    return True


def _fields_canonical(unit: Unit) -> bool:
    """Whether no field of ``unit`` needs a fix: each distinct text asked once, in no order."""
    rows = [*unit.long_term.indicators, *unit.annual.indicators]
    annual = unit.annual.indicators
    project_rows = [r for p in unit.projects for r in p.indicators]
    labels = {r.level1 for r in rows} | {r.level2 for r in rows} | {r.level3 for r in rows}
    labels |= {r.level1 for r in project_rows} | {r.level2 for r in project_rows}
    values = {r.value for r in rows} | {r.prev2 for r in annual} | {r.prev1 for r in annual}
    values |= {r.value for r in project_rows}
    return (
        _all_canonical(labels, fix_label)
        and _all_canonical(values, fix_value)
        and _all_canonical({r.basis for r in rows} | {r.basis for r in project_rows}, fix_basis)
        and _all_canonical({r.kind for r in rows}, fix_kind)
        and _all_canonical({p.category for p in unit.projects}, fix_category)
    )


def changes(unit: Unit) -> list[Change]:
    """Every normalisation the unit needs, in file order; empty when it is already canonical."""
    out = []
    tables = (
        ("long_term", unit.long_term.indicators, _LONG_FIELDS),
        ("annual", unit.annual.indicators, _ANNUAL_FIELDS),
    )
    if _fields_canonical(unit):  # the usual case: no field to visit in order, with its path
        tables = ()
    for table, rows, names in tables:
        for i, r in enumerate(rows):
            for name, kind, fixer in names:
                text = getattr(r, name)
                fix = fixer(text)
                if fix is not None:
                    out.append(Change(f"{table}.indicators[{i}].{name}", text, fix.new, fix.reason, kind))
    for p_i, p in enumerate(unit.projects if tables else ()):
        fix = fix_category(p.category)
        if fix is not None:
            out.append(Change(f"projects[{p_i}].category", p.category, fix.new, fix.reason, "enum"))
        for i, r in enumerate(p.indicators):
            for name, kind, fixer in _PROJECT_FIELDS:
                text = getattr(r, name)
                fix = fixer(text)
                if fix is not None:
                    out.append(Change(f"projects[{p_i}].indicators[{i}].{name}", text, fix.new, fix.reason, kind))
    for path, items, fixer in _lists(unit):
        # Only a list numbered 1, 2, 3… throughout is taken as self-numbered; a lone "1." is not evidence.
        if len(items) < 2:
            continue
        fixes = []
        for n, text in enumerate(items, 1):
            fixes.append(fixer(text, n))
            if fixes[-1] is None:
                break  # one item without its number: the list is not self-numbered
        if all(fixes) and len(fixes) == len(items):
            out.extend(
                Change(f"{path}[{n}]", text, fix.new, fix.reason, "numbering")
                for n, (text, fix) in enumerate(zip(items, fixes, strict=True))
                if fix is not None
            )
    return out


# ---------------------------------------------------------------- applying changes


_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _TOKEN.findall(path)]


def apply(data: Any, found: list[Change]) -> Any:
    """Write each change into ``data`` (a unit as plain JSON data, as loaded or dumped) in place."""
    for change in found:
        *parents, last = _steps(change.path)
        node = data
        for step in parents:
            node = node[step]
        node[last] = change.new
    return data


def normalized(unit: Unit, found: list[Change] | None = None) -> Unit:
    """A copy of ``unit`` with every normalisation applied (the unit itself is left untouched)."""
    found = changes(unit) if found is None else found
    if not found:
        return unit
    return Unit.model_validate(apply(unit.model_dump(by_alias=True), found))


def normalize_file(path: Path, write: bool = True) -> list[Change]:
    """Normalise a unit JSON file in place (atomically); returns the changes, written only if ``write``.

    The file's own JSON data is edited at the changed paths, so fields it leaves out stay out; the text is
    written back with two-space indentation, as ``xlsgen new`` writes it. An unchanged file is not touched.
    """
    from .errors import DataError, Location
    from .files import write_atomic
    from .osfiles import MAX_UNIT_FILE, NotReadable, read_regular

    path = Path(path)
    try:
        raw = read_regular(path, MAX_UNIT_FILE)
    except NotReadable as exc:
        raise DataError(f"无法读取文件：{exc}", Location(str(path))) from None
    found = changes(unit_from_json(raw, str(path)))
    if found and write:
        data = apply(json.loads(raw), found)
        write_atomic(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return found
