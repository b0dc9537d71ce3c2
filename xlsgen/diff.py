"""Diff: what changed between two versions of a unit, field by field, in Chinese (issue 4 §5).

Each side is a unit JSON file or a workbook. Lists are aligned before they are compared, so a row
inserted into an indicator table reads as one added row, not as every row below it changed: indicator
rows are matched by (一级, 二级, 三级), projects by name, list items by their text. Each change names the
workbook cell it was read from (the new side's, else the old side's) when a side is a workbook::

    annual.indicators[3].value：“≥90%” → “≥95%”（部门整体绩效目标申报表!G57）
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from .model import Unit, load_unit


@dataclass
class Change:
    kind: str  # "changed", "added" or "removed"
    path: str  # JSON path, with the new side's list indices (the old side's for a removal)
    old: Any
    new: Any
    cell: str | None = None  # "sheet!A1" where a workbook shows it

    def __str__(self) -> str:
        where = f"（{self.cell}）" if self.cell else ""
        if self.kind == "added":
            return f"新增 {self.path}：{_describe(self.new)}{where}"
        if self.kind == "removed":
            return f"删除 {self.path}：{_describe(self.old)}{where}"
        return f"{self.path}：{_show(self.old)} → {_show(self.new)}{where}"


@dataclass
class Side:
    unit: Unit
    cells: dict[str, str]
    source: str


def load_side(path: str | Path) -> Side:
    """A unit JSON file, or a workbook read by anchors; raises XlsgenError naming the file."""
    p = Path(path)
    if p.suffix.lower() == ".json":
        return Side(load_unit(p), {}, p.name)
    from .read import read_workbook

    imported = read_workbook(p)
    return Side(imported.unit, imported.cells, imported.source)


def diff_units(
    old: Unit, new: Unit, old_cells: dict[str, str] | None = None, new_cells: dict[str, str] | None = None
) -> list[Change]:
    """Every difference from ``old`` to ``new``, in field order; the optional ``$schema`` is ignored."""
    changes: list[Change] = []
    a = old.model_dump(exclude={"schema_"})
    b = new.model_dump(exclude={"schema_"})
    _walk(a, b, "", "", changes)
    for change in changes:
        cell = _cell(new_cells or {}, change.path) if change.kind != "removed" else None
        change.cell = cell or _cell(old_cells or {}, change.path)
    return changes


def _row_cell(cells: dict[str, str], path: str) -> str | None:
    """A whole row or project lives in many cells: name the one of its 三级指标, else of its name, else the first."""
    for field in ("level3", "name"):
        if f"{path}.{field}" in cells:
            return cells[f"{path}.{field}"]
    return next((cell for p, cell in cells.items() if p.startswith(path + ".")), None)


def _walk(a: Any, b: Any, path_a: str, path_b: str, out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*a, *(k for k in b if k not in a)]:
            _walk(a.get(k), b.get(k), _join(path_a, k), _join(path_b, k), out)
    elif isinstance(a, list) and isinstance(b, list):
        _walk_list(a, b, path_a, path_b, out)
    elif a != b:
        out.append(Change("changed", path_b or path_a, a, b))


def _walk_list(a: list[Any], b: list[Any], path_a: str, path_b: str, out: list[Change]) -> None:
    matcher = SequenceMatcher(None, [_identity(x) for x in a], [_identity(x) for x in b], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        paired = min(i2 - i1, j2 - j1) if op in ("equal", "replace") else 0
        for k in range(paired):  # same row (maybe renamed): compare field by field
            _walk(a[i1 + k], b[j1 + k], f"{path_a}[{i1 + k}]", f"{path_b}[{j1 + k}]", out)
        for i in range(i1 + paired, i2):
            out.append(Change("removed", f"{path_a}[{i}]", a[i], None))
        for j in range(j1 + paired, j2):
            out.append(Change("added", f"{path_b}[{j}]", None, b[j]))


def _identity(item: Any) -> Any:
    """What makes two list items "the same row": an indicator's names, a project's name, a text."""
    if isinstance(item, dict) and "level1" in item:
        return (item["level1"], item["level2"], item.get("level3", ""))
    if isinstance(item, dict) and "budget" in item:
        return item.get("name")
    return repr(item)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _cell(cells: dict[str, str], path: str) -> str | None:
    """The cell of ``path``, or of the nearest enclosing field (a list item lives in its list's cell)."""
    if path.endswith("]") and (row := _row_cell(cells, path)):
        return row
    while path not in cells:
        shorter = re.sub(r"(\.[^.\[\]]*|\[\d+\])$", "", path)
        if shorter == path:
            return None
        path = shorter
    return cells[path]


def _show(value: Any, limit: int = 80) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"“{value:.2f}”"
    if isinstance(value, _dt.date):
        return f"“{value.isoformat()}”"
    if isinstance(value, (list, dict)):
        return f"“{_describe(value)}”"
    text = str(value).replace("\n", "⏎")
    return f"“{text if len(text) <= limit else text[:limit] + '…'}”"


def _describe(item: Any) -> str:
    if isinstance(item, dict) and "level1" in item:
        names = "/".join(x for x in (item["level1"], item["level2"], item.get("level3", "")) if x)
        value = item.get("value")
        return f"“{names}”" + (f"，指标值 {_show(value)}" if value else "")
    if isinstance(item, dict) and "budget" in item:
        return f"项目 {_show(item.get('name'))}，预算数 {_show(item.get('budget'))}"
    if isinstance(item, list):
        return f"{len(item)} 项"
    if isinstance(item, dict):  # a whole block filled in or emptied (funding, a spending plan)
        return f"{len(item)} 个字段"
    return _show(item)


def report(changes: list[Change]) -> str:
    """The Chinese report ``xlsgen diff`` prints."""
    if not changes:
        return "无差异\n"
    return "".join(f"{c}\n" for c in changes) + f"共 {len(changes)} 处差异\n"
