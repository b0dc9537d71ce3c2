"""Every indicator of a unit as one flat row: the summary's county-wide view (issue 14 §4).

The three tables of a unit (长期绩效指标, 年度绩效指标 and each project's indicators) become rows of
the same shape, so the bureau can filter one 三级指标 across all units and compare their values.
Long-term and project rows have one value; it goes under 当年 (the column of the value being set).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from . import forms

if TYPE_CHECKING:
    from .model import Unit

COLUMNS = ("单位编码", "单位名称", "表", "项目", "一级", "二级", "三级", "前年", "上年", "当年", "依据", "分类")
LONG, ANNUAL, PROJECT = forms.LONG_TABLE, forms.ANNUAL_TABLE, "项目绩效指标"

Row = tuple[str, str, str, str, str, str, str, str, str, str, str, str]


def indicator_rows(unit: Unit) -> list[Row]:
    """One row per indicator of ``unit``, in print order: 长期, 年度, then each project's."""
    c, n = unit.code, unit.name  # built for every unit of a bulk run: one comprehension per table
    rows: list[Row] = [
        (c, n, LONG, "", r.level1, r.level2, r.level3, "", "", r.value, r.basis, r.kind)
        for r in unit.long_term.indicators
    ]
    rows += [
        (c, n, ANNUAL, "", a.level1, a.level2, a.level3, a.prev2, a.prev1, a.value, a.basis, a.kind)
        for a in unit.annual.indicators
    ]
    for p in unit.projects:
        name = p.name
        rows += [
            (c, n, PROJECT, name, i.level1, i.level2, i.level3, "", "", i.value, i.basis, "") for i in p.indicators
        ]
    return rows


def shared(rows: list[Row], texts: dict[str, str]) -> list[Row]:
    """``rows`` with each text replaced by the equal one already in ``texts`` (a new one is added).

    A county's units share most of their texts (levels, tables, 依据, 分类; a unit's code and name in
    each of its rows), but each unit's rows come from a worker or a JSON file of their own: held
    until 汇总表 is written, a thousand units' separate copies took some 80 MB more."""
    return [tuple([texts.setdefault(v, v) for v in row]) for row in rows]  # type: ignore[misc]


def _text(value: object) -> str:
    # As the model reads a text field: a number typed in the JSON is its text, a missing field is "".
    if value is None or isinstance(value, bool):
        return ""
    return str(value)


def rows_from_json(path: str | Path) -> list[Row]:
    """The same rows, read straight from a unit file known to be valid (bulk found it unchanged).

    Bulk answers an unchanged unit from its manifest without loading it; the model is not needed to
    list its indicators either. A file that cannot be read gives no rows.
    """
    try:
        data = json.loads(Path(path).read_bytes())
        head = (_text(data.get("code")), _text(data.get("name")))
        rows: list[Row] = []
        for r in (data.get("long_term") or {}).get("indicators") or []:
            g = r.get
            rows.append((*head, LONG, "", _text(g("level1")), _text(g("level2")), _text(g("level3")), "", "",
                         _text(g("value")), _text(g("basis")), _text(g("kind"))))  # fmt: skip
        for r in (data.get("annual") or {}).get("indicators") or []:
            g = r.get
            rows.append((*head, ANNUAL, "", _text(g("level1")), _text(g("level2")), _text(g("level3")),
                         _text(g("prev2")), _text(g("prev1")), _text(g("value")), _text(g("basis")), _text(g("kind"))))  # fmt: skip
        for p in data.get("projects") or []:
            name = _text(p.get("name"))
            for r in p.get("indicators") or []:
                g = r.get
                rows.append((*head, PROJECT, name, _text(g("level1")), _text(g("level2")), _text(g("level3")), "", "",
                             _text(g("value")), _text(g("basis")), ""))  # fmt: skip
        return rows
    except (OSError, ValueError, AttributeError, TypeError):
        return []
