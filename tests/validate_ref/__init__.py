"""The validator as it was before the speed work of issue 15 (commit d3af64d), kept as the oracle.

A verbatim copy of rules.py, rules_money.py, rules_values.py, rules_form.py, drafts.py, the
normalisation that the rules read (normalize.py) and ``validate.check``/``locate``, with imports pointing
at this package (the model, forms and errors are shared: they are not what was rewritten). It has its
own registry, so ``check`` here runs the old rules only. tests/test_validate_same.py compares its
problems with xlsgen's, code, level, message, location and order, on many units.

Do not "fix" this copy: it is what the faster rules must agree with. A rule change that is meant to
change the problems found belongs in xlsgen and here alike, in the same commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xlsgen.errors import ERROR, Location, Problem
from xlsgen.model import Unit

from . import rules_money as _rules_money  # noqa: F401  isort: skip
from . import rules_values as _rules_values  # noqa: F401  isort: skip
from . import rules_form as _rules_form  # noqa: F401  isort: skip
from . import drafts as _drafts  # noqa: F401  isort: skip
from .rules import RULES, Context  # isort: skip

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
    ctx = Context(unit, shown or {})
    problems = []
    for r in RULES:
        for path, message in r.run(ctx):
            problems.append(Problem(r.level, r.code, message, locate(path, source, cells)))
    return sorted(problems, key=lambda p: p.level != ERROR)
