"""Reader: an edited or hand-typed workbook → Unit, driven by what the templates print (issue 4, 11).

::

    bytes ─(safety.open_package)→ checked parts ─(grid.load_grids)→ a Grid per sheet
          ─(fields: single fields · tables: repeating blocks)→ values ─(assemble)→ Unit

Sheets are recognised by their content, not their names. On 部门整体绩效目标申报表 each section is found
by its anchor in column A and read up to the next anchor, so blank rows between sections, inserted and
deleted indicator rows and re-merged cells do not matter; columns never move (the official layout has
nine; a blank margin column on the left is cut off). On 项目绩效目标表 every 项目编码 row starts a
project block. Where each field sits and how it is decoded comes from the templates (anchors.py).

Every non-empty cell of a form sheet ends up read into a field, recognised as a label of the form or as
a computed cell (合计, 占比, a project's heading), or reported as an error (E-READ) at file!sheet!cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from .anchors import DEPT_LABELS, PROJECT_LABELS, Spec, loose, spec
from .assemble import MISSING, Part, assemble
from .errors import ERROR, Location, Problem, ReadError
from .fields import bounds_of, find_anchors, first_row, read_places
from .forms import IDENTITY_PROPERTIES
from .grid import Grid, load_grids
from .layout import TEMPLATE_VERSION
from .model import Expense, Income, SpendPlan, YearAmounts
from .readlog import ReadLog
from .safety import open_package
from .tables import find_table, is_header_row, read_rows, read_table, table_end

__all__ = ["MISSING", "Imported", "read_bytes", "read_grids", "read_workbook"]


@dataclass
class Imported:
    unit: Any  # model.Unit
    # JSON path → "sheet!A1" where it was read (see ``cells``), or what makes that mapping
    _cells: dict[str, str] | Callable[[], dict[str, str]]
    problems: list[Problem]  # W-READ warnings and E-READ errors (cells that could not be placed)
    source: str
    # What the computed cells show (funding.income.total.current, funding.income.fiscal.share, …), for the
    # validator to compare with the amounts; a formula cell saved without its value is left out.
    shown: dict[str, Any] = field(default_factory=dict)

    @property
    def cells(self) -> dict[str, str]:
        """JSON path → ``sheet!A1`` where it was read: made when first asked for, since an import whose
        unit has no problem to locate never needs it (a few thousand names of cells on a large form)."""
        if callable(self._cells):
            self._cells = self._cells()
        return self._cells

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (to another process) with its cells named, not with the reader's log and grids.
        return {**self.__dict__, "_cells": self.cells}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != ERROR]


def read_workbook(path: str | Path, *, engine: str = "auto") -> Imported:
    """Read one workbook file; raises ReadError / UnsafeFileError naming the file (and sheet!cell)."""
    from .osfiles import NotReadable, read_regular
    from .safety import MAX_FILE

    p = Path(path)
    try:
        data = read_regular(p, MAX_FILE)  # never a FIFO, a device or a file of gigabytes (issue 13 §7)
    except NotReadable as exc:
        raise ReadError(f"无法读取文件：{exc}", Location(str(p))) from None
    return read_bytes(data, p.name, engine=engine)


def read_bytes(data: bytes, source: str, *, engine: str = "auto") -> Imported:
    """Read a workbook held in memory; ``source`` names it in every message."""
    package = open_package(data, source)
    return read_grids(load_grids(package, engine), source, package.properties)


def read_grids(grids: list[Grid], source: str, properties: dict[str, str] | None = None) -> Imported:
    """The unit the sheets of one workbook hold (``properties``: its custom document properties)."""
    properties = properties or {}
    log = ReadLog(source)
    s = spec()
    version = properties.get("xlsgen_template_version")
    if version and version != TEMPLATE_VERSION:
        log.note(f"由另一版本的 xlsgen 生成（模板版本 {version}，当前为 {TEMPLATE_VERSION}），按表中的栏目名读取")
    # xlsgen's hidden sheet of drop-down lists says the workbook was generated, even once its document
    # properties are gone; they alone carry what the form does not print (主管部门, 所属地区).
    generated = any(g.name == "_lists" and g.hidden for g in grids)
    if generated and not any(prop in properties for prop in IDENTITY_PROPERTIES.values()):
        log.note(
            "工作簿由 xlsgen 生成，但其文档属性已被清除（可能经其他软件另存），"
            "表上不印的主管部门、所属地区无法读出，已留空；请在 JSON 中填写"
        )
    grids = [g.trimmed() for g in grids]
    kinds = {g.name: sheet_kind(g, s) for g in grids}
    depts = [g for g in grids if kinds[g.name] == "dept"]
    sheets = [g for g in grids if kinds[g.name] == "project"]
    if not depts and not sheets:
        raise ReadError(
            "不是部门整体绩效目标申报表或项目绩效目标表（A 列中找不到足够的栏目名称："
            "附件1 应有“部门（单位）名称”“部门职能概述”“长期绩效指标”等，项目表应有“项目编码”“绩效目标”“一级指标”等），"
            "请确认发送的是本单位填写的申报表",
            Location(source),
        )
    for g in grids:
        if kinds[g.name] is None and g.rows and not g.hidden:
            log.error(g, *next(g.cells()), f"工作表“{g.name}”不是部门整体绩效目标申报表或项目绩效目标表，未读取")
    for g in depts[1:]:
        log.error(
            g, *next(g.cells()),
            f"工作簿中有多张部门整体绩效目标申报表，只读取了第一张“{depts[0].name}”，“{g.name}”未读取",
        )  # fmt: skip
    data: dict[str, Any] = {"sections": {"funding": False, "projects": False, "overall_goals": False, "notes": False}}
    rows = read_dept(depts[0], s, log, data) if depts else []
    blocks = [part for g in sheets for part in read_project_sheet(g, s, log)]
    unit = assemble(data, rows, blocks, log, properties)
    for g in depts[:1] + sheets:
        log.unplaced(g, lambda text: loose(text) in s.labels or loose(text) in s.notes or s.heading.match(text))
    return Imported(unit, log.cell_names, log.problems, source, log.shown)


def sheet_kind(g: Grid, s: Spec) -> str | None:
    """Which form a sheet holds, from the labels in its column A (both forms put their anchors there)."""
    by_key, others = g.column_keys(s.anchor_col, loose)
    # The column's text (a str subclass, as openpyxl may give, is indexed with the numbers).
    extra = [v for r in others if isinstance(v := g.rows[r][s.anchor_col], str)]
    keys = set(by_key) | {loose(t) for t in extra}
    found = 0
    slotted = []
    for a in s.sections.values():
        if a.slot is None or a.key in keys:  # matched by its key alone (a slotted one typed as the label)
            found += a.key in keys
        else:
            slotted.append(a)
    if found >= 3:
        return "dept"
    if found + len(slotted) >= 3:  # only then can the slotted anchors decide it: their regex on each text
        col_a = [v for row in g.rows.values() if isinstance(v := row.get(s.anchor_col), str)]
        found += sum(any(a.match(t) for t in col_a) for a in slotted)
        if found >= 3:
            return "dept"
    code = s.place("code").label
    project = {p.label.key for p in s.project_places if p.label_col == s.anchor_col} | {s.project_table.anchor.key}
    if code.key in keys and len(keys & project) >= 3:  # 项目编码 and two more
        return "project"
    return None


# ---------------------------------------------------------------- 部门整体绩效目标申报表


def read_dept(g: Grid, s: Spec, log: ReadLog, data: dict[str, Any]) -> list[Part]:
    """The 附件1 sheet into ``data``; returns its 项目支出情况 rows, to be paired with the project forms."""
    found = find_anchors(g, s.sections, log, s.anchor_col)
    where = bounds_of(found, g.n_rows)
    values = read_places(g, s.dept_places, where, log)
    for name in ("name", "filler", "phone"):
        data[name] = values.get(name, "")
    for name in ("functions", "tasks"):
        data[name] = values.get(name, [])
    data["filled_on"] = values.get("filled_on")
    data["year"] = values.get("year")
    if "overall_goals" in found:
        data["sections"]["overall_goals"] = True
        data["overall_goals"] = {k: values.get(f"overall_goals.{k}", []) for k in ("long_term", "annual")}
    data["long_term"] = {"deadline": values.get("long_term.deadline"), "goal": values.get("long_term.goal", "")}
    data["annual"] = {"goal": values.get("annual.goal", "")}
    _dept_tables(g, s, log, data, found, where)
    if "funding" in found:
        data["sections"]["funding"] = True
        data["funding"] = _funding(g, log, values, where["funding"])
    data["sections"]["notes"] = "notes" in found
    if "projects" not in found:
        return []
    data["sections"]["projects"] = True
    lo, hi = where["projects"]
    return [
        Part(g, cells["name"], values, cells) for values, cells in read_rows(g, s.project_rows, lo, hi, log, s.total)
    ]


def _dept_tables(
    g: Grid, s: Spec, log: ReadLog, data: dict[str, Any], found: dict[str, int], where: dict[str, tuple[int, int]]
) -> None:
    """长期 and 年度 indicators: each table searched in its section, else anywhere below the top; found
    by its anchor or by its header row, so neither a blank deadline nor a retyped label loses it."""
    taken: list[int] = []
    for name, table, other in (("long_term", s.long_table, s.annual_table), ("annual", s.annual_table, s.long_table)):
        lo, hi = where.get(name, (where["top"][1], g.n_rows))
        start = find_table(g, table, lo, hi, header=False)
        if start is None:  # typed without its anchor, or its section's label is not found
            start = _by_header(g, table, other, where["top"][1], g.n_rows, taken)
        data[name]["indicators"] = []
        if start is None:
            if name in found:
                log.warn(g, found[name], s.anchor_col, f"找不到“{table.anchor.text}”表，其下的指标未读取")
            continue
        taken.append(start)
        a = table.anchor_col
        if g.value(start, a) is not None and not table.anchor.match(g.text(start, a)):
            log.mark(g, start, a)  # the block label, typed otherwise: the header row says which table it is
            log.warn(g, start, a, f"“{g.text(start, a)}”按表头读作“{table.anchor.text}”")
        stop = min((r for r in [*found.values(), *taken] if r > start), default=g.n_rows)
        end = table_end(g, table, start, stop)
        rows, cells = read_table(g, table, start, end, log, DEPT_LABELS, f"{name}.indicators")
        data[name]["indicators"] = rows
        log.place_block("", g, {}, cells)


def _by_header(g: Grid, table: Any, other: Any, lo: int, hi: int, taken: list[int]) -> int | None:
    """A table's header row, told from the other table's by the labels only one of them prints."""
    own = table.headers - other.headers
    others = other.headers - table.headers
    for r in range(lo, hi):
        if r in taken or r not in g.rows or not is_header_row(g, table, r):
            continue
        near = {loose(g.text(x, c)) for x in range(r, min(r + table.header_rows, hi)) for c in g.rows.get(x, {})}
        if (own and near & own) or (not own and not near & others):
            return r
    return None


def _funding(g: Grid, log: ReadLog, values: dict[str, Any], rows: tuple[int, int]) -> dict[str, Any] | None:
    lines = {k: v for k, v in values.items() if k.startswith("funding.")}
    if all(v is None for v in lines.values()):
        return None  # a blank block: not filled in
    funding: dict[str, Any] = {}
    for side, parts in (("income", Income.PARTS), ("expense", Expense.PARTS)):
        funding[side] = {}
        for part, _label in parts:
            # A blank amount next to filled ones is 0, as a clerk's SUM reads it.
            funding[side][part] = {y: lines.get(f"funding.{side}.{part}.{y}") or _zero() for y in YearAmounts.YEARS}
    return funding


def _zero() -> Any:
    return Decimal("0.00")


# ---------------------------------------------------------------- 项目绩效目标表


def read_project_sheet(g: Grid, s: Spec, log: ReadLog) -> list[Part]:
    """One part per 项目编码 row; a block starts at its heading (or unit line) above that row."""
    code = s.place("code")
    code_rows = []
    r = first_row(g, code.label, code.label_col, 0, g.n_rows)
    while r is not None:
        code_rows.append(r)
        r = first_row(g, code.label, code.label_col, r + 1, g.n_rows)
    starts, heads = [], []
    for rc in code_rows:
        unit_line = heading = None
        r = _up(g, rc - 1)
        if r >= 0 and any(s.amount_unit.match(g.text(r, c)) for c in g.rows[r]):
            unit_line, r = r, _up(g, r - 1)
        if r >= 0 and s.heading.match(g.text(r, s.heading_col)):
            heading = r
        starts.append(min(x for x in (rc, unit_line, heading) if x is not None))
        heads.append((unit_line, heading))
    ends = [*starts[1:], g.n_rows]
    return [
        read_project(g, s, log, rc, start, end, *head)
        for rc, start, end, head in zip(code_rows, starts, ends, heads, strict=True)
    ]


def _up(g: Grid, r: int) -> int:
    while r >= 0 and g.blank_row(r):
        r -= 1
    return r


def read_project(
    g: Grid, s: Spec, log: ReadLog, rc: int, start: int, end: int, unit_line: int | None, heading: int | None
) -> Part:
    """One project block: its fields by the template's places, its indicator table, its unit line and heading."""
    table = find_table(g, s.project_table, rc, end)
    top = table if table is not None else end
    sub = log.block()
    values = read_places(g, s.project_places, {"": (rc, top)}, sub)
    part = Part(g, (start, s.heading_col), {}, {p: (r, c) for p, (_, r, c) in sub.placed().items()})
    part.shown = sub.shown  # placed under the project's path by assemble
    for n in ("code", "name", "use"):
        part.values[n] = values.get(n, "")
    part.values["goals"] = values.get("goals", [])
    for n in ("budget", "fiscal", "other"):
        part.values[n] = values.get(n)
    fiscal, other = part.values["fiscal"], part.values["other"]
    if part.values["budget"] is None and (fiscal is not None or other is not None):
        # 预算数 is the formula 财政资金 + 其他资金; saved without its value (by a tool that does not
        # calculate) it is empty here, but shows the sum as soon as Excel opens the file.
        part.values["budget"] = (fiscal or _zero()) + (other or _zero())
    part.values["plan"] = _plan(g, s, part, values, log)
    if unit_line is not None:
        for c in g.rows[unit_line]:
            if s.amount_unit.match(g.text(unit_line, c)):
                log.mark(g, unit_line, c)
        part.values["unit_line"] = log.take(g, unit_line, s.unit_line_col)
        part.cells["unit_code"] = part.cells["unit_name"] = (unit_line, s.unit_line_col)
    if heading is not None:
        log.mark(g, heading, s.heading_col)  # N.<name>绩效目标表 is derived from the name
        if not part.values["name"] and (m := s.heading.match(g.text(heading, s.heading_col))):
            part.values["name"] = m.group("name")
            part.cells.setdefault("name", (heading, s.heading_col))
    if table is not None:
        indicators = read_table(g, s.project_table, table, end, log, PROJECT_LABELS, "indicators")
        part.values["indicators"], part.table = indicators
    else:
        log.warn(g, rc, s.anchor_col, f"本项目找不到指标表头“{s.project_table.anchor.text}”，项目绩效指标未读取")
    return part


