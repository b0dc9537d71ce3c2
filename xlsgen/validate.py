"""Validation: run the rules (rules.py) over a unit and locate each problem for the user.

A problem is located by its JSON path in a unit file (``data/x.json: annual.indicators[12].value``) or,
when the unit was read from a workbook, by its cell (``x.xlsx!部门整体绩效目标申报表!F47``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Importing a rule module registers its rules, in this order (rules 1–16 of forms.md §4, then W-DRAFT).
from . import rules_money as _rules_money  # noqa: F401  isort: skip
from . import rules_values as _rules_values  # noqa: F401  isort: skip
from . import rules_form as _rules_form  # noqa: F401  isort: skip
from . import drafts as _drafts  # noqa: F401  isort: skip
from .errors import ERROR, WARNING, DataError, Location, Problem, in_file
from .model import Unit, load_unit
from .rules import RULES, Context

if TYPE_CHECKING:
    from .read import Imported

__all__ = [
    "ERROR",
    "RULES",
    "WARNING",
    "Location",
    "Problem",
    "check",
    "check_file",
    "check_imported",
    "code_table",
    "codes_markdown",
    "locate",
]


# Codes that are not rules over a unit but appear in ``xlsgen validate``, ``import`` and ``bulk`` output.
OTHER_CODES: dict[str, str] = {
    "E-LOAD": "文件无法读取：不是合法的 JSON / 单位数据，或不是可读的工作簿",
    "W-READ": "读取工作簿时的提示（某些内容无法定位或已按预印标签修正）",
    "E-READ": "导入工作簿：单元格的内容放不进任何栏目，或不是该栏目要的内容（如金额栏写了文字），未读取",
    "E-DUP-CODE": "generate 与 bulk：两个单位文件的单位编码相同（或名称只差大小写、特殊字符），会写入同一个工作簿，两者都不生成，以免互相覆盖",
    "E-OUTPUT": "批量生成：工作簿无法写入输出目录",
    "E-NO-SPACE": "工作簿、汇总表或清单因磁盘空间不足未能写入（清理磁盘后重新运行即可，已写入的文件完整）",
    "E-RENDER": "批量生成：排版或生成工作簿失败",
    "E-BUG": "批量生成：程序内部错误或工作进程意外退出（其余单位不受影响）",
    "E-LIST": "单位清单：某行缺少或重复了单位编码、缺少单位名称或预算年度，该行未生成（定位到单元格）",
    "W-LIST": "单位清单：表头重复等提示，不影响其余内容",
    "E-RETURN-BLANK": "收集交回：交回的工作簿尚未填写（指标值全部为空，也没有项目）",
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


def locate(path: str, source: str = "", cells: Mapping[str, str] | None = None) -> Location:
    """Where a JSON path is: ``source`` and the path, plus the sheet and cell when cells are known.

    Without a cell for the path itself, the nearest enclosing path that has one is used; a row (or a
    merged 一级/二级 cell below the first row of its group) is placed at a cell of the same row.
    """
    p = path
    while cells and p:
        ref = _cell(p, cells)
        if ref is not None:
            sheet, _, cell = ref.rpartition("!")  # a cell reference "sheet!A1": an A1 name holds no "!"
            return Location(source, path, sheet, cell)
        p = _PARENT.sub("", p) if _PARENT.search(p) else ""
    return Location(source, path)


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
            problems.append(Problem(r.level, r.code, message, locate(path, source, cells)))
    return sorted(problems, key=lambda p: p.level != ERROR)


def check_file(path: Path) -> list[Problem]:
    """Validate a unit JSON file or a workbook; raises ``XlsgenError`` when the file cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        return check(load_unit(path), str(path))
    if suffix not in (".xlsx", ".xlsm"):
        raise DataError(
            f"不支持的文件类型 {path.suffix or '（无扩展名）'}，应为单位 JSON 文件（.json）或工作簿（.xlsx）",
            Location(str(path)),
        )
    from .read import read_workbook

    return check_imported(read_workbook(path), str(path))


def check_imported(imported: Imported, source: str) -> list[Problem]:
    """The problems of a unit read from a workbook, at its cells, with the reader's own after them.

    ``source`` is the workbook as the user named it (the reader's own source is the bare file name).
    """
    return check(imported.unit, source, imported.cells, imported.shown) + in_file(imported.problems, source)
