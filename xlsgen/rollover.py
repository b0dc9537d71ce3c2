"""Next year's drafts (issue 14 §3): ``xlsgen rollover data/ --year 2026 -o data-2026/``.

The rules of the move, for a unit of year Y rolled to Y+1 (also written in the README):

* 预算年度 becomes Y+1; identity (编码, 名称, 主管部门, 所属地区, 填报人, 联系电话), the indicator tree
  and the texts are kept.
* 年度绩效指标: 前年 ← last year's 上年, 上年 ← last year's 预期当年实现值, and the new 预期当年实现值
  starts as last year's, marked for review.
* 部门总体资金情况: 前年 ← last year's 上年, 上年 ← last year's 当年, and the new 当年 amounts are left
  to fill: 0.00 in the draft, marked to fill.
* 长期目标截止年度: kept while it is not before Y+1; a deadline already passed becomes Y+3 and is
  marked for review.
* 填报日期 is cleared and marked to fill; 年度工作任务, 年度目标 and the projects are kept, marked for
  review.

The marks live in the unit's ``draft`` field; rule W-DRAFT (drafts.py) turns each into a warning saying what to
fill or check, and the rules that would otherwise fail on a field still to fill (a 0.00 合计, an empty
填报日期) leave it to that warning. So a draft validates with warnings only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ERROR, WARNING, Location, XlsgenError, in_file
from .model import Draft, Unit, YearAmounts

if TYPE_CHECKING:
    from .validate import Problem

ZERO = Decimal("0.00")


def roll(unit: Unit, year: int) -> Unit:
    """The draft of ``unit`` (of year ``year - 1``) for budget year ``year``."""
    if unit.year != year - 1:
        raise ValueError(f"unit of {unit.year} cannot roll to {year}")
    fill: list[str] = []
    review: list[str] = []
    u = unit.model_copy(deep=True)
    u.year, u.filled_on, u.draft = year, None, None
    fill.append("filled_on")
    for i, row in enumerate(u.annual.indicators):
        row.prev2, row.prev1 = row.prev1, row.value
        if row.value.strip():
            review.append(f"annual.indicators[{i}].value")
    if u.funding is not None:
        for side in ("income", "expense"):
            block = getattr(u.funding, side)
            for key, _ in block.PARTS:
                old: YearAmounts = getattr(block, key)
                setattr(block, key, YearAmounts(current=ZERO, prev2=old.prev1, prev1=old.current))
                fill.append(f"funding.{side}.{key}.current")
    if u.long_term.deadline is not None and u.long_term.deadline < year:
        u.long_term.deadline = year + 2
        review.append("long_term.deadline")
    for path, present in (("tasks", u.tasks), ("annual.goal", u.annual.goal.strip()), ("projects", u.projects)):
        if present:
            review.append(path)
    u.draft = Draft(from_year=unit.year, fill=fill, review=review)
    return u


# ---------------------------------------------------------------- the command


@dataclass
class Result:
    written: list[tuple[Path, Path, int, int]] = field(default_factory=list)  # (source, draft, to fill, to review)
    problems: list[Problem] = field(default_factory=list)


def _problem(level: str, code: str, message: str, where: Location) -> Problem:
    from .errors import Problem

    return Problem(level, code, message, where)


def rollover(data_dir: Path, year: int, out_dir: Path, force: bool = False) -> Result:
    """A draft under ``out_dir`` (same relative path) of every unit under ``data_dir``; one bad unit costs only itself."""
    from .bulk import RETURNED_SUFFIX, find_units
    from .files import write_atomic
    from .model import load_unit

    data_dir, out_dir = Path(data_dir), Path(out_dir)
    result = Result()
    for path in find_units(data_dir, out_dir):
        where = str(path)
        try:
            unit = load_unit(path)
        except XlsgenError as exc:
            result.problems.extend(in_file(exc.problems, where))
            continue
        if unit.year != year - 1:
            why = (
                f"已是 {year} 年度，无需滚动"
                if unit.year == year
                else f"预算年度为 {unit.year}，只能滚动到 {unit.year + 1}：请逐年滚动，或改正 --year"
            )
            result.problems.append(_problem(ERROR, "E-YEARS", f"{why}；未生成草稿", Location(where, "year")))
            continue
        returned = path.with_name(path.name[: -len(".json")] + RETURNED_SUFFIX)
        if returned.is_file():
            result.problems.append(
                _problem(
                    WARNING,
                    "W-DRAFT",
                    f"旁边有交回的数据 {returned.name} 尚未写回：草稿按 {path.name} 生成；如应以交回的为准，"
                    "请先运行 xlsgen collect --apply 再滚动",
                    Location(where),
                )
            )
        target = out_dir / path.relative_to(data_dir)
        if target.exists() and not force:
            result.problems.append(
                _problem(
                    ERROR,
                    "E-OUTPUT",
                    f"{target} 已存在，未覆盖（其中可能已有填写的内容）；确需重新生成请加 --force",
                    Location(where),
                )
            )
            continue
        draft = roll(unit, year)
        try:
            write_atomic(target, draft.to_json().encode("utf-8"))
        except XlsgenError as exc:
            result.problems.extend(exc.problems)
            continue
        assert draft.draft is not None
        result.written.append((path, target, len(draft.draft.fill), len(draft.draft.review)))
    return result