def _plan(g: Grid, s: Spec, part: Part, values: dict[str, Any], log: ReadLog) -> dict[str, Any] | None:
    """资金支出计划: the form stores 25% as 0.25 (percent format); a 25 typed into a General cell means 25%."""
    cells = part.cells
    where = {k: cells[path] for k, path in _PLAN if path in cells}
    held = {k: g.value(*rc) for k, rc in where.items()}
    numbers = [v for v in held.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    fraction = bool(numbers) and max(numbers) <= 1
    plan: dict[str, Any] = {}
    for k, v in held.items():
        # read_places decoded the cell as decode.percent does without ``fraction`` (None: empty, or
        # unreadable and reported there): a number only remains to be scaled.
        d = values.get(_PLAN_PATH[k])
        if d is not None and fraction and isinstance(v, (int, float)) and not isinstance(v, bool):
            d = d * 100
        plan[k] = d
    if all(v is None for v in plan.values()):
        return None
    for k, label in SpendPlan.CHECKPOINTS:
        if plan.get(k) is None:
            log.warn(g, *where.get(k, part.where), f"资金支出计划缺少“{label}”，按 0% 读取")
            plan[k] = _zero()
    for k, v in plan.items():
        if v != (rounded := v.quantize(_CENT, rounding=ROUND_HALF_UP)):
            log.warn(g, *where[k], f"{v.normalize():f}% 已按两位小数取为 {rounded}%")
            plan[k] = rounded
    return plan


_PLAN = tuple((k, f"plan.{k}") for k, _ in SpendPlan.CHECKPOINTS)
_PLAN_PATH = dict(_PLAN)
_CENT = Decimal("0.00")
