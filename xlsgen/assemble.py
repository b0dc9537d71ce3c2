"""Assembling the unit: what the sheets said → one Unit, with every JSON path at the cell it came from.

The 附件1 row of a project and its block on the project sheet are one project: paired by position, by
name when the counts differ. Fields no form prints (单位编码, the budget year when no header shows it)
come from the document properties xlsgen writes, a project's unit line, the file name or, last, a stand-in
the user is told to correct.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import forms
from .anchors import squash
from .errors import ERROR, Location, Problem, ReadError
from .forms import IDENTITY_PROPERTIES
from .grid import Grid
from .model import Unit, explain, json_path
from .readlog import READ_ERROR, ReadLog, TableCells

MISSING = "待填写"  # stands in for a required field the workbook does not hold; a warning says so
_CODE = re.compile(r"([0-9A-Za-z]*)(.*)", re.S)  # a project's unit line: <单位编码><单位名称>


@dataclass
class Part:
    """What one sheet says about one project, before the project's place in the unit is known."""

    grid: Grid
    where: tuple[int, int]  # the cell a warning about the whole project names
    values: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # field path → (row, col)
    table: TableCells | None = None  # where its indicator rows were read, after ``cells``
    shown: dict[str, Any] = field(default_factory=dict)  # computed cells (预算数) → what they show


def assemble(
    data: dict[str, Any], rows: list[Part], blocks: list[Part], log: ReadLog, properties: dict[str, str]
) -> Unit:
    """The unit; raises ReadError with a problem at each cell whose value the model refuses."""
    pairs = pair_projects(rows, blocks, log)
    data["projects"] = [project(i, row, block, log) for i, (row, block) in enumerate(pairs)]
    identity(data, log, properties)
    try:
        return Unit.model_validate(data)
    except ValidationError as exc:
        problems = []
        placed = log.where()
        for e in exc.errors():
            path = json_path(e["loc"])
            cell = log.cell_of(path, placed)
            where = log.at(*cell) if cell else Location(log.source)
            problems.append(Problem(ERROR, READ_ERROR, f"{path}：{explain(e)}", where))
        raise ReadError(problems) from None


def pair_projects(rows: list[Part], blocks: list[Part], log: ReadLog) -> list[tuple[Part | None, Part | None]]:
    """附件1 项目支出情况 rows with 项目绩效目标表 blocks: by position, by name when the counts differ."""
    if not rows or not blocks or len(rows) == len(blocks):
        return list(zip_longest(rows, blocks))
    free = list(blocks)
    pairs: list[tuple[Part | None, Part | None]] = []
    for row in rows:
        block = next((b for b in free if squash(b.values["name"]) == squash(row.values["name"])), None)
        if block is not None:
            free.remove(block)
        pairs.append((row, block))
    pairs += [(None, b) for b in free]
    for row, block in pairs:
        if row is None or block is None:
            alone = row or block
            assert alone is not None
            elsewhere = forms.PROJECT_SHEET if block is None else "附件1“项目支出情况”"
            log.warn(alone.grid, *alone.where, f"项目“{alone.values['name']}”在{elsewhere}中没有对应的项目")
    return pairs


def project(i: int, row: Part | None, block: Part | None, log: ReadLog) -> dict[str, Any]:
    """One project; where both sheets hold a field, the project sheet (the project's own form) wins."""
    p: dict[str, Any] = {}
    for part in (row, block):
        if part is not None:
            if not p:
                p.update(part.values)
            else:  # a filled value wins: v not in (None, ""), without comparing an amount with "" (slow for a Decimal)
                p.update(
                    {
                        k: v
                        for k, v in part.values.items()
                        if k not in p or not (v is None or (isinstance(v, str) and not v))
                    }
                )
            at = f"projects[{i}]."
            log.place_block(at, part.grid, part.cells, part.table)
            if part.shown:
                log.shown.update({at + k: v for k, v in part.shown.items()})
    if row is not None and block is not None:
        for n in ("name", "budget"):
            a, b = row.values.get(n), block.values.get(n)
            if a is not None and b is not None and n in block.cells and squash(str(a)) != squash(str(b)):
                log.warn(
                    block.grid, *block.cells[n],
                    f"与 {row.grid.name}!{row.grid.a1(*row.cells[n])} 的“{a}”不一致，按本表的“{b}”读取",
                )  # fmt: skip
    if p.get("budget") is None:
        part = block or row
        assert part is not None
        log.warn(part.grid, *part.cells.get("budget", part.where), "预算数为空，按 0 读取")
        p["budget"] = Decimal("0.00")
    p.setdefault("name", "")
    return p


def identity(data: dict[str, Any], log: ReadLog, properties: dict[str, str]) -> None:
    """code, name and year, and each project's unit line, from wherever the workbook holds them."""
    for name, prop in IDENTITY_PROPERTIES.items():
        if properties.get(prop):
            data[name] = properties[prop]
    lines = [p.pop("unit_line", None) for p in data["projects"]]
    if not data.get("name"):
        own = next((line for line in lines if line), "")
        data["name"] = _CODE.match(own).group(2) if own else ""  # type: ignore[union-attr]
        if not data["name"]:
            log.note(f"工作簿中没有部门（单位）名称，已填为“{MISSING}”，请在 JSON 中改正")
            data["name"] = MISSING
    if not data.get("code"):
        data["code"] = guess_code(data["name"], [line for line in lines if line], log)
    for p, line in zip(data["projects"], lines, strict=True):
        if line is None or line in (data["code"] + data["name"], data["name"]):  # the unit's own line
            p["unit_code"] = p["unit_name"] = ""
        else:
            p["unit_code"], p["unit_name"] = _CODE.match(line).groups()  # type: ignore[union-attr]
    if data.get("year") is None:
        data["year"] = guess_year(data, log)
    data.setdefault("long_term", {}).setdefault("deadline", None)  # blank on the form: blank in the JSON
    cost_first = forms.PROJECT_TREES["cost_first"][0][0]
    if "project_tree" not in data and any(
        p.get("indicators") and p["indicators"][0]["level1"] == cost_first for p in data["projects"]
    ):
        data["project_tree"] = "cost_first"  # only the newer tree starts with 成本指标


def guess_code(name: str, lines: list[str], log: ReadLog) -> str:
    for line in lines:
        if line.endswith(name) and line[: -len(name)]:
            return line[: -len(name)]
    m = re.fullmatch(r"(.+?)-(.+)", Path(log.source).stem)  # xlsgen names files <单位编码>-<单位名称>
    if m and squash(m.group(2)) == squash(name):
        return m.group(1)
    log.note(f"工作簿中没有单位编码，已填为“{MISSING}”，请在 JSON 中改正")
    return MISSING


def guess_year(data: dict[str, Any], log: ReadLog) -> int:
    deadline = data.get("long_term", {}).get("deadline")
    if deadline is not None:
        log.note(f"表头中没有近两年的年份，预算年度按长期目标截止年度 − 2（{deadline - 2}）读取")
        return int(deadline) - 2
    if data.get("filled_on"):
        log.note(f"表头中没有年份，预算年度按填报日期的次年（{data['filled_on'].year + 1}）读取")
        return int(data["filled_on"].year) + 1
    year = _dt.date.today().year + 1
    log.note(f"工作簿中没有预算年度，暂按 {year} 读取，请在 JSON 中改正")
    return year
