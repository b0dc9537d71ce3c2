"""Validation: run the rules (rules.py) over a unit and locate each problem for the user.

A problem is located by its JSON path in a unit file (``data/x.json: annual.indicators[12].value``) or,
when the unit was read from a workbook, by its cell (``x.xlsx!部门整体绩效目标申报表!F47``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import DataError
from .model import Expense, Income, Unit, load_unit
from .rules import ERROR, RULES, SIDES, WARNING, YEARS, Context

__all__ = ["ERROR", "RULES", "WARNING", "Problem", "check", "check_file", "code_table", "codes_markdown", "locate"]


@dataclass(frozen=True)
class Problem:
    level: str  # ERROR or WARNING
    code: str  # stable, e.g. "E-FUNDS-SUM"
    message: str  # Chinese: what is wrong and how to fix it
    path: str  # JSON path, e.g. "annual.indicators[12].value"
    where: str  # printed location: "data/x.json: annual.indicators[12].value" or "x.xlsx!Sheet!F47"

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.where}：{self.message}"


# Codes that are not rules over a unit but can appear in ``xlsgen validate`` output.
OTHER_CODES: dict[str, str] = {
    "E-LOAD": "文件无法读取：不是合法的 JSON / 单位数据，或不是可读的工作簿",
    "W-READ": "读取工作簿时的提示（某些内容无法定位或已按预印标签修正）",
}


def code_table() -> list[tuple[str, str, int, str]]:
    """(code, level, forms.md §4 rule number, Chinese description) for every rule, by rule number."""
    return [(r.code, r.level, r.number, r.title) for r in sorted(RULES, key=lambda r: r.number)]


def codes_markdown() -> str:
    """The README's list of problem codes, as a Markdown table built from the registry."""
    lines = ["| 代码 | 级别 | forms.md §4 | 含义 |", "|---|---|---|---|"]
    lines += [f"| `{code}` | {level} | {number} | {title} |" for code, level, number, title in code_table()]
    lines += [
        f"| `{code}` | {ERROR if code.startswith('E-') else WARNING} | – | {title} |"
        for code, title in OTHER_CODES.items()
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- running the rules


_PARENT = re.compile(r"(\.[^.\[\]]+|\[\d+\])$")


def _cell(p: str, cells: Mapping[str, str]) -> str | None:
    if p in cells:
        return cells[p]
    if p.endswith("]"):  # a row: one of its cells, the 三级指标 first
        for child in ("level3", "name", "value", "level2", "level1"):
            if f"{p}.{child}" in cells:
                return cells[f"{p}.{child}"]
    # a group of fields (projects[0].plan): its first cell
    return next((ref for key, ref in cells.items() if key.startswith((f"{p}.", f"{p}["))), None)


def locate(path: str, source: str = "", cells: Mapping[str, str] | None = None) -> str:
    """The printed location of a JSON path: ``file: path``, or ``file!sheet!A1`` when cells are known.

    Without a cell for the path itself, the nearest enclosing path that has one is used; a row (or a
    merged 一级/二级 cell below the first row of its group) is placed at a cell of the same row.
    """
    p = path
    while cells and p:
        ref = _cell(p, cells)
        if ref is not None:
            return f"{source}!{ref}" if source else ref
        p = _PARENT.sub("", p) if _PARENT.search(p) else ""
    return f"{source}: {path}" if source else path


def check(
    unit: Unit,
    source: str = "",
    cells: Mapping[str, str] | None = None,
    shown: Mapping[str, Any] | None = None,
) -> list[Problem]:
    """Every problem of ``unit``, errors first, each rule's findings in file order.

    ``source`` names the file in locations; ``cells`` maps JSON paths to ``sheet!A1`` when the unit was
    read from a workbook; ``shown`` holds what such a workbook shows in its computed cells (the funding
    block's 合计 and 占比, keyed ``funding.income.total.current``, ``funding.income.fiscal.share``, …), which
    rules 1–2 compare with the amounts.
    """
    ctx = Context(unit, shown or {})
    problems = []
    for r in RULES:
        for path, message in r.run(ctx):
            problems.append(Problem(r.level, r.code, message, path, locate(path, source, cells)))
    return sorted(problems, key=lambda p: p.level != ERROR)


def _ref(ref: str) -> tuple[str, int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    sheet, coord = ref.rsplit("!", 1)
    letters, row = coordinate_from_string(coord.replace("$", ""))
    return sheet.strip("'"), row, column_index_from_string(letters)


def _cell_ref(sheet: str, row: int, col: int) -> str:
    from openpyxl.utils.cell import get_column_letter

    return f"{sheet}!{get_column_letter(col)}{row}"


def _funding_cells(cells: Mapping[str, str], label: Callable[[str, int, int], str]) -> dict[str, str]:
    """Where the funding block shows its 合计 and 占比, derived from where its parts were read.

    The reader reports the cells it read the amounts from; 合计 and 占比 are computed, so it may not
    report theirs. The official column plan (forms.md §1) puts 合计 in the row right below the three
    parts, and 占比 in the column right after 当年金额; a cell is taken only when the workbook confirms it
    (a 合计 label to the left of the total, an 占比 header above the shares in the same column), so a re-arranged form is not
    read at a wrong place.
    """
    out: dict[str, str] = {}
    for side, _ in SIDES:
        keys = [k for k, _ in (Income.PARTS if side == "income" else Expense.PARTS)]
        for y in YEARS:
            refs = [cells.get(f"funding.{side}.{k}.{y}") for k in keys]
            if any(r is None for r in refs):
                continue
            spots = [_ref(r) for r in refs if r is not None]
            sheet, first, col = spots[0]
            if any(s != (sheet, first + n, col) for n, s in enumerate(spots)):
                continue
            row = first + len(spots)
            if not any(re.sub(r"\s+", "", label(sheet, row, c)) == "合计" for c in range(1, col)):
                continue
            out[f"funding.{side}.total.{y}"] = _cell_ref(sheet, row, col)
            if y == "current":
                share_col = col + 1
                if any(re.sub(r"\s+", "", label(sheet, r, share_col)) == "占比" for r in range(1, first)):
                    for n, k in enumerate(keys):
                        out[f"funding.{side}.{k}.share"] = _cell_ref(sheet, first + n, share_col)
                    out[f"funding.{side}.total.share"] = _cell_ref(sheet, row, share_col)
    return {p: ref for p, ref in out.items() if p not in cells}


def workbook_totals(path: Path, cells: Mapping[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """The funding block's 合计/占比 cells of a workbook: (their locations the reader did not give, their values).

    Values are what the workbook shows: typed numbers, or the values cached with formulas. A formula saved
    without a cached value (by a tool that does not recalculate) shows whatever Excel computes on opening,
    which is consistent by construction: such a cell is left out, not read as empty.
    """
    import openpyxl

    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path, data_only=False)
    try:

        def text(sheet: str, row: int, col: int) -> str:
            if sheet not in values.sheetnames:
                return ""
            value = values[sheet].cell(row, col).value
            return "" if value is None else str(value)

        extra = _funding_cells(cells, text)
        shown: dict[str, Any] = {}
        for p, ref in {**cells, **extra}.items():
            if not _SHOWN.match(p):
                continue
            sheet, row, col = _ref(ref)
            if sheet not in values.sheetnames:
                continue
            value = values[sheet].cell(row, col).value
            formula = formulas[sheet].cell(row, col).value
            if value is None and isinstance(formula, str) and formula.startswith("="):
                continue
            shown[p] = value
        return extra, shown
    finally:
        values.close()
        formulas.close()


# The computed cells of the funding block, whose shown values rules 1–2 check.
_SHOWN = re.compile(r"^funding\.(income|expense)\.(total\.(current|prev2|prev1|share)|\w+\.share)$")


def load_problems(exc: Exception, source: str) -> list[Problem]:
    """A file that could not be loaded, as E-LOAD problems, one per line of the error.

    Lines read ``<file>：<json path>：<message>`` (a unit file), ``<file>!<sheet>!<cell>：<message>`` (a
    workbook) or ``<file>：<message>``; the location goes to ``where`` so it is not printed twice.
    """
    names = tuple(dict.fromkeys((source, Path(source).name)))
    problems = []
    for line in str(exc).splitlines():
        where, text = source, line
        for name in names:
            cell = re.match(rf"^({re.escape(name)}![^：]+)：(.*)$", line, re.DOTALL)
            if cell:
                where, text = cell.group(1), cell.group(2)
                break
            if line.startswith(name + "："):
                text = line[len(name) + 1 :]
                break
        m = re.match(r"^([A-Za-z_$][\w.$\[\]]*|（根）)：(.*)$", text)
        if m and where == source:
            problems.append(Problem(ERROR, "E-LOAD", m.group(2), m.group(1), f"{source}: {m.group(1)}"))
        elif text.strip():
            problems.append(Problem(ERROR, "E-LOAD", text, "", where))
    return problems or [Problem(ERROR, "E-LOAD", str(exc), "", source)]


def check_file(path: Path) -> list[Problem]:
    """Validate a unit JSON file or a workbook; raises ``XlsgenError`` when the file cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return check(load_unit(path), str(path))
    if suffix not in (".xlsx", ".xlsm"):
        raise DataError(
            f"{path}：不支持的文件类型 {path.suffix or '（无扩展名）'}，应为单位 JSON 文件（.json）或工作簿（.xlsx）"
        )
    try:
        from .read import read_workbook  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise DataError(f"{path}：本版本尚不能读取工作簿，请先校验单位 JSON 文件") from None
    imported = read_workbook(path)
    source = str(path)  # as the user named it, like a unit file (the reader's own source is the bare name)
    cells = dict(getattr(imported, "cells", None) or {})
    shown = getattr(imported, "shown", None)  # a reader may report the computed cells' values itself
    if shown is None:
        extra, shown = workbook_totals(path, cells)
        cells.update(extra)
    return check(imported.unit, source, cells, shown) + [
        w if isinstance(w, Problem) else _read_warning(str(w), source)
        for w in getattr(imported, "warnings", None) or ()
    ]


def _read_warning(text: str, source: str) -> Problem:
    # The reader's warnings read "<file>!<sheet>!<cell>：<message>" or "<file>：<message>".
    for name in dict.fromkeys((source, Path(source).name)):
        m = re.match(rf"^{re.escape(name)}(![^：]+)?：(.*)$", text, re.DOTALL)
        if m:
            return Problem(WARNING, "W-READ", m.group(2), "", source + (m.group(1) or ""))
    return Problem(WARNING, "W-READ", text, "", source)
